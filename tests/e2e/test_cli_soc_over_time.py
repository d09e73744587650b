"""`soc change`, `notices show|hearing`, `receipts add|list` and `clear --other-coverage-paid`
end to end (docs/cli.md), on the real clock."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from spenddown.domain.months import BenefitMonth
from support.cli import MONTH, TODAY, Cli, current_dataset
from support.world import PHYSICIAN, SOC_MEMBER

ISSUE = "2025-02-01"


def _loaded(cli: Cli) -> Cli:
    cli.load(current_dataset())
    return cli


def test_clear_with_other_coverage_paid_counts_what_the_member_owes(cli: Cli) -> None:
    _loaded(cli)
    result = cli.json(
        "clear", "--npi", PHYSICIAN[0], "--pin", PHYSICIAN[1], "--member", SOC_MEMBER,
        "--issue-date", ISSUE, "--date", TODAY.isoformat(), "--code", "99213",
        "--charge", "200.00", "--other-coverage-paid", "160.00",
    )  # fmt: skip
    assert (result["applied"], result["other_coverage_paid"]) == ("40.00", "160.00")
    refused = cli.json(
        "clear", "--npi", PHYSICIAN[0], "--pin", PHYSICIAN[1], "--member", SOC_MEMBER,
        "--issue-date", ISSUE, "--date", TODAY.isoformat(), "--code", "99214",
        "--charge", "200.00", "--other-coverage-paid", "250.00", exit_code=2,
    )  # fmt: skip
    assert refused["code"] == "AMOUNT_ABOVE_OWED"


def test_a_change_gives_its_effective_month_and_a_notice_in_both_languages(
    cli: Cli, tmp_path: Path
) -> None:
    _loaded(cli)
    change = cli.json(
        "soc", "change", "--case", "C-1001", "--budget-unit", "A", "--amount", "700.00",
        "--changed", TODAY.isoformat(), "--reported", TODAY.isoformat(),
        "--reason", "Earnings went up",
    )  # fmt: skip
    assert change["direction"] == "increase"
    assert BenefitMonth.parse(change["effective_month"]) > BenefitMonth.parse(MONTH)
    deadline = (TODAY + timedelta(days=90)).isoformat()
    english = cli.json("notices", "show", change["notice_id"])
    assert english["hearing_deadline"] == deadline
    assert english["title"] == "Notice of Action: Medi-Cal Share of Cost"
    pdf = tmp_path / "notice.pdf"
    spanish = cli.json("notices", "show", change["notice_id"], "--lang", "es", "--pdf", str(pdf))
    assert spanish["title"] == "Aviso de Acción: Parte del Costo de Medi-Cal"
    hearing_text = " ".join(spanish["sections"][4]["paragraphs"])
    assert "Audiencia Estatal" in hearing_text
    assert "90 días" in hearing_text
    assert pdf.read_bytes().startswith(b"%PDF-")
    text = cli("notices", "show", change["notice_id"])
    assert text.exit_code == 0
    assert "State Hearing within 90 days" in text.stdout
    refused = cli.json("notices", "show", change["notice_id"], "--lang", "fr", exit_code=2)
    assert refused["code"] == "UNSUPPORTED_LANGUAGE"


def test_receipts_certify_a_month_as_their_sum(cli: Cli) -> None:
    _loaded(cli)
    base = ["receipts", "add", "--case", "C-1001", "--budget-unit", "A", "--month", MONTH]
    first = cli.json(
        *base, "--provider-name", "Valley Hospital", "--date", TODAY.replace(day=1).isoformat(),
        "--amount", "250.00", "--paid",
    )  # fmt: skip
    assert (first["applied"], first["remaining"], first["certified"]) == ("250.00", "350.00", False)
    second = cli.json(
        *base, "--provider-name", "Corner Pharmacy", "--date", TODAY.replace(day=1).isoformat(),
        "--amount", "400.00", "--unpaid",
    )  # fmt: skip
    assert (second["applied"], second["certified"]) == ("350.00", True)
    listed = cli.json("receipts", "list", "--case", "C-1001")
    assert [r["applied"] for r in listed] == ["250.00", "350.00"]
    refused = cli.json(
        "receipts", "add", "--case", "C-1001", "--budget-unit", "A",
        "--month", str(BenefitMonth.parse(MONTH).plus(-6)), "--provider-name", "X",
        "--date", TODAY.replace(day=1).isoformat(), "--amount", "10.00", "--unpaid",
        exit_code=2,
    )  # fmt: skip
    assert refused["code"] == "RECEIPT_AFTER_MONTH"
    assert cli("audit").exit_code == 0


def test_clear_a_drug_counts_on_the_day_it_was_received(cli: Cli) -> None:
    """docs/rules.md §9.1 (22 CCR 50657): dispensed the last day of last month, received the
    1st of this month: it counts toward this month's SOC; named as last month's, refused."""
    _loaded(cli)
    first = date.fromisoformat(f"{MONTH}-01")
    dispensed = first - timedelta(days=1)
    args = (
        "clear", "--npi", PHYSICIAN[0], "--pin", PHYSICIAN[1], "--member", SOC_MEMBER,
        "--issue-date", ISSUE, "--date", dispensed.isoformat(), "--code", "99213",
        "--charge", "25.00", "--service-type", "drug", "--counted-date", first.isoformat(),
    )  # fmt: skip
    refused = cli.json(*args, "--month", str(BenefitMonth.of(dispensed)), exit_code=2)
    assert (refused["code"], refused["field"]) == ("SERVICE_OUTSIDE_MONTH", "counted_date")
    result = cli.json(*args, "--month", MONTH)
    assert (result["month"], result["service_date"]) == (MONTH, dispensed.isoformat())
    assert (result["service_type"], result["counted_date"]) == ("drug", first.isoformat())
    assert result["applied"] == "25.00"
    unknown = cli.json(*args[:-4], "--service-type", "vaccine", exit_code=2)
    assert unknown["code"] == "INVALID_SERVICE_TYPE"


def test_the_bad_input_of_a_soc_over_time_exits_2_or_3_and_stores_nothing(cli: Cli) -> None:
    """Issue 12's bad input on the command line: exit 2 (bad input) or 3 (a rule refuses), the
    code on stderr as JSON, nothing stored."""
    from sqlalchemy import create_engine, func, select

    from spenddown.adapters.db import tables

    _loaded(cli)
    engine = create_engine(cli.url)

    def rows() -> list[int]:
        with engine.connect() as connection:
            return [
                int(connection.execute(select(func.count()).select_from(t)).scalar_one())
                for t in (tables.soc_changes, tables.notices, tables.soc_entries, tables.claims)
            ]

    before = rows()
    long_ago = BenefitMonth.parse(MONTH).plus(-5).first_day
    change = ["soc", "change", "--case", "C-1001", "--budget-unit", "A", "--amount", "700.00"]
    early = cli.json(
        *change, "--changed", long_ago.isoformat(), "--reported", long_ago.isoformat(),
        "--reason", "Earnings went up", exit_code=3,
    )  # fmt: skip
    assert early["code"] == "NO_SOC_FOR_MONTH"
    backwards = cli.json(
        *change, "--changed", TODAY.isoformat(), "--reported", long_ago.isoformat(),
        "--reason", "Earnings went up", exit_code=2,
    )  # fmt: skip
    assert backwards["code"] == "CHANGE_REPORTED_BEFORE_IT_HAPPENED"
    no_soc = cli.json(
        "receipts", "add", "--case", "C-1001", "--budget-unit", "A",
        "--month", str(BenefitMonth.of(long_ago)), "--provider-name", "Valley Hospital",
        "--date", long_ago.isoformat(), "--amount", "50.00", "--paid", exit_code=3,
    )  # fmt: skip
    assert no_soc["code"] == "NO_SOC_FOR_MONTH"
    claim = cli.write(
        "late.json",
        {
            "claim_id": "CLM-LATE",
            "provider_npi": PHYSICIAN[0],
            "member_id": SOC_MEMBER,
            "soc_amount": "0.00",
            "delay_reason_code": "99",
            "lines": [
                {
                    "service_date": long_ago.isoformat(),
                    "procedure_code": "99213",
                    "units": 1,
                    "charge": "90.00",
                }
            ],
        },
    )
    late = cli.json(
        "adjudicate", str(claim), "--npi", PHYSICIAN[0], "--pin", PHYSICIAN[1], exit_code=2
    )
    assert late["code"] == "INVALID_DELAY_REASON_CODE"
    assert rows() == before
    engine.dispose()
