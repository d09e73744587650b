"""docs/rules.md §5 through the claim use case and storage, on both engines."""

from __future__ import annotations

from datetime import date

import pytest

from spenddown.domain.cob.model import (
    Claim,
    ClaimLine,
    ClaimPrimary,
    PayerType,
    PrimaryLine,
)
from spenddown.domain.errors import Forbidden, InvalidInput, NotFound, RuleRefusal
from spenddown.domain.money import Money
from spenddown.services import claims
from support.world import CLAIM_FEES, CLINIC, PHYSICIAN, World

DAY = date(2026, 11, 3)
FEES = CLAIM_FEES


def m(value: str) -> Money:
    return Money.of(value)


def submit(
    world: World,
    claim: Claim,
    provider: tuple[str, str] = PHYSICIAN,
) -> claims.Adjudication:
    cmd = claims.SubmitClaim(provider[0], provider[1], claim)
    return claims.adjudicate_claim(cmd, world.app.uow(), world.app.env)


def claim(
    claim_id: str,
    cin: str,
    *lines: ClaimLine,
    npi: str = PHYSICIAN[0],
    soc: str = "0",
    primary: ClaimPrimary | None = None,
) -> Claim:
    return Claim(claim_id, npi, cin, m(soc), primary, lines)


COMMERCIAL = ClaimPrimary(PayerType.COMMERCIAL, "Acme PPO", "A-1", date(2026, 11, 10))


def test_rules_5_d5b_stored_and_answered_once(world: World) -> None:
    world.load(FEES)
    world.clear("600.00")  # the SOC member's month is certified: eligible
    line = ClaimLine(DAY, "99213", 1, m("150"), PrimaryLine(m("150"), m("120"), copay=m("30")))
    result = submit(world, claim("CLM-1", "12345678A", line, primary=COMMERCIAL))
    assert (result.status, str(result.totals.medi_cal_paid)) == ("paid", "0.00")  # A=95 < P
    assert result.delivery_system == "plan"
    with pytest.raises(RuleRefusal) as duplicate:
        submit(world, claim("CLM-1", "12345678A", line, primary=COMMERCIAL))
    assert duplicate.value.code == "DUPLICATE_CLAIM"
    stored = claims.get_claim("CLM-1", world.app.uow(), provider_npi=PHYSICIAN[0])
    assert stored == result
    with pytest.raises(NotFound):
        claims.get_claim("CLM-1", world.app.uow(), provider_npi=CLINIC[0])


def test_rules_5_unmet_soc_is_178_and_other_coverage_first_is_22(world: World) -> None:
    world.load(FEES)
    unmet = submit(world, claim("CLM-2", "12345678A", ClaimLine(DAY, "99213", 1, m("100"))))
    assert unmet.lines[0].denial is not None
    assert unmet.lines[0].denial.carc == "178"
    world.clear("600.00")
    # OHC code P on the member's eligibility: bill the PPO first
    first = submit(world, claim("CLM-3", "12345678A", ClaimLine(DAY, "99214", 1, m("100"))))
    assert first.lines[0].denial is not None
    assert first.lines[0].denial.carc == "22"


def test_rules_5_5_plan_authorization_units_are_used_up_across_claims(world: World) -> None:
    world.load(FEES)
    world.clear("600.00")
    aba = PrimaryLine(m("200"), m("160"), copay=m("40"))
    first = submit(
        world,
        claim("CLM-4", "22222222B", ClaimLine(DAY, "97153", 6, m("240"), aba), primary=COMMERCIAL),
    )
    assert first.lines[0].authorization_id == "PA-HN-1"
    assert str(first.lines[0].medi_cal_paid) == "0.00"  # A = 99 < P = 160
    second = submit(
        world,
        claim(
            "CLM-5",
            "22222222B",
            ClaimLine(date(2026, 11, 4), "97153", 4, m("160"), aba),
            primary=COMMERCIAL,
        ),
    )
    assert second.lines[0].denial is not None
    assert second.lines[0].denial.carc == "197"  # 6 + 4 > 8 units


def test_rules_5_1_provider_not_in_the_members_plan_is_b7(world: World) -> None:
    world.load(FEES)
    world.clear("150.00", cin="33333333C")  # child's unit B certified; plan LA
    result = submit(world, claim("CLM-6", "33333333C", ClaimLine(DAY, "99213", 1, m("100"))))
    assert result.lines[0].denial is not None
    assert result.lines[0].denial.carc == "B7"  # the physician contracts with HN only
    assert str(result.totals.member_owes) == "100.00"
    assert any("may owe" in sentence for sentence in result.explanation)


def test_claims_only_under_the_providers_own_npi(world: World) -> None:
    with pytest.raises(Forbidden):
        submit(
            world, claim("CLM-7", "12345678A", ClaimLine(DAY, "99213", 1, m("100")), npi=CLINIC[0])
        )


@pytest.mark.parametrize(
    ("plan_year_start", "carc"),
    [("2026-01-01", "22"), ("2024-11-01", None)],
    ids=["in-force-bill-it-first", "ended-last-year"],
)
def test_rules_5_3_only_a_policy_in_its_plan_year_sends_the_claim_to_the_primary(
    world: World, plan_year_start: str, carc: str | None
) -> None:
    world.load(FEES)
    world.load(
        {
            "ohc_policies": [
                {
                    "cin": "22222222B",
                    "carrier": "ACME",
                    "network": "ACME-PPO",
                    "ohc_code": "P",
                    "scope": ["medical"],
                    "plan_year_start": plan_year_start,
                    "deductible": "1500.00",
                    "out_of_pocket_max": "6000.00",
                }
            ]
        }
    )
    world.clear("600.00")
    result = submit(world, claim("CLM-7", "22222222B", ClaimLine(DAY, "99213", 1, m("100"))))
    denial = result.lines[0].denial
    assert (denial.carc if denial else None) == carc


def test_rules_5_4_a_line_the_primary_denied_cannot_also_show_a_primary_payment(
    world: World,
) -> None:
    world.load(FEES)
    world.clear("600.00")
    denied_but_paid = PrimaryLine(m("120"), m("80"), denial_carc="96")
    line = ClaimLine(DAY, "99213", 1, m("120"), denied_but_paid)
    with pytest.raises(InvalidInput) as refused:
        submit(world, claim("CLM-8", "22222222B", line, primary=COMMERCIAL))
    assert refused.value.code == "INVALID_CLAIM"
    assert "denied" in refused.value.detail


def test_rules_5_2_cmsp_is_not_medi_cal_for_a_claim(world: World) -> None:
    """77777777G has Medi-Cal 17 (SOC $300, unmet) and CMSP 88 (its SOC set to $0: met). CMSP is
    the county's program, not Medi-Cal: the Medi-Cal claim is denied 178."""
    world.load(FEES)
    cmsp_met = {"case_id": "C-4004", "budget_unit": "A", "month": "2026-11", "amount": "0.00"}
    world.load({"soc": [{**cmsp_met, "program": "cmsp"}]})
    result = submit(world, claim("CLM-9", "77777777G", ClaimLine(DAY, "99213", 1, m("100"))))
    denial = result.lines[0].denial
    assert denial is not None
    assert denial.carc == "178"
