"""``eligibility.verify_batch`` (the 270's subscribers, docs/x12.md "270 → 271 in chunks"):
a chunk's statements do not grow with its size (one sign-in, one read per kind, two writes),
EVC codes drawn twice or already taken are drawn again, and a chunk size out of range is
refused. What the answers must equal (the one-by-one path) is tested through the 271 in
tests/x12/test_x12_eligibility_batched.py."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import date

import pytest
from sqlalchemy import select
from test_hot_path import ADDRESS, cached_world, postgres

from spenddown.adapters.db import tables as t
from spenddown.adapters.system import UlidIds
from spenddown.domain.errors import InvalidInput
from spenddown.domain.identifiers import parse_member_id
from spenddown.services import eligibility
from spenddown.services.common import origin
from support.statements import counting
from support.world import ISSUE, PHYSICIAN, SOC_MEMBER, World

ELIGIBLE = ["88888888H", "66666666F"]  # eligible without a SOC to meet


@pytest.fixture
def world(database_url: str) -> Iterator[World]:
    made = cached_world(database_url)
    with origin(ADDRESS):
        yield made
    made.app.close()


def inquiries(count: int) -> list[eligibility.Inquiry]:
    members = [*ELIGIBLE, "55555555E", SOC_MEMBER]
    return [
        eligibility.Inquiry(
            parse_member_id(members[i % len(members)]), ISSUE, date(2026, 11, 1 + i % 20)
        )
        for i in range(count)
    ]


def batch(world: World, items: list[eligibility.Inquiry], **options: int) -> list[object]:
    return list(
        eligibility.verify_batch(*PHYSICIAN, items, world.app.uow, world.app.env, **options)
    )


def test_a_chunk_sends_the_same_statements_whatever_its_size(world: World) -> None:
    world.verify()  # the PIN checked (Argon2) and remembered, as a server would have
    counts = []
    for size in (4, 60):
        with counting(world.app.engine) as sent:
            outcomes = batch(world, inquiries(size))
        assert all(isinstance(o, eligibility.Verification) for o in outcomes), outcomes
        counts.append(len(sent))
    assert counts[0] == counts[1], counts
    # BEGIN (SQLite: BEGIN IMMEDIATE as a statement), the provider with its standing, the
    # members, their segments, their units' obligations, the EVCs, the verifications; COMMIT
    # is not a statement sent through the cursor.
    assert counts[0] == (6 if postgres(world) else 7), sent
    assert sent.sent[-2].startswith("INSERT INTO evcs")
    assert sent.sent[-1].startswith("INSERT INTO verifications")


class Drawn(UlidIds):
    """Draws these EVC codes first."""

    def __init__(self, codes: list[str]) -> None:
        self.codes = list(reversed(codes))

    def new_evc(self) -> str:
        return self.codes.pop() if self.codes else super().new_evc()


def test_evc_codes_taken_or_drawn_twice_are_drawn_again(world: World) -> None:
    stored = world.verify("88888888H")
    assert stored.evc is not None
    # The first inquiry draws the stored code, the next two the same new code twice.
    ids = Drawn([stored.evc, "5550000001", "5550000001"])
    world.app = dataclasses.replace(world.app, env=dataclasses.replace(world.app.env, ids=ids))
    outcomes = batch(world, [i for i in inquiries(8) if i.member_id.cin in ELIGIBLE][:3])
    evcs = [o.evc for o in outcomes if isinstance(o, eligibility.Verification) and o.evc]
    assert len(evcs) == 3
    assert len({stored.evc, *evcs}) == 4, evcs
    with world.app.engine.connect() as c:
        recorded = set(c.execute(select(t.verifications.c.evc)).scalars())
        issued = set(c.execute(select(t.evcs.c.evc)).scalars())
    assert {stored.evc, *evcs} <= recorded
    assert {stored.evc, *evcs} == issued


@pytest.mark.parametrize("chunk", [0, eligibility.MAX_VERIFY_CHUNK + 1])
def test_a_chunk_size_out_of_range_is_refused(world: World, chunk: int) -> None:
    with pytest.raises(InvalidInput):
        batch(world, inquiries(2), chunk=chunk)


def test_chunks_answer_in_order(world: World) -> None:
    items = inquiries(9)
    chunked = batch(world, items, chunk=2)
    assert [o.member_id for o in chunked] == [i.member_id.cin for i in items]  # type: ignore[attr-defined]
