"""Bad input never gives a 5xx: the sample requests (spenddown's own shapes, an EHR's request
with its Coverage, the same as a Bundle) with elements deleted or replaced by junk (Hypothesis)
are answered with a resource or an OperationOutcome and a 4xx. SQLite."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from fhir_support import CLAIM, ELIGIBILITY, as_bundle, ehr_request, sample
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from e2e.api_support import Api, basic, make_api
from support.world import PHYSICIAN

JUNK = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=12),
    st.builds(dict),
    st.builds(list),
    st.just("2026-11-03"),
    st.builds(lambda: {"reference": "#nothing"}),
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


@st.composite
def mutated(draw: st.DrawFn, document: dict[str, Any]) -> dict[str, Any]:
    body = copy.deepcopy(document)
    paths = _paths(body)
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path = draw(st.sampled_from(paths))
        target: Any = body
        try:
            for part in path[:-1]:
                target = target[part]
            if draw(st.booleans()) and isinstance(target, dict):
                target.pop(path[-1], None)
            else:
                target[path[-1]] = draw(JUNK)
        except (KeyError, IndexError, TypeError):
            continue
    return body


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    made = make_api(f"sqlite:///{tmp_path_factory.mktemp('fuzz') / 'fhir.db'}")
    yield made
    made.close()


DOCUMENTS = {
    "eligibility": (ELIGIBILITY, lambda: sample("eligibility-request.json")),
    "claim": (CLAIM, lambda: sample("claim-d4-medicare.json")),
    "ehr": (ELIGIBILITY, lambda: ehr_request("12345678A")),
    "ehr-bundle": (ELIGIBILITY, lambda: as_bundle(ehr_request("12345678A"))),
}


@pytest.mark.parametrize("name", sorted(DOCUMENTS))
def test_mutated_requests_never_give_a_server_error(api: Api, name: str) -> None:
    path, document = DOCUMENTS[name]

    @given(body=mutated(document()))
    @settings(
        max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def run(body: dict[str, Any]) -> None:
        api.clock.advance(minutes=16)  # failed member look-ups must not lock the NPI for good
        response = api.client.post(path, json=body, headers=basic(PHYSICIAN))
        assert response.status_code < 500, response.text
        assert response.headers["content-type"].startswith("application/fhir+json")
        resource = response.json()["resourceType"]
        assert resource == ("OperationOutcome" if response.status_code >= 400 else resource)

    run()
