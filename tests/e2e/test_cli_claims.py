"""``spenddown adjudicate`` (one claim, a JSONL batch) and ``fee-schedule import`` end to end."""

from __future__ import annotations

import json
from pathlib import Path

from support.cli import MONTH, TODAY, Cli, current_dataset
from support.world import CLINIC, PHYSICIAN


def _world(cli: Cli) -> None:
    document = current_dataset()
    document["fee_schedule"] = [
        {"procedure_code": "99213", "effective": "2020-01-01", "allowed_per_unit": "95.00"}
    ]
    # member 12345678A's SOC is met by the county; her OHC code P stays
    cli.load(document)
    result = cli("soc", "certify", "--case", "C-1001", "--budget-unit", "A", "--month", MONTH)
    assert result.exit_code == 0, result.stderr


def _claim(claim_id: str, paid: str = "80.00", coinsurance: str = "20.00") -> dict[str, object]:
    return {
        "claim_id": claim_id,
        "provider_npi": PHYSICIAN[0],
        "member_id": "12345678A",
        "soc_amount": "0.00",
        "primary": {
            "payer_type": "medicare",
            "payer_name": "Medicare",
            "claim_number": "M1",
            "adjudication_date": str(TODAY),
        },
        "lines": [
            {
                "service_date": str(TODAY),
                "procedure_code": "99213",
                "units": 1,
                "charge": "120.00",
                "primary": {"allowed": "100.00", "paid": paid, "coinsurance": coinsurance},
            }
        ],
    }


def test_adjudicate_one_claim_d4_and_duplicate(cli: Cli) -> None:
    _world(cli)
    path = cli.write("claim.json", _claim("CLM-9"))
    result = cli.json("adjudicate", str(path), "--npi", PHYSICIAN[0], "--pin", PHYSICIAN[1])
    assert result["totals"]["medi_cal_paid"] == "15.00"  # docs/rules.md §5 D4
    assert result["lines"][0]["provider_write_off"] == "5.00"
    again = cli.json(
        "adjudicate", str(path), "--npi", PHYSICIAN[0], "--pin", PHYSICIAN[1], exit_code=3
    )
    assert again["code"] == "DUPLICATE_CLAIM"
    wrong = cli.json("adjudicate", str(path), "--npi", CLINIC[0], "--pin", CLINIC[1], exit_code=4)
    assert wrong["code"] == "FORBIDDEN"


def test_adjudicate_batch_goes_on_after_errors(cli: Cli, tmp_path: Path) -> None:
    _world(cli)
    lines = [json.dumps(_claim(f"B-{i}")) for i in range(5)]
    lines.insert(2, "{not json")
    lines.insert(4, json.dumps({**_claim("B-X"), "member_id": "bad"}))
    lines.append(json.dumps(_claim("B-0")))  # a duplicate
    batch = tmp_path / "claims.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = cli("adjudicate", "--batch", str(batch), "--out", str(out))
    assert result.exit_code == 0, result.stderr
    answers = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(answers) == 8
    assert [a.get("claim_id") for a in answers if "claim_id" in a] == [f"B-{i}" for i in range(5)]
    errors = [(a["line"], a["error"]["code"]) for a in answers if "error" in a]
    assert errors == [(3, "INVALID_REQUEST"), (5, "INVALID_CIN"), (8, "DUPLICATE_CLAIM")]
    assert "8 claims: 5 paid, 0 partially paid, 0 denied, 3 with errors." in result.stderr


def test_fee_schedule_csv_all_or_nothing_with_line_numbers(cli: Cli, tmp_path: Path) -> None:
    cli.load(current_dataset())
    bad = tmp_path / "fees.csv"
    bad.write_text(
        "procedure_code,effective,allowed_per_unit,requires_authorization\n"
        "97153,2026-01-01,16.50,yes\n"
        "97155,2026-01-01,24.755,yes\n",
        encoding="utf-8",
    )
    result = cli("fee-schedule", "import", str(bad))
    assert result.exit_code == 2
    assert "line 3.allowed_per_unit" in result.stderr
    good = tmp_path / "good.csv"
    good.write_text(
        "procedure_code,effective,allowed_per_unit,requires_authorization\n"
        "97153,2026-01-01,16.50,yes\n97155,2026-01-01,24.75,no\n",
        encoding="utf-8",
    )
    assert cli.json("fee-schedule", "import", str(good)) == {"fee_schedule": 2}
