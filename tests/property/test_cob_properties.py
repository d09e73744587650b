"""docs/rules.md §5 properties of Medi-Cal's payment as secondary payer (Hypothesis)."""

from __future__ import annotations

from datetime import date

from hypothesis import given, settings
from hypothesis import strategies as st

from spenddown.domain.cob.adjudication import (
    CobRules,
    LineStatus,
    MemberMonth,
    ProviderEnrollment,
    adjudicate,
)
from spenddown.domain.cob.model import (
    Claim,
    ClaimLine,
    ClaimPrimary,
    FeeScheduleEntry,
    PayerType,
    PrimaryLine,
)
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth

DAY = date(2026, 11, 3)
RULES = CobRules(frozenset({"96", "204", "49", "27", "B1"}), frozenset({"197", "15", "29", "16"}))
cents = st.integers(min_value=0, max_value=200_000).map(Money.from_cents)


@st.composite
def primary_lines(draw: st.DrawFn) -> PrimaryLine | None:
    if draw(st.booleans()):
        return None
    allowed = draw(cents)
    paid = Money.from_cents(draw(st.integers(0, allowed.cents)))
    return PrimaryLine(
        allowed,
        paid,
        draw(cents),
        draw(cents),
        draw(cents),
        draw(st.sampled_from([None, None, None, "96", "204", "16", "197"])),
    )


@st.composite
def claims(draw: st.DrawFn) -> tuple[Claim, dict[str, Money]]:
    count = draw(st.integers(1, 5))
    lines = []
    fees: dict[str, Money] = {}
    for i in range(count):
        code = f"P{i}"
        fees[code] = draw(cents)
        lines.append(
            ClaimLine(
                DAY,
                code,
                draw(st.integers(1, 8)),
                Money.from_cents(draw(st.integers(1, 300_000))),
                draw(primary_lines()),
            )
        )
    payer = draw(st.sampled_from(list(PayerType)))
    primary = ClaimPrimary(payer, "Primary", "X", DAY)
    soc = Money.from_cents(draw(st.integers(0, 50_000)))
    return Claim("C", "1234567893", "12345678A", soc, primary, tuple(lines)), fees


@settings(max_examples=300, deadline=None)
@given(claims(), st.booleans(), st.booleans())
def test_rules_5_payment_bounds_and_amounts_add_up(
    drawn: tuple[Claim, dict[str, Money]], ffs: bool, pay_and_chase: bool
) -> None:
    claim, fees = drawn
    month = MemberMonth(True, True, False, None if ffs else "HN", pay_and_chase=pay_and_chase)
    result = adjudicate(
        claim,
        months={BenefitMonth(2026, 11): month},
        provider=ProviderEnrollment(medi_cal_ffs=True, plans=frozenset({"HN"})),
        fees=lambda code, on: FeeScheduleEntry(code, date(2026, 1, 1), fees[code]),
        authorizations=[],
        units_used={},
        rules=RULES,
    )
    allowed_total = Money.zero()
    primary_total = Money.zero()
    for line, outcome in zip(claim.lines, result.lines, strict=True):
        assert outcome.medi_cal_paid.cents >= 0  # never negative
        if outcome.status is LineStatus.PAID:
            allowed = fees[line.procedure_code] * line.units
            allowed_total = allowed_total + allowed
            primary_total = primary_total + outcome.primary_paid
            if outcome.has_primary and line.primary is not None:
                bound = min(line.primary.patient_liability, allowed - line.primary.paid)
            else:
                bound = min(line.charge, allowed)
            assert outcome.medi_cal_paid <= bound.clamp_zero()
            # the provider is enrolled: the member owes only the SOC
            assert outcome.member_owes == outcome.soc_applied
        # liability = Medi-Cal paid + SOC + write-off (+ what an unprotected member owes)
        if not outcome.awaiting_primary:
            assert outcome.patient_liability_after_primary == (
                outcome.medi_cal_paid + outcome.provider_write_off + outcome.member_owes
            )
        assert outcome.provider_write_off.cents >= 0
    if claim.is_medicare_crossover:
        assert result.totals.medi_cal_paid <= (allowed_total - primary_total).clamp_zero()
    assert result.totals.member_owes <= claim.soc_amount
