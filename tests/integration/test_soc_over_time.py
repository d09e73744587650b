"""A Share of Cost over time (docs/rules.md) on both engines: what counts, changes with their
notice, hearing requests, receipts and old bills, and the audit of the new entries."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from spenddown.adapters.db import tables
from spenddown.domain.eligibility.codes import CertifiedBy
from spenddown.domain.errors import InvalidInput, RuleRefusal
from spenddown.domain.identifiers import parse_member_id
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.ledger import EntryKind, Payment
from spenddown.services import share_of_cost, soc_over_time
from spenddown.services.audit import audit_ledger
from support.world import ISSUE, PHYSICIAN, SOC_MEMBER, World

NOV, DEC, JAN = BenefitMonth(2026, 11), BenefitMonth(2026, 12), BenefitMonth(2027, 1)


def _clear(world: World, charge: str, paid_by_other: str | None) -> share_of_cost.ClearanceResult:
    cmd = share_of_cost.ClearShareOfCost(
        PHYSICIAN[0],
        PHYSICIAN[1],
        parse_member_id(SOC_MEMBER),
        ISSUE,
        date(2026, 11, 3),
        "99213",
        Money.parse(charge),
        Payment.PAID,
        other_coverage_paid=None if paid_by_other is None else Money.parse(paid_by_other),
    )
    return share_of_cost.clear_share_of_cost(cmd, world.app.uow(), world.app.env)


def _set(world: World, month: BenefitMonth, amount: str, unit: str = "A") -> None:
    cmd = share_of_cost.SetShareOfCost("C-1001", unit, month, Money.parse(amount))
    share_of_cost.set_share_of_cost(cmd, world.app.uow(), world.app.env)


def _obligation(world: World, month: BenefitMonth, unit: str = "A") -> share_of_cost.Obligation:
    with world.app.uow() as uow:
        return uow.repo.get_obligations("C-1001", unit, month)[0]


def _change(
    world: World, amount: str, changed: date, reported: date, **extra: object
) -> soc_over_time.ChangeResult:
    cmd = soc_over_time.ChangeShareOfCost(
        "C-1001", "A", Money.parse(amount), changed, reported, "income changed", **extra
    )  # type: ignore[arg-type]
    return soc_over_time.change_share_of_cost(cmd, world.app.uow(), world.app.env)


def _count(world: World, table: tables.Table) -> int:
    with world.app.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


# --- what counts toward SOC ------------------------------------------------------------------
def test_a_200_bill_with_160_paid_by_the_ppo_clears_40(world: World) -> None:
    result = _clear(world, "200.00", "160.00")
    assert (str(result.applied), str(result.remaining)) == ("40.00", "560.00")
    assert result.other_coverage_paid == Money.of("160.00")
    assert audit_ledger(world.app.uow()) == []


def test_other_coverage_paid_at_or_above_the_charge_is_refused_and_nothing_stored(
    world: World,
) -> None:
    before = _count(world, tables.soc_entries)
    with pytest.raises(InvalidInput) as refused:
        _clear(world, "200.00", "200.00")
    assert refused.value.code == "AMOUNT_ABOVE_OWED"
    assert refused.value.context["field"] == "other_coverage_paid"
    assert _count(world, tables.soc_entries) == before


# --- changes of circumstance -----------------------------------------------------------------
def test_an_increase_reported_on_the_25th_waits_for_the_month_after_next(world: World) -> None:
    _set(world, DEC, "600.00")
    _set(world, JAN, "600.00")
    world.clock.advance(days=2)  # 2026-11-25
    result = _change(world, "700.00", date(2026, 11, 20), date(2026, 11, 25))
    assert result.change.effective_month == JAN
    assert result.notice.hearing_deadline == date(2027, 2, 23)
    assert _obligation(world, NOV).amount == Money.of("600.00")
    assert _obligation(world, DEC).amount == Money.of("600.00")
    assert _obligation(world, JAN).amount == Money.of("700.00")
    assert result.change.months["set"] == ["2027-01"]


def test_a_hearing_asked_before_the_effective_date_keeps_the_old_soc(world: World) -> None:
    _set(world, JAN, "600.00")
    world.clock.advance(days=2)
    result = _change(world, "700.00", date(2026, 11, 20), date(2026, 11, 25))
    hearing = soc_over_time.request_hearing(
        result.notice.notice_id, date(2026, 11, 25), world.app.uow(), world.app.env
    )
    assert hearing.hearing.aid_paid_pending is True
    assert hearing.restored_months == ("2027-01",)
    assert _obligation(world, JAN).amount == Money.of("600.00")
    with world.app.uow() as uow:
        change = uow.repo.get_change(result.change.change_id)
    assert change is not None
    assert change.status == "held"
    with pytest.raises(RuleRefusal) as again:
        soc_over_time.request_hearing(
            result.notice.notice_id, date(2026, 11, 25), world.app.uow(), world.app.env
        )
    assert again.value.code == "HEARING_ALREADY_REQUESTED"


def test_a_decrease_credit_lowers_the_next_months_remaining(world: World) -> None:
    _set(world, DEC, "600.00")
    world.clear("600.00")  # November met with $600
    result = _change(world, "400.00", date(2026, 11, 10), date(2026, 11, 15))
    assert result.change.effective_month == NOV
    assert result.change.excess_amount == Money.of("200.00")
    november = _obligation(world, NOV)
    assert (november.amount, november.certified_by) == (Money.of("400.00"), CertifiedBy.CLEARANCES)
    december = _obligation(world, DEC)
    assert (december.amount, december.remaining) == (Money.of("400.00"), Money.of("200.00"))
    with world.app.uow() as uow:
        credits = uow.repo.credit_entries(result.change.change_id)
    assert [(c.kind, str(c.key.month), str(c.applied)) for c in credits] == [
        (EntryKind.CREDIT, "2026-12", "200.00")
    ]
    assert audit_ledger(world.app.uow()) == []


def test_a_decrease_with_a_corrected_month_moves_nothing(world: World) -> None:
    _set(world, DEC, "600.00")
    world.clear("600.00")
    result = _change(
        world,
        "400.00",
        date(2026, 11, 10),
        date(2026, 11, 15),
        excess=soc_over_time.Excess.CORRECTED_MONTH,
    )
    assert result.change.excess_amount == Money.of("200.00")
    assert _obligation(world, DEC).remaining == Money.of("400.00")


def test_a_certified_month_keeps_its_soc_on_an_increase(world: World) -> None:
    _set(world, DEC, "600.00")
    _set(world, JAN, "600.00")
    certify = share_of_cost.CertifyByCounty("C-1001", "A", JAN)
    share_of_cost.certify_by_county(certify, world.app.uow(), world.app.env)
    result = _change(world, "700.00", date(2026, 11, 1), date(2026, 11, 5))
    assert result.change.effective_month == DEC
    assert result.change.months == {"set": ["2026-12"], "kept": ["2027-01"], "credited": {}}
    assert _obligation(world, JAN).certified_by is CertifiedBy.COUNTY


def test_a_county_correction_applies_to_an_uncertified_month_at_once(world: World) -> None:
    result = _change(world, "650.00", date(2026, 11, 2), date(2026, 11, 20), correction=True)
    assert result.change.effective_month == NOV
    assert result.change.correction is True
    assert _obligation(world, NOV).amount == Money.of("650.00")
    world.clear("650.00")
    with pytest.raises(RuleRefusal) as refused:
        _change(world, "700.00", date(2026, 11, 2), date(2026, 11, 20), correction=True)
    assert refused.value.code == "CORRECTION_OF_CERTIFIED_MONTH"


def test_bad_changes_are_refused_and_nothing_is_stored(world: World) -> None:
    with pytest.raises(InvalidInput) as same:
        _change(world, "600.00", date(2026, 11, 2), date(2026, 11, 5))
    assert same.value.code == "NO_CHANGE"
    with pytest.raises(InvalidInput) as backwards:
        _change(world, "500.00", date(2026, 11, 10), date(2026, 11, 5))
    assert backwards.value.code == "CHANGE_REPORTED_BEFORE_IT_HAPPENED"
    # dated before the first month with a SOC: there is nothing it could change
    with pytest.raises(RuleRefusal) as early:
        _change(world, "500.00", date(2026, 10, 5), date(2026, 10, 6))
    assert early.value.code == "NO_SOC_FOR_MONTH"
    assert _count(world, tables.soc_changes) == 0
    assert _count(world, tables.notices) == 0


# --- receipts and old bills ------------------------------------------------------------------
def _receipt(
    world: World, month: BenefitMonth, day: date, amount: str, *, paid: bool, unit: str = "A"
) -> soc_over_time.ReceiptResult:
    cmd = soc_over_time.AddReceipt(
        "C-1001", unit, month, "Valley Hospital", day, Money.parse(amount), paid
    )
    return soc_over_time.add_receipt(cmd, world.app.uow(), world.app.env)


def test_an_old_unpaid_bill_from_march_meets_junes_soc(world: World) -> None:
    june, july = BenefitMonth(2026, 6), BenefitMonth(2026, 7)
    _set(world, june, "600.00")
    _set(world, july, "600.00")
    first = _receipt(world, june, date(2026, 3, 10), "800.00", paid=False)
    assert (str(first.applied), first.certified) == ("600.00", True)
    assert "Hunt v. Kizer" in first.rule
    obligation = _obligation(world, june)
    assert (obligation.remaining, obligation.certified_by) == (Money.zero(), CertifiedBy.COUNTY)
    # the rest of the same bill meets part of July (partial amounts)
    rest = _receipt(world, july, date(2026, 3, 10), "800.00", paid=False)
    assert (str(rest.used_before), str(rest.applied), str(rest.remaining)) == (
        "600.00",
        "200.00",
        "400.00",
    )
    with pytest.raises(RuleRefusal) as used:
        _receipt(world, BenefitMonth(2026, 8), date(2026, 3, 10), "800.00", paid=False)
    assert used.value.code in ("BILL_ALREADY_USED", "NO_SOC_FOR_MONTH")
    assert audit_ledger(world.app.uow()) == []


def test_a_certification_from_receipts_is_the_sum_of_its_entries(world: World) -> None:
    _receipt(world, NOV, date(2026, 11, 2), "250.00", paid=True)
    last = _receipt(world, NOV, date(2026, 11, 9), "350.00", paid=False)
    assert last.certified is True
    with world.app.uow() as uow:
        entries = uow.repo.receipt_entries("C-1001", "A", NOV)
    assert [str(e.applied) for e in entries] == ["250.00", "350.00"]
    assert audit_ledger(world.app.uow()) == []


def test_bad_receipts_are_refused_and_nothing_is_stored(world: World) -> None:
    before = _count(world, tables.soc_entries)
    with pytest.raises(RuleRefusal) as no_soc:
        _receipt(world, BenefitMonth(2026, 5), date(2026, 5, 2), "50.00", paid=True)
    assert no_soc.value.code == "NO_SOC_FOR_MONTH"
    with pytest.raises(RuleRefusal) as paid_old:
        _receipt(world, NOV, date(2026, 9, 2), "50.00", paid=True)
    assert paid_old.value.code == "OLD_BILL_ALREADY_PAID"
    assert _count(world, tables.soc_entries) == before


def test_a_corrected_month_notice_explains_the_reimbursement_path(world: World) -> None:
    from spenddown.entrypoints import notices

    _set(world, DEC, "600.00")
    world.clear("600.00")
    result = _change(
        world,
        "400.00",
        date(2026, 11, 10),
        date(2026, 11, 15),
        excess=soc_over_time.Excess.CORRECTED_MONTH,
    )
    for lang, words in (("en", "Conlan v. Shewry"), ("es", "reembolso")):
        _, sections = notices.document(result.notice, lang)
        assert any(words in p for s in sections for p in s.paragraphs), lang


# --- the claim's SOC against the ledger -----------------------------------------------------
def test_a_claim_whose_soc_differs_from_the_ledger_is_flagged(world: World) -> None:
    from spenddown.domain.cob.model import Claim, ClaimLine
    from spenddown.services import claims
    from support.world import CLAIM_FEES

    world.load(CLAIM_FEES)
    world.clear("600.00")  # PHYSICIAN cleared $600 on 2026-11-03

    def submit(claim_id: str, soc: str) -> claims.Adjudication:
        line = ClaimLine(date(2026, 11, 3), "99214", 1, Money.of("700.00"))
        claim = Claim(claim_id, PHYSICIAN[0], SOC_MEMBER, Money.of(soc), None, (line,))
        cmd = claims.SubmitClaim(PHYSICIAN[0], PHYSICIAN[1], claim)
        return claims.adjudicate_claim(cmd, world.app.uow(), world.app.env)

    agreeing = submit("SOC-OK", "600.00")
    assert not any("SOC MISMATCH" in e for e in agreeing.explanation)
    differing = submit("SOC-BAD", "150.00")
    flagged = [e for e in differing.explanation if "SOC MISMATCH" in e]
    assert flagged == [
        "SOC MISMATCH: the claim reports a Share of Cost of $150.00, but this provider's "
        "clearances for these dates of service applied $600.00."
    ]
    batch = claims.adjudicate_batch(
        [
            Claim(
                "SOC-BATCH",
                PHYSICIAN[0],
                SOC_MEMBER,
                Money.of("150.00"),
                None,
                (ClaimLine(date(2026, 11, 3), "99215", 1, Money.of("700.00")),),
            )
        ],
        world.app.uow,
        world.app.env,
    )
    assert any("SOC MISMATCH" in e for e in next(iter(batch)).explanation)  # type: ignore[union-attr]


# --- retroactive months ----------------------------------------------------------------------
def test_an_application_date_gives_three_retroactive_months(world: World) -> None:
    world.load(
        {
            "cases": [
                {
                    "case_id": "C-1001",
                    "county_code": "19",
                    "application_date": "2026-08-05",
                    "budget_units": [
                        {"budget_unit": "A", "members": [{"cin": "12345678A"}]},
                    ],
                }
            ]
        }
    )
    with pytest.raises(RuleRefusal) as too_early:
        _set(world, BenefitMonth(2026, 4), "600.00")
    assert too_early.value.code == "BEFORE_RETROACTIVE_PERIOD"
    assert too_early.value.context["field"] == "month"
    _set(world, BenefitMonth(2026, 5), "600.00")  # the third month before August
    paid = _receipt(world, BenefitMonth(2026, 5), date(2026, 5, 20), "100.00", paid=True)
    assert paid.messages
    assert "Conlan" in paid.messages[0]


def test_aged_and_disabled_applications_get_two_retroactive_months_from_2027() -> None:
    from spenddown.rules.parameters import retroactive_months

    assert retroactive_months(date(2026, 12, 31), aged_or_disabled=True) == 3
    assert retroactive_months(date(2027, 1, 1), aged_or_disabled=True) == 2
    assert retroactive_months(date(2027, 1, 1), aged_or_disabled=False) == 3
