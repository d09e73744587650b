"""Which tables the hot paths read without an index (figure 7's "no missing index" check).

    python -m bench.index_check

On PostgreSQL: 20,000 budget units, 3,000 clearances and 3,000 verifications, ``ANALYZE``, the
statistics reset, then 300 more of each; prints every table's sequential and index scans and
fails if a table holding more than ``SMALL`` rows was read sequentially."""

from __future__ import annotations

from sqlalchemy import create_engine, text

from bench import clearance
from bench.common import PIN, cin, npi, postgres, today_ca
from spenddown.domain.identifiers import parse_member_id
from spenddown.services import eligibility

UNITS = 20_000
SMALL = 100  # reference tables (plans, aid codes) and this population's four providers


def main() -> None:
    with postgres.postgres_server() as server:
        url = postgres.create_database(server, "spenddown_bench")
        clearance.seed(url, UNITS, today_ca().strftime("%Y-%m"))
        engine = create_engine(url)
        app, clear = clearance.clearing(url, 0, "index")

        def verify(i: int) -> None:
            cmd = eligibility.VerifyEligibility(
                npi(1), PIN, parse_member_id(cin(i * 61 % UNITS)), clearance.ISSUED, today_ca()
            )
            eligibility.verify(cmd, app.uow(), app.env)

        try:
            for n in range(3_000):
                clear(n)
                verify(n)
            with engine.begin() as conn:
                conn.execute(text("ANALYZE"))
                conn.execute(text("SELECT pg_stat_reset()"))
            for n in range(3_000, 3_300):
                clear(n)
                verify(n)
        finally:
            app.close()
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT s.relname, c.reltuples::bigint AS rows, s.seq_scan, s.idx_scan "
                    "FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid "
                    "WHERE s.seq_scan > 0 OR s.idx_scan > 0 ORDER BY s.relname"
                )
            ).all()
        engine.dispose()
    for row in rows:
        size = max(row.rows, 0)
        print(f"{row.relname:24} {size:>8,} rows  seq {row.seq_scan:>5}  idx {row.idx_scan:>5}")
    missing = [r.relname for r in rows if r.seq_scan and r.rows > SMALL]
    if missing:
        raise SystemExit(f"read sequentially: {', '.join(missing)}")
    print(f"every table of more than {SMALL} rows was read by index only")


if __name__ == "__main__":
    main()
