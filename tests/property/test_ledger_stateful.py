"""Stateful property tests of the Share of Cost ledger (docs/architecture.md, "Tests that mean
something"; docs/rules.md §1.8, §3, §4).

``LedgerServiceMachine`` fires random clearances, retries, reversals, SOC changes, county
certifications, month starts and clock ticks through the real use cases at a SQLite file. It keeps
a small model of what the rules say must happen, checks every answer (and every refusal code)
against it, and after every step checks the ledger invariants and that the database agrees with
the model.

``LedgerDomainMachine`` does the same at the pure ledger functions, with many more examples.
"""

from __future__ import annotations

import functools
import shutil
import tempfile
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

from hypothesis import event, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    invariant,
    multiple,
    precondition,
    rule,
)

from spenddown import bootstrap
from spenddown.domain.eligibility.codes import CertifiedBy, Program
from spenddown.domain.errors import (
    Forbidden,
    InvalidInput,
    NotFound,
    RuleRefusal,
    SpenddownError,
)
from spenddown.domain.identifiers import parse_member_id
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost import ledger
from spenddown.domain.share_of_cost.ledger import EntryKind, LedgerEntry, ObligationKey, Payment
from spenddown.services import plans, share_of_cost
from spenddown.services.audit import audit_ledger
from spenddown.services.ports import UnitOfWork
from support.world import (
    CLINIC,
    FAST_PINS,
    ISSUE,
    LTC_HOME,
    PHARMACY,
    PHYSICIAN,
    FixedClock,
    World,
    base_dataset,
    make_world,
)

NOV = BenefitMonth(2026, 11)
OCT = BenefitMonth(2026, 10)
CALIFORNIA = ZoneInfo("America/Los_Angeles")
PROVIDERS = (PHYSICIAN, CLINIC, LTC_HOME, PHARMACY)
PROGRAM_ORDER = (Program.MEDI_CAL, Program.CMSP)

Unit = tuple[str, str]
UNITS: tuple[Unit, ...] = (
    ("C-1001", "A"),
    ("C-1001", "B"),
    ("C-2002", "A"),
    ("C-3003", "A"),
    ("C-4004", "A"),
)
RR = "44444444D"  # responsible relative on C-1001 units A and B
MEMBER_UNITS: dict[str, tuple[Unit, ...]] = {
    "12345678A": (("C-1001", "A"),),
    "22222222B": (("C-1001", "A"),),
    "33333333C": (("C-1001", "B"),),
    RR: (("C-1001", "A"), ("C-1001", "B")),
    "55555555E": (("C-2002", "A"),),  # LTC resident
    "66666666F": (("C-3003", "A"),),  # two aid codes
    "77777777G": (("C-4004", "A"),),  # Medi-Cal + CMSP
    "88888888H": (),  # restricted scope, no SOC
}
# Only this unit-month has an LTC aid code with SOC (aid code 13, 2026-11).
LTC_UNIT_MONTH = ("C-2002", "A", NOV)
# Plan members (aid codes of program Medi-Cal with a plan in 2026-11) activated on certification.
PLAN_MEMBERS: dict[Unit, tuple[tuple[str, str], ...]] = {
    ("C-1001", "A"): (("HN", "12345678A"), ("HN", "22222222B")),
    ("C-1001", "B"): (("LA", "33333333C"),),
}
IDEMPOTENCY_KEYS = ("k1", "k2", "k3")
# A small set, so that one rendered service is cleared twice; " j1100 " is J1100 once cleaned.
BILLING_CODES = ("99213", "99214", "J1100", " j1100 ")


# --- the model -------------------------------------------------------------------------------
@dataclass
class ObligationModel:
    amount: int  # cents
    ltc: bool
    applied: dict[str, int] = field(default_factory=dict)  # active clearance/county id → cents
    certified_by: CertifiedBy | None = None

    @property
    def certified(self) -> bool:
        return self.certified_by is not None

    @property
    def active(self) -> int:
        return sum(self.applied.values())

    @property
    def remaining(self) -> int:
        if self.certified_by in (CertifiedBy.CLEARANCES, CertifiedBy.COUNTY):
            return 0
        return max(0, self.amount - self.active)


@dataclass
class ClearanceModel:
    npi: str
    cin: str
    service_date: date
    billing_code: str
    charge: int
    applied: dict[ObligationKey, int]  # in program order, as the result lists them
    reversed: bool = False


@dataclass(frozen=True)
class Refusal:
    kind: type[SpenddownError]
    code: str


@dataclass(frozen=True)
class Replay:
    clearance_id: str


@dataclass(frozen=True)
class Apply:
    applied: dict[ObligationKey, int]


def initial_obligations() -> dict[ObligationKey, ObligationModel]:
    """The SOC records of ``support.world``'s dataset, all unmet."""
    found = {}
    for soc in base_dataset()["soc"]:
        month = BenefitMonth.parse(soc["month"])
        key = ObligationKey(
            soc["case_id"], soc["budget_unit"], month, Program(soc.get("program", "medi-cal"))
        )
        ltc = (key.case_id, key.budget_unit, month) == LTC_UNIT_MONTH
        found[key] = ObligationModel(Money.parse(soc["amount"]).cents, ltc)
    return found


@functools.cache
def _template() -> tuple[tempfile.TemporaryDirectory[str], Path]:
    directory = tempfile.TemporaryDirectory(prefix="spenddown-stateful-template-")
    path = Path(directory.name) / "ledger.db"
    world = make_world(f"sqlite:///{path}")
    world.app.close()  # the last connection closed: the WAL is checkpointed into the file
    assert not path.with_name("ledger.db-wal").exists()
    return directory, path


def template_database() -> Path:
    """``support.world``'s world, migrated and loaded once per test session."""
    return _template()[1]


def assert_refused(error: SpenddownError, expected: object) -> None:
    event(f"refused {error.code}")
    assert isinstance(expected, Refusal), (
        f"the model expected {expected}, the service refused: {error}"
    )
    got = (type(error).__name__, error.code)
    assert got == (expected.kind.__name__, expected.code), f"expected {expected}, got {error}"


def cents(money: Money) -> int:
    return money.cents


charges = st.one_of(
    st.integers(1, 70_000),
    st.sampled_from([0, 5_000, 15_000, 20_000, 30_000, 60_000]),
)
soc_amounts = st.one_of(st.integers(0, 90_000), st.sampled_from([0, 10_000, 15_000, 60_000]))


class LedgerServiceMachine(RuleBasedStateMachine):
    """Random operations at the ledger through the use cases, on a SQLite file."""

    clearances = Bundle("clearances")

    def __init__(self) -> None:
        super().__init__()
        # A copy of the migrated, loaded world of ``make_world``: each example starts afresh.
        self.directory = tempfile.mkdtemp(prefix="spenddown-stateful-")
        database = Path(self.directory) / "ledger.db"
        shutil.copyfile(template_database(), database)
        clock = FixedClock()
        app = bootstrap.build(f"sqlite:///{database}", migrate=False, clock=clock, pins=FAST_PINS)
        self.world = World(app, clock)
        self.obligations = initial_obligations()
        self.records: dict[str, ClearanceModel] = {}
        self.keys: dict[tuple[str, str], str] = {}  # (npi, idempotency key) → clearance id
        self.sent: list[share_of_cost.ClearShareOfCost] = []  # commands with a key, to retry
        self.cycles: set[BenefitMonth] = set()
        self.month_starts = 0
        self.ticks = 0
        self.county_certifications = 0

    def teardown(self) -> None:
        self.world.app.close()
        shutil.rmtree(self.directory, ignore_errors=True)

    # --- helpers ---------------------------------------------------------------------------
    def uow(self) -> UnitOfWork:
        return self.world.app.uow()

    def today(self) -> date:
        return self.world.clock.now().astimezone(CALIFORNIA).date()

    def unit_obligations(self, unit: Unit, month: BenefitMonth) -> list[ObligationKey]:
        keys = [
            k for k in self.obligations if (k.case_id, k.budget_unit) == unit and k.month == month
        ]
        return sorted(keys, key=lambda k: PROGRAM_ORDER.index(k.program))

    def active_service(self, npi: str, cin: str, day: date, code: str) -> bool:
        return any(
            not r.reversed
            and (r.npi, r.cin, r.service_date, r.billing_code) == (npi, cin, day, code)
            for r in self.records.values()
        )

    def predict_clearance(self, cmd: share_of_cost.ClearShareOfCost) -> Refusal | Replay | Apply:
        """docs/rules.md §3, in the order the checks are made."""
        charge = cents(cmd.service_charge)
        code = cmd.billing_code.strip().upper()
        if charge <= 0:
            return Refusal(InvalidInput, "INVALID_SERVICE_CHARGE")
        if cmd.service_date > self.today():
            return Refusal(InvalidInput, "SERVICE_DATE_IN_FUTURE")
        month = BenefitMonth.of(cmd.service_date)
        cin = cmd.member_id.cin
        candidates = [u for u in MEMBER_UNITS[cin] if self.unit_obligations(u, month)]
        if cmd.budget_unit is not None:
            chosen = [u for u in candidates if cmd.budget_unit in (u[1], f"{u[0]}/{u[1]}")]
            if not chosen:
                return Refusal(RuleRefusal, "NO_SOC_FOR_MONTH")
        elif not candidates:
            return Refusal(RuleRefusal, "NO_SOC_FOR_MONTH")
        elif len(candidates) > 1:
            return Refusal(InvalidInput, "BUDGET_UNIT_REQUIRED")
        else:
            chosen = candidates
        (unit,) = chosen
        if cmd.idempotency_key is not None and (cmd.npi, cmd.idempotency_key) in self.keys:
            first_id = self.keys[(cmd.npi, cmd.idempotency_key)]
            first = self.records[first_id]
            if (first.cin, first.service_date, first.billing_code, first.charge) == (
                cin,
                cmd.service_date,
                code,
                charge,
            ):
                return Replay(first_id)
            return Refusal(RuleRefusal, "IDEMPOTENCY_KEY_REUSED")
        if self.active_service(cmd.npi, cin, cmd.service_date, code):
            return Refusal(RuleRefusal, "DUPLICATE_CLEARANCE")
        applied: dict[ObligationKey, int] = {}
        refusal: Refusal | None = None
        for key in self.unit_obligations(unit, month):
            obligation = self.obligations[key]
            if obligation.certified_by is CertifiedBy.LTC_AUTO and cmd.npi != LTC_HOME[0]:
                refusal = refusal or Refusal(RuleRefusal, "LTC_SOC_NOT_CLEARED_ONLINE")
            elif obligation.certified and obligation.certified_by is not CertifiedBy.LTC_AUTO:
                refusal = refusal or Refusal(RuleRefusal, "SOC_ALREADY_MET")
            else:
                applied[key] = min(charge, obligation.remaining)
        if not applied:
            assert refusal is not None
            return refusal
        return Apply(applied)

    def run_clearance(self, cmd: share_of_cost.ClearShareOfCost) -> object:
        """Send one clearance; its id goes to the bundle unless it was refused or replayed."""
        expected = self.predict_clearance(cmd)
        try:
            result = share_of_cost.clear_share_of_cost(cmd, self.uow(), self.world.app.env)
        except SpenddownError as error:
            assert_refused(error, expected)
            return multiple()
        assert not isinstance(expected, Refusal), f"expected {expected}, got {result}"
        if isinstance(expected, Replay):
            # The same key from the same provider: the first result, nothing applied again.
            first = self.records[expected.clearance_id]
            event("clearance replayed for its idempotency key")
            assert result.clearance_id == expected.clearance_id
            assert result.reversed is first.reversed
            assert [(p.program, cents(p.applied)) for p in result.programs] == [
                (k.program, a) for k, a in first.applied.items()
            ]
            return multiple()
        assert result.clearance_id not in self.records
        assert result.payment is cmd.payment  # obligated payments clear like paid ones
        assert [(p.program, cents(p.applied)) for p in result.programs] == [
            (k.program, a) for k, a in expected.applied.items()
        ]
        newly_certified = False
        for (key, applied), program in zip(expected.applied.items(), result.programs, strict=True):
            obligation = self.obligations[key]
            obligation.applied[result.clearance_id] = applied
            if not obligation.certified and obligation.remaining == 0:
                obligation.certified_by = CertifiedBy.CLEARANCES
                newly_certified = True
            assert cents(program.remaining) == obligation.remaining, (key, program)
            if obligation.certified_by is not CertifiedBy.LTC_AUTO:
                assert program.certified is obligation.certified, (key, program)
        assert (result.evc is not None) is newly_certified, result
        event("clearance certified" if newly_certified else "clearance applied")
        unit = next(iter(expected.applied))
        assert (result.case_id, result.budget_unit) == (unit.case_id, unit.budget_unit)
        self.records[result.clearance_id] = ClearanceModel(
            cmd.npi,
            cmd.member_id.cin,
            cmd.service_date,
            cmd.billing_code.strip().upper(),
            cents(cmd.service_charge),
            dict(expected.applied),
        )
        if cmd.idempotency_key is not None:
            self.keys[(cmd.npi, cmd.idempotency_key)] = result.clearance_id
        return result.clearance_id

    # --- rules -----------------------------------------------------------------------------
    @rule(
        target=clearances,
        cin=st.sampled_from(sorted(MEMBER_UNITS)),
        provider=st.sampled_from(PROVIDERS),
        code=st.sampled_from(BILLING_CODES),
        service_date=st.sampled_from(
            [date(2026, 11, 3)] * 3 + [date(2026, 11, 23), date(2026, 10, 15), date(2026, 11, 24)]
        ),
        charge=charges,
        payment=st.sampled_from(Payment),
        key=st.sampled_from([None, None, *IDEMPOTENCY_KEYS]),
        budget_unit=st.sampled_from([None, "A", "B", "C-1001/B"]),
    )
    def clear(
        self,
        cin: str,
        provider: tuple[str, str],
        code: str,
        service_date: date,
        charge: int,
        payment: Payment,
        key: str | None,
        budget_unit: str | None,
    ) -> object:
        cmd = share_of_cost.ClearShareOfCost(
            provider[0],
            provider[1],
            parse_member_id(cin),
            ISSUE,
            service_date,
            code,
            Money.from_cents(charge),
            payment,
            key,
            budget_unit if cin == RR else None,
        )
        if key is not None:
            self.sent.append(cmd)
        return self.run_clearance(cmd)

    @rule(
        target=clearances,
        cin=st.sampled_from([c for c, units in MEMBER_UNITS.items() if units]),
        provider=st.sampled_from(PROVIDERS),
        code=st.sampled_from(BILLING_CODES),
        day=st.sampled_from([2, 3, 3, 20, 23]),
        charge=st.integers(1, 20_000),
        key=st.sampled_from([None, *IDEMPOTENCY_KEYS]),
        budget_unit=st.sampled_from(["A", "B"]),
    )
    def clear_this_month(
        self,
        cin: str,
        provider: tuple[str, str],
        code: str,
        day: int,
        charge: int,
        key: str | None,
        budget_unit: str,
    ) -> object:
        """The common case: a SOC member's service this month (docs/rules.md §3)."""
        return self.clear(
            cin, provider, code, date(2026, 11, day), charge, Payment.PAID, key, budget_unit
        )

    @precondition(lambda self: self.sent)
    @rule(target=clearances, data=st.data())
    def retry(self, data: st.DataObject) -> object:
        """A client retries a request with its idempotency key (e.g. after a timeout)."""
        return self.run_clearance(data.draw(st.sampled_from(self.sent)))

    @precondition(lambda self: self.records)
    @rule(target=clearances, data=st.data(), charge=st.integers(1, 20_000))
    def clear_the_same_service_again(self, data: st.DataObject, charge: int) -> object:
        """A second payment for one rendered service (a payment plan is one clearance)."""
        record = self.records[data.draw(st.sampled_from(sorted(self.records)))]
        provider = next(p for p in PROVIDERS if p[0] == record.npi)
        units = MEMBER_UNITS[record.cin]
        first_key = next(iter(record.applied))
        budget_unit = first_key.budget_unit if len(units) > 1 else None
        return self.clear(
            record.cin,
            provider,
            record.billing_code,
            record.service_date,
            charge,
            Payment.OBLIGATED,
            None,
            budget_unit,
        )

    @rule(
        clearance_id=st.one_of(clearances, st.just("c_01NOSUCHCLEARANCE")),
        who=st.sampled_from(["own", "own", *PROVIDERS]),
    )
    def reverse(self, clearance_id: str, who: str | tuple[str, str]) -> None:
        record = self.records.get(clearance_id)
        if isinstance(who, tuple):
            provider = who
        else:  # the provider who made the clearance
            npi = record.npi if record is not None else PHYSICIAN[0]
            provider = next(p for p in PROVIDERS if p[0] == npi)
        if record is None:
            expected: Refusal | None = Refusal(NotFound, "CLEARANCE_NOT_FOUND")
        elif record.npi != provider[0]:
            expected = Refusal(Forbidden, "FORBIDDEN")
        elif record.reversed:
            expected = Refusal(RuleRefusal, "ALREADY_REVERSED")
        elif any(self.obligations[k].certified for k in record.applied):
            expected = Refusal(RuleRefusal, "SOC_CERTIFIED_NO_REVERSAL")
        else:
            expected = None
        cmd = share_of_cost.ReverseClearance(provider[0], provider[1], clearance_id)
        try:
            result = share_of_cost.reverse_clearance(cmd, self.uow(), self.world.app.env)
        except SpenddownError as error:
            assert_refused(error, expected)
            return
        assert expected is None, f"expected {expected}, got {result}"
        assert record is not None
        event("reversed")
        record.reversed = True
        for key in record.applied:
            del self.obligations[key].applied[clearance_id]
        assert result.reversed is True
        assert [(p.program, cents(p.remaining)) for p in result.programs] == [
            (k.program, self.obligations[k].remaining) for k in record.applied
        ]

    @rule(
        unit=st.sampled_from([*UNITS, ("C-1001", "Z")]),
        month=st.sampled_from([NOV, NOV, OCT]),
        program=st.sampled_from([Program.MEDI_CAL, Program.MEDI_CAL, Program.CMSP]),
        amount=soc_amounts,
    )
    def set_soc(self, unit: Unit, month: BenefitMonth, program: Program, amount: int) -> None:
        """docs/rules.md §1.8: a county worker records or changes a SOC."""
        key = ObligationKey(unit[0], unit[1], month, program)
        before = self.obligations.get(key)
        expected: Refusal | None = None
        if unit not in UNITS:
            expected = Refusal(NotFound, "BUDGET_UNIT_NOT_FOUND")
        elif before is not None and before.certified and amount > before.amount:
            expected = Refusal(RuleRefusal, "SOC_INCREASE_ON_CERTIFIED_MONTH")
        cmd = share_of_cost.SetShareOfCost(
            unit[0], unit[1], month, Money.from_cents(amount), program
        )
        try:
            view = share_of_cost.set_share_of_cost(cmd, self.uow(), self.world.app.env)
        except SpenddownError as error:
            assert_refused(error, expected)
            return
        assert expected is None, f"expected {expected}, got {view}"
        event(f"SOC {'recorded' if before is None else 'changed'}")
        if before is None:
            after = ObligationModel(amount, (key.case_id, key.budget_unit, month) == LTC_UNIT_MONTH)
            if amount == 0:
                after.certified_by = CertifiedBy.COUNTY  # nothing is owed
            self.obligations[key] = after
        else:
            after = before
            was_certified = after.certified
            after.amount = amount  # a decrease keeps a certified month certified
            if not was_certified and after.amount - after.active <= 0:
                # a decrease to what was already cleared meets the month
                after.certified_by = (
                    CertifiedBy.CLEARANCES if after.active > 0 else CertifiedBy.COUNTY
                )
        if after.ltc and month in self.cycles and not after.certified:
            after.certified_by = CertifiedBy.LTC_AUTO
        stored = view.obligation
        assert (stored.key, cents(stored.amount), cents(stored.remaining)) == (
            key,
            after.amount,
            after.remaining,
        )
        assert stored.certified_by == after.certified_by

    @rule(unit=st.sampled_from(UNITS), month=st.sampled_from([NOV, NOV, OCT]))
    def certify_by_county(self, unit: Unit, month: BenefitMonth) -> None:
        """docs/rules.md §3: a county worker certifies from receipts."""
        keys = self.unit_obligations(unit, month)
        expected: Refusal | None = None
        if not keys:
            expected = Refusal(NotFound, "OBLIGATION_NOT_FOUND")
        elif all(self.obligations[k].certified for k in keys):
            expected = Refusal(RuleRefusal, "SOC_ALREADY_MET")
        cmd = share_of_cost.CertifyByCounty(unit[0], unit[1], month)
        try:
            views = share_of_cost.certify_by_county(cmd, self.uow(), self.world.app.env)
        except SpenddownError as error:
            assert_refused(error, expected)
            return
        assert expected is None, f"expected {expected}, got {views}"
        self.county_certifications += 1
        event("certified by the county")
        for key in keys:
            obligation = self.obligations[key]
            if not obligation.certified:
                obligation.applied[f"county-{self.county_certifications}"] = obligation.remaining
                obligation.certified_by = CertifiedBy.COUNTY
        assert [(v.obligation.key, v.obligation.certified_by) for v in views] == [
            (k, self.obligations[k].certified_by) for k in keys
        ]

    @precondition(lambda self: self.month_starts < 3)  # the first run, and reruns
    @rule(month=st.sampled_from([NOV, NOV, OCT]))
    def start_month(self, month: BenefitMonth) -> None:
        """docs/rules.md §4: month start certifies LTC SOCs; running it again does nothing."""
        self.month_starts += 1
        due = [
            o for k, o in self.obligations.items() if k.month == month and o.ltc and not o.certified
        ]
        result = share_of_cost.start_month(month, self.uow(), self.world.app.env)
        assert result.ltc_certified == len(due)
        event(f"month start certified {len(due)}")
        for obligation in due:
            obligation.certified_by = CertifiedBy.LTC_AUTO
        self.cycles.add(month)

    @precondition(lambda self: self.ticks < 4)  # occasionally: the day stays 2026-11-23
    @rule(minutes=st.integers(1, 15))
    def tick(self, minutes: int) -> None:
        self.ticks += 1
        self.world.clock.advance(minutes=minutes)

    # --- invariants ------------------------------------------------------------------------
    @invariant()
    def audit_is_clean(self) -> None:
        assert audit_ledger(self.uow()) == []

    @invariant()
    def obligations_agree_with_the_model(self) -> None:
        uow = self.uow()
        with uow:  # one transaction; the use cases below join it
            stored = {o.key: (o, uow.repo.entries_of(o.key)) for o in uow.repo.iter_obligations()}
            # The look-up use case shows the responsible relative both units' obligations.
            for month in (OCT, NOV):
                owned = [k for u in MEMBER_UNITS[RR] for k in self.unit_obligations(u, month)]
                try:
                    views = share_of_cost.member_obligations(RR, month, uow)
                except NotFound:
                    views = []
                assert [v.obligation for v in views] == [stored[k][0] for k in owned], month
        assert set(stored) == set(self.obligations)
        for key, (obligation, entries) in stored.items():
            model = self.obligations[key]
            reversed_ids = {e.reverses for e in entries if e.kind is EntryKind.REVERSAL}
            active = sum(
                e.applied.cents
                for e in entries
                if e.kind is not EntryKind.REVERSAL and e.entry_id not in reversed_ids
            )
            # remaining == max(0, amount − Σ active applied), 0 once met by clearances/county
            assert (
                cents(obligation.amount),
                active,
                obligation.certified_by,
                cents(obligation.remaining),
            ) == (model.amount, model.active, model.certified_by, model.remaining), key
            assert 0 <= cents(obligation.remaining) <= cents(obligation.amount), key
            # certified ⇔ nothing remains, or the county or LTC month start certified it
            assert obligation.certified == (
                obligation.remaining.amount == 0
                or obligation.certified_by in (CertifiedBy.COUNTY, CertifiedBy.LTC_AUTO)
            ), key

    @invariant()
    def plan_members_are_activated_once_when_their_unit_is_certified(self) -> None:
        expected = Counter(
            (plan, cin, str(key.month))
            for key, obligation in self.obligations.items()
            if obligation.certified and key.month == NOV and key.program is Program.MEDI_CAL
            for plan, cin in PLAN_MEMBERS.get((key.case_id, key.budget_unit), ())
        )
        found: Counter[tuple[str, str, str]] = Counter()
        uow = self.uow()
        with uow:
            for plan in ("HN", "LA"):
                page = plans.activations_since(plan, None, uow)
                found.update((a.plan_code, a.cin, str(a.month)) for a in page.activations)
        assert found == expected

    @invariant()
    def nothing_is_applied_twice_for_one_idempotency_key(self) -> None:
        uow = self.uow()
        with uow:
            entries = uow.repo.member_entries(None, None)
        by_key: dict[tuple[str, str], list[LedgerEntry]] = {}
        for entry in entries:
            if entry.idempotency_key is not None:
                assert entry.provider_npi is not None
                by_key.setdefault((entry.provider_npi, entry.idempotency_key), []).append(entry)
        assert set(by_key) == set(self.keys)
        for npi_key, keyed in by_key.items():
            first = self.keys[npi_key]
            # one clearance (one entry per program it cleared), however often it was retried
            assert [e.clearance_id for e in keyed] == [first] * len(self.records[first].applied)
            assert all(e.kind is EntryKind.CLEARANCE for e in keyed)


TestLedgerServices = LedgerServiceMachine.TestCase
TestLedgerServices.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)


# --- the pure ledger -------------------------------------------------------------------------
T = TypeVar("T")
DOMAIN_KEY = ObligationKey("C-1", "A", NOV, Program.MEDI_CAL)
DOMAIN_PROVIDERS = ("1111111111", "2222222222", "3333333333")
T0 = datetime(2026, 11, 1, 8, tzinfo=UTC)


def attempt(call: Callable[[], T]) -> T | SpenddownError:
    """The result of ``call``, or the refusal it raised."""
    try:
        return call()
    except SpenddownError as error:
        return error


class LedgerDomainMachine(RuleBasedStateMachine):
    """The ledger functions on one obligation, its entries kept here as storage would keep them,
    checked with ``check_obligation`` after every step."""

    def __init__(self) -> None:
        super().__init__()
        self.obligation: ledger.Obligation | None = None
        self.entries: list[LedgerEntry] = []
        self.reversed: set[str] = set()
        self.services: set[tuple[str, str]] = set()  # active (provider, billing code)
        self.counter = 0
        self.now = T0
        self.was_certified = False

    def next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter:04d}"

    def active(self) -> Money:
        total = Money.zero()
        for entry in self.entries:
            if entry.kind is not EntryKind.REVERSAL and entry.entry_id not in self.reversed:
                total = total + entry.applied
        return total

    def current(self) -> ledger.Obligation:
        assert self.obligation is not None
        return self.obligation

    @precondition(lambda self: self.obligation is None)
    @rule(amount=st.one_of(st.integers(0, 100_000), st.just(0)), ltc=st.booleans())
    def open_obligation(self, amount: int, ltc: bool) -> None:
        self.obligation = ledger.new_obligation(
            DOMAIN_KEY, Money.from_cents(amount), self.now, ltc=ltc
        )
        assert self.obligation.certified is (amount == 0)

    @precondition(lambda self: self.obligation is not None)
    @rule(
        charge=st.one_of(st.integers(-100, 120_000), st.just(0)),
        provider=st.sampled_from(DOMAIN_PROVIDERS),
        code=st.sampled_from(["Z000A", "Z000B", "Z000C"]),
        ltc_facility=st.booleans(),
    )
    def clear(self, charge: int, provider: str, code: str, ltc_facility: bool) -> None:
        before = self.current()
        if (provider, code) in self.services:
            return  # the use case refuses a second clearance of one rendered service
        outcome = attempt(
            lambda: ledger.apply_clearance(
                before, Money.from_cents(charge), self.now, ltc_facility=ltc_facility
            )
        )
        if charge <= 0:
            expected = "INVALID_SERVICE_CHARGE"
        elif before.certified_by is CertifiedBy.LTC_AUTO and not ltc_facility:
            expected = "LTC_SOC_NOT_CLEARED_ONLINE"
        elif before.certified and before.certified_by is not CertifiedBy.LTC_AUTO:
            expected = "SOC_ALREADY_MET"
        else:
            expected = ""
        if isinstance(outcome, SpenddownError):
            assert outcome.code == expected
            return
        assert expected == "", f"expected {expected}, got {outcome}"
        assert outcome.applied == min(Money.from_cents(charge), before.remaining)
        assert outcome.after.remaining == before.remaining - outcome.applied
        assert outcome.certifies is (not before.certified and outcome.after.remaining.amount == 0)
        self.obligation = outcome.after
        self.services.add((provider, code))
        self.entries.append(
            LedgerEntry(
                entry_id=self.next_id("e_"),
                clearance_id=self.next_id("c_"),
                kind=EntryKind.CLEARANCE,
                key=DOMAIN_KEY,
                cin="12345678A",
                applied=outcome.applied,
                remaining_after=outcome.after.remaining,
                created_at=self.now,
                provider_npi=provider,
                service_date=date(2026, 11, 3),
                billing_code=code,
                service_charge=Money.from_cents(charge),
                payment=Payment.PAID,
            )
        )

    @precondition(lambda self: any(e.kind is EntryKind.CLEARANCE for e in self.entries))
    @rule(data=st.data(), own=st.booleans())
    def reverse(self, data: st.DataObject, own: bool) -> None:
        before = self.current()
        clearance = data.draw(
            st.sampled_from([e for e in self.entries if e.kind is EntryKind.CLEARANCE])
        )
        others = [p for p in DOMAIN_PROVIDERS if p != clearance.provider_npi]
        provider = clearance.provider_npi if own else data.draw(st.sampled_from(others))
        assert provider is not None
        was_reversed = clearance.entry_id in self.reversed
        outcome = attempt(
            lambda: ledger.apply_reversal(
                before, clearance, provider, already_reversed=was_reversed
            )
        )
        if not own:
            expected = "FORBIDDEN"
        elif was_reversed:
            expected = "ALREADY_REVERSED"
        elif before.certified:
            expected = "SOC_CERTIFIED_NO_REVERSAL"
        else:
            expected = ""
        if isinstance(outcome, SpenddownError):
            assert outcome.code == expected
            return
        assert expected == "", f"expected {expected}, got {outcome}"
        assert outcome.remaining == before.remaining + clearance.applied
        assert outcome.certified_by is None
        self.obligation = outcome
        self.reversed.add(clearance.entry_id)
        self.services.discard((provider, clearance.billing_code or ""))
        self.entries.append(
            LedgerEntry(
                entry_id=self.next_id("e_"),
                clearance_id=clearance.clearance_id,
                kind=EntryKind.REVERSAL,
                key=clearance.key,
                cin=clearance.cin,
                applied=clearance.applied,
                remaining_after=outcome.remaining,
                created_at=self.now,
                provider_npi=provider,
                service_date=clearance.service_date,
                billing_code=clearance.billing_code,
                reverses=clearance.entry_id,
            )
        )

    @precondition(lambda self: self.obligation is not None)
    @rule(amount=st.one_of(st.integers(0, 120_000), st.sampled_from([0, 1])))
    def change_amount(self, amount: int) -> None:
        """docs/rules.md §1.8."""
        before = self.current()
        new_amount = Money.from_cents(amount)
        outcome = attempt(lambda: ledger.change_amount(before, new_amount, self.active(), self.now))
        increase_on_certified = before.certified and new_amount > before.amount
        if isinstance(outcome, SpenddownError):
            assert outcome.code == "SOC_INCREASE_ON_CERTIFIED_MONTH"
            assert increase_on_certified
            return
        assert not increase_on_certified
        assert outcome.amount == new_amount
        if before.certified:
            assert outcome.certified_by == before.certified_by  # a certified month stays so
        self.obligation = outcome

    @precondition(lambda self: self.obligation is not None)
    @rule()
    def certify_by_county(self) -> None:
        before = self.current()
        outcome = attempt(lambda: ledger.certify_by_county(before, self.now))
        if isinstance(outcome, SpenddownError):
            assert outcome.code == "SOC_ALREADY_MET"
            assert before.certified
            return
        assert not before.certified
        assert outcome.applied == before.remaining
        self.obligation = outcome.after
        self.entries.append(
            LedgerEntry(
                entry_id=self.next_id("e_"),
                clearance_id=self.next_id("k_"),
                kind=EntryKind.COUNTY_CERTIFICATION,
                key=DOMAIN_KEY,
                cin="",
                applied=outcome.applied,
                remaining_after=outcome.after.remaining,
                created_at=self.now,
            )
        )

    @precondition(lambda self: self.obligation is not None)
    @rule()
    def start_month(self) -> None:
        """docs/rules.md §4."""
        before = self.current()
        after = ledger.certify_ltc_automatically(before, self.now)
        if after is None:
            assert before.certified or not before.ltc
            return
        assert before.ltc
        assert not before.certified
        assert after.certified_by is CertifiedBy.LTC_AUTO
        assert after.remaining == before.remaining
        self.obligation = after

    @rule(minutes=st.integers(1, 600))
    def tick(self, minutes: int) -> None:
        self.now = self.now + timedelta(minutes=minutes)

    @invariant()
    def obligation_is_consistent_with_its_entries(self) -> None:
        if self.obligation is None:
            return
        assert ledger.check_obligation(self.obligation, self.entries) == []
        expected = (self.obligation.amount - self.active()).clamp_zero()
        if self.obligation.certified_by in (CertifiedBy.CLEARANCES, CertifiedBy.COUNTY):
            expected = Money.zero()
        assert self.obligation.remaining == expected

    @invariant()
    def a_certified_month_stays_certified(self) -> None:
        certified_now = self.obligation is not None and self.obligation.certified
        assert certified_now or not self.was_certified
        self.was_certified = certified_now


TestLedgerDomain = LedgerDomainMachine.TestCase
TestLedgerDomain.settings = settings(max_examples=200, stateful_step_count=40, deadline=None)
