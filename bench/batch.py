"""Issue 4: batch adjudication of N generated claims through ``spenddown adjudicate --batch``
(the real command, with its progress bar), on a fresh SQLite file.

    PYTHONPATH=. .venv/bin/python -m bench.batch 100000 [MEMBERS]

Prints the wall time and claims/s (reading the JSONL file and writing the answers included);
the population and claims are those of ``bench.adjudication``."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.adjudication import claims, dataset, members
from bench.common import today_ca
from spenddown.domain.cob.model import Claim


def claim_json(claim: Claim) -> str:
    primary = claim.primary
    return json.dumps(
        {
            "claim_id": claim.claim_id,
            "provider_npi": claim.provider_npi,
            "member_id": claim.member_id,
            "soc_amount": str(claim.soc_amount),
            "primary": None
            if primary is None
            else {
                "payer_type": str(primary.payer_type),
                "payer_name": primary.payer_name,
                "claim_number": primary.claim_number,
                "adjudication_date": str(primary.adjudication_date),
            },
            "lines": [
                {
                    "service_date": str(line.service_date),
                    "procedure_code": line.procedure_code,
                    "units": line.units,
                    "charge": str(line.charge),
                    "scope": str(line.scope),
                    "primary": None
                    if line.primary is None
                    else {
                        "allowed": str(line.primary.allowed),
                        "paid": str(line.primary.paid),
                        "deductible": str(line.primary.deductible),
                        "coinsurance": str(line.primary.coinsurance),
                        "copay": str(line.primary.copay),
                        "denial_carc": line.primary.denial_carc,
                    },
                }
                for line in claim.lines
            ],
        }
    )


def main(count: int, population: int) -> None:
    day = today_ca()
    script = Path(sys.executable).with_name("spenddown")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "data.json").write_text(json.dumps(dataset(population, day)), encoding="utf-8")
        with (folder / "claims.jsonl").open("w", encoding="utf-8") as out:
            for claim in claims(count, members(population), day):
                out.write(claim_json(claim) + "\n")
        db = f"sqlite:///{folder / 'batch.db'}"
        subprocess.run(
            [str(script), "--db", db, "import", str(folder / "data.json")],
            check=True,
            capture_output=True,
        )
        started = time.perf_counter()
        subprocess.run(
            [
                str(script),
                "--db",
                db,
                "adjudicate",
                "--batch",
                str(folder / "claims.jsonl"),
                "--out",
                str(folder / "remits.jsonl"),
            ],
            check=True,
        )
        seconds = time.perf_counter() - started
        answers = sum(1 for _ in (folder / "remits.jsonl").open(encoding="utf-8"))
    print(
        f"{answers} adjudications for {count} claims in {seconds:.0f} s: "
        f"{count / seconds:,.0f} claims/s"
    )


if __name__ == "__main__":
    main(
        int(sys.argv[1]) if len(sys.argv) > 1 else 10_000,
        int(sys.argv[2]) if len(sys.argv) > 2 else 2_000,
    )
