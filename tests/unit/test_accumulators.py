"""Accumulators per member, OHC policy and plan year (docs/rules.md §5.6 deductible credit; the
seed: "whatever portion of the deductible was met by the secondary insurance will be counted to the
deductible just as if you had paid it yourself")."""

from __future__ import annotations

from datetime import date

from spenddown.domain.cob.accumulators import (
    AccumulatorLine,
    accumulate,
    plan_year_end,
)
from spenddown.domain.cob.model import OhcPolicy, ServiceScope
from spenddown.domain.money import Money

POLICY = OhcPolicy(
    cin="12345678A",
    carrier="ACME",
    network="ACME-PPO",
    ohc_code="P",
    scopes=(ServiceScope.MEDICAL,),
    plan_year_start=date(2026, 1, 1),
    deductible=Money.of("1500"),
    out_of_pocket_max=Money.of("6000"),
)


def m(value: str) -> Money:
    return Money.of(value)


def line(
    claim_id: str,
    day: date,
    *,
    deductible: str,
    medi_cal: str,
    owes: str = "0",
    oop: str,
) -> AccumulatorLine:
    return AccumulatorLine(claim_id, 1, day, "97153", m(deductible), m(medi_cal), m(owes), m(oop))


def test_plan_year_is_one_year_less_a_day() -> None:
    assert plan_year_end(date(2026, 1, 1)) == date(2026, 12, 31)
    assert plan_year_end(date(2026, 7, 1)) == date(2027, 6, 30)
    assert plan_year_end(date(2024, 2, 29)) == date(2025, 2, 28)


def test_deductible_split_between_medi_cal_member_and_write_off() -> None:
    """Line 1: deductible 120, Medi-Cal paid 66 → Medi-Cal 66, the member's SOC 20 → member 20,
    write-off 34. Line 2: deductible 60, Medi-Cal paid 36 → 36, nothing owed, write-off 24.
    Line 3 falls in the next plan year and is ignored. Applied 180; remaining 1,500 − 180 =
    1,320; out of pocket 120 + 90 = 210 of 6,000."""
    result = accumulate(
        POLICY,
        [
            line("C-2", date(2026, 2, 2), deductible="60", medi_cal="36", oop="90"),
            line("C-1", date(2026, 1, 5), deductible="120", medi_cal="66", owes="20", oop="120"),
            line("C-9", date(2027, 1, 4), deductible="120", medi_cal="66", oop="120"),
        ],
    )
    assert [i.claim_id for i in result.items] == ["C-1", "C-2"]
    assert (str(result.deductible_applied), str(result.paid_by_medi_cal)) == ("180.00", "102.00")
    assert (str(result.paid_by_member), str(result.written_off)) == ("20.00", "58.00")
    assert str(result.deductible_remaining) == "1320.00"
    assert (str(result.out_of_pocket), str(result.out_of_pocket_remaining)) == ("210.00", "5790.00")
    assert result.plan_year_end == date(2026, 12, 31)
    assert any(
        "Medi-Cal paid $102.00 of your deductible; count it as met" in s for s in result.statement
    )
    assert any("Deductible remaining: $1,320.00." in s for s in result.statement)


def test_medi_cal_part_never_exceeds_the_deductible_and_remaining_never_negative() -> None:
    """min(deductible, Medi-Cal paid) per line; remaining = max(0, policy deductible − applied)."""
    result = accumulate(
        POLICY,
        [
            line(f"C-{n}", date(2026, 3, n), deductible="400", medi_cal="500", oop="400")
            for n in (1, 2, 3, 4)
        ],
    )
    assert str(result.paid_by_medi_cal) == "1600.00"
    assert str(result.deductible_remaining) == "0.00"
    assert "The deductible is met for this plan year." in result.statement


def test_an_empty_plan_year_still_has_a_statement() -> None:
    result = accumulate(POLICY, [])
    assert str(result.deductible_remaining) == "1500.00"
    assert result.items == ()
    assert result.statement[0].startswith("To the coordination-of-benefits department of ACME")


def test_the_insurers_letter_writes_dates_out_and_counts_claims_in_words() -> None:
    """An insurer's clerk reads "January 1, 2026", not ISO dates, and "1 claim", not "claim(s)"."""
    result = accumulate(POLICY, [])
    text = " ".join(result.statement)
    assert "plan year January 1, 2026 to December 31, 2026." in text
    assert "On 0 claims this plan year" in text
    assert "2026-" not in text
    assert "claim(s)" not in text
