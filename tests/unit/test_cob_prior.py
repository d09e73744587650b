"""domain.cob.prior: the prior payers' amounts of an 837P (docs/rules.md "COB amounts")."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from spenddown.domain.cob import prior
from spenddown.domain.cob.model import PayerType, PrimaryLine
from spenddown.domain.cob.prior import PayerAdjustment, PayerLine, PriorPayer
from spenddown.domain.errors import InvalidInput
from spenddown.domain.money import Money

M = Money.of
DAY = date(2026, 11, 10)


def payer(
    responsibility: str = "P",
    *,
    paid: str | None,
    adjustments: tuple[tuple[str, str, str], ...] = (),
    lines: tuple[PayerLine, ...] = (),
    kind: PayerType = PayerType.COMMERCIAL,
) -> PriorPayer:
    return PriorPayer(
        responsibility,
        kind,
        "PAYER " + responsibility,
        "",
        DAY,
        None if paid is None else M(paid),
        tuple(PayerAdjustment(g, c, M(a)) for g, c, a in adjustments),
        lines,
    )


def test_spread_keeps_every_cent_and_puts_the_rest_on_the_last_line() -> None:
    shares = prior.spread(M("21.89"), [M("40"), M("15"), M("21.04")])
    assert shares == [M("11.51"), M("4.31"), M("6.07")]
    assert sum(s.amount for s in shares) == M("21.89").amount
    assert prior.spread(M("1.00"), [M("0"), M("0")]) == [M("0.50"), M("0.50")]


def test_the_three_balancing_edits() -> None:
    charges = [M("43"), M("15"), M("21.04")]
    lines = (
        PayerLine(1, M("40"), (PayerAdjustment("CO", "42", M("3")),)),
        PayerLine(2, M("15")),
        PayerLine(3, M("21.04")),
    )
    good = payer(paid="39.15", adjustments=(("PR", "1", "21.89"), ("PR", "2", "15")), lines=lines)
    assert prior.balance_problems(M("79.04"), charges, [good]) == []
    # Σ SVD02 − claim CAS ≠ AMT*D (and so the claim does not balance either)
    bad = payer(paid="40.00", adjustments=(("PR", "1", "21.89"), ("PR", "2", "15")), lines=lines)
    found = prior.balance_problems(M("79.04"), charges, [bad])
    assert any("AMT*D" in p for p in found)
    assert any("claim charge" in p for p in found)
    # a line whose charge − paid ≠ its adjustments
    short = (PayerLine(1, M("40")), PayerLine(2, M("15")), PayerLine(3, M("21.04")))
    unbalanced_line = payer(paid="76.04", lines=short)
    found = prior.balance_problems(M("79.04"), charges, [unbalanced_line])
    assert any("line 1" in p for p in found)
    with pytest.raises(InvalidInput) as error:
        prior.check_balance(M("79.04"), charges, [unbalanced_line])
    assert error.value.code == "COB_UNBALANCED"


def test_tertiary_counts_every_payment_and_the_last_payers_patient_share() -> None:
    commercial = payer(paid="60", adjustments=(("CO", "45", "20"), ("PR", "1", "20")))
    medicare = payer(
        "S",
        paid="15",
        kind=PayerType.MEDICARE,
        lines=(
            PayerLine(
                1,
                M("15"),
                (
                    PayerAdjustment("OA", "23", M("60")),
                    PayerAdjustment("CO", "45", M("20")),
                    PayerAdjustment("PR", "2", M("5")),
                ),
            ),
        ),
    )
    [line] = prior.combined_lines([M("100")], [medicare, commercial])  # any order given
    assert line == PrimaryLine(allowed=M("80"), paid=M("75"), coinsurance=M("5"))


def test_claim_level_only_is_spread_by_charge() -> None:
    only = payer(paid="90", adjustments=(("CO", "45", "30"), ("PR", "1", "30")))
    decided = prior.combined_lines([M("100"), M("50")], [only])
    assert [(d.paid, d.deductible) for d in decided if d] == [
        (M("60"), M("20")),
        (M("30"), M("10")),
    ]


def test_a_line_nobody_paid_is_a_denial_with_the_last_payers_reason() -> None:
    denied = payer(
        paid="0", lines=(PayerLine(1, M("0"), (PayerAdjustment("CO", "204", M("80")),)),)
    )
    [line] = prior.combined_lines([M("80")], [denied])
    assert line is not None
    assert line.denial_carc == "204"


def test_a_line_level_answer_becomes_a_balanced_2430() -> None:
    decided = PrimaryLine(allowed=M("100"), paid=M("80"), coinsurance=M("20"))
    found = prior.payer_line_of(1, M("120"), decided)
    assert found.paid == M("80")
    assert {(a.group, a.carc, a.amount) for a in found.adjustments} == {
        ("PR", "2", M("20")),
        ("CO", "45", M("20")),
    }


# --- properties: nothing is lost or created when claim-level amounts are spread ---------------
@st.composite
def balanced_claim_level(draw: st.DrawFn) -> tuple[list[Money], PriorPayer]:
    charges = [
        Money.from_cents(draw(st.integers(1, 500_00))) for _ in range(draw(st.integers(1, 6)))
    ]
    total = sum(c.cents for c in charges)
    paid = draw(st.integers(0, total))
    deductible = draw(st.integers(0, total - paid))
    reduction = total - paid - deductible
    found = payer(
        paid=str(Money.from_cents(paid)),
        adjustments=(
            ("PR", "1", str(Money.from_cents(deductible))),
            ("CO", "45", str(Money.from_cents(reduction))),
        ),
    )
    return charges, found


@given(balanced_claim_level())
def test_spreading_claim_level_amounts_keeps_the_totals(
    case: tuple[list[Money], PriorPayer],
) -> None:
    charges, found = case
    total = Money.zero()
    for charge in charges:
        total = total + charge
    assert prior.balance_problems(total, charges, [found]) == []
    decided = [d for d in prior.combined_lines(charges, [found]) if d is not None]
    assert sum(d.paid.cents for d in decided) == (found.paid or Money.zero()).cents
    assert sum(d.deductible.cents for d in decided) == found.adjustments[0].amount.cents
    assert all(not d.paid.amount < 0 for d in decided)


def _shares_by_dict(adjustments: list[PayerAdjustment]) -> tuple[Money, Money, Money]:
    """``prior._patient_shares`` as it was written first (a dict of the three CARCs)."""
    shares = {"1": Money.zero(), "2": Money.zero(), "3": Money.zero()}
    for adjustment in adjustments:
        if adjustment.group == "PR" and adjustment.carc in shares:
            shares[adjustment.carc] = shares[adjustment.carc] + adjustment.amount
    return shares["1"], shares["2"], shares["3"]


@given(
    st.lists(
        st.builds(
            PayerAdjustment,
            st.sampled_from(["PR", "CO", "OA", "PI"]),
            st.sampled_from(["1", "2", "3", "45", "23", "96", "01"]),
            st.sampled_from(["-0.00", "0.00", "0.01", "12.50", "-3.00", "99.99"]).map(Money.of),
        ),
        max_size=8,
    )
)
def test_patient_shares_are_the_dict_sums(adjustments: list[PayerAdjustment]) -> None:
    """The three shares summed in one pass with locals, as the dict summed them (the same
    amounts, -0.00 included, compared by their text)."""
    fast = prior._patient_shares(adjustments)
    slow = _shares_by_dict(adjustments)
    assert fast == slow
    assert [str(m) for m in fast] == [str(m) for m in slow]
