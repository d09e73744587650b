"""The streaming reader (adapters/x12/stream.py) against the reader the exchange uses today
(envelope.read_interchanges + x222a1.read_837p + mapping.to_claim), which holds the whole file:

- every file of the interop corpus (../shared/interop-samples, read in place), every sample
  of tests/resources/x12 and generated 837P files: the same envelope verdicts (TA1 notes, group
  and set errors), the same wire claims, the same 999 problems and the same domain ``Claim``
  objects, claim by claim, whatever the chunk size (down to a few characters, so that segments,
  line breaks and ISA headers straddle chunks);
- the same, for Hypothesis's mutations of the samples (characters and segments deleted,
  duplicated, replaced) and for random text.
"""

from __future__ import annotations

import io
import random
import sys
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from x12_builders import sample

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:  # bench.x12's 837P generator, as tests/benchmarks does
    sys.path.insert(0, str(PROJECT_ROOT))

from bench.x12 import submission  # noqa: E402

from spenddown.adapters.x12 import envelope, mapping, stream  # noqa: E402
from spenddown.adapters.x12.x222a1 import read_837p  # noqa: E402
from spenddown.domain.errors import SpenddownError  # noqa: E402

CORPUS = PROJECT_ROOT.parent / "shared" / "interop-samples"  # ../shared/interop-samples
CHUNKS = (3, 64, stream.CHUNK_SIZE)
FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def corpus_files() -> list[Path]:
    if not CORPUS.is_dir():
        raise AssertionError(
            f"The X12 conformance corpus is missing: {CORPUS} (../shared/interop-samples from "
            "the project root; the tests read the public samples in place)."
        )
    found = sorted(
        p
        for p in CORPUS.rglob("*")
        if p.is_file() and p.suffix not in (".md", ".json") and "fhir" not in p.parts
    )
    assert len(found) >= 20, found
    return found


def _envelope(read: list[envelope.Interchange | envelope.InterchangeRejected]) -> list[Any]:
    """What a TA1 or a 999 is made of, per interchange."""
    out: list[Any] = []
    for item in read:
        if isinstance(item, envelope.InterchangeRejected):
            out.append(("TA1", item.note, item.echo))
            continue
        out.append(
            (
                item.sender_qualifier,
                item.sender_id,
                item.receiver_qualifier,
                item.receiver_id,
                item.control_number,
                item.usage,
                item.created,
                item.ack_requested,
                item.delimiters,
                [s.elements for s in item.received_ta1],
                [
                    (
                        g.functional_code,
                        g.control_number,
                        g.version,
                        g.sender,
                        g.receiver,
                        g.errors,
                        [
                            (t.code, t.control_number, t.version, t.set_error)
                            for t in g.transactions
                        ],
                    )
                    for g in item.groups
                ],
            )
        )
    return out


def _domain(wire: Any) -> Any:
    if wire.dependent:
        return None
    try:
        return mapping.to_claim(wire)
    except SpenddownError as error:
        return (type(error), error.code, str(error))


def _today(text: str) -> list[Any]:
    """Per accepted 837P set: its control number, wire claims, problems, and the domain claims
    of a set without problems (a set with problems is refused whole: a 999)."""
    out: list[Any] = []
    for item in envelope.read_interchanges(text):
        if isinstance(item, envelope.InterchangeRejected):
            continue
        for group, transaction in item.transactions():
            if transaction.accepted and group.functional_code == "HC":
                found = read_837p(transaction, item.delimiters.component_separator)
                domain = None if transaction.errors else [_domain(w) for w in found]
                out.append((transaction.control_number, found, transaction.errors, domain))
    return out


def _streamed(text: str, chunk: int, accepted: set[str]) -> list[Any]:
    sets: dict[int, Any] = {}
    for read in stream.claims(io.StringIO(text, newline=""), chunk_size=chunk):
        entry = sets.setdefault(id(read.transaction), (read.transaction, [], []))
        claim = read.claim
        if isinstance(claim, SpenddownError):
            claim = (type(claim), claim.code, str(claim))
        entry[1].append(read.wire)
        entry[2].append(claim)
    return [
        (t.control_number, found, t.errors, None if t.errors else domain)
        for t, found, domain in sets.values()
        if t.control_number in accepted
    ]


def _sets_alike(text: str, chunk: int) -> None:
    """``stream.claim_sets`` (what ``exchange.answer`` uses for a file without a TA1): every
    837P set of an HC group in order, one without claims too, as ``read_837p`` reads the
    accepted ones."""
    whole = envelope.read_interchanges(text)
    if any(isinstance(i, envelope.InterchangeRejected) for i in whole):
        return
    expected: list[Any] = []
    accepted: list[bool] = []
    for item in whole:
        assert isinstance(item, envelope.Interchange)
        for group, transaction in item.transactions():
            if group.functional_code != "HC" or transaction.code != "837":
                continue
            accepted.append(transaction.accepted)
            if transaction.accepted:
                found = read_837p(transaction, item.delimiters.component_separator)
                domain = None if transaction.errors else [_domain(w) for w in found]
                se = transaction.segments[-1].position  # the stream numbers its SE too
                expected.append((transaction.control_number, found, transaction.errors, domain, se))
    read = list(stream.claim_sets(io.StringIO(text, newline=""), chunk_size=chunk))
    assert len(read) == len(accepted), chunk
    streamed = [
        (
            t.control_number,
            found,
            t.errors,
            None if t.errors else [_domain(w) for w in found],
            t.segments[-1].position,
        )
        for (t, found), taken in zip(read, accepted, strict=True)
        if taken
    ]
    assert streamed == expected, chunk


def _one_pass_alike(text: str, chunk: int) -> None:
    """``stream.checked_sets``: ``check``'s verdicts and, for the 837P sets, ``claim_sets``'
    sets, whatever the file (its 270 sets are test_x12_stream_270.py's)."""
    checked, together = stream.checked_sets(io.StringIO(text, newline=""), chunk_size=chunk)
    assert _envelope(checked) == _envelope(envelope.read_interchanges(text)), chunk
    apart = stream.claim_sets(io.StringIO(text, newline=""), chunk_size=chunk)
    assert [(t.control_number, found, t.errors) for t, found in together if t.code == "837"] == [
        (t.control_number, found, t.errors) for t, found in apart
    ], chunk


def assert_same(text: str, chunks: tuple[int, ...] = CHUNKS) -> None:
    expected_envelope = _envelope(envelope.read_interchanges(text))
    today = _today(text)
    accepted = {entry[0] for entry in today}
    for chunk in chunks:
        checked = stream.check(io.StringIO(text, newline=""), chunk_size=chunk)
        assert _envelope(checked) == expected_envelope, chunk
        if today:
            # ``stream.claims`` gives claims: a set without any does not appear
            with_claims = [entry for entry in today if entry[1]]
            assert _streamed(text, chunk, accepted) == with_claims, chunk
        _sets_alike(text, chunk)
        _one_pass_alike(text, chunk)


@pytest.mark.parametrize("path", corpus_files(), ids=lambda p: p.name)
def test_the_corpus_reads_the_same_streamed(path: Path) -> None:
    text = path.read_bytes().decode("utf-8", errors="replace")
    assert_same(text)


def test_the_corpus_has_837p_claims_read_by_both() -> None:
    """The comparison above is not vacuous: the corpus's 837Ps give claims, some mapped."""
    claims = 0
    for path in corpus_files():
        with stream.open_text(path) as source:
            claims += sum(1 for _ in stream.claims(source))
    assert claims >= 5


@pytest.mark.parametrize("name", ["claims-837p.x12", "eligibility-270.x12"])
def test_the_samples_read_the_same_streamed(name: str) -> None:
    assert_same(sample(name))
    assert_same(sample(name) + sample("claims-837p.x12"))  # two interchanges in one file


@pytest.mark.parametrize("terminator", ["~", "~\n", "~\r\n", "\n", "\r\n"])
def test_generated_837p_reads_the_same_streamed(terminator: str) -> None:
    text = submission(1_200, date(2026, 11, 2), seed=5)  # three sets of 500, 500, 200
    text = text.replace("~\n", terminator)
    assert_same(text, (1, 97, stream.CHUNK_SIZE))
    with io.StringIO(text, newline="") as source:
        read = list(stream.claims(source))
    assert len(read) == 1_200
    assert all(r.claim is not None and not isinstance(r.claim, Exception) for r in read)


def _odd_sets() -> str:
    """The sample's interchange with its one set followed by an empty 837P set (ST, SE), a set
    without its BHT and a set whose first segment is not its BHT (each SE01 and the GE01
    counting right, so that the envelope accepts them and the readers' answers are compared)."""
    text = sample("claims-837p.x12")
    head, rest = text.split("ST*837*0001*", 1)
    body, tail = rest.split("SE*", 1)
    se_count, tail = tail.split("*", 1)
    tail = tail.split("~", 1)[1]  # after "0001~"
    lines = body.split("~\n")  # the set's segments after ST01, the last one ""
    no_bht = lines[:1] + lines[2:-1]
    moved = [lines[0], lines[2], lines[1], *lines[3:-1]]
    sets = [
        f"ST*837*0001*{body}SE*{se_count}*0001~\n",
        "ST*837*0002*005010X222A1~\nSE*2*0002~\n",
        "ST*837*0003*" + "~\n".join(no_bht) + f"~\nSE*{len(no_bht) + 1}*0003~\n",
        "ST*837*0004*" + "~\n".join(moved) + f"~\nSE*{len(moved) + 1}*0004~\n",
    ]
    return head + "".join(sets) + tail.replace("GE*1*", "GE*4*", 1)


def test_odd_sets_read_the_same_streamed() -> None:
    """An empty set, a set without its BHT and one not starting with it: the stream
    numbers and ends them (its SE's position, its problems' positions) as ``read_837p``."""
    text = _odd_sets()
    whole = envelope.read_interchanges(text)
    [interchange] = whole
    assert isinstance(interchange, envelope.Interchange)
    sets = [t for _, t in interchange.transactions()]
    assert [t.accepted for t in sets] == [True] * 4, [t.set_error for t in sets]
    assert_same(text, (1, 97, stream.CHUNK_SIZE))
    read = list(stream.claim_sets(io.StringIO(text, newline=""), chunk_size=97))
    assert [len(found) for _, found in read][:2] == [len(read[0][1]), 0]
    assert [t.segments[-1].position for t, _ in read] == [t.segments[-1].position for t in sets]
    assert all(t.errors for t, _ in read[1:]), [t.errors for t, _ in read]
    # Where the BHT is missing: the SE of the empty set, the first segment of the others.
    missing = [[p.position for p in t.errors if p.segment_id == "BHT"] for t, _ in read]
    assert missing == [[], [2], [2], [2]]
    # ``read_837p`` numbers a set held in memory as the envelope did (ST = 1).
    for transaction in sets:
        numbered = [segment.position for segment in transaction.segments]
        read_837p(transaction)
        assert [segment.position for segment in transaction.segments] == numbered
        assert numbered == list(range(1, len(numbered) + 1))


def test_a_set_is_read_claim_by_claim() -> None:
    """Claims come out as the stream goes: the first one before the file is read to its end."""
    text = submission(3_000, date(2026, 11, 2))
    source = io.StringIO(text, newline="")
    claims = stream.claims(source, chunk_size=4096)
    next(claims)
    assert source.tell() < len(text) // 10


def test_a_file_without_isa_is_refused_like_today() -> None:
    for text in ("", "   ", "GS*HC~", "ISA*00*"):
        assert_same(text)


SEEDS = [
    sample("eligibility-270.x12"),
    sample("claims-837p.x12"),
    sample("eligibility-270.x12") + sample("claims-837p.x12"),
]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS))
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["delete", "insert", "replace", "drop-segment", "dup-segment"]))
        if kind.endswith("segment"):
            lines = text.splitlines(keepends=True)
            index = draw(st.integers(0, len(lines) - 1))
            if kind == "drop-segment":
                del lines[index]
            else:
                lines.insert(index, lines[index])
            text = "".join(lines)
            continue
        position = draw(st.integers(0, max(0, len(text) - 1)))
        char = draw(st.sampled_from(list("*~:^0123456789AZ \n-.")) | st.characters())
        if kind == "delete":
            text = text[:position] + text[position + 1 :]
        elif kind == "insert":
            text = text[:position] + char + text[position:]
        else:
            text = text[:position] + char + text[position + 1 :]
    return text


@FUZZ
@given(mutated(), st.sampled_from((2, 13, 200, stream.CHUNK_SIZE)))
def test_mutated_files_read_the_same_streamed(text: str, chunk: int) -> None:
    assert_same(text, (chunk,))


@FUZZ
@given(st.text(alphabet="ISA*~:^0123456789 \nGSTEHLNM", max_size=300).map(lambda t: "ISA" + t))
def test_random_text_reads_the_same_streamed(text: str) -> None:
    assert_same(text, (5, stream.CHUNK_SIZE))


def test_the_generated_file_is_random_enough() -> None:
    """bench.x12.submission is seeded: two seeds give two different files."""
    rng = random.Random(1)
    assert submission(3, date(2026, 11, 2), seed=rng.randint(0, 9)) != submission(
        3, date(2026, 11, 2), seed=10
    )
