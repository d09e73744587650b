"""Managed-care plans: the roster with HCP status per member, and activations (outbox)."""

from __future__ import annotations

from dataclasses import dataclass

from spenddown.domain.eligibility.codes import HcpStatus
from spenddown.domain.eligibility.verification import hcp_status
from spenddown.domain.errors import InvalidInput, NotFound
from spenddown.domain.months import BenefitMonth
from spenddown.services.common import aid_code_table
from spenddown.services.eligibility import own_obligations
from spenddown.services.ports import Activation, UnitOfWork


@dataclass(frozen=True, slots=True)
class RosterEntry:
    cin: str
    aid_codes: tuple[str, ...]
    hcp_status: HcpStatus


@dataclass(frozen=True, slots=True)
class ActivationPage:
    plan_code: str
    activations: tuple[Activation, ...]
    cursor: str  # give it back as ``since`` to get what came after


def plan_roster(plan_code: str, month: BenefitMonth, uow: UnitOfWork) -> list[RosterEntry]:
    with uow:
        if uow.repo.get_plan(plan_code) is None:
            raise NotFound("PLAN_NOT_FOUND", f"No plan {plan_code}.")
        codes = aid_code_table(uow)
        by_member: dict[str, list[str]] = {}
        for segment in uow.repo.plan_segments(plan_code, month):
            by_member.setdefault(segment.cin, []).append(segment.aid_code)
        roster = []
        for cin in sorted(by_member):
            segments = [s for s in uow.repo.segments(cin, month) if s.aid_code in codes]
            status = hcp_status(segments, codes, own_obligations(uow, cin, month))
            roster.append(RosterEntry(cin, tuple(sorted(by_member[cin])), status))
        return roster


def activations_since(
    plan_code: str, since: str | None, uow: UnitOfWork, limit: int = 500
) -> ActivationPage:
    """Each activation once, in order; the cursor is the sequence number of the last one."""
    try:
        after = int(since) if since else 0
    except ValueError:
        raise InvalidInput("INVALID_CURSOR", "since: give back the cursor you were sent.") from None
    if after < 0 or not 1 <= limit <= 5000:
        raise InvalidInput("INVALID_CURSOR", "since: give back the cursor you were sent.")
    with uow:
        if uow.repo.get_plan(plan_code) is None:
            raise NotFound("PLAN_NOT_FOUND", f"No plan {plan_code}.")
        found = uow.repo.activations_since(plan_code, after, limit)
        cursor = str(found[-1].seq) if found else str(after)
        return ActivationPage(plan_code, tuple(found), cursor)
