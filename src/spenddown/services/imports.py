"""Import a dataset (interfaces.md "Import format"): upsert by natural key, the whole file in
one transaction, every error reported with its path (``members[3].cin: ...``)."""

from __future__ import annotations

from dataclasses import dataclass, field

from spenddown import rules
from spenddown.domain.cob.model import Authorization, FeeScheduleEntry, OhcPolicy
from spenddown.domain.eligibility.codes import AidCode
from spenddown.domain.eligibility.model import (
    EligibilitySegment,
    Member,
    Membership,
    Plan,
    Provider,
)
from spenddown.domain.errors import ImportErrors, SpenddownError
from spenddown.services.common import aid_code_table
from spenddown.services.ports import Env, UnitOfWork
from spenddown.services.share_of_cost import SetShareOfCost, _set_share_of_cost


@dataclass(frozen=True, slots=True)
class CaseRecord:
    case_id: str
    county_code: str
    memberships: tuple[Membership, ...]


@dataclass(frozen=True, slots=True)
class ProviderRecord:
    provider: Provider  # pin_hash empty: the PIN below is hashed on import
    pin: str | None


@dataclass
class Dataset:
    """Parsed and shape-checked records, each with its path in the file."""

    plans: list[tuple[str, Plan]] = field(default_factory=list)
    providers: list[tuple[str, ProviderRecord]] = field(default_factory=list)
    members: list[tuple[str, Member]] = field(default_factory=list)
    aid_codes: list[tuple[str, AidCode]] = field(default_factory=list)
    cases: list[tuple[str, CaseRecord]] = field(default_factory=list)
    eligibility: list[tuple[str, EligibilitySegment]] = field(default_factory=list)
    soc: list[tuple[str, SetShareOfCost]] = field(default_factory=list)
    ohc_policies: list[tuple[str, OhcPolicy]] = field(default_factory=list)
    fee_schedule: list[tuple[str, FeeScheduleEntry]] = field(default_factory=list)
    authorizations: list[tuple[str, Authorization]] = field(default_factory=list)


def import_dataset(dataset: Dataset, uow: UnitOfWork, env: Env) -> dict[str, int]:
    errors: list[str] = []
    with uow:
        repo = uow.repo
        for _, plan in dataset.plans:
            repo.upsert_plan(plan)
        plan_codes = set(repo.plans())
        for path, record in dataset.providers:
            unknown = [p for p in record.provider.plans if p not in plan_codes]
            if unknown:
                errors.append(f"{path}.plans: unknown plan(s) {', '.join(unknown)}")
                continue
            existing = repo.get_provider(record.provider.npi)
            if record.pin is None and existing is None:
                errors.append(f"{path}.pin: a new provider needs a PIN")
                continue
            pin_hash = env.pins.hash(record.pin) if record.pin is not None else ""
            provider = Provider(
                npi=record.provider.npi,
                name=record.provider.name,
                type=record.provider.type,
                pin_hash=pin_hash,
                medi_cal_ffs=record.provider.medi_cal_ffs,
                plans=record.provider.plans,
                primary_networks=record.provider.primary_networks,
            )
            repo.upsert_provider(provider, keep_pin=record.pin is None)
        for _, member in dataset.members:
            repo.upsert_member(member)
        for _, aid_code in dataset.aid_codes:
            repo.upsert_aid_code(aid_code)
        for path, case in dataset.cases:
            repo.upsert_case(case.case_id, case.county_code)
            for index, membership in enumerate(case.memberships):
                if repo.get_member(membership.cin) is None:
                    errors.append(f"{path}.members[{index}].cin: unknown member {membership.cin}")
                    continue
                repo.upsert_budget_unit(membership.case_id, membership.budget_unit)
                repo.upsert_membership(membership)
        codes = aid_code_table(uow)
        ohc = rules.ohc_codes()
        for path, segment in dataset.eligibility:
            if repo.get_member(segment.cin) is None:
                errors.append(f"{path}.cin: unknown member {segment.cin}")
            elif segment.aid_code not in codes:
                errors.append(f"{path}.aid_code: unknown aid code {segment.aid_code}")
            elif unknown_ohc := [c for c in segment.ohc_codes if c not in ohc]:
                errors.append(f"{path}.ohc_codes: unknown OHC code(s) {', '.join(unknown_ohc)}")
            elif segment.plan_code is not None and segment.plan_code not in plan_codes:
                errors.append(f"{path}.plan: unknown plan {segment.plan_code}")
            else:
                repo.upsert_segment(segment)
        for path, policy in dataset.ohc_policies:
            if repo.get_member(policy.cin) is None:
                errors.append(f"{path}.cin: unknown member {policy.cin}")
            elif policy.ohc_code not in ohc:
                errors.append(f"{path}.ohc_code: unknown OHC code {policy.ohc_code}")
            else:
                repo.upsert_ohc_policy(policy)
        for _, entry in dataset.fee_schedule:
            repo.upsert_fee(entry)
        for path, authorization in dataset.authorizations:
            if repo.get_member(authorization.cin) is None:
                errors.append(f"{path}.cin: unknown member {authorization.cin}")
            else:
                repo.upsert_authorization(authorization)
        if not errors:
            for path, command in dataset.soc:
                try:
                    _set_share_of_cost(command, uow, env)
                except SpenddownError as error:
                    errors.append(f"{path}: {error.detail}")
        if errors:
            raise ImportErrors(errors)
        uow.commit()
    return {
        "plans": len(dataset.plans),
        "providers": len(dataset.providers),
        "members": len(dataset.members),
        "aid_codes": len(dataset.aid_codes),
        "cases": len(dataset.cases),
        "eligibility": len(dataset.eligibility),
        "soc": len(dataset.soc),
        "ohc_policies": len(dataset.ohc_policies),
        "fee_schedule": len(dataset.fee_schedule),
        "authorizations": len(dataset.authorizations),
    }
