"""Eligibility verification (docs/rules.md §2): every call is recorded; every eligible answer gets
a new EVC stored with what was verified, for whom and by whom (W&I §14018.2)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date

from spenddown.domain.eligibility.codes import Program
from spenddown.domain.eligibility.model import BudgetUnitRole, Membership
from spenddown.domain.eligibility.verification import (
    Verification,
    build_verification,
    check_service_date,
)
from spenddown.domain.identifiers import MemberId
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.ledger import Obligation
from spenddown.services.common import (
    aid_code_table,
    authenticate_provider,
    find_member,
    pin_checked_outside,
    today,
)
from spenddown.services.ports import Env, EvcRecord, UnitOfWork, VerificationRecord


@dataclass(frozen=True, slots=True)
class VerifyEligibility:
    npi: str
    pin: str
    member_id: MemberId
    bic_issue_date: date
    service_date: date


def own_obligations(uow: UnitOfWork, cin: str, month: BenefitMonth) -> dict[Program, Obligation]:
    """The SOC obligations of the budget unit on which the member is eligible."""
    units = uow.repo.unit_obligations(cin, month, lock=False)
    by_unit = {membership.key: found for membership, found in units}
    return pick_own_obligations([m for m, _ in units], lambda m: by_unit[m.key])


def pick_own_obligations(
    memberships: Iterable[Membership], obligations_of: Callable[[Membership], list[Obligation]]
) -> dict[Program, Obligation]:
    """The first budget unit (by case and unit) on which the member is eligible and which has
    obligations in the month: its obligations by program (``obligations_of`` in program order)."""
    for membership in memberships:
        if membership.role is not BudgetUnitRole.ELIGIBLE:
            continue
        found = obligations_of(membership)
        if found:
            return {o.key.program: o for o in found}
    return {}


@pin_checked_outside
def verify(cmd: VerifyEligibility, uow: UnitOfWork, env: Env) -> Verification:
    # Reads, then one write of one statement (the EVC with the verification): no transaction
    # of its own on PostgreSQL (docs/performance.md "Round trips per use case").
    with uow.autocommit():
        provider = authenticate_provider(uow, env, cmd.npi, cmd.pin, member_lookup_follows=True)
        month = check_service_date(cmd.service_date, today(env))
        member = find_member(uow, env, cmd.member_id, cmd.bic_issue_date, provider)
        codes = aid_code_table(uow)
        segments = [s for s in uow.repo.segments(member.cin, month) if s.aid_code in codes]
        obligations = own_obligations(uow, member.cin, month)
        plans = uow.repo.plans()
        now = env.clock.now()
        verification_id = env.ids.new_id("v_")
        # The EVC's code is random: drawn again on the rare clash with a stored one (the insert
        # says so; nothing is read before).
        while True:
            result = build_verification(
                member_id=member.cin,
                service_date=cmd.service_date,
                segments=segments,
                aid_codes=codes,
                obligations=obligations,
                plans=plans,
                evc=env.ids.new_evc(),
            )
            evc = None
            if result.evc is not None:
                evc = EvcRecord(
                    evc=result.evc,
                    source="verification",
                    provider_npi=provider.npi,
                    cin=member.cin,
                    service_date=cmd.service_date,
                    month=month,
                    aid_codes=tuple(c.aid_code for c in result.aid_codes),
                    created_at=now,
                )
            record = VerificationRecord(
                verification_id=verification_id,
                provider_npi=provider.npi,
                cin=member.cin,
                service_date=cmd.service_date,
                month=month,
                eligible=result.eligible,
                eligibility_status=result.eligibility_status,
                evc=result.evc,
                created_at=now,
            )
            if uow.repo.record_verification(record, evc):
                break
        uow.commit()
        return result
