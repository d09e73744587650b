"""The 271's hot path (``adapters/x12/writer.py``): loops assembled without validation, each
subscriber written as soon as it is built, and the whole written and counted without x12sdk's
reflection, give exactly the text x12sdk's own ``x12()`` writes of the whole model and the
SE01 its ``count_segments`` counts, on every kind of 271 (eligible, SOC, plans, aid codes,
refusals, dependents, every trace echoed, a wrong PIN, a lock); and ``clean``'s shortcut for
text already clean changes nothing."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from api_support import Api, basic
from hypothesis import given, settings
from hypothesis import strategies as st
from test_x12_eligibility import tr3_example_2
from test_x12_eligibility_batched import generated
from x12_builders import sample
from x12_independent import check_271
from x12sdk.models import X12SegmentGroup
from x12sdk.support import count_segments

from spenddown.adapters.x12 import exchange, writer
from spenddown.adapters.x12.acknowledgments import _X12_CHARACTERS as X12_CHARACTERS
from spenddown.adapters.x12.acknowledgments import clean
from support.world import PHYSICIAN


@pytest.mark.parametrize("pin", [PHYSICIAN[1], "0000"])
def test_the_fast_writer_writes_what_x12sdk_writes(
    api: Api, monkeypatch: pytest.MonkeyPatch, pin: str
) -> None:
    written: list[tuple[str, str, int, int]] = []
    build_271 = exchange.build_271

    def both(*args: Any, **kwargs: Any) -> X12SegmentGroup:
        """The 271 as answered (each 2000C written as soon as built), and the same 271 as a
        whole x12sdk model written by x12sdk."""
        answered = build_271(*args, **kwargs)
        assert kwargs["written"] is True
        whole = build_271(*args, **{**kwargs, "written": False})
        ours = writer.write(answered)
        se01 = int(ours.splitlines()[-1].split("*")[1].rstrip("~"))
        dumped: dict[str, Any] = whole.model_dump()
        written.append((ours, whole.x12(), se01, count_segments(dumped)))
        return answered

    monkeypatch.setattr(exchange, "build_271", both)
    texts = [
        sample("eligibility-270.x12"),
        tr3_example_2(),
        tr3_example_2("EQ*35^1^ZZ"),
        generated(40, 3, failures=12),  # locks the NPI part-way: AAA 42
    ]
    for text in texts:
        response = api.client.post(
            "/v1/x12",
            content=text,
            headers={"Content-Type": "application/edi-x12", **basic((PHYSICIAN[0], pin))},
        )
        assert response.status_code == 200, response.text
        check_271(response.text)
    assert len(written) == len(texts)
    for ours, theirs, se01, counted in written:
        assert ours == theirs
        assert se01 == counted == len(ours.splitlines())
    if pin == PHYSICIAN[1]:
        assert any("AAA*N**42*R~" in ours for ours, *_ in written)
        assert any("HL*4*3*23*0~" in ours for ours, *_ in written)  # a dependent
        assert any("EB*MC*" in ours for ours, *_ in written)  # a plan


def _clean_one_by_one(value: str, length: int | None = None) -> str:
    """``acknowledgments.clean`` as it was written first: character by character, always."""
    plain = unicodedata.normalize("NFKD", value)
    text = "".join(c if c in X12_CHARACTERS else " " for c in plain if not unicodedata.combining(c))
    text = text.strip()
    return text[:length].rstrip() if length else text


@settings(max_examples=300, deadline=None)
@given(
    st.one_of(
        st.text(alphabet=sorted(X12_CHARACTERS)),  # the fast path
        st.text(alphabet=[*sorted(X12_CHARACTERS), "é", "ñ", "~", "*", "\n", "\x00", "Å"]),
        st.text(),
    ),
    st.one_of(st.none(), st.integers(min_value=1, max_value=80)),
)
def test_clean_keeps_text_already_clean_as_the_character_loop_does(
    value: str, length: int | None
) -> None:
    assert clean(value, length) == _clean_one_by_one(value, length)
