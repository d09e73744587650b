"""docs/rules.md §2 (verification), against SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from spenddown.adapters.db import tables
from spenddown.domain.errors import AuthenticationFailed, InvalidInput, NotFound
from spenddown.domain.identifiers import card_id, evc_is_well_formed
from support.world import ISSUE, LTC_HOME, PHYSICIAN, SOC_MEMBER, World


def _count(world: World, table: tables.Table) -> int:
    with world.app.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def test_rules_2_unmet_soc_shows_no_aid_code_and_no_evc(world: World) -> None:
    result = world.verify()
    assert result.eligible is False
    assert result.evc is None
    assert result.aid_codes == ()
    assert result.eligibility_status == "5"
    assert result.plan is not None
    assert result.plan.hcp_status == "55"
    assert result.share_of_cost is not None
    assert str(result.share_of_cost.amount) == "600.00"
    assert result.messages == ("MEDI-CAL ELIGIBLE WITH $00600 SOC. REMAINING SOC $600.00.",)
    assert result.other_health_coverage == ("P",)


def test_rules_2_message_shows_remaining_after_partial_clearance(world: World) -> None:
    world.clear("150.00")
    result = world.verify()
    assert result.messages == ("MEDI-CAL ELIGIBLE WITH $00600 SOC. REMAINING SOC $450.00.",)


def test_rules_2_window_is_current_month_and_twelve_before(world: World) -> None:
    world.verify(service_date=date(2025, 11, 1))  # 12 months back: accepted
    with pytest.raises(InvalidInput) as too_old:
        world.verify(service_date=date(2025, 10, 31))
    assert too_old.value.code == "SERVICE_DATE_TOO_OLD"
    with pytest.raises(InvalidInput) as future:
        world.verify(service_date=date(2026, 11, 24))
    assert future.value.code == "SERVICE_DATE_IN_FUTURE"


def test_rules_2_unknown_id_and_wrong_issue_date_give_the_same_error(world: World) -> None:
    with pytest.raises(NotFound) as unknown:
        world.verify("10101010Z")
    with pytest.raises(NotFound) as wrong_date:
        world.verify(issue=date(2025, 2, 2))
    assert unknown.value.code == wrong_date.value.code == "MEMBER_NOT_FOUND"
    assert unknown.value.detail == wrong_date.value.detail


def test_rules_2_failed_lookups_count_toward_the_pin_lockout(world: World) -> None:
    for _ in range(5):
        with pytest.raises(NotFound):
            world.verify("10101010Z")
    with pytest.raises(AuthenticationFailed) as locked:
        world.verify()
    assert locked.value.code == "PIN_LOCKED"
    world.clock.advance(minutes=16)
    assert world.verify().eligible is False  # the lock ends after 15 minutes


def test_interfaces_wrong_pins_lock_the_npi_whatever_pin_follows(world: World) -> None:
    for _ in range(4):
        with pytest.raises(AuthenticationFailed) as wrong:
            world.verify(provider=(PHYSICIAN[0], "0000"))
        assert wrong.value.code == "INVALID_CREDENTIALS"
    world.verify()  # a success resets the count
    for _ in range(5):
        with pytest.raises(AuthenticationFailed):
            world.verify(provider=(PHYSICIAN[0], "0000"))
    with pytest.raises(AuthenticationFailed) as locked:
        world.verify()  # the right PIN, but locked
    assert locked.value.code == "PIN_LOCKED"


def test_rules_2_card_id_is_accepted_and_must_match_issue_date(world: World) -> None:
    card = card_id(SOC_MEMBER, ISSUE)
    assert world.verify(card).member_id == SOC_MEMBER
    other_card = card_id(SOC_MEMBER, date(2024, 2, 1))
    with pytest.raises(NotFound):
        world.verify(other_card)


def test_rules_2_no_soc_member_is_eligible_with_evc_and_restrictions(world: World) -> None:
    result = world.verify("88888888H")
    assert result.eligible is True
    assert result.evc is not None
    assert evc_is_well_formed(result.evc)
    assert [c.aid_code for c in result.aid_codes] == ["C1"]
    assert result.eligibility_status == "3"  # restricted scope: eligible with conditions
    assert result.share_of_cost is None
    assert result.restrictions


def test_rules_2_every_eligible_answer_gets_a_new_stored_evc(world: World) -> None:
    first = world.verify("88888888H")
    second = world.verify("88888888H")
    assert first.evc != second.evc
    assert _count(world, tables.evcs) == 2
    world.verify()  # not eligible: recorded, but no EVC
    assert _count(world, tables.verifications) == 3
    assert _count(world, tables.evcs) == 2


def test_rules_2_dual_aid_codes_eligible_for_the_non_soc_code_only(world: World) -> None:
    result = world.verify("66666666F")
    assert result.eligible is True
    assert [c.aid_code for c in result.aid_codes] == ["34"]
    assert result.evc is not None
    assert result.messages == ("MEDI-CAL ELIGIBLE WITH $00250 SOC. REMAINING SOC $250.00.",)


def test_rules_2_no_eligibility_in_month_is_not_eligible(world: World) -> None:
    result = world.verify("99999999J")
    assert result.eligible is False
    assert result.eligibility_status == "9"
    assert result.evc is None


def test_rules_4_ltc_auto_certified_is_eligible_and_not_cleared_online(world: World) -> None:
    from spenddown.domain.months import BenefitMonth
    from spenddown.services.share_of_cost import start_month

    start_month(BenefitMonth(2026, 11), world.app.uow(), world.app.env)
    result = world.verify("55555555E", provider=LTC_HOME)
    assert result.eligible is True
    assert result.eligibility_status == "1"
    assert result.share_of_cost is not None
    assert result.share_of_cost.clear_online is False
    assert result.share_of_cost.certified_by == "ltc_auto"
    assert result.evc is not None
    assert any(m.startswith("LTC SOC/Spend down $800.00") for m in result.messages)
