"""Share of Cost use cases: clear, reverse, set, certify, month start, look-ups.

Each use case is one transaction. Obligations are locked (``lock_obligations``) before they are
read for a change, so that concurrent clearances on one budget unit never apply more than the
SOC, never lose a clearance and never certify twice (docs/rules.md §3, Concurrency).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime

from spenddown.domain.eligibility.codes import AidCode, Program
from spenddown.domain.eligibility.model import (
    BudgetUnitRole,
    EligibilitySegment,
    Membership,
    ProviderType,
)
from spenddown.domain.eligibility.verification import check_service_date
from spenddown.domain.errors import (
    InvalidInput,
    NotFound,
    RuleRefusal,
    SpenddownError,
    mask_id,
)
from spenddown.domain.identifiers import MemberId, check_text, parse_billing_code
from spenddown.domain.money import Money, total
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost import ledger
from spenddown.domain.share_of_cost.changes import countable_charge
from spenddown.domain.share_of_cost.ledger import (
    EntryKind,
    LedgerEntry,
    Obligation,
    ObligationKey,
    Payment,
)
from spenddown.domain.share_of_cost.service_dates import (
    ServiceType,
    check_in_month,
    counted_date,
)
from spenddown.services.common import (
    aid_code_table,
    authenticate_provider,
    authenticate_provider_reading_member,
    find_member,
    pin_checked_outside,
    today,
)
from spenddown.services.medicare import record_buy_ins
from spenddown.services.ports import Env, EvcRecord, StoredDetermination, UnitOfWork
from spenddown.services.retro import check_retro_period

# docs/rules.md §1.8: changes further back go through a different county process.
RETRO_CHANGE_LIMIT_MONTHS = 8
PROGRAM_ORDER = {Program.MEDI_CAL: 0, Program.CMSP: 1}


# --- commands and results --------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ClearShareOfCost:
    npi: str
    pin: str
    member_id: MemberId
    bic_issue_date: date
    service_date: date
    billing_code: str
    service_charge: Money
    payment: Payment
    idempotency_key: str | None = None
    budget_unit: str | None = None  # "A" or "C-1001/A"; needed for IE/RR on several units
    # What Medicare or other coverage paid on the service: only the rest counts toward the SOC
    # (docs/rules.md, What counts toward a Share of Cost).
    other_coverage_paid: Money | None = None
    # The date the service counts on by its type (22 CCR 50657; docs/rules.md §9.1): a drug
    # on the date received, an appliance on its order date, a global fee on the last service.
    service_type: ServiceType = ServiceType.OTHER
    counted_date: date | None = None
    month: BenefitMonth | None = None  # the SOC month the provider means to clear, if said


@dataclass(frozen=True, slots=True)
class ReverseClearance:
    npi: str
    pin: str
    clearance_id: str


@dataclass(frozen=True, slots=True)
class SetShareOfCost:
    case_id: str
    budget_unit: str
    month: BenefitMonth
    amount: Money
    program: Program = Program.MEDI_CAL
    retro_override: bool = False  # the county says it uses its retroactive-change process
    # The inputs of the determination the amount comes from, stored with it (what-if).
    determination: StoredDetermination | None = None


@dataclass(frozen=True, slots=True)
class CertifyByCounty:
    case_id: str
    budget_unit: str
    month: BenefitMonth


@dataclass(frozen=True, slots=True)
class ProgramApplication:
    program: Program
    applied: Money
    remaining: Money
    certified: bool


@dataclass(frozen=True, slots=True)
class ClearanceResult:
    clearance_id: str
    member_id: str
    case_id: str
    budget_unit: str
    month: BenefitMonth
    service_date: date
    billing_code: str
    service_charge: Money
    payment: Payment
    applied: Money
    remaining: Money
    certified: bool
    evc: str | None
    reversed: bool
    provider_npi: str
    created_at: datetime
    programs: tuple[ProgramApplication, ...]
    messages: tuple[str, ...]
    other_coverage_paid: Money | None = None
    service_type: str | None = None
    counted_date: date | None = None


@dataclass(frozen=True, slots=True)
class ObligationView:
    obligation: Obligation
    entries: tuple[LedgerEntry, ...] = ()
    reversed_ids: frozenset[str] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class CycleResult:
    month: BenefitMonth
    ltc_certified: int


# --- shared steps ----------------------------------------------------------------------------
def _sorted(obligations: list[Obligation]) -> list[Obligation]:
    return sorted(obligations, key=lambda o: PROGRAM_ORDER[o.key.program])


def _activate_plans(uow: UnitOfWork, obligation: Obligation, now: datetime) -> int:
    """Write the plan activation (HCP 55 → 01) of every plan member of the budget unit, in the
    certifying transaction (outbox)."""
    key = obligation.key
    members = [
        (membership, segment)
        for membership in uow.repo.members_of_budget_unit(key.case_id, key.budget_unit)
        for segment in uow.repo.segments(membership.cin, key.month)
    ]
    written = 0
    for plan_code, cin in _plan_activations(obligation, members, aid_code_table(uow)):
        written += uow.repo.add_activation(plan_code, cin, key, str(obligation.certified_by), now)
    record_buy_ins(uow, obligation, now)  # Medicare Part B buy-in (docs/rules.md)
    return written


def _plan_activations(
    obligation: Obligation,
    members: Iterable[tuple[Membership, EligibilitySegment]],
    codes: dict[str, AidCode],
) -> list[tuple[str, str]]:
    """(plan, CIN) to activate when ``obligation`` is certified, from the budget unit's members
    with their segments in its month: IE and RR members get no coverage from the unit; a
    segment counts in its plan when its aid code is of the obligation's program."""
    found = []
    for membership, segment in members:
        if membership.role is not BudgetUnitRole.ELIGIBLE or segment.month != obligation.key.month:
            continue
        attributes = codes.get(segment.aid_code)
        if segment.plan_code and attributes and attributes.program is obligation.key.program:
            found.append((segment.plan_code, membership.cin))
    return found


def _is_ltc(uow: UnitOfWork, case_id: str, budget_unit: str, month: BenefitMonth) -> bool:
    codes = aid_code_table(uow)
    for membership in uow.repo.members_of_budget_unit(case_id, budget_unit):
        if membership.role is not BudgetUnitRole.ELIGIBLE:
            continue
        for segment in uow.repo.segments(membership.cin, month):
            attributes = codes.get(segment.aid_code)
            if attributes is not None and attributes.ltc and attributes.soc:
                return True
    return False


def _issue_evc(
    uow: UnitOfWork, env: Env, npi: str, cin: str, service_date: date, program: Program
) -> str:
    codes = aid_code_table(uow)
    month = BenefitMonth.of(service_date)
    eligible = tuple(
        s.aid_code
        for s in uow.repo.segments(cin, month)
        if s.aid_code in codes
        and (not codes[s.aid_code].soc or codes[s.aid_code].program is program)
    )
    while True:  # a random code: drawn again on the rare clash with a stored one
        evc = env.ids.new_evc()
        record = EvcRecord(
            evc, "clearance", npi, cin, service_date, month, eligible, env.clock.now()
        )
        if uow.repo.add_evc_if_new(record):
            return evc


def _choose_budget_unit(
    uow: UnitOfWork, cin: str, month: BenefitMonth, wanted: str | None
) -> tuple[Membership, list[Obligation]]:
    """The budget unit a member's expense clears, with its obligations locked: the only one with
    a SOC this month, or the one named (required when an IE/RR member is on several). The
    obligations of all the member's units are locked in one statement, in key order."""
    candidates = uow.repo.unit_obligations(cin, month, lock=True)
    if wanted is not None:
        chosen = [c for c in candidates if wanted in (c[0].budget_unit, c[0].key)]
        if len(chosen) == 1:
            return chosen[0]
        if len(chosen) > 1:
            raise InvalidInput(
                "BUDGET_UNIT_REQUIRED",
                f"budget_unit: {wanted!r} is ambiguous; give it as CASE/UNIT, e.g. "
                f"{chosen[0][0].key}.",
            )
        raise RuleRefusal(
            "NO_SOC_FOR_MONTH",
            f"The member has no Share of Cost in budget unit {wanted!r} for {month}.",
        )
    if not candidates:
        raise RuleRefusal("NO_SOC_FOR_MONTH", f"The member has no Share of Cost for {month}.")
    if len(candidates) > 1:
        raise InvalidInput(
            "BUDGET_UNIT_REQUIRED",
            "The member is on more than one budget unit with a Share of Cost this month; say "
            "which one the expense clears: " + ", ".join(c[0].key for c in candidates) + ".",
        )
    return candidates[0]


def _result_from_entries(
    entries: list[LedgerEntry], reversed_ids: set[str], messages: tuple[str, ...] = ()
) -> ClearanceResult:
    clearances = sorted(
        (e for e in entries if e.kind is not EntryKind.REVERSAL),
        key=lambda e: PROGRAM_ORDER[e.key.program],
    )
    reversals = {e.reverses: e for e in entries if e.kind is EntryKind.REVERSAL}
    first = clearances[0]
    programs = []
    for entry in clearances:
        reversal = reversals.get(entry.entry_id)
        remaining = reversal.remaining_after if reversal else entry.remaining_after
        programs.append(
            ProgramApplication(
                entry.key.program,
                entry.applied,
                remaining,
                reversal is None and entry.remaining_after.amount == 0,
            )
        )
    is_reversed = first.entry_id in reversed_ids or first.entry_id in reversals
    main = programs[0]
    evc = next((e.evc for e in clearances if e.evc), None)
    if (
        first.service_date is None
        or first.billing_code is None
        or first.service_charge is None
        or first.payment is None
        or first.provider_npi is None
    ):
        raise ValueError(f"clearance {first.entry_id} is incomplete")
    if not messages:
        messages = (_clearance_message(main.certified, main.remaining, is_reversed),)
    return ClearanceResult(
        clearance_id=first.clearance_id,
        member_id=first.cin,
        case_id=first.key.case_id,
        budget_unit=first.key.budget_unit,
        month=first.key.month,
        service_date=first.service_date,
        billing_code=first.billing_code,
        service_charge=first.service_charge,
        payment=first.payment,
        applied=main.applied,
        remaining=main.remaining,
        certified=main.certified,
        evc=evc,
        reversed=is_reversed,
        provider_npi=first.provider_npi,
        created_at=first.created_at,
        programs=tuple(programs),
        messages=messages,
        other_coverage_paid=first.other_coverage_paid,
        service_type=first.service_type,
        counted_date=first.counted_date,
    )


def _clearance_message(certified: bool, remaining: Money, is_reversed: bool) -> str:
    if is_reversed:
        return f"CLEARANCE REVERSED. REMAINING SOC ${remaining}."
    if certified:
        return f"SOC CERTIFIED. REMAINING SOC ${remaining}."
    return f"SOC CLEARED. REMAINING SOC ${remaining}."


# --- use cases -------------------------------------------------------------------------------
@pin_checked_outside
def clear_share_of_cost(cmd: ClearShareOfCost, uow: UnitOfWork, env: Env) -> ClearanceResult:
    """docs/rules.md §3: apply min(charge, remaining) to the budget unit's SOC for the month."""
    if not cmd.service_charge.is_positive():
        raise InvalidInput("INVALID_SERVICE_CHARGE", "service_charge must be more than $0.00.")
    countable = countable_charge(cmd.service_charge, cmd.other_coverage_paid)
    billing_code = parse_billing_code(cmd.billing_code)
    # The SOC month is the month of the date the service type counts on (docs/rules.md §9.1).
    counted = counted_date(cmd.service_type, cmd.service_date, cmd.counted_date)
    check_in_month(cmd.service_type, counted, cmd.month)
    if cmd.idempotency_key is not None and not 1 <= len(cmd.idempotency_key) <= 100:
        raise InvalidInput(
            "INVALID_IDEMPOTENCY_KEY", "idempotency_key must be 1 to 100 characters."
        )
    if cmd.idempotency_key is not None:
        check_text(cmd.idempotency_key, "idempotency_key", 100, "INVALID_IDEMPOTENCY_KEY")
    with uow:
        provider, read = authenticate_provider_reading_member(
            uow, env, cmd.npi, cmd.pin, cmd.member_id.cin
        )
        check_service_date(cmd.service_date, today(env))
        month = check_service_date(counted, today(env))
        member = find_member(uow, env, cmd.member_id, cmd.bic_issue_date, provider, read)
        _, locked = _choose_budget_unit(uow, member.cin, month, cmd.budget_unit)
        obligations = _sorted(locked)
        if cmd.idempotency_key is not None:  # after the unit's locks, like every other lock
            uow.repo.lock_idempotency_key(provider.npi, cmd.idempotency_key)
        earlier_clearance, service_cleared = uow.repo.clearance_precheck(
            provider.npi, cmd.idempotency_key, member.cin, cmd.service_date, billing_code
        )
        if earlier_clearance is not None:
            group = uow.repo.entries_of_clearance(earlier_clearance)
            first = next(e for e in group if e.kind is EntryKind.CLEARANCE)
            same = (
                first.cin == member.cin
                and first.service_date == cmd.service_date
                and first.billing_code == billing_code
                and first.service_charge == cmd.service_charge
                and first.other_coverage_paid == cmd.other_coverage_paid
                and (first.counted_date or first.service_date) == counted
            )
            if not same:
                raise RuleRefusal(
                    "IDEMPOTENCY_KEY_REUSED",
                    "This idempotency key was already used for a different clearance.",
                )
            ids = [e.entry_id for e in group]
            return _result_from_entries(group, uow.repo.reversed_entry_ids(ids))
        now = env.clock.now()
        clearance_id = env.ids.new_id("c_")
        ltc_facility = provider.type is ProviderType.LTC_FACILITY
        applied_entries: list[LedgerEntry] = []
        certified: dict[Program, bool] = {}
        refusal: SpenddownError | None = None
        # One clearance per rendered service, and a dollar of expense counts once: the same
        # service may not clear another budget unit either (docs/rules.md §3).
        if service_cleared:
            raise RuleRefusal(
                "DUPLICATE_CLEARANCE",
                "This provider already cleared this service (same member, date of service and "
                "billing code): one clearance per rendered service.",
            )
        for obligation in obligations:
            try:
                application = ledger.apply_clearance(
                    obligation, countable, now, ltc_facility=ltc_facility
                )
            except RuleRefusal as error:
                refusal = refusal or error
                continue
            evc = None
            if application.certifies:
                _activate_plans(uow, application.after, now)
                evc = _issue_evc(
                    uow, env, provider.npi, member.cin, counted, obligation.key.program
                )
            entry = LedgerEntry(
                entry_id=env.ids.new_id("e_"),
                clearance_id=clearance_id,
                kind=EntryKind.CLEARANCE,
                key=obligation.key,
                cin=member.cin,
                applied=application.applied,
                remaining_after=application.after.remaining,
                created_at=now,
                provider_npi=provider.npi,
                service_date=cmd.service_date,
                billing_code=billing_code,
                service_charge=cmd.service_charge,
                payment=cmd.payment,
                idempotency_key=cmd.idempotency_key,
                evc=evc,
                other_coverage_paid=cmd.other_coverage_paid,
                service_type=str(cmd.service_type),
                counted_date=counted,
            )
            uow.repo.save_obligation_and_entry(application.after, entry, now)
            applied_entries.append(entry)
            certified[obligation.key.program] = application.after.certified
        if not applied_entries:
            assert refusal is not None
            raise refusal
        result = _result_from_entries(applied_entries, set())
        # An LTC facility's clearance on an auto-certified SOC leaves it certified with an
        # amount still to collect: report the obligation's state, not just "remaining is 0".
        programs = tuple(replace(p, certified=certified[p.program]) for p in result.programs)
        result = replace(result, programs=programs, certified=programs[0].certified)
        uow.commit()
        return result


@pin_checked_outside
def reverse_clearance(cmd: ReverseClearance, uow: UnitOfWork, env: Env) -> ClearanceResult:
    """docs/rules.md §3: only by the provider who made it, only while the month is not certified."""
    with uow:
        provider = authenticate_provider(uow, env, cmd.npi, cmd.pin)
        group = uow.repo.entries_of_clearance(cmd.clearance_id)
        clearances = [e for e in group if e.kind is EntryKind.CLEARANCE]
        if not clearances:
            raise NotFound("CLEARANCE_NOT_FOUND", f"No clearance {cmd.clearance_id}.")
        key = clearances[0].key
        obligations = {
            o.key: o for o in uow.repo.lock_obligations(key.case_id, key.budget_unit, key.month)
        }
        reversed_ids = uow.repo.reversed_entry_ids([e.entry_id for e in clearances])
        now = env.clock.now()
        new_entries: list[LedgerEntry] = []
        updated: list[Obligation] = []
        for clearance in clearances:
            after = ledger.apply_reversal(
                obligations[clearance.key],
                clearance,
                provider.npi,
                already_reversed=clearance.entry_id in reversed_ids,
            )
            updated.append(after)
            new_entries.append(
                LedgerEntry(
                    entry_id=env.ids.new_id("e_"),
                    clearance_id=clearance.clearance_id,
                    kind=EntryKind.REVERSAL,
                    key=clearance.key,
                    cin=clearance.cin,
                    applied=clearance.applied,
                    remaining_after=after.remaining,
                    created_at=now,
                    provider_npi=provider.npi,
                    service_date=clearance.service_date,
                    billing_code=clearance.billing_code,
                    reverses=clearance.entry_id,
                )
            )
        for obligation in updated:
            uow.repo.save_obligation(obligation, now)
        for entry in new_entries:
            uow.repo.add_entry(entry)
        result = _result_from_entries(group + new_entries, set())
        uow.commit()
        return result


def set_share_of_cost(cmd: SetShareOfCost, uow: UnitOfWork, env: Env) -> ObligationView:
    """County SOC record for a budget unit and month (docs/rules.md §1.8 retro rules)."""
    current = BenefitMonth.of(today(env))
    if current.months_since(cmd.month) > RETRO_CHANGE_LIMIT_MONTHS and not cmd.retro_override:
        raise RuleRefusal(
            "RETRO_CHANGE_TOO_OLD",
            f"{cmd.month} is more than {RETRO_CHANGE_LIMIT_MONTHS} months back: such changes go "
            "through the county's retroactive process; a county worker must say so explicitly "
            "(--retro-override).",
        )
    with uow:
        check_retro_period(uow, cmd.case_id, cmd.month)  # docs/rules.md, Retroactive months
        obligation = _set_share_of_cost(cmd, uow, env)
        if cmd.determination is not None:
            uow.repo.save_determination_inputs(cmd.determination, env.clock.now())
        uow.commit()
        return ObligationView(obligation)


def _set_share_of_cost(cmd: SetShareOfCost, uow: UnitOfWork, env: Env) -> Obligation:
    if not uow.repo.budget_unit_exists(cmd.case_id, cmd.budget_unit):
        raise NotFound(
            "BUDGET_UNIT_NOT_FOUND", f"No budget unit {cmd.budget_unit} on case {cmd.case_id}."
        )
    now = env.clock.now()
    key = ObligationKey(cmd.case_id, cmd.budget_unit, cmd.month, cmd.program)
    existing = {
        o.key: o for o in uow.repo.lock_obligations(cmd.case_id, cmd.budget_unit, cmd.month)
    }
    ltc = _is_ltc(uow, cmd.case_id, cmd.budget_unit, cmd.month)
    before = existing.get(key)
    if before is None:
        after = ledger.new_obligation(key, cmd.amount, now, ltc=ltc)
    else:
        active = _active_applied(uow, key)
        after = ledger.change_amount(before, cmd.amount, active, now)
    if ltc and uow.repo.cycle_started(cmd.month):
        after = ledger.certify_ltc_automatically(after, now) or after
    uow.repo.save_obligation(after, now)
    if after.certified and (before is None or not before.certified):
        _activate_plans(uow, after, now)
    return after


def _set_shares_of_cost(
    commands: list[SetShareOfCost], uow: UnitOfWork, env: Env
) -> list[tuple[int, SpenddownError]]:
    """``_set_share_of_cost`` for many records at once (an import), inside the caller's
    transaction, with the same rules and the same result as one by one in order; the errors
    come back with the index of their command.

    What the rules read is looked up in bulk (budget units, obligations, LTC months, cycles);
    a new obligation is built by the same ledger functions and written with the others in one
    statement. A record that changes an existing obligation (from the database or earlier in
    the list) goes through ``_set_share_of_cost`` itself, after what came before it is written.
    """
    if not commands:
        return []
    repo = uow.repo
    now = env.clock.now()
    case_ids = {c.case_id for c in commands}
    units = repo.existing_budget_units(case_ids)
    existing = {o.key for o in repo.obligations_of_cases(case_ids)}
    codes = aid_code_table(uow)
    ltc_codes = {code for code, a in codes.items() if a.ltc and a.soc}
    ltc_months = repo.budget_unit_months_with_aid_codes(
        case_ids, ltc_codes, BudgetUnitRole.ELIGIBLE
    )
    cycles: dict[BenefitMonth, bool] = {}
    errors: list[tuple[int, SpenddownError]] = []
    pending: list[Obligation] = []
    certified: list[Obligation] = []

    def flush() -> None:
        repo.save_obligations(pending, now)
        if certified:
            members: dict[tuple[str, str], list[tuple[Membership, EligibilitySegment]]] = {}
            found = repo.budget_unit_plan_members(
                {o.key.case_id for o in certified}, BudgetUnitRole.ELIGIBLE
            )
            for membership, segment in found:
                unit = (membership.case_id, membership.budget_unit)
                members.setdefault(unit, []).append((membership, segment))
            repo.add_activations(
                [
                    (plan_code, cin, o.key, str(o.certified_by))
                    for o in certified
                    for plan_code, cin in _plan_activations(
                        o, members.get((o.key.case_id, o.key.budget_unit), []), codes
                    )
                ],
                now,
            )
            for o in certified:
                record_buy_ins(uow, o, now)  # Medicare Part B buy-in (docs/rules.md)
        pending.clear()
        certified.clear()

    for index, cmd in enumerate(commands):
        key = ObligationKey(cmd.case_id, cmd.budget_unit, cmd.month, cmd.program)
        try:
            if (cmd.case_id, cmd.budget_unit) not in units or key in existing:
                flush()
                _set_share_of_cost(cmd, uow, env)
                continue
            ltc = (cmd.case_id, cmd.budget_unit, cmd.month) in ltc_months
            after = ledger.new_obligation(key, cmd.amount, now, ltc=ltc)
            if ltc:
                if cmd.month not in cycles:
                    cycles[cmd.month] = repo.cycle_started(cmd.month)
                if cycles[cmd.month]:
                    after = ledger.certify_ltc_automatically(after, now) or after
            pending.append(after)
            existing.add(key)
            if after.certified:
                certified.append(after)
        except SpenddownError as error:
            errors.append((index, error))
    flush()
    return errors


def _active_applied(uow: UnitOfWork, key: ObligationKey) -> Money:
    entries = uow.repo.entries_of(key)
    reversed_ids = {e.reverses for e in entries if e.kind is EntryKind.REVERSAL}
    return total(
        [
            e.applied
            for e in entries
            if e.kind is not EntryKind.REVERSAL and e.entry_id not in reversed_ids
        ]
    )


def certify_by_county(cmd: CertifyByCounty, uow: UnitOfWork, env: Env) -> list[ObligationView]:
    """A county worker certifies the month from receipts the member brought in."""
    with uow:
        obligations = _sorted(uow.repo.lock_obligations(cmd.case_id, cmd.budget_unit, cmd.month))
        if not obligations:
            raise NotFound(
                "OBLIGATION_NOT_FOUND",
                f"No Share of Cost for {cmd.case_id}/{cmd.budget_unit} in {cmd.month}.",
            )
        open_ones = [o for o in obligations if not o.certified]
        if not open_ones:
            raise RuleRefusal("SOC_ALREADY_MET", f"The Share of Cost for {cmd.month} is met.")
        now = env.clock.now()
        clearance_id = env.ids.new_id("k_")
        views = []
        for obligation in obligations:
            if obligation.certified:
                views.append(ObligationView(obligation))
                continue
            application = ledger.certify_by_county(obligation, now)
            uow.repo.save_obligation(application.after, now)
            uow.repo.add_entry(
                LedgerEntry(
                    entry_id=env.ids.new_id("e_"),
                    clearance_id=clearance_id,
                    kind=EntryKind.COUNTY_CERTIFICATION,
                    key=obligation.key,
                    cin="",
                    applied=application.applied,
                    remaining_after=application.after.remaining,
                    created_at=now,
                )
            )
            _activate_plans(uow, application.after, now)
            views.append(ObligationView(application.after))
        uow.commit()
        return views


def start_month(month: BenefitMonth, uow: UnitOfWork, env: Env) -> CycleResult:
    """docs/rules.md §4: certify every LTC SOC of the month automatically; idempotent."""
    certified = 0
    with uow:
        now = env.clock.now()
        for key in uow.repo.uncertified_obligations(month):
            if not _is_ltc(uow, key.case_id, key.budget_unit, month):
                continue
            for obligation in uow.repo.lock_obligations(key.case_id, key.budget_unit, month):
                if obligation.key != key:
                    continue
                after = ledger.certify_ltc_automatically(
                    Obligation(
                        obligation.key,
                        obligation.amount,
                        obligation.remaining,
                        obligation.certified_by,
                        obligation.certified_at,
                        ltc=True,
                    ),
                    now,
                )
                if after is None:
                    continue
                uow.repo.save_obligation(after, now)
                _activate_plans(uow, after, now)
                certified += 1
        uow.repo.record_cycle(month, certified, now)
        uow.commit()
    return CycleResult(month, certified)


# --- look-ups --------------------------------------------------------------------------------
def member_obligations(cin: str, month: BenefitMonth, uow: UnitOfWork) -> list[ObligationView]:
    """The SOC obligations (with ledgers) of the budget units a member belongs to."""
    with uow:
        views = []
        for _, obligations in uow.repo.unit_obligations(cin, month, lock=False):
            for obligation in _sorted(obligations):
                entries = uow.repo.entries_of(obligation.key)
                reversed_ids = {e.reverses for e in entries if e.reverses}
                views.append(
                    ObligationView(
                        obligation,
                        tuple(entries),
                        frozenset(r for r in reversed_ids if r is not None),
                    )
                )
        if not views:
            raise NotFound(
                "OBLIGATION_NOT_FOUND",
                f"No Share of Cost for member {mask_id(cin)} in {month}.",
            )
        return views


def list_clearances(
    uow: UnitOfWork,
    *,
    cin: str | None,
    month: BenefitMonth | None,
    provider_npi: str | None,
) -> list[ClearanceResult]:
    """Clearances by member and month; a provider sees only its own."""
    with uow:
        entries = uow.repo.member_entries(cin, month)
        groups: dict[str, list[LedgerEntry]] = {}
        for entry in entries:
            if entry.kind is EntryKind.COUNTY_CERTIFICATION:
                continue
            if provider_npi is not None and entry.provider_npi != provider_npi:
                continue
            groups.setdefault(entry.clearance_id, []).append(entry)
        return [
            _result_from_entries(group, set())
            for group in groups.values()
            if any(e.kind is EntryKind.CLEARANCE for e in group)
        ]
