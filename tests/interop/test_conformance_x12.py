"""The X12 conformance suite (docs/x12.md "Conformance"): every X12 file of the public corpus in
``../shared/interop-samples/`` (relative to the project root; read in place, never copied) ends
as its README row says, checked on every run. Per interchange of the file: refused with which
TA1 note, refused with which 999 codes, or answered (271 per 270 set; for an 837P one answer per
claim, in an 835 or a 277CA, never a 999); an acknowledgment sent in is recorded and never
answered. The files' member and provider IDs are not spenddown's, so a valid 270 is answered
with AAA rejections and a valid 837P with claim-level refusals: this suite asserts envelopes and
counts; money and names are the 837P content tests' (tests/x12).

Every output is checked independently of spenddown's code: the envelope, counts and control
numbers by our own checker (tests/x12/x12_independent.py: ISA/IEA, GS/GE, ST/SE, unique GS06
and ST02, the 271's HL tree), every 999 and 835 by pyx12's maps, every TA1 by pyx12's reader.
A missing corpus fails (never skips) with a message naming it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from spenddown.adapters.x12.exchange import Answer, answer
from support.world import PHYSICIAN, World, make_world
from x12.x12_independent import (
    check_271,
    check_envelope,
    interchanges,
    only_groups,
    split_segments,
    validate,
)
from x12.x12_independent import segments as pyx12_segments

PROJECT_ROOT = Path(__file__).resolve().parents[2]
CORPUS = PROJECT_ROOT.parent / "shared" / "interop-samples"  # ../shared/interop-samples
X12_FOLDERS = ("270", "837p", "835", "other")


@dataclass(frozen=True)
class Outcome:
    """What one inbound interchange gets. ``ta1``: refused with a TA1 carrying this TA105.
    ``refused``: a 999 that has each of these segments (exact, or as the start of one). ``answers``:
    the number of sets answered per kind ({"271": 2}); for "837" the number of claims answered
    (CLP in 835s + claim-level HL in 277CAs). ``ack_requested``: an accepting TA1 too (ISA14 1).
    """

    ta1: str | None = None
    refused: tuple[str, ...] = ()
    answers: dict[str, int] = field(default_factory=dict)
    ack_requested: bool = False


@dataclass(frozen=True)
class Row:
    file: str
    outcomes: tuple[Outcome, ...]  # one per interchange of the file, in order
    recorded: int = 0  # acknowledgments sent in, recorded
    fix_se01: bool = False  # the README's "with SE01 fixed, answered" variant (fixed here)


def ta1(note: str) -> tuple[Outcome, ...]:
    return (Outcome(ta1=note),)


NOT_TAKEN = ("IK5*R*1", "AK9*R*1*1*0*1")  # a transaction set spenddown does not take

# The README's table, one row per X12 file (the FHIR files are the FHIR suite's).
ROWS = [
    Row("270/01-oopfactory-example1-ig-bom-indented.txt", ta1("017")),
    Row("270/02-oopfactory-example1-ig-0x1D-terminator.txt", ta1("017")),
    Row("270/03-lfh-demo-single-line.270", (Outcome(answers={"271": 1}, ack_requested=True),)),
    Row(
        "270/04-lfh-dependent-health-benefit-check.270",
        (Outcome(answers={"271": 1}, ack_requested=True),),
    ),
    Row("270/05-stupidedi-dependent-eligibility.edi", (Outcome(answers={"271": 1}),)),
    Row("270/06-stupidedi-subscriber-eligibility.edi", (Outcome(answers={"271": 1}),)),
    Row("270/07-dataconveyer-two-st-in-one-gs.x12", (Outcome(answers={"271": 2}),)),
    Row("270/08-eligible-ruby-readme-x12-post.x12", (Outcome(answers={"271": 1}),)),
    Row(
        "270/09-pokitdok-apidocs-raw-x12.x12",
        (Outcome(answers={"271": 1}, ack_requested=True),),
    ),
    Row("270/10-imsweb-x270-4010.txt", ta1("017")),
    Row("837p/01-stupidedi-commercial-health-insurance.edi", (Outcome(answers={"837": 1}),)),
    Row("837p/02-stupidedi-medicare-secondary-payer-COB.edi", (Outcome(answers={"837": 1}),)),
    Row(
        "837p/03-stupidedi-COB-payer-a-to-payer-b.edi",
        (Outcome(answers={"837": 1}, ack_requested=True),),
    ),
    Row(
        "837p/04-lfh-cob-secondary-example4-X222A2.837",
        (Outcome(refused=("IK3*SV1*26*2400*8", "IK4*1**7", "IK5*R*5"), ack_requested=True),),
    ),
    Row(
        "837p/05-oopfactory-example1-2-3-combined.txt",
        (Outcome(answers={"837": 3}, ack_requested=True),),
    ),
    Row("837p/06-oopfactory-medicaid-example.txt", (Outcome(refused=("IK5*R*5", "AK9*R*1*1*0")),)),
    Row(
        "837p/07-imsweb-multiple-isa.txt",
        (
            Outcome(refused=("IK5*R*4", "AK9*R*1*1*0"), ack_requested=True),
            Outcome(refused=("IK5*R*4", "AK9*R*1*1*0"), ack_requested=True),
        ),
    ),
    Row("837p/08-imsweb-multiple-gs.txt", ta1("021")),
    Row(
        "837p/09-imsweb-different-separators.txt",
        (Outcome(refused=("IK5*R*4", "AK9*R*1*1*0"), ack_requested=True),),
    ),
    Row(
        "837p/10-imsweb-many-claims.txt",
        (Outcome(refused=("IK5*R*4", "AK9*R*1*1*0"), ack_requested=True),),
    ),
    Row("837p/11-lfh-example1-X222A2.837", (Outcome(answers={"837": 1}, ack_requested=True),)),
    Row("835/01-stupidedi-secondary-payments.edi", (Outcome(refused=NOT_TAKEN),)),
    Row("835/02-stupidedi-multiple-claims-single-check.edi", (Outcome(refused=NOT_TAKEN),)),
    Row("835/03-lfh-secondary-payment.835", (Outcome(refused=NOT_TAKEN, ack_requested=True),)),
    Row("835/04-oopfactory-example1.txt", ta1("017")),
    Row("other/01-lfh-271-error.271", (Outcome(refused=NOT_TAKEN, ack_requested=True),)),
    Row("other/02-stupidedi-999.edi", (), recorded=1),
    Row("other/03-oopfactory-276-example1-ig.txt", ta1("017")),
    # "with SE01 fixed, answered" (fixed in memory, below)
    Row(
        "837p/09-imsweb-different-separators.txt",
        (Outcome(answers={"837": 2}, ack_requested=True),),
        fix_se01=True,
    ),
    Row(
        "837p/10-imsweb-many-claims.txt",
        (Outcome(answers={"837": 820}, ack_requested=True),),
        fix_se01=True,
    ),
    Row(
        "837p/07-imsweb-multiple-isa.txt",
        (
            Outcome(answers={"837": 2}, ack_requested=True),
            Outcome(answers={"837": 2}, ack_requested=True),
        ),
        fix_se01=True,
    ),
]


def corpus_file(name: str) -> str:
    if not CORPUS.is_dir():
        pytest.fail(
            f"The X12/FHIR conformance corpus is missing: {CORPUS} (../shared/interop-samples "
            "next to the project root, see docs/x12.md 'Conformance')."
        )
    return (CORPUS / name).read_bytes().decode("utf-8", errors="replace")


def fixed_se01(text: str) -> str:
    """``text`` with every SE01 set to its set's segment count (the delimiters of each ISA)."""
    body = text.lstrip("\ufeff \r\n")
    separator, terminator = body[3], body[105]
    out: list[str] = []
    count = 0
    for raw in body.split(terminator):
        name = raw.strip().split(separator)[0]
        if name == "ST":
            count = 0
        count += 1
        if name == "SE":
            elements = raw.split(separator)
            raw = separator.join([elements[0], str(count), *elements[2:]])
        out.append(raw)
    return terminator.join(out)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    made = make_world(f"sqlite:///{tmp_path_factory.mktemp('conformance') / 'x12.db'}")
    yield made
    made.app.close()


def respond(world: World, text: str) -> Answer:
    return answer(text, npi=PHYSICIAN[0], pin=PHYSICIAN[1], uow=world.app.uow, env=world.app.env)


def claims_answered(segments: list[list[str]]) -> int:
    """CLP segments (835) plus claim-level HL (277CA HL03 PT)."""
    return sum(s[0] == "CLP" for s in segments) + sum(
        s[0] == "HL" and len(s) > 3 and s[3] == "PT" for s in segments
    )


def check_interchange(text: str, expected: Outcome, number: int) -> None:
    segments = split_segments(text)
    groups = check_envelope(text)
    codes = [str(g["code"]) for g in groups]
    where = f"interchange {number}"
    ta1s = [s for s in segments if s[0] == "TA1"]
    if expected.ta1 is not None:
        assert len(ta1s) == 1, where
        assert ta1s[0][4:6] == ["R", expected.ta1], f"{where}: {ta1s[0]}"
        assert not groups, where
        assert [s[0] for s in pyx12_segments(text)] == ["ISA", "TA1", "IEA"]
        return
    # an accepting TA1 exactly when the sender asked for one (ISA14 1)
    assert [t[4:6] for t in ta1s] == ([["A", "000"]] if expected.ack_requested else []), where
    if expected.refused:
        assert "FA" in codes, f"{where}: no 999"
        acks = only_groups(text, "FA")
        written = re.split(r"~\s*", acks)
        for wanted in expected.refused:  # a segment, or the start of one (then "*")
            assert any(s == wanted or s.startswith(f"{wanted}*") for s in written), (
                f"{where}: no {wanted} in {acks}"
            )
        ok, report = validate(acks)
        assert ok, report
    else:
        # answered: no 999 at all (a rejected set would have one)
        assert "FA" not in codes, f"{where}: {text[:600]}"
    for kind, count in expected.answers.items():
        if kind == "271":
            sets = check_271(text)
            assert len(sets) == count, where
            for answered in sets:  # the corpus's members are not spenddown's: AAA rejections
                assert any(s[0] == "AAA" for s in answered), where
            pyx12_segments(text)  # pyx12's envelope-checking reader (no 005010X279A1 map)
        else:
            assert set(codes) <= {"HP", "HN"}, f"{where}: {codes}"
            assert claims_answered(segments) == count, where
            for code in ("HP", "HN"):  # 835 (X221A1) and 277CA (X214): pyx12 has both maps
                if code in codes:
                    ok, report = validate(only_groups(text, code))
                    assert ok, report
    if not expected.answers:
        assert set(codes) <= {"FA"}, f"{where}: answered {codes}"


@pytest.mark.parametrize(
    "row", ROWS, ids=[f"{r.file}{'+SE01-fixed' if r.fix_se01 else ''}" for r in ROWS]
)
def test_corpus_file_ends_as_its_readme_row_says(world: World, row: Row) -> None:
    text = corpus_file(row.file)
    if row.fix_se01:
        text = fixed_se01(text)
    result = respond(world, text)
    assert result.recorded == row.recorded
    if not row.outcomes:  # acknowledgments sent in: recorded, nothing answered
        assert result.kind == ""
        assert result.text == ""
        return
    answered = interchanges(result.text)
    assert len(answered) == len(row.outcomes), result.text[:2000]
    for number, (text_out, expected) in enumerate(zip(answered, row.outcomes, strict=True), 1):
        check_interchange(text_out, expected, number)


def test_every_x12_file_of_the_corpus_has_a_row() -> None:
    corpus_file("README.md")
    files = {
        f"{folder}/{path.name}"
        for folder in X12_FOLDERS
        for path in (CORPUS / folder).iterdir()
        if path.is_file()
    }
    assert files == {r.file for r in ROWS if not r.fix_se01}


def test_each_bad_sv1_composite_is_reported_once_with_its_claim(world: World) -> None:
    """837p/06: ten SV1 with the masked qualifier `XX`: ten IK3 (loop 2400, in order), each with
    the CLM01 of its claim in a CTX, and no SV1 reported missing besides."""
    text = corpus_file("837p/06-oopfactory-medicaid-example.txt")
    bad = text.count("SV1*XX>")
    out = only_groups(respond(world, text).text, "FA")
    ik3 = [s for s in split_segments(out) if s[0] == "IK3"]
    assert len(ik3) == bad == 10
    assert all(s[1] == "SV1" and s[3] == "2400" and s[4] == "8" for s in ik3)
    positions = [int(s[2]) for s in ik3]
    assert positions == sorted(positions)
    assert len(set(positions)) == len(positions)
    rows = split_segments(out)
    contexts = [rows[rows.index(s) + 1] for s in ik3]
    assert all(c == ["CTX", "CLM01:9999"] for c in contexts)  # the sample masks its CLM01s
