"""A file of 270 sets without problems is answered as it is read (``exchange.answer_file``,
the CLI's ``spenddown x12 FILE``: ``stream.inquiry_sets``, each receiver's subscribers verified
a chunk at a time, each 271 written as it is made) and a text of them with the streamed reader
(``exchange.answer``): the answers and the rows stored are exactly those of the whole-text
reader (``envelope.read_interchanges`` + ``read_270``) on a fresh database, on SQLite and
PostgreSQL: several sources and receivers (one of another NPI, one without subscribers),
several interchanges, dependents, refusals of every kind, a wrong PIN (2100B AAA 41) and a lock
part-way (AAA 42 for the rest), with chunks smaller than a receiver (docs/architecture.md
"Streaming X12")."""

from __future__ import annotations

import copy
import itertools
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from api_support import Api, make_api
from test_x12_eligibility_batched import KNOWN, stored
from x12_builders import FEES, claim_837, cob_line, interchange, submission_837, subscriber_270
from x12_independent import check_271

from spenddown.adapters import system
from spenddown.adapters.x12 import acknowledgments, exchange, stream, x279a1
from spenddown.services import eligibility
from support.world import PHYSICIAN

OTHER_NPI = "1999999992"


def _subscribers(rng: random.Random, count: int, failures: int) -> list[dict[str, Any]]:
    chosen: list[dict[str, Any]] = [
        {"member_id": "12345678A", "service": "20251001"},  # too old: AAA 62
        {"member_id": "1234"},  # not a CIN: AAA 72
        {"member_id": "33333333C", "issue": None},  # issue date missing: AAA 15
        {"member_id": "66666666F", "service": None},  # today
    ]
    for number in range(failures):
        if number % 2:
            chosen.append({"member_id": rng.choice(KNOWN), "issue": "20250302"})
        else:
            chosen.append({"member_id": f"{rng.randint(10_000_000, 99_999_999)}Z"})
    while len(chosen) < count:
        chosen.append(
            {"member_id": rng.choice(KNOWN), "service": f"202611{rng.randint(1, 23):02d}"}
        )
    rng.shuffle(chosen)
    return chosen[:count]


def inquiry(seed: int, receivers: list[tuple[str, int, int]], sources: int = 1) -> list[str]:
    """A 270 body: ``sources`` 2000A, each with ``receivers`` (NPI, subscribers, failed
    look-ups); about one subscriber in five has a dependent (2000D)."""
    rng = random.Random(seed)
    body = ["BHT*0022*13*REQ-STREAM*20261123*1000"]
    hl = 0
    for _ in range(sources):
        hl += 1
        source_hl = hl
        body += [f"HL*{hl}**20*1", "NM1*PR*2*MEDI-CAL*****PI*610442"]
        for npi, count, failures in receivers:
            hl += 1
            receiver_hl = hl
            body += [f"HL*{hl}*{source_hl}*21*{1 if count else 0}", f"NM1*1P*2*CLINIC*****XX*{npi}"]
            for subscriber in _subscribers(rng, count, failures):
                hl += 1
                member = subscriber.pop("member_id")
                lines = subscriber_270(hl, receiver_hl, member, **subscriber)
                if rng.random() < 0.2:
                    lines[0] = lines[0][:-1] + "1"
                    hl += 1
                    lines += [
                        f"HL*{hl}*{hl - 1}*23*0",
                        f"TRN*1*DEP-{hl}*9CLINIC001",
                        "NM1*03*1*LOPEZ*NINA",
                    ]
                body += lines
    return body


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


def _deterministic(monkeypatch: pytest.MonkeyPatch) -> None:
    """IDs and EVCs drawn from a counter, so that two runs compare byte for byte."""
    ids = itertools.count(1)
    monkeypatch.setattr(system.UlidIds, "new_id", lambda self, p: f"{p}{next(ids):026d}")
    monkeypatch.setattr(system.UlidIds, "new_evc", lambda self: f"E{next(ids):09d}")


def compare(
    texts: list[str],
    apis: tuple[Callable[[], Api], Callable[[], Api]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    *,
    pin: str = PHYSICIAN[1],
    by_file: bool = True,
) -> tuple[list[str], dict[str, Any], list[bool]]:
    """Each text answered whole by today's reader on one database, then streamed (by file,
    or as text) on a fresh one: today's answers and rows, after asserting the streamed ones
    equal; and whether the streamed reading took each file."""
    monkeypatch.setattr(acknowledgments.SpooledSets, "MEMORY", 64)  # the spools go to disk
    credentials = {"npi": PHYSICIAN[0], "pin": pin}
    runs = []
    taken: list[bool] = []
    trusted = exchange._trusted

    def spy(*args: Any) -> Any:
        found = trusted(*args)
        taken.append(found is not None and {t.code for t in found} == {"270"})
        return found

    for streamed, open_ in zip((False, True), apis, strict=True):
        _deterministic(monkeypatch)
        monkeypatch.setattr(exchange, "STREAMED", streamed)
        monkeypatch.setattr(exchange, "_trusted", spy if streamed else trusted)
        api = open_()
        answers = []
        for number, text in enumerate(texts):
            app = api.app
            if streamed and by_file:
                path = tmp_path / f"in-{number}.x12"
                path.write_bytes(text.encode("utf-8"))
                pieces: list[str] = []
                got = exchange.answer_file(
                    path, pieces.append, **credentials, uow=app.uow, env=app.env
                )
                assert got.text == ""
                answers.append((got.kind, got.recorded, "".join(pieces)))
            else:
                got = exchange.answer(text, **credentials, uow=app.uow, env=app.env)
                answers.append((got.kind, got.recorded, got.text))
        runs.append((answers, stored(api)))
    (whole, rows), (streamed_answers, streamed_rows) = runs
    assert streamed_answers == whole
    assert streamed_rows == rows
    return [text for _, _, text in whole], rows, taken


@pytest.mark.parametrize("by_file", [True, False])
def test_several_receivers_and_interchanges_answer_the_same_streamed(
    two_apis: tuple[Callable[[], Api], Callable[[], Api]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    by_file: bool,
) -> None:
    monkeypatch.setattr(eligibility, "VERIFY_CHUNK", 7)  # several chunks per receiver
    receivers = [
        (PHYSICIAN[0], 40, 2),
        (OTHER_NPI, 5, 0),
        (PHYSICIAN[0], 0, 0),
        (PHYSICIAN[0], 23, 1),
    ]
    first = interchange(
        "270", "005010X279A1", [inquiry(3, receivers, sources=2), inquiry(4, receivers[:1])]
    )
    second = interchange("270", "005010X279A1", [inquiry(5, receivers[3:])], control="102")
    texts = [first + second, first]
    answers, rows, taken = compare(texts, two_apis, monkeypatch, tmp_path, by_file=by_file)
    assert taken == [True, True]
    for answer in answers:
        for part in answer.split("ISA*")[1:]:
            check_271("ISA*" + part)
    answer = answers[0]
    assert answer.count("ISA*") == 2
    assert "TRN*1*E" in answer  # EVCs issued
    assert "AAA*N**75*C~" in answer  # a failed look-up
    assert "*21*0~" in answer  # a receiver answered without subscribers
    assert "*23*0~" in answer  # dependents echoed
    assert rows["verifications"]


@pytest.mark.parametrize("by_file", [True, False])
def test_a_lock_part_way_gives_the_rest_42_streamed(
    two_apis: tuple[Callable[[], Api], Callable[[], Api]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    by_file: bool,
) -> None:
    monkeypatch.setattr(eligibility, "VERIFY_CHUNK", 9)
    receivers = [(PHYSICIAN[0], 60, 12), (PHYSICIAN[0], 10, 0)]
    texts = [
        interchange("270", "005010X279A1", [inquiry(41, receivers)]),
        interchange("270", "005010X279A1", [inquiry(42, receivers[1:])], control="102"),
    ]
    (first, second), rows, taken = compare(texts, two_apis, monkeypatch, tmp_path, by_file=by_file)
    assert taken == [True, True]
    assert first.count("AAA*N**75*C~") == 5  # the fifth failure locks the NPI
    assert "AAA*N**42*R~" in first  # everyone after it, the next receiver too
    assert "AAA*N**41*R~" in second  # the next file: the NPI is locked (2100B)
    assert len(rows["failures"]) == 5


@pytest.mark.parametrize("by_file", [True, False])
def test_a_wrong_pin_rejects_every_receiver_streamed(
    two_apis: tuple[Callable[[], Api], Callable[[], Api]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    by_file: bool,
) -> None:
    monkeypatch.setattr(eligibility, "VERIFY_CHUNK", 5)
    receivers = [(PHYSICIAN[0], 12, 0), (OTHER_NPI, 3, 0), (PHYSICIAN[0], 8, 0)]
    texts = [interchange("270", "005010X279A1", [inquiry(7, receivers)])]
    (answer,), rows, taken = compare(
        texts, two_apis, monkeypatch, tmp_path, pin="0000", by_file=by_file
    )
    assert taken == [True]
    assert answer.count("AAA*N**41*C~") == 2  # both receivers of the NPI
    assert "*22*" not in answer  # nobody answered
    assert len(rows["failures"]) == 1
    assert not rows["verifications"]


def test_a_file_of_270s_and_837ps_is_answered_whole(
    two_apis: tuple[Callable[[], Api], Callable[[], Api]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """A mixed file keeps today's whole reading by file (``answer`` reads it streamed)."""
    claims = interchange(
        "837",
        "005010X222A1",
        [submission_837([claim_837("M-1", [cob_line("99213", "95.00", 1, "20261104")])])],
    )
    inquiries = interchange(
        "270", "005010X279A1", [inquiry(9, [(PHYSICIAN[0], 6, 0)])], control="102"
    )
    (answer,), _, taken = compare([claims + inquiries], two_apis, monkeypatch, tmp_path)
    assert taken
    assert not any(taken)
    assert "CLP*M-1*" in answer
    assert "EB*" in answer


def test_a_270_with_a_problem_keeps_the_whole_reader(
    two_apis: tuple[Callable[[], Api], Callable[[], Api]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    body = inquiry(11, [(PHYSICIAN[0], 6, 0)])
    bad = [line for line in body if not line.startswith("NM1*PR")]  # 2100A NM1 missing: a 999
    texts = [interchange("270", "005010X279A1", [body, bad])]
    (answer,), rows, taken = compare(texts, two_apis, monkeypatch, tmp_path)
    assert taken
    assert not any(taken)
    assert "IK5*R" in answer
    assert "EB*" in answer
    assert rows["verifications"]


def test_a_set_refused_by_the_models_is_taken_back(
    two_apis: tuple[Callable[[], Api], Callable[[], Api]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    """When x12sdk refuses a value part-way through a streamed 271, what was written of it
    is taken back and the set is refused in the 999, every subscriber verified all the same,
    as the whole-text path does."""
    original = x279a1._subscriber
    calls = itertools.count()

    def refusing(*args: Any) -> Any:
        if next(calls) == 20:  # the 21st subscriber of each run (the large set's 18th)
            raise ValueError("refused")
        return original(*args)

    monkeypatch.setattr(x279a1, "_subscriber", refusing)
    monkeypatch.setattr(eligibility, "VERIFY_CHUNK", 4)
    good = inquiry(13, [(PHYSICIAN[0], 3, 0)])
    large = inquiry(14, [(PHYSICIAN[0], 30, 0)])
    texts = [interchange("270", "005010X279A1", [good, large, good])]

    original_compare = exchange._answer_all

    def counted(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls = itertools.count()
        return original_compare(*args, **kwargs)

    monkeypatch.setattr(exchange, "_answer_all", counted)
    (answer,), rows, taken = compare(texts, two_apis, monkeypatch, tmp_path)
    assert taken == [True]
    assert "IK5*R*5~" in answer
    assert answer.count("ST*271*") == 2
    assert len(rows["verifications"]) == 29  # 36 subscribers less the refused ones (AAA 15, 62, 72)


def test_stream_sets_are_what_answer_file_reads(tmp_path: Path) -> None:
    """``stream.checked_counts`` counts a 270's subscribers."""
    text = interchange("270", "005010X279A1", [inquiry(1, [(PHYSICIAN[0], 9, 0)])])
    path = tmp_path / "in.x12"
    path.write_text(text, encoding="utf-8")
    with stream.open_text(path) as source:
        _, counted = stream.checked_counts(source)
    assert [(t.code, n) for t, n in counted] == [("270", 9)]


def test_a_270_file_is_answered_a_chunk_at_a_time(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``answer_file`` verifies a receiver's first chunk before it reads the next subscribers:
    what it holds is a chunk, not the file (docs/architecture.md "Streaming X12")."""
    monkeypatch.setattr(eligibility, "VERIFY_CHUNK", 10)
    read = 0
    at_each_chunk: list[int] = []
    inquiry_sets = stream.inquiry_sets

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal read
        for transaction, events in inquiry_sets(*args, **kwargs):

            def counted(events: Any = events) -> Any:
                nonlocal read
                for event in events:
                    read += isinstance(event, x279a1.SubscriberInquiry)
                    yield event

            yield transaction, counted()

    verify_batch = eligibility.verify_batch

    def spy(*args: Any, **kwargs: Any) -> Any:
        at_each_chunk.append(read)
        return verify_batch(*args, **kwargs)

    monkeypatch.setattr(stream, "inquiry_sets", counting)
    monkeypatch.setattr(eligibility, "verify_batch", spy)
    path = tmp_path / "in.x12"
    text = interchange("270", "005010X279A1", [inquiry(21, [(PHYSICIAN[0], 45, 0)])])
    path.write_text(text, encoding="utf-8")
    api = make_api(f"sqlite:///{tmp_path / 'a.db'}")
    try:
        api.world.load(copy.deepcopy(FEES))
        pieces: list[str] = []
        exchange.answer_file(
            path,
            pieces.append,
            npi=PHYSICIAN[0],
            pin=PHYSICIAN[1],
            uow=api.app.uow,
            env=api.app.env,
        )
    finally:
        api.close()
    assert "EB*" in "".join(pieces)
    assert len(at_each_chunk) >= 4  # 45 subscribers, a few refused by the adapter
    assert at_each_chunk[0] <= 15  # the first chunk verified with a third of the file unread
    assert at_each_chunk == sorted(at_each_chunk)
