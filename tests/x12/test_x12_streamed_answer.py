"""``exchange.answer`` reads a file of 837P sets without problems with the streamed reader
(``stream.check`` + ``stream.claim_sets``, ``exchange.STREAMED``) and anything else with
``envelope.read_interchanges``: the answers are exactly those of the whole-text reader, on
SQLite and PostgreSQL, for clean files (the streamed path taken) and for files with a 999 (the
whole-text path taken, nothing stored for the refused set); and ``exchange.answer_file`` (the
CLI's: the file read twice, the answer written as it is made, spooled sets) writes exactly the
answer of the text."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from api_support import Api, basic
from test_x12_batched import cli_world, generated, two_apis  # noqa: F401 (two_apis: a fixture)
from x12_builders import claim_837, cob_line, inquiry_270, interchange, submission_837

from spenddown import bootstrap
from spenddown.adapters.x12 import acknowledgments, exchange
from support.world import PHYSICIAN, FixedClock


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


# --- a file answered as it is read (``exchange.answer_file``, the CLI's path) -------------------
def _file_answers(
    text: str,
    apis: tuple[Callable[[], Api], Callable[[], Api]],
    monkeypatch: Any,
    tmp_path: Path,
) -> tuple[exchange.Answer, exchange.Answer, str, list[bool]]:
    """``answer`` of the text, then ``answer_file`` of the same file (each on a fresh
    database), its pieces joined, and whether the streamed reading took the file."""
    path = tmp_path / "in.x12"
    path.write_bytes(text.encode("utf-8"))
    monkeypatch.setattr(acknowledgments.SpooledSets, "MEMORY", 64)  # the spools go to disk
    taken: list[bool] = []
    trusted = exchange._trusted

    def spy(*args: Any) -> Any:
        found = trusted(*args)
        taken.append(found is not None)
        return found

    whole_api, file_api = apis[0](), apis[1]()
    credentials = {"npi": PHYSICIAN[0], "pin": PHYSICIAN[1]}
    whole = exchange.answer(text, **credentials, uow=whole_api.app.uow, env=whole_api.app.env)
    monkeypatch.setattr(exchange, "_trusted", spy)
    pieces: list[str] = []
    by_file = exchange.answer_file(
        path, pieces.append, **credentials, uow=file_api.app.uow, env=file_api.app.env
    )
    return whole, by_file, "".join(pieces), taken


@pytest.mark.parametrize(("seed", "sets"), [(3, 1), (17, 4)])
def test_a_file_answered_as_it_is_read_is_the_answer_of_the_text(
    two_apis: tuple[Callable[[], Api], Callable[[], Api]],  # noqa: F811 (the imported fixture)
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    seed: int,
    sets: int,
) -> None:
    text = generated(60, seed, sets=sets)
    whole, by_file, written, taken = _file_answers(text, two_apis, monkeypatch, tmp_path)
    assert taken == [True]
    assert "CLP*" in whole.text
    assert "STC*" in whole.text  # a 277CA group after the 835 group
    assert by_file.text == ""
    assert (by_file.kind, by_file.recorded) == (whole.kind, whole.recorded)
    assert written == whole.text


def test_a_file_of_several_interchanges_answered_as_it_is_read(
    two_apis: tuple[Callable[[], Api], Callable[[], Api]],  # noqa: F811 (the imported fixture)
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    first = generated(12, 5, sets=2)
    second = interchange(
        "837",
        "005010X222A1",
        [submission_837([claim_837("M-2", [cob_line("99214", "130.00", 1, "20261105")])])],
        control="102",
    )
    whole, by_file, written, taken = _file_answers(first + second, two_apis, monkeypatch, tmp_path)
    assert taken == [True]
    assert whole.text.count("ISA*") == 2
    assert written == whole.text
    assert by_file.kind == whole.kind


def test_a_file_with_a_999_or_a_270_is_answered_whole(
    two_apis: tuple[Callable[[], Api], Callable[[], Api]],  # noqa: F811 (the imported fixture)
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    good = submission_837([claim_837("S-1", [cob_line("99213", "95.00", 1, "20261104")])])
    bad = submission_837([claim_837("S-2", [cob_line("99213", "95.00", 1, "20261105")])])[1:]
    text = interchange("837", "005010X222A1", [good, bad])
    inquiry = interchange("270", "005010X279A1", [inquiry_270([{"member_id": "88888888H"}])])
    whole, by_file, written, taken = _file_answers(
        text + inquiry.replace("000000101", "000000102"), two_apis, monkeypatch, tmp_path
    )
    assert taken[0] is False  # the file is answered by ``answer``, which looks again
    assert "IK5*R" in whole.text
    assert "EB*" in whole.text

    def evc_masked(text: str) -> str:  # the EVC trace number is drawn for each verification
        return re.sub(r"TRN\*1\*\w+\*9SPENDDOWN", "TRN*1*EVC*9SPENDDOWN", text)

    assert evc_masked(written) == evc_masked(whole.text)
    assert by_file.kind == whole.kind == "999+835+271"


def test_the_cli_writes_the_answer_as_it_is_made_and_nothing_when_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``spenddown x12``: the answer on stdout and in ``--out`` (written as it is made) are the
    same bytes; refused credentials (exit 4) create no ``--out`` file."""
    monkeypatch.setattr(bootstrap, "SystemClock", FixedClock)  # the same ISA and trace times
    path = tmp_path / "in.x12"
    path.write_text(generated(30, 7, sets=3), encoding="utf-8")
    out = tmp_path / "out.x12"
    args = ("x12", str(path), "--npi", PHYSICIAN[0])
    wrong = cli_world(f"sqlite:///{tmp_path / 'w.db'}", tmp_path)(
        *args, "--pin", "0000", "--out", str(out)
    )
    assert wrong.exit_code == 4
    assert not out.exists()
    to_file = cli_world(f"sqlite:///{tmp_path / 'a.db'}", tmp_path)(
        *args, "--pin", PHYSICIAN[1], "--out", str(out)
    )
    to_stdout = cli_world(f"sqlite:///{tmp_path / 'b.db'}", tmp_path)(*args, "--pin", PHYSICIAN[1])
    assert to_file.exit_code == 0, to_file.stderr
    assert to_stdout.exit_code == 0, to_stdout.stderr
    assert "CLP*" in to_stdout.stdout
    assert out.read_text(encoding="utf-8") == to_stdout.stdout
    assert to_stdout.stdout.endswith("~\n")
