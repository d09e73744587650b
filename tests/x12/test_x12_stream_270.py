"""The streamed 270 reader (``stream.checked_sets``, ``stream.checked_counts``,
``stream.inquiry_sets``: ``x279a1.inquiry_events``) against ``x279a1.read_270`` over
``envelope.read_interchanges``, which hold the whole file: the same ``Inquiry`` (every
source, receiver and subscriber with its dependents, dates, traces and service types), the same
problems (so the same 999) and the same envelope verdicts, whatever the chunk size, on every
file of the interop corpus (../shared/interop-samples, read in place), the samples, generated
270s (bench.x12 ``inquiries``) and Hypothesis's mutations of them (docs/architecture.md
"Streaming X12")."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from bench.x12 import inquiries
from hypothesis import given
from hypothesis import strategies as st
from test_x12_stream import FUZZ, _envelope, corpus_files, mutated
from x12_builders import sample

from spenddown.adapters.x12 import envelope, stream, x279a1

CHUNKS = (3, 64, stream.CHUNK_SIZE)


def _today(text: str) -> tuple[list[Any], list[Any]]:
    """Every 270 set of an HS group: (control, accepted) in order; and per accepted set its
    ``read_270`` inquiry and problems."""
    order: list[Any] = []
    read: list[Any] = []
    for item in envelope.read_interchanges(text):
        if isinstance(item, envelope.InterchangeRejected):
            continue
        for group, transaction in item.transactions():
            if group.functional_code != "HS" or transaction.code != "270":
                continue
            order.append((transaction.control_number, transaction.accepted))
            if transaction.accepted:
                inquiry = x279a1.read_270(transaction, item.delimiters.repetition_separator)
                read.append((transaction.control_number, inquiry, transaction.errors))
    return order, read


def assert_same(text: str, chunks: tuple[int, ...] = CHUNKS) -> None:
    expected_envelope = _envelope(envelope.read_interchanges(text))
    order, expected = _today(text)
    taken = {control for control, accepted in order if accepted}
    whole = envelope.read_interchanges(text)
    rejected = any(isinstance(i, envelope.InterchangeRejected) for i in whole)
    for chunk in chunks:
        checked, sets = stream.checked_sets(io.StringIO(text, newline=""), chunk_size=chunk)
        assert _envelope(checked) == expected_envelope, chunk
        if rejected:  # the exchange reads such a file whole (a TA1 answers it)
            continue
        inquiry_sets = [(t, c) for t, c in sets if t.code == "270"]
        assert [t.control_number for t, _ in inquiry_sets] == [c for c, _ in order], chunk
        accepted = [a for _, a in order]
        got = [
            (t.control_number, content, t.errors)
            for (t, content), a in zip(inquiry_sets, accepted, strict=True)
            if a
        ]
        # a set whose BHT is missing gives no Inquiry (it has a problem: a 999 answers it)
        assert [(c, e) for c, _, e in got] == [(c, e) for c, _, e in expected], chunk
        assert [i for (_, i, e) in got if not e] == [i for (_, i, e) in expected if not e], chunk
        counted_checked, counted = stream.checked_counts(
            io.StringIO(text, newline=""), chunk_size=chunk
        )
        assert _envelope(counted_checked) == expected_envelope, chunk
        assert [(t.control_number, t.errors) for t, _ in counted if t.code == "270"] == [
            (t.control_number, t.errors) for t, _ in inquiry_sets
        ], chunk
        streamed = []
        for transaction, events in stream.inquiry_sets(
            io.StringIO(text, newline=""), chunk_size=chunk
        ):
            first = next(events, None)
            if isinstance(first, x279a1.Inquiry):
                inquiry = x279a1.inquiry_of(first, events)
                if transaction.control_number in taken and not transaction.errors:
                    streamed.append(inquiry)
        assert streamed == [i for (_, i, e) in expected if not e], chunk


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_the_corpus_reads_the_same_streamed(path: Path) -> None:
    assert_same(path.read_bytes().decode("utf-8", errors="replace"))


def test_the_corpus_has_270s_read_by_both() -> None:
    """The comparison is not vacuous: the corpus's 270s give subscribers, without problems."""
    subscribers = 0
    for path in corpus_files():
        _, read = _today(path.read_bytes().decode("utf-8", errors="replace"))
        subscribers += sum(len(i.subscribers()) for _, i, e in read if not e)
    assert subscribers >= 3


@pytest.mark.parametrize("name", ["eligibility-270.x12", "claims-837p.x12"])
def test_the_samples_read_the_same_streamed(name: str) -> None:
    assert_same(sample(name))
    assert_same(sample(name) + sample("eligibility-270.x12"))  # two interchanges in one file


@pytest.mark.parametrize("terminator", ["~\n", "~", "\r\n"])
def test_generated_270s_read_the_same_streamed(terminator: str) -> None:
    text = inquiries(1_500, date(2026, 11, 2)).replace("~\n", terminator)
    assert_same(text, (1, 97, stream.CHUNK_SIZE))
    _, read = _today(text)
    assert len(read[0][1].subscribers()) == 1_500


def test_a_270_is_read_subscriber_by_subscriber() -> None:
    """Subscribers come out as the stream goes: the first before the file is read to its end."""
    text = inquiries(5_000, date(2026, 11, 2))
    source = io.StringIO(text, newline="")
    (_, events), *_ = [next(stream.inquiry_sets(source, chunk_size=4096))]
    kinds = [type(next(events)) for _ in range(4)]
    assert kinds == [
        x279a1.Inquiry,
        x279a1.SourceInquiry,
        x279a1.ReceiverInquiry,
        x279a1.SubscriberInquiry,
    ]
    assert source.tell() < len(text) // 10


@FUZZ
@given(mutated(), st.sampled_from((2, 13, 200, stream.CHUNK_SIZE)))
def test_mutated_files_read_the_same_streamed(text: str, chunk: int) -> None:
    assert_same(text, (chunk,))


SEGMENTS_270 = [
    "HL*9*2*22*0~",
    "HL*10*9*23*0~",
    "NM1*03*1*DEP*ANNA~",
    "TRN*1*X1*9CLIENTXXX~",
    "DTP*102*D8*20260101~",
    "DTP*291*D8*20261102~",
    "DTP*291*RD8*20261101-20261102~",
    "EQ*30^1^ZZ~",
    "NM1*IL*1*DOE*JANE****MI*90000000A~",
    "HL*11*1*21*1~",
    "NM1*1P*1*SMITH*JO*Q**MD*XX*1234567893~",
    "REF*SY*123~",
]


@FUZZ
@given(st.data())
def test_270s_with_segments_moved_read_the_same_streamed(data: st.DataObject) -> None:
    """Segments of a 270 dropped, duplicated, swapped or inserted (a dependent, dates, service
    types, another receiver) and the SE count kept right, so that the set is accepted and its
    reader alone judges it."""
    text = sample("eligibility-270.x12")
    lines = [line for line in text.splitlines() if line]
    start = next(i for i, line in enumerate(lines) if line.startswith("ST*"))
    end = next(i for i, line in enumerate(lines) if line.startswith("SE*"))
    body = lines[start + 1 : end]
    for _ in range(data.draw(st.integers(1, 5))):
        kind = data.draw(st.sampled_from(["drop", "dup", "swap", "insert"]))
        index = data.draw(st.integers(0, max(0, len(body) - 1)))
        if kind == "drop" and len(body) > 1:
            del body[index]
        elif kind == "dup" and body:
            body.insert(index, body[index])
        elif kind == "swap" and len(body) > 1:
            other = data.draw(st.integers(0, len(body) - 1))
            body[index], body[other] = body[other], body[index]
        else:
            body.insert(index, data.draw(st.sampled_from(SEGMENTS_270)))
    se = lines[end].split("*")
    se[1] = str(len(body) + 2)
    lines = [*lines[: start + 1], *body, "*".join(se), *lines[end + 1 :]]
    assert_same("\n".join(lines) + "\n", (7, stream.CHUNK_SIZE))
