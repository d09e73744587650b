"""The X12 reader fuzzed with Hypothesis: random text, and valid interchanges (a 270 and an 837P)
mutated by deleting, duplicating or replacing characters or segments. Whatever comes in, the
answer is a TA1, a 999, a 271 (with AAA where the use case refused) or an 835, and it is a
well-formed interchange that pyx12's reader accepts: no exception escapes."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from x12_builders import FEES, sample
from x12_independent import check_envelope
from x12_independent import segments as pyx12_segments

from spenddown.adapters.x12.exchange import answer
from spenddown.services import common
from support.world import PHYSICIAN, World, make_world

SEEDS = [
    sample("eligibility-270.x12"),
    sample("claims-837p.x12"),
    sample("eligibility-270.x12") + sample("claims-837p.x12"),  # two interchanges in one file
]
KINDS = {"TA1", "999", "271", "835", "277CA", "277"}  # an answer's kind joins these with "+"
FUZZ = settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture(scope="module")
def fuzz_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    made = make_world(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fuzz.db'}")
    made.load(FEES)
    yield made
    made.app.close()


def check(world: World, text: str) -> None:
    # Mutated members are failed look-ups: in this shared world they would lock the NPI after 5
    # (the sliding window, docs/api.md "Credentials"); the fuzz is about the answers.
    common.unlock(common.NPI_KIND, PHYSICIAN[0], world.app.uow())
    result = answer(text, npi=PHYSICIAN[0], pin=PHYSICIAN[1], uow=world.app.uow, env=world.app.env)
    parts = result.kind.split("+")
    assert set(parts) <= KINDS, result.kind
    assert len(parts) == len(set(parts))
    event(result.kind)
    check_envelope(result.text)  # counts and control numbers, every interchange
    ids = [s[0] for s in pyx12_segments(result.text)]
    assert ids[0] == "ISA"
    assert ids[-1] == "IEA"


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
@given(st.text(max_size=400) | st.binary(max_size=400).map(lambda b: b.decode("latin-1")))
def test_random_input_is_acknowledged(fuzz_world: World, text: str) -> None:
    check(fuzz_world, text)


@FUZZ
@given(st.text(alphabet="ISA*~:^0123456789 \nGSTEHLNM", max_size=300).map(lambda t: "ISA" + t))
def test_random_input_that_looks_like_x12_is_acknowledged(fuzz_world: World, text: str) -> None:
    check(fuzz_world, text)


@FUZZ
@given(mutated())
def test_mutated_interchanges_are_answered(fuzz_world: World, text: str) -> None:
    check(fuzz_world, text)
