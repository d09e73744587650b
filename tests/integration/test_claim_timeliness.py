"""Claim timeliness (docs/rules.md): six months after the month of service, delay reason codes
(X12 CLM20), CARC 29; on both engines."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from spenddown.adapters.db import tables
from spenddown.domain.claims_timeliness import due_date
from spenddown.domain.cob.model import Claim, ClaimLine
from spenddown.domain.errors import InvalidInput
from spenddown.domain.money import Money
from spenddown.services import claims
from support.world import CLAIM_FEES, PHYSICIAN, World

APRIL = date(2026, 4, 10)  # the world's today is 2026-11-23: seven months later
MEMBER = "88888888H"


def _submit(world: World, claim_id: str, **late: object) -> claims.Adjudication:
    line = ClaimLine(APRIL, "99213", 1, Money.of("100.00"))
    claim = Claim(claim_id, PHYSICIAN[0], MEMBER, Money.zero(), None, (line,), **late)  # type: ignore[arg-type]
    cmd = claims.SubmitClaim(PHYSICIAN[0], PHYSICIAN[1], claim)
    return claims.adjudicate_claim(cmd, world.app.uow(), world.app.env)


@pytest.fixture
def april(world: World) -> World:
    world.load(CLAIM_FEES)
    world.load(
        {
            "eligibility": [
                {"cin": MEMBER, "month": "2026-04", "aid_code": "C1", "county_code": "19"}
            ]
        }
    )
    return world


def test_the_due_date_is_the_end_of_the_sixth_month_after_the_month_of_service() -> None:
    assert due_date(APRIL, 6) == date(2026, 10, 31)
    assert due_date(date(2026, 8, 31), 6) == date(2027, 2, 28)


def test_a_claim_seven_months_old_without_a_delay_reason_is_denied_29(april: World) -> None:
    result = _submit(april, "LATE-1")
    denial = result.lines[0].denial
    assert denial is not None
    assert denial.carc == "29"
    assert result.status == "denied"
    assert result.lines[0].member_owes == Money.zero()


def test_a_valid_delay_reason_code_lets_it_through(april: World) -> None:
    result = _submit(april, "LATE-2", delay_reason_code="1")
    assert result.lines[0].denial is None or result.lines[0].denial.carc != "29"


def test_an_unknown_delay_reason_code_is_refused_and_nothing_stored(april: World) -> None:
    with pytest.raises(InvalidInput) as refused:
        _submit(april, "LATE-3", delay_reason_code="99")
    assert refused.value.code == "INVALID_DELAY_REASON_CODE"
    assert refused.value.context["field"] == "delay_reason_code"
    with april.app.engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(tables.claims)).scalar() == 0
