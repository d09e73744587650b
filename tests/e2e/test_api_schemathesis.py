"""Every operation of ``/openapi.json`` fuzzed by schemathesis (positive and negative data):
no 5xx, and every response matches its documented schema. SQLite, bounded in time."""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from api_support import Api, basic, make_api
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from support.world import PHYSICIAN, SOC_MEMBER

MAX_EXAMPLES = 15
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def api(tmp_path: Path) -> Iterator[Api]:
    made = make_api(f"sqlite:///{tmp_path / 'fuzz.db'}")
    # The provider has verified the member, so that obligation reads get past authorization.
    assert made.verify(SOC_MEMBER, PHYSICIAN).status_code == 200
    yield made
    made.close()


def credentials(api: Api, security: list[dict[str, Any]]) -> dict[str, str]:
    """Provider Basic for provider-only operations, the county token for the rest, an admin
    token where only admin may go."""
    schemes = {name for requirement in security for name in requirement}
    if schemes == {"providerBasic"}:
        return basic(PHYSICIAN)
    return api.headers("county")


def fuzz(
    api: Api,
    operation: Any,
    mode: GenerationMode,
    headers: dict[str, str],
    statuses: set[int],
) -> None:
    provider_only = headers == basic(PHYSICIAN)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        if provider_only:
            # Random member IDs are failed look-ups that lock the NPI: let each lock expire so
            # that every case gets past authentication.
            api.clock.advance(minutes=16)
        # The case's own headers (e.g. the member headers) stay; the credentials are ours.
        response = case.call_and_validate(headers=headers, checks=CHECKS)
        statuses.add(response.status_code)

    try:
        run()
    except Unsatisfiable:
        # Nothing to make invalid (e.g. /healthz has no parameters).
        assert mode is GenerationMode.NEGATIVE, operation.label


def test_every_operation_fuzzed_has_no_server_error_and_conforms(api: Api) -> None:
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    started = time.monotonic()
    statuses: dict[str, set[int]] = defaultdict(set)
    for result in schema.get_all_operations():
        operation = result.ok()
        headers = credentials(api, operation.definition.raw.get("security", []))
        if operation.path in ("/v1/imports", "/v1/tokens"):
            headers = api.headers("admin")
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(api, operation, mode, headers, statuses[operation.label])
    assert len(statuses) >= 16
    # The credentials were right: the fuzzing got past authentication everywhere, and well
    # past it (a success) on most operations.
    assert all(codes - {401, 403} for codes in statuses.values()), dict(statuses)
    succeeded = [label for label, codes in statuses.items() if codes & {200, 201}]
    assert len(succeeded) >= 10, dict(statuses)
    assert time.monotonic() - started < 90
