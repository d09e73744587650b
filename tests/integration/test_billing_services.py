"""docs/rules.md §6 balance billing, accumulators and the savings estimate through the services, on
both engines (the world and fee schedule of tests/integration/test_claims.py)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from spenddown.domain.cob.estimate import PrimaryCostSharing, ServicePattern
from spenddown.domain.cob.model import Claim, ClaimLine, ClaimPrimary, PayerType, PrimaryLine
from spenddown.domain.errors import AuthenticationFailed, InvalidInput, NotFound
from spenddown.domain.identifiers import parse_member_id
from spenddown.domain.money import Money
from spenddown.entrypoints.web import explain
from spenddown.services import access, billing, claims, providers
from support.world import CLINIC, ISSUE, PHYSICIAN, SOC_MEMBER, TODAY, World

DAY = date(2026, 11, 3)
ABA_BOTH = ("1765432103", "1471")  # ACME-PPO network and the member's plan HN
ABA_PPO_ONLY = ("1888888884", "2582")  # ACME-PPO network only: no Medi-Cal at all
UNKNOWN_NPI = "1999999992"
COMMERCIAL = ClaimPrimary(PayerType.COMMERCIAL, "Acme PPO", "A-1", date(2026, 11, 10))

DATA: dict[str, Any] = {
    "providers": [
        {
            "npi": ABA_BOTH[0],
            "name": "Bright Steps ABA",
            "pin": ABA_BOTH[1],
            "type": "aba",
            "medi_cal_ffs": False,
            "plans": ["HN"],
            "primary_networks": ["ACME-PPO"],
        },
        {
            "npi": ABA_PPO_ONLY[0],
            "name": "PPO Only ABA",
            "pin": ABA_PPO_ONLY[1],
            "type": "aba",
            "medi_cal_ffs": False,
            "primary_networks": ["ACME-PPO"],
        },
    ],
    "ohc_policies": [
        {
            "cin": SOC_MEMBER,
            "carrier": "ACME",
            "network": "ACME-PPO",
            "ohc_code": "P",
            "plan_year_start": "2026-01-01",
            "deductible": "1500.00",
            "out_of_pocket_max": "6000.00",
        }
    ],
    "fee_schedule": [
        {"procedure_code": "99213", "effective": "2026-01-01", "allowed_per_unit": "95.00"},
        {
            "procedure_code": "97153",
            "effective": "2026-01-01",
            "allowed_per_unit": "16.50",
            "requires_authorization": True,
        },
    ],
}


def m(value: str) -> Money:
    return Money.of(value)


def check(
    world: World,
    amount: str,
    provider: str = PHYSICIAN[0],
    *,
    claim_id: str | None = None,
    member: str = SOC_MEMBER,
    issue: date = ISSUE,
    born: date | None = date(1960, 5, 1),
    pin: str | None = None,
) -> billing.BillingCheck:
    """The family's check (member ID, issue date, birth date); with ``pin`` the provider's."""
    cmd = billing.BillingCheckCommand(
        parse_member_id(member),
        issue,
        provider,
        DAY,
        m(amount),
        claim_id,
        birth_date=None if pin is not None else born,
        pin=pin,
    )
    return billing.billing_check(cmd, world.app.uow(), world.app.env)


def submit(world: World, claim: Claim) -> claims.Adjudication:
    cmd = claims.SubmitClaim(PHYSICIAN[0], PHYSICIAN[1], claim)
    return claims.adjudicate_claim(cmd, world.app.uow(), world.app.env)


def certify_with_physician_soc(world: World) -> None:
    """SOC $600: the clinic clears $590 on 2026-11-02, the physician the last $10 on DAY."""
    world.clear("590.00", provider=CLINIC, service_date=date(2026, 11, 2))
    world.clear("10.00")


def test_rules_6_provider_who_cleared_the_soc_may_collect_only_it(world: World) -> None:
    """W&I §14019.4, 22 CCR §51002: the physician verified (W&I §14018.2) and cleared the whole
    $600 SOC on DAY; a $900 bill is balance billing: may collect $600."""
    world.load(DATA)
    world.verify()
    world.clear("600.00")
    result = check(world, "900.00")
    assert (result.allowed, str(result.may_collect), result.rule) == (
        False,
        "600.00",
        "W&I 14019.4",
    )
    assert any("1-888-452-8609" in s for s in result.what_to_do)  # plan member (HN)
    within = check(world, "600.00")
    assert (within.allowed, within.rule) == (True, "22 CCR 51002")


def test_rules_6_unmet_soc_may_collect_what_was_cleared_and_what_remains(world: World) -> None:
    """22 CCR §50653: $100 cleared with the physician, $500 remains unmet → at most $600."""
    world.load(DATA)
    world.clear("100.00")
    result = check(world, "900.00")
    assert (result.allowed, str(result.may_collect)) == (False, "600.00")


def test_rules_6_not_enrolled_never_verified_is_allowed(world: World) -> None:
    """W&I §14018.2: a provider that never verified, never billed Medi-Cal and is not in the
    member's plan did not accept the member as a Medi-Cal patient: the family may owe the bill."""
    world.load(DATA)
    world.clear("600.00")
    result = check(world, "480.00", ABA_PPO_ONLY[0])
    assert (result.allowed, str(result.may_collect), result.rule) == (True, "480.00", "W&I 14018.2")
    assert not result.protected
    assert any("may owe" in s for s in result.explanation)


def test_seed_provider_in_both_networks_may_not_invoice_the_family(world: World) -> None:
    """Seed: contracted with both the PPO and Medi-Cal (plan HN), month certified by others'
    clearances, nothing cleared with this provider → it may collect nothing."""
    world.load(DATA)
    world.clear("600.00")
    result = check(world, "30.00", ABA_BOTH[0])
    assert (result.allowed, str(result.may_collect)) == (False, "0.00")
    assert any("contracted with both" in s for s in result.explanation)


def test_rules_5_7_with_a_claim_may_collect_what_the_claim_says_the_member_owes(
    world: World,
) -> None:
    """docs/rules.md §5.7: after Medi-Cal the member owes only the SOC on the claim ($10)."""
    world.load(DATA)
    certify_with_physician_soc(world)
    line = ClaimLine(DAY, "99213", 1, m("150"), PrimaryLine(m("150"), m("120"), copay=m("30")))
    adjudication = submit(
        world, Claim("CLM-B1", PHYSICIAN[0], SOC_MEMBER, m("10"), COMMERCIAL, (line,))
    )
    assert str(adjudication.totals.member_owes) == "10.00"
    result = check(world, "150.00", claim_id="CLM-B1")
    assert (result.allowed, str(result.may_collect)) == (False, "10.00")
    assert any("claim CLM-B1" in s for s in result.explanation)
    with pytest.raises(NotFound) as other:
        check(world, "150.00", CLINIC[0], claim_id="CLM-B1")  # not the clinic's claim
    assert other.value.code == "CLAIM_NOT_FOUND"
    # A claim for another day says nothing about this one.
    earlier = ClaimLine(DAY - timedelta(days=1), "99213", 1, m("150"), line.primary)
    submit(world, Claim("CLM-B2", PHYSICIAN[0], SOC_MEMBER, m("0"), COMMERCIAL, (earlier,)))
    with pytest.raises(InvalidInput) as elsewhere:
        check(world, "150.00", claim_id="CLM-B2")
    assert elsewhere.value.code == "SERVICE_DATE_NOT_ON_CLAIM"


def test_billing_check_needs_the_member_and_a_known_provider(world: World) -> None:
    """docs/rules.md §2: a wrong issue date and an unknown ID give the same error."""
    world.load(DATA)
    with pytest.raises(NotFound) as wrong_date:
        check(world, "10.00", issue=date(2024, 1, 1))
    assert wrong_date.value.code == "MEMBER_NOT_FOUND"
    with pytest.raises(NotFound) as unknown:
        check(world, "10.00", UNKNOWN_NPI)
    assert unknown.value.code == "PROVIDER_NOT_FOUND"


def test_billing_check_needs_credentials_and_an_anonymous_brute_force_gets_nothing(
    world: World,
) -> None:
    """Issue 14: without the birth date (or a PIN) nothing is answered, whatever issue date is
    tried; a family's wrong tries lock the member's look-ups; an unknown member looks the same."""
    world.load(DATA)
    with pytest.raises(AuthenticationFailed) as anonymous:
        check(world, "10.00", born=None)
    assert anonymous.value.code == "AUTHENTICATION_REQUIRED"
    for day in range(5):  # issue-date guesses with a guessed birth date
        with pytest.raises(NotFound) as guess:
            check(world, "10.00", issue=date(2024, 1, 1 + day), born=date(1970, 1, 1))
        assert guess.value.code == "MEMBER_NOT_FOUND"
        assert guess.value.context["tries_left"] == 4 - day
    with pytest.raises(AuthenticationFailed) as locked:
        check(world, "10.00")  # the right dates: still locked for anonymous callers
    assert locked.value.code == "MEMBER_LOCKED"
    for day in range(5):  # an unknown member answers exactly alike
        with pytest.raises(NotFound) as unknown:
            check(world, "10.00", member="10101010Z", issue=date(2024, 1, 1 + day))
        assert unknown.value.detail == guess.value.detail
        assert unknown.value.context["tries_left"] == 4 - day
    with pytest.raises(AuthenticationFailed) as unknown_locked:
        check(world, "10.00", member="10101010Z")
    assert unknown_locked.value.code == "MEMBER_LOCKED"


def test_billing_check_as_the_provider_with_its_pin(world: World) -> None:
    world.load(DATA)
    assert check(world, "10.00", pin=PHYSICIAN[1]).allowed in (True, False)
    with pytest.raises(AuthenticationFailed) as wrong:
        check(world, "10.00", pin="0000")
    assert wrong.value.code == "INVALID_CREDENTIALS"
    with pytest.raises(NotFound):  # a failed look-up counts toward the NPI's lockout
        check(world, "10.00", pin=PHYSICIAN[1], issue=date(2024, 1, 1))
    for _ in range(3):
        with pytest.raises(AuthenticationFailed):
            check(world, "10.00", pin="0000")
    with pytest.raises(AuthenticationFailed) as locked:
        check(world, "10.00", pin=PHYSICIAN[1])
    assert locked.value.code == "PIN_LOCKED"


def test_accumulators_after_two_claims_with_deductibles(world: World) -> None:
    """docs/rules.md §5.6 and the seed (Medi-Cal's part of the deductible counts as met).

    CLM-A1 (DAY): PPO allowed 150, paid 0, deductible 150; Medi-Cal A = 95, pays min(150, 95)
      = 95 less the $10 SOC on the claim = 85; member owes 10. Deductible: Medi-Cal 85,
      member 10, write-off 55. Out of pocket 150.
    CLM-A2 (11-04): allowed 150, paid 80, deductible 50, copay 20; Medi-Cal pays
      min(70, 95 − 80) = 15. Deductible: Medi-Cal 15, member 0, write-off 35. Out of pocket 70.
    Applied 200, Medi-Cal 100, member 10, write-off 90, remaining 1,300; OOP 220 of 6,000.
    """
    world.load(DATA)
    certify_with_physician_soc(world)
    first = ClaimLine(DAY, "99213", 1, m("150"), PrimaryLine(m("150"), m("0"), deductible=m("150")))
    second = ClaimLine(
        date(2026, 11, 4),
        "99213",
        1,
        m("150"),
        PrimaryLine(m("150"), m("80"), deductible=m("50"), copay=m("20")),
    )
    submit(world, Claim("CLM-A1", PHYSICIAN[0], SOC_MEMBER, m("10"), COMMERCIAL, (first,)))
    submit(world, Claim("CLM-A2", PHYSICIAN[0], SOC_MEMBER, m("0"), COMMERCIAL, (second,)))
    [statement] = billing.accumulators(SOC_MEMBER, None, world.app.uow())
    assert (statement.carrier, statement.plan_year_end) == ("ACME", date(2026, 12, 31))
    assert str(statement.deductible_applied) == "200.00"
    assert (str(statement.paid_by_medi_cal), str(statement.paid_by_member)) == ("100.00", "10.00")
    assert str(statement.written_off) == "90.00"
    assert str(statement.deductible_remaining) == "1300.00"
    assert (str(statement.out_of_pocket), str(statement.out_of_pocket_remaining)) == (
        "220.00",
        "5780.00",
    )
    assert any("Medi-Cal paid $100.00 of your deductible" in s for s in statement.statement)
    assert len(billing.accumulators(SOC_MEMBER, date(2026, 6, 1), world.app.uow())) == 1
    with pytest.raises(NotFound):
        billing.accumulators(SOC_MEMBER, date(2025, 6, 1), world.app.uow())


def test_estimate_lists_the_providers_that_take_both(world: World) -> None:
    """Seed and docs/rules.md §5.1: only a provider in the PPO network AND in the member's Medi-Cal
    plan (HN) lets Medi-Cal pay the copays and deductible. Fee schedule 97153 $16.50 × 4 = $66;
    the member's SOC this month is $600; the year starts on the PPO plan year (2026-01-01)."""
    world.load(DATA)
    cmd = billing.EstimateCommand(
        cin=SOC_MEMBER,
        pattern=ServicePattern("97153", 4, 5),
        cost_sharing=PrimaryCostSharing(m("1500"), m("6000"), copay_per_visit=m("30")),
        primary_allowed_per_unit=m("30.00"),
        as_of=TODAY,
        provider_npis=(ABA_BOTH[0], ABA_PPO_ONLY[0], PHYSICIAN[0]),
    )
    result = billing.estimate(cmd, world.app.uow())
    assert str(result.medi_cal_allowed_per_visit) == "66.00"
    assert str(result.monthly_soc) == "600.00"
    assert result.start == date(2026, 1, 1)
    assert str(result.without_medi_cal) == "6000.00"
    assert [p.name for p in result.qualifying_providers] == ["Bright Steps ABA"]
    ppo_only = next(p for p in result.providers if p.npi == ABA_PPO_ONLY[0])
    assert (ppo_only.takes_primary, ppo_only.takes_medi_cal) == (True, False)
    physician = next(p for p in result.providers if p.npi == PHYSICIAN[0])
    assert (physician.takes_primary, physician.takes_medi_cal) == (False, True)
    assert any("Providers that take both" in s for s in result.explanation)
    coinsurance = PrimaryCostSharing(m("0"), m("100"), coinsurance_percent=Decimal("10"))
    with pytest.raises(NotFound) as missing:
        billing.estimate(
            billing.EstimateCommand(
                SOC_MEMBER, ServicePattern("00000", 1, 1), coinsurance, m("10"), TODAY
            ),
            world.app.uow(),
        )
    assert missing.value.code == "FEE_NOT_FOUND"


def test_family_pages_read_the_directory_and_the_member(world: World) -> None:
    """The family pages' provider directory (every provider by name) and the member's name and
    birth date for the deductible statement (docs/web.md, "Pages")."""
    world.load(DATA)
    directory = providers.directory(world.app.uow())
    npis = [npi for npi, _ in directory]
    assert PHYSICIAN[0] in npis
    assert CLINIC[0] in npis
    names = [name for _, name in directory]
    assert names == sorted(names)
    member = access.member_profile(SOC_MEMBER, world.app.uow())
    assert member is not None
    assert member.cin == SOC_MEMBER
    assert access.member_profile("99999999Z", world.app.uow()) is None


def test_every_verdict_sentence_is_shown_in_spanish(world: World) -> None:
    """web/explain.py knows each sentence of a refused and of an allowed bill: none is left in
    English on the Spanish page."""
    world.load(DATA)
    world.verify()
    world.clear("600.00")
    for amount in ("900.00", "600.00"):
        result = check(world, amount)
        shown = explain.sentences([*result.explanation, *result.what_to_do], "es")
        assert [s["text"] for s in shown if s["lang"] == "en"] == []
        english = explain.sentences(list(result.what_to_do), "en")
        assert [s["text"] for s in english] == list(result.what_to_do)
