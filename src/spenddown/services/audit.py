"""``spenddown audit``: re-check every ledger invariant over the whole database and return
every violation (an empty list means a healthy ledger)."""

from __future__ import annotations

from spenddown.domain.eligibility.model import BudgetUnitRole
from spenddown.domain.identifiers import evc_is_well_formed
from spenddown.domain.share_of_cost.ledger import check_obligation
from spenddown.services.common import aid_code_table
from spenddown.services.ports import UnitOfWork
from spenddown.services.soc_over_time import audit_over_time


def audit_ledger(uow: UnitOfWork) -> list[str]:
    problems: list[str] = []
    with uow:
        codes = aid_code_table(uow)
        for obligation in uow.repo.iter_obligations():
            entries = uow.repo.entries_of(obligation.key)
            problems.extend(check_obligation(obligation, entries))
            for entry in entries:
                if entry.evc is not None and not evc_is_well_formed(entry.evc):
                    problems.append(f"{obligation.key}: entry {entry.entry_id} has a bad EVC")
            if not obligation.certified:
                continue
            key = obligation.key
            for membership in uow.repo.members_of_budget_unit(key.case_id, key.budget_unit):
                if membership.role is not BudgetUnitRole.ELIGIBLE:
                    continue
                for segment in uow.repo.segments(membership.cin, key.month):
                    attributes = codes.get(segment.aid_code)
                    if not segment.plan_code or attributes is None:
                        continue
                    if attributes.program is not key.program:
                        continue
                    count = uow.repo.activation_count(segment.plan_code, membership.cin, key.month)
                    if count != 1:
                        problems.append(
                            f"{key}: certified, but plan {segment.plan_code} has {count} "
                            f"activations for member …{membership.cin[-4:]}"
                        )
    problems.extend(audit_over_time(uow))
    return problems
