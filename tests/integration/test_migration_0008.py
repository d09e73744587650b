"""Migration 0008 on SQLite and PostgreSQL: claims stored before it keep their lines, which get
their claim's provider; afterwards the same claim ID from two providers is two claims, and a
line must belong to a claim of its own provider."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from spenddown.adapters.db.engine import make_engine
from spenddown.adapters.db.migrate import upgrade

CLAIM = (
    "INSERT INTO claims (claim_id, provider_npi, cin, status, medi_cal_paid_cents, "
    "member_owes_cents, received_at, adjudication) VALUES "
    "(:claim_id, :npi, '12345678A', 'paid', 1500, 0, '2026-11-23 18:00:00+00', '{}')"
)
LINE = (
    "INSERT INTO claim_lines (claim_id, line, cin, service_date, procedure_code, units, status, "
    "medi_cal_paid_cents, soc_cents, member_owes_cents, primary_deductible_cents, "
    "deductible_credit_cents, primary_out_of_pocket_cents{extra}) VALUES (:claim_id, 1, "
    "'12345678A', '2026-11-03', '99213', 1, 'paid', 1500, 0, 0, 0, 0, 0{value})"
)


def test_claims_before_0008_keep_their_lines_and_ids_become_per_provider(
    database_url: str,
) -> None:
    upgrade(database_url, "0005")
    engine = make_engine(database_url, pool_size=1)  # SQLite: foreign keys on, as the app
    try:
        with engine.begin() as c:
            c.execute(sa.text(CLAIM), {"claim_id": "CLM-1", "npi": "1234567893"})
            c.execute(sa.text(LINE.format(extra="", value="")), {"claim_id": "CLM-1"})
        upgrade(database_url, "0008")
        with engine.begin() as c:
            lines = c.execute(sa.text("SELECT provider_npi, claim_id FROM claim_lines")).all()
            assert [tuple(row) for row in lines] == [("1234567893", "CLM-1")]
            # The same claim ID from another provider is another claim, with its own lines.
            c.execute(sa.text(CLAIM), {"claim_id": "CLM-1", "npi": "1245319599"})
            other = LINE.format(extra=", provider_npi", value=", :npi")
            c.execute(sa.text(other), {"claim_id": "CLM-1", "npi": "1245319599"})
            assert c.execute(sa.text("SELECT count(*) FROM claims")).scalar_one() == 2
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as c:
            c.execute(sa.text(CLAIM), {"claim_id": "CLM-1", "npi": "1234567893"})
        orphan = LINE.format(extra=", provider_npi", value=", :npi")
        with pytest.raises(sa.exc.IntegrityError), engine.begin() as c:
            c.execute(sa.text(orphan), {"claim_id": "CLM-1", "npi": "1407854771"})
    finally:
        engine.dispose()
