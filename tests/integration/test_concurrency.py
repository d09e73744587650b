"""docs/rules.md §3 Concurrency: many providers clearing one budget unit at the same moment never
apply more than the SOC, never lose a clearance and never certify twice. And claims (§5) sent at
the same moment are decided as one after the other would be: never more authorized units paid
than approved, one claim ID adjudicated once. Both engines."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from typing import TypeVar

from sqlalchemy import func, select

from spenddown.adapters.db import tables
from spenddown.domain.cob.model import Claim, ClaimLine
from spenddown.domain.errors import RuleRefusal, SpenddownError
from spenddown.domain.money import Money, total
from spenddown.services import claims, plans
from spenddown.services.audit import audit_ledger
from spenddown.services.share_of_cost import ClearanceResult
from support.world import ABA_AUTHORIZED, CLINIC, PHARMACY, PHYSICIAN, World

THREADS = 8
CLEARANCES = 200
T = TypeVar("T")


def test_concurrent_clearances_on_one_budget_unit(world: World) -> None:
    world.load(
        {
            "soc": [
                {"case_id": "C-1001", "budget_unit": "A", "month": "2026-11", "amount": "1000.00"}
            ]
        }
    )
    providers = [PHYSICIAN, CLINIC, PHARMACY]
    start = threading.Barrier(THREADS)
    results: list[ClearanceResult] = []
    refusals: Counter[str] = Counter()
    lock = threading.Lock()

    def worker(thread: int) -> None:
        start.wait()
        for i in range(thread, CLEARANCES, THREADS):
            # members 12345678A and 22222222B share unit A; charges 3.00 .. 11.00
            cin = "12345678A" if i % 2 else "22222222B"
            charge = f"{3 + i % 9}.00"
            try:
                result = world.clear(
                    charge,
                    cin=cin,
                    provider=providers[i % 3],
                    code=f"S{i:04d}",
                    service_date=date(2026, 11, 1 + i % 20),
                )
            except RuleRefusal as refusal:
                with lock:
                    refusals[refusal.code] += 1
            else:
                with lock:
                    results.append(result)

    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(worker, range(THREADS)))

    assert len(results) + sum(refusals.values()) == CLEARANCES
    assert set(refusals) <= {"SOC_ALREADY_MET"}
    applied = total([r.applied for r in results])
    assert applied == Money.of("1000.00")  # exactly the SOC, never more
    certifying = [r for r in results if r.certified and r.evc]
    assert len(certifying) == 1
    with world.app.engine.connect() as connection:
        stored = connection.execute(
            select(func.count(), func.sum(tables.soc_entries.c.applied_cents)).where(
                tables.soc_entries.c.kind == "clearance"
            )
        ).one()
    assert (stored[0], stored[1]) == (len(results), 100_000)  # no clearance lost
    page = plans.activations_since("HN", None, world.app.uow())
    assert sorted(a.cin for a in page.activations) == ["12345678A", "22222222B"]
    assert audit_ledger(world.app.uow()) == []


def test_one_idempotency_key_sent_at_once_for_two_members_clears_once(world: World) -> None:
    """One provider's key sent for members of two budget units (a client reusing keys): the
    unit locks do not serialize these; the key clears once, is replayed for its own member
    and refused for the other, never a primary-key failure."""
    members = ("12345678A", "33333333C")  # units A and B of case C-1001
    outcomes = at_once(THREADS, lambda i: world.clear("20.00", cin=members[i % 2], key="visit-1"))
    results = [o for o in outcomes if isinstance(o, ClearanceResult)]
    refused = [o.code for o in outcomes if isinstance(o, SpenddownError)]
    assert (len(results), refused) == (THREADS // 2, ["IDEMPOTENCY_KEY_REUSED"] * (THREADS // 2))
    assert len({r.clearance_id for r in results}) == 1
    assert audit_ledger(world.app.uow()) == []


# --- claims (docs/rules.md §5): authorization units and claim IDs under concurrent submission -----
def aba_claim(claim_id: str, cin: str = "22222222B", units: int = 2) -> Claim:
    line = ClaimLine(date(2026, 11, 3), "97153", units, Money.of("16.50") * units)
    return Claim(claim_id, PHYSICIAN[0], cin, Money.zero(), None, (line,))


def paid_units(world: World) -> int:
    lines = tables.claim_lines
    with world.app.engine.connect() as connection:
        found = connection.execute(
            select(func.coalesce(func.sum(lines.c.units), 0)).where(
                lines.c.authorization_id == "PA-HN-1", lines.c.status == "paid"
            )
        ).scalar_one()
    return int(found)


def at_once(count: int, submit: Callable[[int], T]) -> list[T | SpenddownError]:
    """``submit(0)`` … ``submit(count - 1)`` on ``count`` threads released together; each
    result, or the SpenddownError it raised (any other exception fails the test)."""
    start = threading.Barrier(count)

    def one(i: int) -> T | SpenddownError:
        start.wait()
        try:
            return submit(i)
        except SpenddownError as error:
            return error

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(one, range(count)))


def test_concurrent_claims_never_use_more_authorized_units_than_approved(world: World) -> None:
    world.load(ABA_AUTHORIZED)
    world.clear("600.00")
    outcomes = at_once(
        THREADS,
        lambda i: claims.adjudicate_batch_claim(
            aba_claim(f"ABA-{i}"), world.app.uow(), world.app.env
        ),
    )
    results = [o for o in outcomes if isinstance(o, claims.Adjudication)]
    assert len(results) == THREADS  # every claim answered
    paid = [r for r in results if r.lines[0].authorization_id == "PA-HN-1"]
    assert len(paid) == 4  # 4 × 2 units = the 8 approved
    denied = [r.lines[0].denial.carc for r in results if r.lines[0].denial is not None]
    assert denied == ["197"] * (THREADS - 4)
    assert paid_units(world) == 8


def test_the_same_claim_id_sent_at_once_is_adjudicated_once(world: World) -> None:
    world.load(ABA_AUTHORIZED)
    world.clear("600.00")
    # for two members (a mistyped member ID): the member locks alone do not serialize them
    cins = ("22222222B", "12345678A")
    outcomes = at_once(
        THREADS,
        lambda i: claims.adjudicate_batch_claim(
            aba_claim("ABA-1", cins[i % 2]), world.app.uow(), world.app.env
        ),
    )
    assert sum(isinstance(o, claims.Adjudication) for o in outcomes) == 1
    refusals = [o.code for o in outcomes if isinstance(o, SpenddownError)]
    assert refusals == ["DUPLICATE_CLAIM"] * (THREADS - 1)
    assert paid_units(world) in (0, 2)  # 12345678A has no authorization: 197, no units


def test_concurrent_batches_decide_as_if_one_after_the_other(world: World) -> None:
    world.load(ABA_AUTHORIZED)
    world.clear("600.00")
    # Four batches: first one claim ID all four send, for two other members (no member lock
    # orders them: a chunk that finds it stored meanwhile runs again), then three claims of
    # their own on the authorization.
    batches = [
        [aba_claim("ABA-SENT", ("12345678A", "33333333C")[b % 2])]
        + [aba_claim(f"ABA-{b}-{i}") for i in range(3)]
        for b in range(4)
    ]
    outcomes = at_once(
        4,
        lambda b: list(claims.adjudicate_batch(batches[b], world.app.uow, world.app.env, chunk=1)),
    )
    answered = [o for found in outcomes for o in found]  # type: ignore[union-attr]
    accepted = [o for o in answered if isinstance(o, claims.Adjudication)]
    refused = [o.code for o in answered if isinstance(o, SpenddownError)]
    assert (len(accepted), refused) == (13, ["DUPLICATE_CLAIM"] * 3)
    assert sum(a.claim_id == "ABA-SENT" for a in accepted) == 1
    assert sum(a.lines[0].authorization_id == "PA-HN-1" for a in accepted) == 4
    assert paid_units(world) == 8
