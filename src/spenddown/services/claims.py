"""Medi-Cal as secondary payer (docs/rules.md §5): adjudicate and store claims; look them up.

One claim (``adjudicate_claim``, ``adjudicate_batch_claim``): the use case gathers what the pure
adjudication needs (the member's months, the provider's enrollment, the fee schedule,
authorizations and the units earlier claims used) and stores the claim with its lines in one
transaction; a repeated ``claim_id`` is refused (DUPLICATE_CLAIM). The transaction first locks
the member, then the claim ID (``Repository.lock_members``, ``lock_claim_id``): concurrent claims
of one member see each other's authorization units, and a claim sent twice at once is answered
DUPLICATE_CLAIM the second time, as it would be one after the other.

A batch (``adjudicate_batch``): the same decisions for many claims, chunk by chunk. The fee
schedule, code lists and plans are read once; each chunk reads the facts of its members with one
query per kind, adjudicates its claims in order (a claim sees the authorization units and the
claim IDs of the claims before it in the chunk, as one claim after the other would) and stores
them with multi-row inserts in ONE transaction. A chunk locks its members as one claim does; its
claim IDs are not locked (thousands of advisory locks would fill PostgreSQL's lock table): a
chunk that finds one stored meanwhile by another transaction is run again. A crash leaves whole
chunks stored; running the same claims again answers the stored ones DUPLICATE_CLAIM, as the
one-claim path does, and adjudicates the rest."""

from __future__ import annotations

import gc
import threading
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from itertools import islice

from spenddown import rules
from spenddown.domain.claim_soc import flag_soc_mismatch
from spenddown.domain.claims_timeliness import (
    TimelinessRules,
    check_delay_reason,
    untimely_lines,
)
from spenddown.domain.cob.accumulators import policies_in_force
from spenddown.domain.cob.adjudication import (
    Adjudication,
    CobRules,
    LineStatus,
    MemberMonth,
    ProviderEnrollment,
    adjudicate,
    adjudication_from_record,
    adjudication_to_record,
)
from spenddown.domain.cob.model import (
    Authorization,
    Claim,
    FeeScheduleEntry,
    OhcPolicy,
    ServiceScope,
)
from spenddown.domain.eligibility.codes import AidCode, Program, Scope
from spenddown.domain.eligibility.model import (
    EligibilitySegment,
    Membership,
    Plan,
    Provider,
)
from spenddown.domain.eligibility.verification import build_verification
from spenddown.domain.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    RuleRefusal,
    SpenddownError,
)
from spenddown.domain.identifiers import check_text, parse_billing_code
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.ledger import Obligation
from spenddown.rules.parameters import timeliness_rules
from spenddown.services.common import (
    CALIFORNIA,
    aid_code_table,
    authenticate_provider,
    pin_checked_outside,
    today,
)
from spenddown.services.eligibility import own_obligations, pick_own_obligations
from spenddown.services.ports import (
    ClaimCorrection,
    Env,
    Repository,
    StoredClaim,
    StoredClaimLine,
    StoredMeanwhile,
    UnitOfWork,
)

MAX_LINES = 50  # a CMS-1500 has 6 service lines; an 837P allows 50
BATCH_CHUNK = 1000  # claims per transaction (docs/architecture.md "Measured choices")
MAX_BATCH_CHUNK = 10_000  # keeps every chunk's IN (...) lists within SQLite's limits
CHUNK_ATTEMPTS = 3  # a chunk whose claim ID another transaction stored meanwhile is run again

BatchOutcome = Adjudication | SpenddownError


@dataclass(frozen=True, slots=True)
class SubmitClaim:
    npi: str
    pin: str
    claim: Claim


def member_month(uow: UnitOfWork, cin: str, month: BenefitMonth) -> MemberMonth:
    """The member's Medi-Cal in one month, as the adjudication needs it."""
    return month_situation(
        cin,
        month,
        segments=uow.repo.segments(cin, month),
        codes=aid_code_table(uow),
        obligations=own_obligations(uow, cin, month),
        plans=uow.repo.plans(),
        policies=uow.repo.ohc_policies(cin),
        coverage=rules.ohc_coverage(month.first_day),
    )


def month_situation(
    cin: str,
    month: BenefitMonth,
    *,
    segments: list[EligibilitySegment],
    codes: dict[str, AidCode],
    obligations: dict[Program, Obligation],
    plans: dict[str, Plan],
    policies: list[OhcPolicy],
    coverage: dict[str, rules.OhcCoverage],
) -> MemberMonth:
    """The member's Medi-Cal in one month from its facts: the Medi-Cal segments of the month,
    the SOC obligations of the member's own budget unit, its OHC policies whose plan year
    includes the month's first day, and the OHC coverage rules in force on that day."""
    # Medi-Cal's claims: CMSP is the county's program, its aid codes and SOC do not count here.
    segments = [
        s for s in segments if s.aid_code in codes and codes[s.aid_code].program is Program.MEDI_CAL
    ]
    situation = build_verification(
        member_id=cin,
        service_date=month.first_day,
        segments=segments,
        aid_codes=codes,
        obligations=obligations,
        plans=plans,
        evc=None,
    )
    ohc = {code for s in segments for code in s.ohc_codes}
    for policy in policies_in_force(policies, month.first_day):
        ohc.add(policy.ohc_code)
    scopes: set[ServiceScope] = set()
    pay_and_chase = False
    for code in ohc:
        found = coverage.get(code)
        if found is None or not found.active_on(month.first_day):
            continue
        pay_and_chase = pay_and_chase or found.pay_and_chase
        if found.cost_avoidance:
            scopes.update(ServiceScope(s) for s in found.scopes)
    return MemberMonth(
        any_eligibility=bool(segments),
        eligible=situation.eligible,
        restricted_only=situation.eligible
        and all(c.scope is Scope.RESTRICTED for c in situation.aid_codes),
        plan_code=situation.plan.code if situation.plan else None,
        cost_avoidance_scopes=frozenset(scopes),
        pay_and_chase=pay_and_chase,
    )


def _check(claim: Claim, today_: date, timeliness: TimelinessRules | None = None) -> None:
    """``timeliness``: the rules in force ``today_`` (a batch resolves them once per day)."""
    check_delay_reason(claim.delay_reason_code, timeliness or timeliness_rules(today_))
    if not claim.claim_id or len(claim.claim_id) > 40:
        raise InvalidInput("INVALID_CLAIM", "claim_id must be 1 to 40 characters.")
    # Every source (REST, CLI, X12, FHIR) meets the same checks: no control characters, no
    # text longer than its column, billing codes of the documented pattern (docs/api.md).
    check_text(claim.claim_id, "claim_id", 40, "INVALID_CLAIM")
    if claim.primary is not None:
        check_text(claim.primary.payer_name, "primary.payer_name", 100, "INVALID_CLAIM")
        check_text(claim.primary.claim_number, "primary.claim_number", 60, "INVALID_CLAIM")
    if not 1 <= len(claim.lines) <= MAX_LINES:
        raise InvalidInput("INVALID_CLAIM", f"A claim has 1 to {MAX_LINES} lines.")
    if claim.soc_amount.amount < 0:
        raise InvalidInput("INVALID_AMOUNT", "soc_amount cannot be negative.")
    for index, line in enumerate(claim.lines):
        where = f"lines[{index}]"
        parse_billing_code(line.procedure_code, f"{where}.procedure_code")
        for name, value in (
            ("authorizations.medi_cal", line.medi_cal_authorization),
            ("authorizations.primary", line.primary_authorization),
            ("primary.denial_carc", line.primary.denial_carc if line.primary else None),
        ):
            if value is not None:
                check_text(value, f"{where}.{name}", 40, "INVALID_CLAIM")
        if line.units < 1 or line.units > 9999:
            raise InvalidInput("INVALID_CLAIM", f"{where}.units must be 1 to 9999.")
        if not line.charge.is_positive():
            raise InvalidInput("INVALID_CLAIM", f"{where}.charge must be more than $0.00.")
        if line.service_date > today_:
            raise InvalidInput("SERVICE_DATE_IN_FUTURE", f"{where}.service_date is in the future.")
        primary = line.primary
        if primary is not None and any(
            v.amount < 0
            for v in (
                primary.allowed,
                primary.paid,
                primary.deductible,
                primary.coinsurance,
                primary.copay,
            )
        ):
            raise InvalidInput("INVALID_CLAIM", f"{where}.primary amounts cannot be negative.")
        if primary is not None and primary.denial_carc is not None and primary.paid.amount:
            raise InvalidInput(
                "INVALID_CLAIM",
                f"{where}.primary: a line the primary denied has no primary payment "
                "(send the amounts it paid without a denial code).",
            )


@pin_checked_outside
def adjudicate_claim(cmd: SubmitClaim, uow: UnitOfWork, env: Env) -> Adjudication:
    """A provider's claim (NPI + PIN)."""
    _check(cmd.claim, today(env))
    with uow:
        provider = authenticate_provider(uow, env, cmd.npi, cmd.pin)
        if cmd.claim.provider_npi != provider.npi:
            raise Forbidden("FORBIDDEN", "A provider submits claims under its own NPI only.")
        return _adjudicate(cmd.claim, provider, uow, env)


def adjudicate_batch_claim(claim: Claim, uow: UnitOfWork, env: Env) -> Adjudication:
    """A claim from a batch the claims processor received (its submitter was authenticated
    upstream, e.g. by the clearinghouse): the provider is the claim's own."""
    _check(claim, today(env))
    with uow:
        provider = uow.repo.get_provider(claim.provider_npi)
        if provider is None:
            raise _no_provider(claim)
        return _adjudicate(claim, provider, uow, env)


def _adjudicate(claim: Claim, provider: Provider, uow: UnitOfWork, env: Env) -> Adjudication:
    """Adjudicate and store, inside the caller's transaction (which this commits)."""
    result = _adjudicate_and_store(claim, provider, uow, env)
    uow.commit()
    return result


def _adjudicate_and_store(
    claim: Claim, provider: Provider, uow: UnitOfWork, env: Env
) -> Adjudication:
    known = uow.repo.lock_members([claim.member_id])
    if uow.repo.lock_claim_id(claim.provider_npi, claim.claim_id):
        raise _duplicate(claim)
    if not known:
        raise _no_member()
    months = {
        month: member_month(uow, claim.member_id, month)
        for month in {BenefitMonth.of(line.service_date) for line in claim.lines}
    }
    authorizations = [
        a for a in uow.repo.authorizations_of(claim.member_id) if a.status == "approved"
    ]
    used = uow.repo.units_used([a.authorization_id for a in authorizations])
    result = adjudicate(
        claim,
        months=months,
        provider=ProviderEnrollment(provider.medi_cal_ffs, frozenset(provider.plans)),
        fees=uow.repo.fee_at,
        authorizations=authorizations,
        units_used=used,
        rules=rules.cob_rules(min(line.service_date for line in claim.lines)),
        untimely=_untimely(claim, env.clock.now()),
    )
    days = [line.service_date for line in claim.lines]
    cleared = uow.repo.cleared_by_provider([claim.member_id], min(days), max(days))
    result = flag_soc_mismatch(claim, result, cleared)
    uow.repo.add_claim(*_stored(claim, provider, result, env.clock.now()))
    return result


def _untimely(claim: Claim, now: datetime) -> dict[int, str]:
    """Lines filed after the six-month limit (docs/rules.md, "Claim timeliness"), received
    today in California."""
    received = _received(now)
    return untimely_lines(claim, received, timeliness_rules(received))


def _received(now: datetime) -> date:
    """The day a claim received ``now`` was received, in California."""
    return now.astimezone(CALIFORNIA).date()


def _duplicate(claim: Claim) -> RuleRefusal:
    return RuleRefusal(
        "DUPLICATE_CLAIM",
        f"Claim {claim.claim_id} was already received; it is not adjudicated twice.",
    )


def _no_provider(claim: Claim) -> NotFound:
    return NotFound("PROVIDER_NOT_FOUND", f"No provider {claim.provider_npi}.")


def _no_member() -> NotFound:
    return NotFound("MEMBER_NOT_FOUND", "No member matches this ID.")


def _stored(
    claim: Claim, provider: Provider, result: Adjudication, now: datetime
) -> tuple[StoredClaim, list[StoredClaimLine]]:
    """The rows of an adjudicated claim: the claim with its answer, and one row per line (what
    accumulators, balance billing and authorization units read)."""
    return (
        StoredClaim(
            claim.claim_id,
            provider.npi,
            claim.member_id,
            str(result.status),
            result.totals.medi_cal_paid.cents,
            result.totals.member_owes.cents,
            now,
            adjudication_to_record(result),
        ),
        [
            StoredClaimLine(
                claim_id=claim.claim_id,
                line=outcome.line,
                cin=claim.member_id,
                service_date=line.service_date,
                procedure_code=line.procedure_code,
                units=line.units,
                status=str(outcome.status),
                authorization_id=outcome.authorization_id,
                medi_cal_paid_cents=outcome.medi_cal_paid.cents,
                soc_cents=outcome.soc_applied.cents,
                member_owes_cents=outcome.member_owes.cents,
                primary_deductible_cents=(
                    line.primary.deductible.cents if line.primary and outcome.has_primary else 0
                ),
                deductible_credit_cents=outcome.deductible_credit.cents,
                primary_out_of_pocket_cents=(
                    line.primary.patient_liability.cents
                    if line.primary and outcome.status is LineStatus.PAID
                    else 0
                ),
                provider_npi=provider.npi,
            )
            for line, outcome in zip(claim.lines, result.lines, strict=True)
        ],
    )


# --- batches -------------------------------------------------------------------------------
class FeeSchedule:
    """The whole fee schedule in memory: ``at`` answers as ``Repository.fee_at`` does (the
    entry with the latest effective date on or before the day)."""

    def __init__(self, entries: Iterable[FeeScheduleEntry]) -> None:
        by_code: dict[str, list[FeeScheduleEntry]] = defaultdict(list)
        for entry in entries:
            by_code[entry.procedure_code].append(entry)
        self._entries = {
            code: sorted(found, key=lambda e: e.effective) for code, found in by_code.items()
        }
        self._dates = {code: [e.effective for e in found] for code, found in self._entries.items()}

    def at(self, procedure_code: str, on: date) -> FeeScheduleEntry | None:
        dates = self._dates.get(procedure_code)
        if dates is None:
            return None
        index = bisect_right(dates, on)
        return self._entries[procedure_code][index - 1] if index else None


class _Reference:
    """What every claim of a batch shares, read once: aid codes, plans, the fee schedule, and
    the dated COB and OHC rules (looked up once per date)."""

    def __init__(self, repo: Repository, codes: dict[str, AidCode]) -> None:
        self.codes = codes
        self.plans = repo.plans()
        self.fees = FeeSchedule(repo.fee_schedule())
        self._cob: dict[date, CobRules] = {}
        self._coverage: dict[date, dict[str, rules.OhcCoverage]] = {}
        self._timeliness: dict[date, TimelinessRules] = {}

    def cob(self, on: date) -> CobRules:
        found = self._cob.get(on)
        if found is None:
            found = self._cob[on] = rules.cob_rules(on)
        return found

    def coverage(self, month: BenefitMonth) -> dict[str, rules.OhcCoverage]:
        on = month.first_day
        found = self._coverage.get(on)
        if found is None:
            found = self._coverage[on] = rules.ohc_coverage(on)
        return found

    def timeliness(self, on: date) -> TimelinessRules:
        found = self._timeliness.get(on)
        if found is None:
            found = self._timeliness[on] = timeliness_rules(on)
        return found


class _Chunk:
    """The facts of a chunk's members, one query per kind, and what the chunk's claims change
    as they are adjudicated in order (claim IDs stored, authorization units used)."""

    def __init__(self, repo: Repository, claims: list[Claim], reference: _Reference) -> None:
        self.reference = reference
        cins = sorted({c.member_id for c in claims})
        months = sorted({BenefitMonth.of(line.service_date) for c in claims for line in c.lines})
        self.members = repo.lock_members(cins)  # first: what follows is read under the locks
        self.claim_ids = repo.stored_claim_ids([(c.provider_npi, c.claim_id) for c in claims])
        self.providers = repo.providers_by_npi(sorted({c.provider_npi for c in claims}))
        self.segments: dict[tuple[str, BenefitMonth], list[EligibilitySegment]] = defaultdict(list)
        for segment in repo.segments_of(cins, months):
            self.segments[segment.cin, segment.month].append(segment)
        self.memberships: dict[str, list[Membership]] = defaultdict(list)
        for membership in repo.memberships_of_members(cins):
            self.memberships[membership.cin].append(membership)
        cases = sorted({m.case_id for found in self.memberships.values() for m in found})
        self.obligations: dict[tuple[str, str, BenefitMonth], list[Obligation]] = defaultdict(list)
        for obligation in repo.obligations_of_cases_in(cases, months) if cases else []:
            key = obligation.key
            self.obligations[key.case_id, key.budget_unit, key.month].append(obligation)
        self.policies: dict[str, list[OhcPolicy]] = defaultdict(list)
        for policy in repo.ohc_policies_of(cins):
            self.policies[policy.cin].append(policy)
        self.authorizations: dict[str, list[Authorization]] = defaultdict(list)
        for authorization in repo.authorizations_of_members(cins):
            if authorization.status == "approved":
                self.authorizations[authorization.cin].append(authorization)
        ids = [a.authorization_id for found in self.authorizations.values() for a in found]
        self.units_used = repo.units_used(ids) if ids else {}
        days = [line.service_date for c in claims for line in c.lines]
        self.cleared = repo.cleared_by_provider(cins, min(days), max(days)) if days else {}
        self._months: dict[tuple[str, BenefitMonth], MemberMonth] = {}

    def month(self, cin: str, month: BenefitMonth) -> MemberMonth:
        found = self._months.get((cin, month))
        if found is None:
            found = self._months[cin, month] = month_situation(
                cin,
                month,
                segments=self.segments.get((cin, month), []),
                codes=self.reference.codes,
                obligations=pick_own_obligations(
                    self.memberships.get(cin, []),
                    lambda m: self.obligations.get((m.case_id, m.budget_unit, month), []),
                ),
                plans=self.reference.plans,
                policies=self.policies.get(cin, []),
                coverage=self.reference.coverage(month),
            )
        return found

    def adjudicate(
        self, claim: Claim, now: datetime
    ) -> tuple[Adjudication, tuple[StoredClaim, list[StoredClaimLine]]]:
        """One claim, with the checks of ``adjudicate_batch_claim`` in the same order, received
        ``now``."""
        provider = self.providers.get(claim.provider_npi)
        if provider is None:
            raise _no_provider(claim)
        if (claim.provider_npi, claim.claim_id) in self.claim_ids:
            raise _duplicate(claim)
        if claim.member_id not in self.members:
            raise _no_member()
        months = {
            month: self.month(claim.member_id, month)
            for month in {BenefitMonth.of(line.service_date) for line in claim.lines}
        }
        authorizations = self.authorizations.get(claim.member_id, [])
        received = _received(now)
        used = {
            a.authorization_id: self.units_used[a.authorization_id]
            for a in authorizations
            if a.authorization_id in self.units_used
        }
        result = adjudicate(
            claim,
            months=months,
            provider=ProviderEnrollment(provider.medi_cal_ffs, frozenset(provider.plans)),
            fees=self.reference.fees.at,
            authorizations=authorizations,
            units_used=used,
            rules=self.reference.cob(min(line.service_date for line in claim.lines)),
            untimely=untimely_lines(claim, received, self.reference.timeliness(received)),
        )
        result = flag_soc_mismatch(claim, result, self.cleared)
        rows = _stored(claim, provider, result, now)
        # What the next claims of the chunk must see, as the database would show them.
        self.claim_ids.add((claim.provider_npi, claim.claim_id))
        for line in rows[1]:
            if line.authorization_id is not None and line.status == LineStatus.PAID:
                self.units_used[line.authorization_id] = (
                    self.units_used.get(line.authorization_id, 0) + line.units
                )
        return result, rows


def adjudicate_batch(
    claims: Iterable[Claim],
    uow_factory: Callable[[], UnitOfWork],
    env: Env,
    *,
    chunk: int = BATCH_CHUNK,
) -> Iterator[BatchOutcome]:
    """Claims a claims processor received (their submitters authenticated upstream, as in
    ``adjudicate_batch_claim``): one outcome per claim, in order, each an ``Adjudication`` or
    the ``SpenddownError`` the one-claim path would have raised for it.

    Each chunk of ``chunk`` claims is one transaction; its outcomes are yielded once it is
    committed. An exception other than a claim's own error (the database failing) rolls back
    the chunk in progress and propagates; the chunks before it stay stored."""
    if not 1 <= chunk <= MAX_BATCH_CHUNK:
        raise InvalidInput("INVALID_REQUEST", f"A chunk has 1 to {MAX_BATCH_CHUNK} claims.")
    source = iter(claims)
    reference: _Reference | None = None
    while part := list(islice(source, chunk)):
        for attempt in range(1, CHUNK_ATTEMPTS + 1):
            uow = uow_factory()
            try:
                with uow, _collector_paused():
                    if reference is None:
                        reference = _Reference(uow.repo, aid_code_table(uow))
                    outcomes = _adjudicate_chunk(part, uow, env, reference)
                    uow.commit()
            except StoredMeanwhile:
                # Another transaction stored one of the chunk's claim IDs since the chunk read
                # them (two batches, or a batch and a claim, with one ID for two members): run
                # the chunk again; that claim is then answered DUPLICATE_CLAIM.
                if attempt == CHUNK_ATTEMPTS:
                    raise
                continue
            break
        yield from outcomes


class _CollectorPause:
    """Python's cyclic garbage collector paused while a chunk runs (docs/performance.md,
    figure 4): a chunk allocates about a hundred thousand objects that live until it ends (its
    facts, answers and rows), and every few hundred allocations the collector walked the young
    ones, and every so often all the objects of the process, to find no garbage. What a chunk
    leaves in reference cycles (an error's traceback) is collected once the collector runs
    again after the chunk; the collector is not paused while the caller reads the outcomes.
    Chunks that run at once in several threads share one count: the last to end restores the
    collector as the first found it."""

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._running = 0
        self._was_enabled = False

    @contextmanager
    def __call__(self) -> Iterator[None]:
        with self._guard:
            if self._running == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._running += 1
        try:
            yield
        finally:
            with self._guard:
                self._running -= 1
                if self._running == 0 and self._was_enabled:
                    gc.enable()


_collector_paused = _CollectorPause()


def _adjudicate_chunk(
    claims: list[Claim], uow: UnitOfWork, env: Env, reference: _Reference
) -> list[BatchOutcome]:
    today_ = today(env)
    timeliness = reference.timeliness(today_)
    outcomes: list[BatchOutcome | None] = [None] * len(claims)
    valid: list[int] = []
    for index, claim in enumerate(claims):
        try:
            _check(claim, today_, timeliness)
        except InvalidInput as error:
            outcomes[index] = error
        else:
            valid.append(index)
    if valid:
        chunk = _Chunk(uow.repo, [claims[i] for i in valid], reference)
        now = env.clock.now()

        def adjudicated() -> Iterator[tuple[StoredClaim, list[StoredClaimLine]]]:
            # Read by ``add_claims`` as it stores them: on PostgreSQL each claim's row goes to
            # COPY while the next claims are adjudicated.
            for index in valid:
                try:
                    outcomes[index], stored = chunk.adjudicate(claims[index], now)
                except SpenddownError as error:
                    outcomes[index] = error
                else:
                    yield stored

        uow.repo.add_claims(adjudicated())
    return [o for o in outcomes if o is not None]


# --- dependents and resends (the 837P's 2000C patient; a claim sent again) --------------------
def _same_name(a: str, b: str) -> bool:
    return " ".join(a.upper().split()) == " ".join(b.upper().split())


def dependent_patient(
    subscriber_id: str, last: str, first: str, born: date | None, uow: UnitOfWork
) -> str:
    """The CIN of a patient named apart from the subscriber (837P 2000C; docs/x12.md
    "Dependents"): the member with that last name, first name and birth date on one of the
    subscriber's cases (the subscriber included). Every Medi-Cal member has a CIN of their own,
    so a patient found here is adjudicated as that member; anyone else is refused."""
    if born is None:
        raise InvalidInput(
            "PATIENT_BIRTH_DATE_MISSING",
            "The patient's birth date is needed to identify a dependent patient.",
        )
    with uow:
        if uow.repo.get_member(subscriber_id) is None:
            raise _no_member()
        cases = {m.case_id for m in uow.repo.memberships_of(subscriber_id)}
        cins = {subscriber_id}
        for case_id, unit in sorted(uow.repo.existing_budget_units(cases) if cases else set()):
            cins.update(m.cin for m in uow.repo.members_of_budget_unit(case_id, unit))
        for cin in sorted(cins):
            found = uow.repo.get_member(cin)
            if (
                found is not None
                and found.birth_date == born
                and _same_name(found.last_name, last)
                and (not first or _same_name(found.first_name, first))
            ):
                return cin
    raise NotFound(
        "PATIENT_NOT_FOUND",
        "The patient is not a Medi-Cal member on the subscriber's case (name and birth date); "
        "bill a Medi-Cal member as the subscriber, with the member's own ID.",
    )


def _claim_of(uow: UnitOfWork, npi: str, claim_id: str) -> StoredClaim | None:
    """The one look-up of a provider's stored claim, inside the caller's transaction: claim IDs
    are the provider's, so it is keyed by the billing NPI and the claim ID together."""
    return uow.repo.get_claim(npi, claim_id)


def stored_claim(npi: str, claim_id: str, uow: UnitOfWork) -> StoredClaim | None:
    """The claim ``claim_id`` the provider ``npi`` sent before."""
    with uow:
        return _claim_of(uow, npi, claim_id)


def resent(claim: Claim, uow: UnitOfWork) -> Adjudication | None:
    """The stored adjudication when ``claim`` is one the provider sent before, unchanged (same
    member, lines and charges): a resend is answered with the original's adjudication rather
    than denied as a duplicate. None when nothing is stored under its ID, or something else is
    (then it is a duplicate claim ID)."""
    stored = stored_claim(claim.provider_npi, claim.claim_id, uow)
    if stored is None or stored.cin != claim.member_id:
        return None
    result = adjudication_from_record(dict(stored.adjudication))
    charge = Money.zero()
    for line in claim.lines:
        charge = charge + line.charge
    if len(result.lines) != len(claim.lines) or result.totals.charge != charge:
        return None
    return result


# --- corrections: replacement (CLM05-3 7) and void (8) of a stored claim -----------------------
REPLACEMENT, VOID = "replacement", "void"


@dataclass(frozen=True, slots=True)
class CorrectedLine:
    """A line of the original claim as stored (what a reversal repeats)."""

    procedure_code: str
    units: int
    service_date: date


@dataclass(frozen=True, slots=True)
class Correction:
    original_claim_id: str
    original_member: str
    original: Adjudication  # reversed
    original_lines: tuple[CorrectedLine, ...]
    replacement: Adjudication | None  # None for a void


@pin_checked_outside
def correct_claim(
    cmd: SubmitClaim, kind: str, original_claim_id: str, uow: UnitOfWork, env: Env
) -> Correction:
    """Reverse the provider's stored claim ``original_claim_id`` (keyed by the provider's NPI
    and the claim ID) and, for a replacement, adjudicate ``cmd.claim`` in its place, in one
    transaction (docs/x12.md "Resends, corrected and void claims")."""
    if kind not in (REPLACEMENT, VOID):
        raise InvalidInput("INVALID_CLAIM", f"Unknown correction {kind!r}.")
    if kind == REPLACEMENT:
        _check(cmd.claim, today(env))
    with uow:
        provider = authenticate_provider(uow, env, cmd.npi, cmd.pin)
        if cmd.claim.provider_npi != provider.npi:
            raise Forbidden("FORBIDDEN", "A provider submits claims under its own NPI only.")
        stored = _claim_of(uow, provider.npi, original_claim_id)
        if stored is None:
            done = uow.repo.corrections_of(provider.npi, original_claim_id)
            if done:
                raise RuleRefusal(
                    "ALREADY_CORRECTED",
                    f"Claim {original_claim_id} was already {done[-1].kind}d; correct the claim "
                    "that replaced it.",
                )
            raise NotFound(
                "ORIGINAL_CLAIM_NOT_FOUND",
                f"No claim {original_claim_id} of this provider to "
                f"{'replace' if kind == REPLACEMENT else 'void'}.",
            )
        uow.repo.lock_members(sorted({stored.cin, cmd.claim.member_id}))
        lines = uow.repo.claim_lines_of_claim(provider.npi, original_claim_id)
        original = adjudication_from_record(dict(stored.adjudication))
        uow.repo.correct_claim(
            ClaimCorrection(
                provider_npi=provider.npi,
                claim_id=original_claim_id,
                kind=kind,
                replaced_by=cmd.claim.claim_id if kind == REPLACEMENT else None,
                cin=stored.cin,
                original={
                    "status": stored.status,
                    "medi_cal_paid_cents": stored.medi_cal_paid_cents,
                    "member_owes_cents": stored.member_owes_cents,
                    "received_at": stored.received_at.isoformat(),
                    "adjudication": stored.adjudication,
                    "lines": [
                        [ln.line, ln.procedure_code, ln.units, ln.service_date.isoformat()]
                        for ln in lines
                    ],
                },
                corrected_at=env.clock.now(),
            )
        )
        replacement = (
            _adjudicate_and_store(cmd.claim, provider, uow, env) if kind == REPLACEMENT else None
        )
        uow.commit()
    return Correction(
        original_claim_id=original_claim_id,
        original_member=stored.cin,
        original=original,
        original_lines=tuple(
            CorrectedLine(ln.procedure_code, ln.units, ln.service_date) for ln in lines
        ),
        replacement=replacement,
    )


@dataclass(frozen=True, slots=True)
class ClaimStatusView:
    """What a claim status request (276) is told about a stored claim."""

    status: str  # paid | partially_paid | denied | replacement | void
    charge: Money
    paid: Money
    decided: date  # adjudicated (or corrected) on


def claim_status(npi: str, claim_id: str, uow: UnitOfWork) -> ClaimStatusView | None:
    """The status of the provider's claim ``claim_id`` (keyed by NPI + claim ID); None when the
    provider has no such claim."""
    with uow:
        stored = _claim_of(uow, npi, claim_id)
        corrections = [] if stored else uow.repo.corrections_of(npi, claim_id)
    if stored is not None:
        result = adjudication_from_record(dict(stored.adjudication))
        return ClaimStatusView(
            str(result.status),
            result.totals.charge,
            result.totals.medi_cal_paid,
            stored.received_at.astimezone(CALIFORNIA).date(),
        )
    if corrections:
        last = corrections[-1]
        record = last.original["adjudication"]
        assert isinstance(record, dict)
        original = adjudication_from_record(record)
        return ClaimStatusView(
            last.kind,
            original.totals.charge,
            Money.zero(),
            last.corrected_at.astimezone(CALIFORNIA).date(),
        )
    return None


def find_claim(claim_id: str, uow: UnitOfWork, *, provider_npi: str | None) -> StoredClaim:
    """A stored claim. Claim IDs are per provider: a provider reads its own claim of this ID
    (another provider's is ``CLAIM_NOT_FOUND``, like one that does not exist); the county names
    the provider, or may leave it out when only one provider used the ID
    (``PROVIDER_NPI_REQUIRED`` when several did)."""
    with uow:
        if provider_npi is not None:
            stored = uow.repo.get_claim(provider_npi, claim_id)
            found = [] if stored is None else [stored]
        else:
            found = uow.repo.claims_with_id(claim_id)
    if not found:
        raise NotFound("CLAIM_NOT_FOUND", f"No claim {claim_id}.")
    if len(found) > 1:
        raise InvalidInput(
            "PROVIDER_NPI_REQUIRED",
            f"provider_npi: {len(found)} providers sent a claim {claim_id}; name the provider "
            "(?provider_npi=).",
            field="provider_npi",
        )
    return found[0]


def get_claim(claim_id: str, uow: UnitOfWork, *, provider_npi: str | None) -> Adjudication:
    """A stored adjudication (see ``find_claim``: ``provider_npi`` None is the county's read of
    any provider's claim)."""
    stored = find_claim(claim_id, uow, provider_npi=provider_npi)
    return adjudication_from_record(dict(stored.adjudication))
