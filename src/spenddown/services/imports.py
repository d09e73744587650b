"""Import a dataset (docs/formats.md §1): upsert by natural key, the whole file in
one transaction, every error reported with its path (``members[3].cin: ...``)."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from datetime import date

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
from spenddown.domain.errors import ImportErrors
from spenddown.domain.medicare import MedicareStatus
from spenddown.domain.pins import pin_problem
from spenddown.services.common import aid_code_table
from spenddown.services.medicare import catch_up_buy_ins
from spenddown.services.ports import Env, UnitOfWork
from spenddown.services.share_of_cost import SetShareOfCost, _set_shares_of_cost


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
    medicare: list[tuple[str, MedicareStatus]] = field(default_factory=list)  # docs/rules.md
    applications: list[tuple[str, date, bool]] = field(default_factory=list)  # docs/rules.md


def import_dataset(dataset: Dataset, uow: UnitOfWork, env: Env) -> dict[str, int]:
    """Every reference is checked against what the file and the database hold (looked up once,
    in bulk); with no error, each kind of record is written as one bulk upsert and the SOC
    records go through the Share of Cost rules; any error rolls the whole file back."""
    errors: list[str] = []
    with uow:
        repo = uow.repo
        repo.upsert_plans([plan for _, plan in dataset.plans])
        plan_codes = set(repo.plans())
        new_pins, kept_pins = _providers(dataset.providers, plan_codes, uow, env, errors)
        repo.upsert_aid_codes([aid_code for _, aid_code in dataset.aid_codes])
        codes = aid_code_table(uow)
        ohc = rules.ohc_codes()
        in_file = {member.cin for _, member in dataset.members}
        referenced = (
            {m.cin for _, case in dataset.cases for m in case.memberships}
            | {segment.cin for _, segment in dataset.eligibility}
            | {policy.cin for _, policy in dataset.ohc_policies}
            | {authorization.cin for _, authorization in dataset.authorizations}
        )
        known = in_file | repo.existing_members(referenced - in_file)

        memberships: list[Membership] = []
        for path, case in dataset.cases:
            for index, membership in enumerate(case.memberships):
                if membership.cin in known:
                    memberships.append(membership)
                else:
                    errors.append(f"{path}.members[{index}].cin: unknown member {membership.cin}")
        segments = _segments(dataset.eligibility, known, codes, ohc, plan_codes, errors)
        policies: list[OhcPolicy] = []
        for path, policy in dataset.ohc_policies:
            if policy.cin not in known:
                errors.append(f"{path}.cin: unknown member {policy.cin}")
            elif policy.ohc_code not in ohc:
                errors.append(f"{path}.ohc_code: unknown OHC code {policy.ohc_code}")
            else:
                policies.append(policy)
        authorizations: list[Authorization] = []
        for path, authorization in dataset.authorizations:
            if authorization.cin not in known:
                errors.append(f"{path}.cin: unknown member {authorization.cin}")
            else:
                authorizations.append(authorization)
        if errors:
            raise ImportErrors(errors)

        repo.upsert_providers(new_pins, keep_pin=False)
        repo.upsert_providers(kept_pins, keep_pin=True)
        repo.upsert_members([member for _, member in dataset.members])
        repo.upsert_cases([(case.case_id, case.county_code) for _, case in dataset.cases])
        repo.upsert_memberships(memberships)
        repo.upsert_segments(segments)
        repo.upsert_medicare([status for _, status in dataset.medicare])
        repo.upsert_applications(dataset.applications)
        repo.upsert_ohc_policies(policies)
        repo.upsert_fees([entry for _, entry in dataset.fee_schedule])
        repo.upsert_authorizations(authorizations)
        refused = _set_shares_of_cost([command for _, command in dataset.soc], uow, env)
        if refused:
            raise ImportErrors([f"{dataset.soc[i][0]}: {error.detail}" for i, error in refused])
        # Medicare arriving after a month was certified: its Part B buy-in (docs/rules.md §9.5)
        catch_up_buy_ins(uow, [status for _, status in dataset.medicare], env.clock.now())
        stored = [c.determination for _, c in dataset.soc if c.determination is not None]
        if stored:
            repo.save_determination_inputs_many(stored, env.clock.now())
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


def _providers(
    records: list[tuple[str, ProviderRecord]],
    plan_codes: set[str],
    uow: UnitOfWork,
    env: Env,
    errors: list[str],
) -> tuple[list[Provider], list[Provider]]:
    """The providers with a (hashed) PIN, and those that keep the PIN they have."""
    with_pin: list[Provider] = []
    keeping: list[Provider] = []
    # Each provider's PIN gets its own hash and salt, even when providers share a PIN: a shared
    # hash would tell a database reader which providers have the same PIN (and let one guess
    # serve them all). Argon2 costs a quarter of a second or so per provider.
    hashed_npis: set[str] = set()
    for path, record in records:
        unknown = [p for p in record.provider.plans if p not in plan_codes]
        if unknown:
            errors.append(f"{path}.plans: unknown plan(s) {', '.join(unknown)}")
            continue
        if record.pin is None:
            npi = record.provider.npi
            if npi not in hashed_npis and uow.repo.get_provider(npi) is None:
                errors.append(f"{path}.pin: a new provider needs a PIN")
            else:
                keeping.append(record.provider)
            continue
        weak = pin_problem(record.pin, record.provider.npi)
        if weak is not None:  # the policy for new PINs (domain/pins.py); never echo the PIN
            errors.append(f"{path}.pin: {weak}")
            continue
        with_pin.append(replace(record.provider, pin_hash=env.pins.hash(record.pin)))
        hashed_npis.add(record.provider.npi)
    return with_pin, keeping


def _segments(
    records: list[tuple[str, EligibilitySegment]],
    known: set[str],
    codes: dict[str, AidCode],
    ohc: Collection[str],
    plan_codes: set[str],
    errors: list[str],
) -> list[EligibilitySegment]:
    segments: list[EligibilitySegment] = []
    append = segments.append  # a million rows: keep the loop lean
    for path, segment in records:
        if segment.cin not in known:
            errors.append(f"{path}.cin: unknown member {segment.cin}")
        elif segment.aid_code not in codes:
            errors.append(f"{path}.aid_code: unknown aid code {segment.aid_code}")
        elif segment.ohc_codes and (unknown := [c for c in segment.ohc_codes if c not in ohc]):
            errors.append(f"{path}.ohc_codes: unknown OHC code(s) {', '.join(unknown)}")
        elif segment.plan_code is not None and segment.plan_code not in plan_codes:
            errors.append(f"{path}.plan: unknown plan {segment.plan_code}")
        else:
            append(segment)
    return segments
