"""A 270's subscribers go through the batch use case (``exchange.BATCHED``,
``eligibility.verify_batch``): the 271 to a generated file with several subscribers per member,
unknown members, wrong issue dates, dates out of the window, members not eligible and SOC unmet,
and the rows stored, are exactly those of the one-subscriber-at-a-time path on a fresh
database, on SQLite and PostgreSQL; so are a lock part-way through the file (AAA 42 for the
rest) and a wrong PIN (2100B AAA 41, one failure counted). EVCs are random: both runs draw them
from the same counter, so the answers compare byte for byte."""

from __future__ import annotations

import copy
import itertools
import random
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from api_support import Api, basic, make_api
from sqlalchemy import select
from x12_builders import FEES, inquiry_270, interchange
from x12_independent import check_271

from spenddown.adapters import system
from spenddown.adapters.db import tables as t
from spenddown.adapters.x12 import exchange
from spenddown.services import eligibility
from support.world import PHYSICIAN

KNOWN = [  # member: what the world makes of them (tests/support/world.py)
    "12345678A",  # SOC 600 unmet, plan
    "22222222B",
    "33333333C",
    "55555555E",  # LTC
    "66666666F",  # two aid codes
    "77777777G",  # CMSP + Medi-Cal SOC
    "88888888H",  # restricted scope
    "99999999J",  # not eligible
]


def generated(count: int, seed: int, *, failures: int = 2) -> str:
    """A 270 of ``count`` subscribers, known members mostly (several times each), with one
    subscriber of each refusal and ``failures`` failed look-ups (unknown IDs and wrong issue
    dates), in a random order."""
    rng = random.Random(seed)
    subscribers: list[dict[str, str | None]] = [
        {"member_id": "12345678A", "service": "20251001"},  # too old: AAA 62
        {"member_id": "22222222B", "service": "20261124"},  # the future: AAA 63
        {"member_id": "1234"},  # not a CIN: AAA 72
        {"member_id": "33333333C", "issue": None},  # issue date missing: AAA 15
        {"member_id": "66666666F", "service": None},  # today
    ]
    for number in range(failures):
        if number % 2:
            subscribers.append({"member_id": rng.choice(KNOWN), "issue": "20250302"})
        else:
            subscribers.append({"member_id": f"{rng.randint(10_000_000, 99_999_999)}Z"})
    while len(subscribers) < count:
        day = f"202611{rng.randint(1, 23):02d}"
        subscribers.append({"member_id": rng.choice(KNOWN), "service": day})
    rng.shuffle(subscribers)
    return interchange("270", "005010X279A1", [inquiry_270(subscribers)])


@pytest.fixture
def two_apis(
    request: pytest.FixtureRequest, database_url: str
) -> Iterator[tuple[Callable[[], Api], Callable[[], Api]]]:
    if database_url.startswith("sqlite"):
        second = f"sqlite:///{request.getfixturevalue('tmp_path') / 'second.db'}"
    else:
        second = request.getfixturevalue("make_postgres_database")()
    made: list[Api] = []

    def opener(url: str) -> Callable[[], Api]:
        def open_() -> Api:
            api = make_api(url)
            api.world.load(copy.deepcopy(FEES))
            made.append(api)
            return api

        return open_

    yield opener(database_url), opener(second)
    for api in made:
        api.close()


def stored(api: Api) -> dict[str, Any]:
    """The rows the answers left: verifications, EVCs and the NPI's sign-in failures."""
    with api.app.engine.connect() as c:
        v, e, a = t.verifications, t.evcs, t.auth_attempts
        return {
            "verifications": [
                (r.verification_id, r.cin, str(r.service_date), r.eligible, r.evc)
                for r in c.execute(select(v).order_by(v.c.verification_id))
            ],
            "evcs": [
                (r.evc, r.cin, r.provider_npi, str(r.service_date), list(r.aid_codes))
                for r in c.execute(select(e).order_by(e.c.evc))
            ],
            "failures": c.execute(
                select(a.c.kind, a.c.subject).where(a.c.outcome == "failure")
            ).all(),
        }


def both(
    two_apis: tuple[Callable[[], Api], Callable[[], Api]],
    monkeypatch: pytest.MonkeyPatch,
    texts: list[str],
    provider: tuple[str, str] = PHYSICIAN,
) -> list[tuple[list[str], dict[str, Any]]]:
    """Each text answered by the one-by-one path on one database, then by the batch path on
    a fresh one; each path's answers and stored rows."""
    runs = []
    for batched, open_ in zip((False, True), two_apis, strict=True):
        ids = itertools.count(1)
        monkeypatch.setattr(
            system.UlidIds, "new_id", lambda self, p, ids=ids: f"{p}{next(ids):026d}"
        )
        monkeypatch.setattr(system.UlidIds, "new_evc", lambda self, ids=ids: f"E{next(ids):09d}")
        monkeypatch.setattr(exchange, "BATCHED", batched)
        api = open_()
        answers = []
        for text in texts:
            response = api.client.post(
                "/v1/x12",
                content=text,
                headers={"Content-Type": "application/edi-x12", **basic(provider)},
            )
            assert response.status_code == 200, response.text
            answers.append(response.text)
        runs.append((answers, stored(api)))
    return runs


@pytest.mark.parametrize("seed", [5, 23])
def test_batched_271_equals_one_subscriber_at_a_time(
    two_apis: tuple[Callable[[], Api], Callable[[], Api]],
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
) -> None:
    monkeypatch.setattr(eligibility, "VERIFY_CHUNK", 7)  # several chunks per receiver
    texts = [generated(60, seed), generated(25, seed + 1, failures=1)]
    (one_by_one, rows), (batched, batched_rows) = both(two_apis, monkeypatch, texts)
    for answer in one_by_one:
        check_271(answer)
    answer = one_by_one[0]
    assert "TRN*1*E" in answer  # EVCs issued
    for reason in ("*75*", "*62*", "*63*", "*72*", "*15*"):  # refusals of several kinds
        assert f"AAA*N**{reason.strip('*')}*C~" in answer, reason
    assert "EB*Y*" in answer  # a SOC unmet
    assert "EB*6*" in answer  # not eligible
    assert batched == one_by_one
    assert batched_rows == rows
    assert rows["verifications"]
    assert rows["failures"]


def test_a_lock_part_way_gives_the_rest_42_on_both_paths(
    two_apis: tuple[Callable[[], Api], Callable[[], Api]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(eligibility, "VERIFY_CHUNK", 9)
    texts = [generated(80, 41, failures=12), generated(3, 42, failures=0)]
    (one_by_one, rows), (batched, batched_rows) = both(two_apis, monkeypatch, texts)
    first, second = one_by_one
    assert first.count("AAA*N**75*C~") == 5  # the fifth failure locks the NPI
    assert "AAA*N**42*R~" in first  # everyone after it: unable to respond now
    assert "AAA*N**41*R~" in second  # the next file: the NPI is locked (2100B)
    assert batched == one_by_one
    assert batched_rows == rows
    assert len(rows["failures"]) == 5


def test_a_wrong_pin_rejects_the_receiver_on_both_paths(
    two_apis: tuple[Callable[[], Api], Callable[[], Api]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    texts = [generated(12, 7, failures=0)]
    runs = both(two_apis, monkeypatch, texts, (PHYSICIAN[0], "0000"))
    (one_by_one, rows), (batched, batched_rows) = runs
    assert "AAA*N**41*C~" in one_by_one[0]
    assert "HL*3*2*22" not in one_by_one[0]  # nobody answered
    assert batched == one_by_one
    assert batched_rows == rows
    assert len(rows["failures"]) == 1
    assert not rows["verifications"]
