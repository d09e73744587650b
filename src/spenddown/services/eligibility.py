"""Eligibility verification (docs/rules.md §2): every call is recorded; every eligible answer gets
a new EVC stored with what was verified, for whom and by whom (W&I §14018.2)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from spenddown.domain.eligibility.codes import AidCode, Program
from spenddown.domain.eligibility.model import (
    BudgetUnitRole,
    EligibilitySegment,
    Membership,
    Plan,
    Provider,
)
from spenddown.domain.eligibility.verification import (
    Verification,
    build_verification,
    check_service_date,
)
from spenddown.domain.errors import AuthenticationFailed, InvalidInput, SpenddownError
from spenddown.domain.identifiers import MemberId
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.ledger import Obligation
from spenddown.services.common import (
    aid_code_table,
    authenticate_provider,
    authenticate_provider_reading_member,
    find_member,
    member_matches,
    member_not_found,
    npi_lock,
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
        provider, read = authenticate_provider_reading_member(
            uow, env, cmd.npi, cmd.pin, cmd.member_id.cin
        )
        month = check_service_date(cmd.service_date, today(env))
        member = find_member(uow, env, cmd.member_id, cmd.bic_issue_date, provider, read)
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
            record, evc = _records(
                result, provider, member.cin, cmd.service_date, month, verification_id, now
            )
            if uow.repo.record_verification(record, evc):
                break
        uow.commit()
        return result


def _records(
    result: Verification,
    provider: Provider,
    cin: str,
    service_date: date,
    month: BenefitMonth,
    verification_id: str,
    now: datetime,
) -> tuple[VerificationRecord, EvcRecord | None]:
    """What is stored of a verification: its record, and its EVC when it has one."""
    evc = None
    if result.evc is not None:
        evc = EvcRecord(
            evc=result.evc,
            source="verification",
            provider_npi=provider.npi,
            cin=cin,
            service_date=service_date,
            month=month,
            aid_codes=tuple(c.aid_code for c in result.aid_codes),
            created_at=now,
        )
    record = VerificationRecord(
        verification_id=verification_id,
        provider_npi=provider.npi,
        cin=cin,
        service_date=service_date,
        month=month,
        eligible=result.eligible,
        eligibility_status=result.eligibility_status,
        evc=result.evc,
        created_at=now,
    )
    return record, evc


# --- many subscribers at once (an X12 270) ----------------------------------------------------
VERIFY_CHUNK = 1000  # verifications per transaction (docs/performance.md "270 → 271")
MAX_VERIFY_CHUNK = 10_000  # keeps every chunk's IN (...) lists within SQLite's limits


@dataclass(frozen=True, slots=True)
class Inquiry:
    """One subscriber of a batch: ``VerifyEligibility`` without the credentials."""

    member_id: MemberId
    bic_issue_date: date
    service_date: date


VerifyOutcome = Verification | SpenddownError


def verify_batch(
    npi: str,
    pin: str,
    inquiries: Sequence[Inquiry],
    uow_factory: Callable[[], UnitOfWork],
    env: Env,
    *,
    chunk: int | None = None,
) -> list[VerifyOutcome]:
    """``verify`` for many subscribers of one provider, one outcome per inquiry in order: the
    ``Verification`` or the ``SpenddownError`` that ``verify`` would have raised for it, called
    one by one (docs/x12.md "270 → 271 in chunks").

    Each chunk of ``chunk`` inquiries (default ``VERIFY_CHUNK``) is one transaction: the
    provider signed in once (the PIN checked, with the lockout, as ``verify`` does), the
    members, their segments and their units' obligations read in one statement per kind, every
    verification built by the same domain code, their EVCs and records stored in two
    statements, one commit. A failed member look-up counts toward the NPI's lockout at once
    (committed, in order); when it locks the NPI, that refusal (``AuthenticationFailed``,
    ``PIN_LOCKED``) is the outcome of every inquiry after it. An ``AuthenticationFailed`` at a
    chunk's sign-in (a wrong PIN, a locked NPI) is the
    outcome of the chunk and of every one after it; nothing of theirs is verified."""
    chunk = VERIFY_CHUNK if chunk is None else chunk
    if not 1 <= chunk <= MAX_VERIFY_CHUNK:
        raise InvalidInput("INVALID_REQUEST", f"A chunk has 1 to {MAX_VERIFY_CHUNK} inquiries.")
    outcomes: list[VerifyOutcome] = []
    for start in range(0, len(inquiries), chunk):
        part = inquiries[start : start + chunk]
        try:
            outcomes.extend(_verify_chunk(npi, pin, part, uow_factory(), env))
        except AuthenticationFailed as refused:
            outcomes.extend([refused] * (len(inquiries) - start))
            break
        if outcomes and isinstance(outcomes[-1], AuthenticationFailed):  # locked part-way
            outcomes.extend([outcomes[-1]] * (len(inquiries) - len(outcomes)))
            break
    return outcomes


@pin_checked_outside
def _verify_chunk(
    npi: str, pin: str, part: Sequence[Inquiry], uow: UnitOfWork, env: Env
) -> list[VerifyOutcome]:
    with uow:
        provider = authenticate_provider(uow, env, npi, pin, member_lookup_follows=True)
        outcomes: list[VerifyOutcome | None] = [None] * len(part)
        months: dict[int, BenefitMonth] = {}
        for index, inquiry in enumerate(part):
            try:
                months[index] = check_service_date(inquiry.service_date, today(env))
            except SpenddownError as error:
                outcomes[index] = error
        members = uow.repo.members_by_cin(sorted({part[i].member_id.cin for i in months}))
        found: list[int] = []
        for index in sorted(months):
            inquiry = part[index]
            member = members.get(inquiry.member_id.cin)
            if member_matches(member, inquiry.member_id, inquiry.bic_issue_date):
                found.append(index)
                continue
            outcomes[index] = member_not_found(uow, env, inquiry.member_id, provider)
            locked = npi_lock(uow, env, provider.npi)
            if locked is not None:  # the rest of the file is refused, as the next sign-in would
                for later in range(index + 1, len(part)):
                    outcomes[later] = locked
                break
        cins = sorted({part[i].member_id.cin for i in found})
        wanted = sorted({months[i] for i in found})
        reference = _ChunkReference(provider, aid_code_table(uow), uow.repo.plans())
        if found:
            for segment in uow.repo.segments_of(cins, wanted):
                if segment.aid_code in reference.codes:
                    key = (segment.cin, segment.month)
                    reference.segments.setdefault(key, []).append(segment)
            reference.units = uow.repo.units_obligations_of(cins, wanted)
        built: dict[int, _Built] = {}
        for index in found:  # the same draws, in the same order, as one verify each
            verification_id = env.ids.new_id("v_")
            built[index] = reference.build(part[index], months[index], verification_id, env)
        pending = dict(built)
        while pending:
            # An EVC's code is random: one taken (stored before, or drawn twice in the chunk)
            # is drawn again for its verification, as ``verify`` does.
            seen: set[str] = set()
            for index, (_, record, evc) in list(pending.items()):
                while evc is not None and evc.evc in seen:
                    pending[index] = reference.build(
                        part[index], months[index], record.verification_id, env
                    )
                    evc = pending[index][2]
                if evc is not None:
                    seen.add(evc.evc)
            taken = uow.repo.record_verifications([(r, e) for _, r, e in pending.values()])
            built.update(pending)
            pending = {
                index: reference.build(part[index], months[index], record.verification_id, env)
                for index, (_, record, evc) in pending.items()
                if evc is not None and evc.evc in taken
            }
        uow.commit()
    for index, (result, _, _) in built.items():
        outcomes[index] = result
    return [o for o in outcomes if o is not None]


_Built = tuple[Verification, VerificationRecord, EvcRecord | None]


@dataclass(slots=True)
class _ChunkReference:
    """What one chunk read: the provider, the aid codes and plans, and by (CIN, month) the
    segments (aid codes known) and the units' obligations."""

    provider: Provider
    codes: dict[str, AidCode]
    plans: dict[str, Plan]
    segments: dict[tuple[str, BenefitMonth], list[EligibilitySegment]] = field(default_factory=dict)
    units: dict[tuple[str, BenefitMonth], list[tuple[Membership, list[Obligation]]]] = field(
        default_factory=dict
    )

    def build(
        self, inquiry: Inquiry, month: BenefitMonth, verification_id: str, env: Env
    ) -> _Built:
        """``verify``'s verification and records for a member found."""
        cin = inquiry.member_id.cin
        memberships = self.units.get((cin, month), [])
        by_unit = {membership.key: found for membership, found in memberships}
        result = build_verification(
            member_id=cin,
            service_date=inquiry.service_date,
            segments=self.segments.get((cin, month), []),
            aid_codes=self.codes,
            obligations=pick_own_obligations([m for m, _ in memberships], lambda m: by_unit[m.key]),
            plans=self.plans,
            evc=env.ids.new_evc(),
        )
        record, evc = _records(
            result,
            self.provider,
            cin,
            inquiry.service_date,
            month,
            verification_id,
            env.clock.now(),
        )
        return result, record, evc
