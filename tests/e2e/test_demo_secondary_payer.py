"""The seed's family in the demo (issue 4): a child with a PPO and Medi-Cal through Health Net,
ABA five days a week; one ABA provider takes both, one only the PPO."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from spenddown.entrypoints.cli.main import app
from support.cli import TODAY

LEO = ["--member", "99012346N"]
COASTAL = ("1789012345", "6152")  # takes the PPO and Health Net
BRIGHT_STEPS = "1678901236"  # takes the PPO only


@pytest.fixture
def demo_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(app, ["demo", "--no-serve", "--fresh"])
    assert result.exit_code == 0, result.stderr
    return f"sqlite:///{tmp_path / 'spenddown-demo.db'}"


def run(db: str, *args: str, code: int = 0) -> dict[str, object]:
    result = CliRunner().invoke(app, ["--db", db, *args, "--json"])
    assert result.exit_code == code, (result.stdout, result.stderr)
    return json.loads(result.stdout)  # type: ignore[no-any-return]


def test_seed_family_estimate_claim_and_balance_billing(demo_db: str, tmp_path: Path) -> None:
    estimate = run(
        demo_db,
        "estimate",
        *LEO,
        "--code",
        "97153",
        "--units",
        "4",
        "--visits-per-week",
        "5",
        "--primary-allowed",
        "30.00",
        "--deductible",
        "1500",
        "--copay",
        "30",
        "--oop-max",
        "6000",
    )
    assert estimate["without_medi_cal"] == "6000.00"
    assert estimate["with_medi_cal"] == "0.00"
    fits = {p["npi"]: p["qualifies"] for p in estimate["providers"]}  # type: ignore[attr-defined]
    assert fits == {COASTAL[0]: True, BRIGHT_STEPS: False}

    claim = {
        "claim_id": "ABA-1",
        "provider_npi": COASTAL[0],
        "member_id": "99012346N",
        "primary": {
            "payer_type": "commercial",
            "payer_name": "Blue Shield PPO",
            "claim_number": "BS-1",
            "adjudication_date": str(TODAY),
        },
        "lines": [
            {
                "service_date": str(TODAY),
                "procedure_code": "97153",
                "units": 4,
                "charge": "160.00",
                "primary": {"allowed": "120.00", "paid": "0.00", "deductible": "120.00"},
                "authorizations": {"medi_cal": "HN-PA-ABA-1", "primary": "BS-PA-ABA-1"},
            }
        ],
    }
    path = tmp_path / "claim.json"
    path.write_text(json.dumps(claim), encoding="utf-8")
    adjudication = run(demo_db, "adjudicate", str(path), "--npi", COASTAL[0], "--pin", COASTAL[1])
    line = adjudication["lines"][0]  # type: ignore[index]
    # A = 4 × 16.50 = 66, P = 0, L = 120: Medi-Cal pays 66, the provider writes off 54
    assert (
        line["medi_cal_paid"],
        line["provider_write_off"],
        line["member_owes"],
        line["deductible_credit"],
    ) == ("66.00", "54.00", "0.00", "66.00")

    check = run(
        demo_db,
        "billing-check",
        *LEO,
        "--issue-date",
        "2024-09-09",
        "--birth-date",  # the family's proof (docs/api.md "Credentials")
        "2018-04-02",
        "--provider",
        COASTAL[0],
        "--date",
        str(TODAY),
        "--amount",
        "54.00",
        "--claim",
        "ABA-1",
    )
    assert (check["allowed"], check["may_collect"]) == (False, "0.00")
    accumulated = run(demo_db, "accumulators", *LEO)
    assert accumulated[0]["paid_by_medi_cal"] == "66.00"  # type: ignore[index]
