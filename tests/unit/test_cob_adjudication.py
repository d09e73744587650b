"""docs/rules.md §5 worked examples and denial paths, on the pure adjudication."""

from __future__ import annotations

from datetime import date

import pytest

from spenddown.domain.cob.adjudication import (
    Adjudication,
    CobRules,
    MemberMonth,
    ProviderEnrollment,
    adjudicate,
)
from spenddown.domain.cob.model import (
    Authorization,
    AuthorizationPayer,
    Claim,
    ClaimLine,
    ClaimPrimary,
    FeeScheduleEntry,
    PayerType,
    PrimaryLine,
    ServiceScope,
)
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth

DAY = date(2026, 11, 3)
COMMERCIAL = ClaimPrimary(PayerType.COMMERCIAL, "Acme PPO", "A-1", DAY)
NOV = BenefitMonth(2026, 11)
RULES = CobRules(
    not_covered_carcs=frozenset({"96", "204", "49", "27", "B1"}),
    provider_error_carcs=frozenset({"197", "15", "29", "16"}),
)
FFS_MEMBER = MemberMonth(any_eligibility=True, eligible=True, restricted_only=False, plan_code=None)
ENROLLED = ProviderEnrollment(medi_cal_ffs=True, plans=frozenset({"HN"}))


def m(value: str) -> Money:
    return Money.of(value)


def fee(allowed: str, *, auth: bool = False, restricted_ok: bool = False) -> FeeScheduleEntry:
    return FeeScheduleEntry("99213", date(2026, 1, 1), m(allowed), auth, restricted_ok)


def run(
    line: ClaimLine,
    allowed: str,
    *,
    payer: PayerType | None = PayerType.MEDICARE,
    soc: str = "0",
    month: MemberMonth = FFS_MEMBER,
    provider: ProviderEnrollment = ENROLLED,
    auth: bool = False,
    authorizations: list[Authorization] | None = None,
) -> Adjudication:
    primary = None if payer is None else ClaimPrimary(payer, "Primary", "P-1", date(2026, 11, 10))
    claim = Claim("CLM-1", "1234567893", "12345678A", m(soc), primary, (line,))
    entry = fee(allowed, auth=auth)
    return adjudicate(
        claim,
        months={NOV: month},
        provider=provider,
        fees=lambda code, on: entry if code == "99213" else None,
        authorizations=authorizations or [],
        units_used={},
        rules=RULES,
    )


def run_lines(claim: Claim, allowed: str = "75") -> Adjudication:
    """A claim of several 99213 lines for a fee-for-service member, one fee for all."""
    entry = fee(allowed)
    return adjudicate(
        claim,
        months={NOV: FFS_MEMBER},
        provider=ENROLLED,
        fees=lambda code, on: entry,
        authorizations=[],
        units_used={},
        rules=RULES,
    )


def line(
    charge: str = "100",
    primary: PrimaryLine | None = None,
    units: int = 1,
    code: str = "99213",
    **extra: object,
) -> ClaimLine:
    return ClaimLine(DAY, code, units, m(charge), primary, **extra)  # type: ignore[arg-type]


def medicare(allowed: str, paid: str, coinsurance: str = "0", deductible: str = "0") -> PrimaryLine:
    return PrimaryLine(m(allowed), m(paid), m(deductible), m(coinsurance), m("0"))


def result_of(adjudication: Adjudication) -> tuple[str, str, str]:
    first = adjudication.lines[0]
    return str(first.medi_cal_paid), str(first.member_owes), str(first.provider_write_off)


def test_rules_5_d4_medicare_coinsurance_paid_up_to_medi_cal_allowed() -> None:
    assert result_of(run(line(primary=medicare("100", "80", "20")), "95")) == (
        "15.00",
        "0.00",
        "5.00",
    )


def test_rules_5_d4b_allowed_below_primary_paid_pays_nothing_member_owes_nothing() -> None:
    assert result_of(run(line(primary=medicare("100", "80", "20")), "70")) == (
        "0.00",
        "0.00",
        "20.00",
    )


def test_rules_5_d5_commercial_copay_above_room_pays_nothing() -> None:
    copay = PrimaryLine(m("150"), m("120"), copay=m("30"))
    assert result_of(run(line("150", copay), "100", payer=PayerType.COMMERCIAL)) == (
        "0.00",
        "0.00",
        "30.00",
    )


def test_rules_5_d5b_commercial_copay_partly_paid_rest_written_off() -> None:
    copay = PrimaryLine(m("150"), m("120"), copay=m("30"))
    assert result_of(run(line("150", copay), "140", payer=PayerType.COMMERCIAL)) == (
        "20.00",
        "0.00",
        "10.00",
    )


def test_rules_5_d6_soc_on_claim_comes_off_and_is_all_the_member_owes() -> None:
    adjudication = run(line(primary=medicare("60", "40", "20")), "60", soc="10")
    assert result_of(adjudication) == ("10.00", "10.00", "0.00")
    first = adjudication.lines[0]
    assert ("PR", "142", "10.00") in [(a.group, a.carc, str(a.amount)) for a in first.adjustments]


@pytest.mark.parametrize(("allowed", "paid"), [("11", "7.00"), ("15", "11.00"), ("30", "11.00")])
def test_rules_5_w3_only_the_partly_cleared_service_is_billed(allowed: str, paid: str) -> None:
    # SOC 30: visits of 16 and 10 fully cleared (not billed); the drainage of 15 cleared 4.
    adjudication = run(line("15"), allowed, payer=None, soc="4")
    assert str(adjudication.lines[0].medi_cal_paid) == paid
    assert str(adjudication.totals.member_owes) == "4.00"


@pytest.mark.parametrize(
    ("soc", "socs", "paid"),
    [
        ("15", ["5.00", "10.00"], ["0.00", "5.00"]),  # 20 − 15: the rest goes to line 2
        ("25", ["10.00", "15.00"], ["0.00", "0.00"]),  # more than Medi-Cal pays: still owed
    ],
)
def test_rules_5_6_soc_comes_off_medi_cal_payment_line_by_line_from_the_first(
    soc: str, socs: list[str], paid: list[str]
) -> None:
    # A = 75 on both lines. Line 1: primary paid 70, copay 30 → min(30, 75 − 70) = 5.
    # Line 2: primary paid 60, copay 20 → min(20, 75 − 60) = 15. Medi-Cal pays 20 before SOC.
    lines = (
        line("100", PrimaryLine(m("100"), m("70"), copay=m("30"))),
        line("80", PrimaryLine(m("80"), m("60"), copay=m("20"))),
    )
    adjudication = run_lines(Claim("CLM-3", "1234567893", "12345678A", m(soc), COMMERCIAL, lines))
    assert [str(r.soc_applied) for r in adjudication.lines] == socs
    assert [str(r.medi_cal_paid) for r in adjudication.lines] == paid
    assert str(adjudication.totals.member_owes) == f"{soc}.00"  # the SOC, all of it
    for r in adjudication.lines:  # each line balances: liability = paid + SOC + write-off
        assert r.patient_liability_after_primary == r.medi_cal_paid + r.soc_applied + (
            r.provider_write_off
        )


def test_rules_5_medicare_crossover_cap_reduces_from_the_last_line() -> None:
    lines = (
        line("100", medicare("100", "80", "20")),
        line("100", medicare("100", "90", "10"), code="99213"),
    )
    claim = Claim(
        "CLM-2",
        "1234567893",
        "12345678A",
        m("0"),
        ClaimPrimary(PayerType.MEDICARE, "Medicare", "M-1", DAY),
        lines,
    )
    adjudication = run_lines(claim, "95")
    # per line: min(20, 15) = 15 and min(10, 5) = 5; cap ΣA − ΣP = 190 − 170 = 20
    assert [str(r.medi_cal_paid) for r in adjudication.lines] == ["15.00", "5.00"]
    assert str(adjudication.totals.medi_cal_paid) == "20.00"


@pytest.mark.parametrize(
    ("month", "provider", "carc", "member_owes"),
    [
        (MemberMonth(False, False, False, None), ENROLLED, "177", "100.00"),
        (FFS_MEMBER, ProviderEnrollment(False, frozenset({"HN"})), "B7", "100.00"),
        (MemberMonth(True, True, False, "LA"), ENROLLED, "B7", "100.00"),
        (MemberMonth(True, False, False, None), ENROLLED, "178", "100.00"),
        (MemberMonth(True, True, True, None), ENROLLED, "96", "100.00"),
        (
            MemberMonth(True, True, False, None, frozenset({ServiceScope.MEDICAL})),
            ENROLLED,
            "22",
            "0.00",
        ),
    ],
    ids=[
        "177-not-eligible",
        "B7-not-ffs",
        "B7-not-in-plan",
        "178-soc-unmet",
        "96-restricted",
        "22-bill-primary-first",
    ],
)
def test_rules_5_denials(
    month: MemberMonth, provider: ProviderEnrollment, carc: str, member_owes: str
) -> None:
    adjudication = run(line(), "95", payer=None, month=month, provider=provider)
    first = adjudication.lines[0]
    assert first.denial is not None
    assert first.denial.carc == carc
    assert str(first.medi_cal_paid) == "0.00"
    assert str(first.member_owes) == member_owes
    assert adjudication.status == "denied"
    # docs/rules.md §5.8: the member's part is patient responsibility (PR), the rest
    # contractual (CO)
    group = "PR" if first.member_owes.is_positive() else "CO"
    assert [(a.group, a.carc, str(a.amount)) for a in first.adjustments] == [
        (group, carc, "100.00")
    ]


@pytest.mark.parametrize("carc", ["197", "15", "29", "16", "18"])
def test_rules_5_4_primary_provider_error_is_denied_the_same_way(carc: str) -> None:
    """18 (duplicate) is in neither list of docs/rules.md §5.4: only a known "not covered" denial
    lets Medi-Cal pay as primary."""
    denied = PrimaryLine(m("0"), m("0"), denial_carc=carc)
    first = run(line(primary=denied), "95", payer=PayerType.COMMERCIAL).lines[0]
    assert first.denial is not None
    assert first.denial.carc == carc
    assert str(first.member_owes) == "0.00"  # the member still may not be billed


@pytest.mark.parametrize("carc", ["96", "204", "49", "27", "B1"])
def test_rules_5_4_primary_not_covered_medi_cal_pays_as_primary(carc: str) -> None:
    denied = PrimaryLine(m("0"), m("0"), denial_carc=carc)
    first = run(line("120", denied), "95", payer=PayerType.COMMERCIAL).lines[0]
    assert first.denial is None
    assert str(first.medi_cal_paid) == "95.00"


def test_rules_5_3_ohc_a_pays_as_primary_and_flags_recovery() -> None:
    month = MemberMonth(True, True, False, None, pay_and_chase=True)
    adjudication = run(line("120"), "95", payer=None, month=month)
    assert adjudication.recovery_flag is True
    assert str(adjudication.lines[0].medi_cal_paid) == "95.00"


def test_rules_5_5_authorization_needed_and_counted_in_units() -> None:
    tar = Authorization(
        "TAR-1",
        AuthorizationPayer.MEDI_CAL,
        "12345678A",
        "99213",
        date(2026, 11, 1),
        date(2027, 1, 31),
        4,
    )
    missing = run(line(units=2), "10", payer=None, auth=True)
    assert missing.lines[0].denial is not None
    assert missing.lines[0].denial.carc == "197"
    ok = run(line(units=4), "10", payer=None, auth=True, authorizations=[tar])
    assert ok.lines[0].denial is None
    assert ok.lines[0].authorization_id == "TAR-1"
    too_many = run(line(units=5), "10", payer=None, auth=True, authorizations=[tar])
    assert too_many.lines[0].denial is not None
    plan_member = MemberMonth(True, True, False, "HN")
    wrong_payer = run(
        line(units=1), "10", payer=None, auth=True, authorizations=[tar], month=plan_member
    )
    assert wrong_payer.lines[0].denial is not None  # a plan member needs the plan's


def test_rules_5_6_deductible_credit_counts_medi_cal_payment_and_soc() -> None:
    deductible = PrimaryLine(m("100"), m("0"), deductible=m("100"))
    first = run(line(primary=deductible), "80", payer=PayerType.COMMERCIAL, soc="30").lines[0]
    assert (str(first.medi_cal_paid), str(first.soc_applied), str(first.deductible_credit)) == (
        "50.00",
        "30.00",
        "80.00",
    )
