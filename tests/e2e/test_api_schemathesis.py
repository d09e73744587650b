"""Every operation of ``/openapi.json`` fuzzed by schemathesis (positive and negative data):
no 5xx, and every response matches its documented schema. On PostgreSQL (where a NUL byte or an
over-long string used to be a 500; the input tests of test_api_input.py run on both engines),
bounded in time.

Random NPIs and member IDs rarely exist, so half of the positive cases of the secondary-payer
operations are steered to a known provider and member (the rest of the body stays random): the
fuzzing reaches the adjudication, the balance-billing check and the estimate themselves. Every
third positive case is spiced (issue 14): one of its strings (body, path or query) gets a NUL
byte, or its ASCII digits are swapped for Arabic-Indic ones."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from api_support import Api, basic, make_api
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

from support.world import ISSUE, PHYSICIAN, SOC_MEMBER

MAX_EXAMPLES = 15
CHECKS = [not_a_server_error, response_schema_conformance]
# A fee schedule, the member's PPO (accumulators, estimate) and a provider in its network.
SECONDARY_PAYER: dict[str, Any] = {
    "providers": [
        {
            "npi": "1765432103",
            "name": "Bright Steps ABA",
            "pin": "1471",
            "type": "aba",
            "medi_cal_ffs": False,
            "plans": ["HN"],
            "primary_networks": ["ACME-PPO"],
        }
    ],
    "ohc_policies": [
        {
            "cin": SOC_MEMBER,
            "carrier": "ACME",
            "network": "ACME-PPO",
            "ohc_code": "P",
            "plan_year_start": "2026-01-01",
            "deductible": "1500.00",
            "out_of_pocket_max": "6000.00",
        }
    ],
    "fee_schedule": [
        {"procedure_code": "99213", "effective": "2026-01-01", "allowed_per_unit": "95.00"},
        {"procedure_code": "97153", "effective": "2026-01-01", "allowed_per_unit": "16.50"},
    ],
}


@pytest.fixture
def api(postgres_url: str) -> Iterator[Api]:
    made = make_api(postgres_url)
    made.world.load(SECONDARY_PAYER)
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


def _money_or(value: Any, default: str) -> Any:
    """``value`` when it is a plausible positive amount, else ``default``."""
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**6:
        return value
    if isinstance(value, str) and re.fullmatch(r"\d{1,6}(\.\d{1,2})?", value) and float(value):
        return value
    return default


def steer(case: Any, number: int) -> None:
    """Every other positive case of a secondary-payer operation names a known provider, member
    and procedure code; the rest of it stays as generated."""
    if number % 2 or not isinstance(case.body, dict):
        if number % 2 == 0 and case.path_parameters and "member_id" in case.path_parameters:
            case.path_parameters["member_id"] = SOC_MEMBER
        return
    path, body = case.operation.path, case.body
    if path == "/v1/claims":
        body.update(provider_npi=PHYSICIAN[0], member_id=SOC_MEMBER, soc_amount="0")
        for line in body.get("lines") or []:
            if not isinstance(line, dict):
                continue
            line.update(procedure_code="99213", service_date="2026-11-03")
            line["charge"] = _money_or(line.get("charge"), "120.00")
            primary = line.get("primary")
            if isinstance(primary, dict):
                for name in ("allowed", "paid", "deductible", "coinsurance", "copay"):
                    primary[name] = _money_or(primary.get(name), "0")
    elif path == "/v1/billing-checks":
        body.update(member_id=SOC_MEMBER, bic_issue_date=ISSUE.isoformat())
        body.update(provider_npi=PHYSICIAN[0], birth_date="1960-05-01")
    elif path == "/v1/members/{member_id}/estimates":
        case.path_parameters["member_id"] = SOC_MEMBER
        body["procedure_code"] = "97153"
        body.pop("provider_npis", None)


UNICODE_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")


def _strings(value: Any, found: list[tuple[Any, Any]]) -> None:
    """(container, key) of every string in a JSON value."""
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if isinstance(item, str):
            found.append((value, key))
        elif isinstance(item, dict | list):
            _strings(item, found)


def spice(case: Any, number: int) -> None:
    """A NUL byte into one string of the case (odd ``number``), or that string's ASCII digits
    as Arabic-Indic digits (even): either must be a 4xx, never a 5xx."""
    found: list[tuple[Any, Any]] = []
    for container in (case.body, case.path_parameters, case.query):
        if isinstance(container, dict | list):
            _strings(container, found)
    if not found:
        return
    container, key = found[number % len(found)]
    text = container[key]
    container[key] = text[:1] + "\x00" + text[1:] if number % 2 else text.translate(UNICODE_DIGITS)


STEERED = {
    "/v1/claims",
    "/v1/billing-checks",
    "/v1/members/{member_id}/estimates",
    "/v1/members/{member_id}/accumulators",
}


def fuzz(
    api: Api,
    operation: Any,
    mode: GenerationMode,
    headers: dict[str, str],
    statuses: set[int],
) -> None:
    provider_only = headers == basic(PHYSICIAN)
    steered = mode is GenerationMode.POSITIVE and operation.path in STEERED
    count = iter(range(1_000_000))
    spiced = iter(range(1_000_000))

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
        if steered:
            steer(case, next(count))
        number = next(spiced)
        if mode is GenerationMode.POSITIVE and number % 3 == 1:
            spice(case, number // 3)
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
    statuses: dict[str, set[int]] = defaultdict(set)
    for result in schema.get_all_operations():
        operation = result.ok()
        headers = credentials(api, operation.definition.raw.get("security", []))
        if operation.path in ("/v1/imports", "/v1/tokens", "/v1/tokens/{token_id}"):
            headers = api.headers("admin")
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz(api, operation, mode, headers, statuses[operation.label])
    assert len(statuses) >= 21
    # The secondary-payer operations got past validation to their use cases.
    assert statuses["POST /v1/claims"] & {201, 409}, dict(statuses)
    assert 200 in statuses["POST /v1/billing-checks"], dict(statuses)
    assert 200 in statuses["GET /v1/members/{member_id}/accumulators"], dict(statuses)
    # The credentials were right: the fuzzing got past authentication everywhere, and well
    # past it (a success) on most operations.
    assert all(codes - {401, 403} for codes in statuses.values()), dict(statuses)
    succeeded = [label for label, codes in statuses.items() if codes & {200, 201}]
    assert len(succeeded) >= 10, dict(statuses)
