"""An 837P's original claims go through the batch use case (``claim_answers.BATCHED``): the
answer to a generated file with several claims per member, resends, a changed claim under a
stored ID, an unknown member and a void among them is exactly the answer of the one-claim-at-a-
time path on a fresh database, on SQLite and PostgreSQL."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable, Iterator

import pytest
from api_support import Api, basic, make_api
from x12_builders import FEES, claim_837, cob_line, interchange, submission_837

from spenddown.adapters.x12 import claim_answers
from support.world import PHYSICIAN

MEMBERS = ["12345678A", "22222222B", "33333333C", "55555555E", "77777777G", "88888888H"]


def _void(claim: list[str], original: str) -> list[str]:
    out: list[str] = []
    for segment in claim:
        if segment.startswith("CLM*"):
            segment = segment.replace("***11:B:1*", "***11:B:8*")
        if segment.startswith("HI*"):
            out.append(f"REF*F8*{original}")
        out.append(segment)
    return out


def generated(count: int, seed: int) -> str:
    rng = random.Random(seed)
    claims: list[list[str]] = []
    for i in range(count):
        lines = []
        for _ in range(rng.randint(1, 3)):
            charge = f"{rng.randint(60, 200)}.00"
            day = f"202611{rng.randint(1, 20):02d}"
            if rng.random() < 0.4:
                paid = f"{rng.randint(0, 50)}.00"
                owed = f"{int(charge[:-3]) - int(paid[:-3])}.00"
                lines.append(
                    cob_line("99213", charge, 1, day, paid=paid, adjustments=[("PR", "3", owed)])
                )
            else:
                lines.append(cob_line("99213", charge, 1, day))
        claim = claim_837(f"G-{i}", lines, member_id=rng.choice(MEMBERS))
        claims.append(claim)
        roll = rng.random()
        if roll < 0.1 and claims:
            claims.append(list(rng.choice(claims)))  # a resend (or a duplicate if changed since)
        elif roll < 0.15:
            claims.append(claim_837(f"G-{i}", [cob_line("99213", "77.00", 1, "20261102")]))
        elif roll < 0.2:
            claims.append(claim_837(f"U-{i}", lines, member_id="99999999Z"))
        elif roll < 0.25:
            claims.append(_void(claim_837(f"V-{i}", lines), f"G-{i}"))
    return interchange("837", "005010X222A1", [submission_837(claims)])


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


@pytest.mark.parametrize("seed", [3, 17])
def test_batched_answers_equal_one_claim_at_a_time(
    two_apis: tuple[Callable[[], Api], Callable[[], Api]],
    monkeypatch: pytest.MonkeyPatch,
    seed: int,
) -> None:
    text = generated(40, seed)
    answers = []
    for batched, open_ in zip((False, True), two_apis, strict=True):
        monkeypatch.setattr(claim_answers, "BATCHED", batched)
        api = open_()
        response = api.client.post(
            "/v1/x12",
            content=text,
            headers={"Content-Type": "application/edi-x12", **basic(PHYSICIAN)},
        )
        assert response.status_code == 200, response.text
        answers.append(response.text)
    one_by_one, batched_answer = answers
    assert "CLP*" in one_by_one  # adjudicated claims (835)
    assert "STC*" in one_by_one  # refused claims (277CA)
    assert batched_answer == one_by_one
