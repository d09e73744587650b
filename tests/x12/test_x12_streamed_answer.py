"""``exchange.answer`` reads a file of 837P sets without problems with the streamed reader
(``stream.check`` + ``stream.claim_sets``, ``exchange.STREAMED``) and anything else with
``envelope.read_interchanges``: the answers are exactly those of the whole-text reader, on
SQLite and PostgreSQL, for clean files (the streamed path taken) and for files with a 999 (the
whole-text path taken, nothing stored for the refused set)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from api_support import Api, basic
from test_x12_batched import generated, two_apis  # noqa: F401 (two_apis: a fixture)
from x12_builders import claim_837, cob_line, interchange, submission_837

from spenddown.adapters.x12 import exchange
from support.world import PHYSICIAN


def _answers(
    text: str, apis: tuple[Callable[[], Api], Callable[[], Api]], monkeypatch: Any
) -> tuple[list[str], list[bool]]:
    """The answer with the whole-text reader, then with the streamed one (each on a fresh
    database), and whether the streamed reader took the file."""
    answers: list[str] = []
    taken: list[bool] = []
    read_streamed = exchange._read_streamed

    def spy(raw: str) -> Any:
        found = read_streamed(raw)
        taken.append(found is not None)
        return found

    monkeypatch.setattr(exchange, "_read_streamed", spy)
    for streamed, open_ in zip((False, True), apis, strict=True):
        monkeypatch.setattr(exchange, "STREAMED", streamed)
        api = open_()
        response = api.client.post(
            "/v1/x12",
            content=text,
            headers={"Content-Type": "application/edi-x12", **basic(PHYSICIAN)},
        )
        assert response.status_code == 200, response.text
        answers.append(response.text)
    return answers, taken


@pytest.mark.parametrize("seed", [3, 17])
def test_a_clean_file_is_read_streamed_with_the_same_answer(
    two_apis: tuple[Callable[[], Api], Callable[[], Api]],  # noqa: F811 (the imported fixture)
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
) -> None:
    (whole, streamed), taken = _answers(generated(40, seed), two_apis, monkeypatch)
    assert taken == [True]  # only the second answer asked: STREAMED
    assert "CLP*" in whole
    assert streamed == whole


def test_a_file_with_a_999_keeps_the_whole_text_reader(
    two_apis: tuple[Callable[[], Api], Callable[[], Api]],  # noqa: F811 (the imported fixture)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Two sets, the second without its BHT: a 999 refuses it, the first is answered."""
    good = submission_837([claim_837("S-1", [cob_line("99213", "95.00", 1, "20261104")])])
    bad = submission_837([claim_837("S-2", [cob_line("99213", "95.00", 1, "20261105")])])[1:]
    text = interchange("837", "005010X222A1", [good, bad])
    (whole, streamed), taken = _answers(text, two_apis, monkeypatch)
    assert taken == [False]
    assert "IK5*R" in whole
    assert "CLP*S-1*" in whole
    assert "CLP*S-2*" not in whole  # refused whole: not adjudicated, not stored
    assert streamed == whole


def test_a_file_of_several_interchanges_is_read_streamed(
    two_apis: tuple[Callable[[], Api], Callable[[], Api]],  # noqa: F811 (the imported fixture)
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    first = interchange(
        "837",
        "005010X222A1",
        [submission_837([claim_837("M-1", [cob_line("99213", "95.00", 1, "20261104")])])],
    )
    second = interchange(
        "837",
        "005010X222A1",
        [submission_837([claim_837("M-2", [cob_line("99214", "130.00", 1, "20261105")])])],
        control="102",
    )
    (whole, streamed), taken = _answers(first + second, two_apis, monkeypatch)
    assert taken == [True]
    assert whole.count("ISA*") == 2
    assert "CLP*M-1*" in whole
    assert "CLP*M-2*" in whole
    assert streamed == whole
