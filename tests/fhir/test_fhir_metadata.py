"""``GET /fhir/metadata``, unknown FHIR paths and methods as OperationOutcome, the FHIR release
imported in one place, and the operations in the OpenAPI document."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from fhir_support import CLAIM, ELIGIBILITY, outcome, parsed_back

from e2e.api_support import Api, basic, make_api
from spenddown.adapters.fhir import codes, release
from support.world import PHYSICIAN

SRC = Path(__file__).parents[2] / "src" / "spenddown"


@pytest.fixture
def api(sqlite_url: str) -> Iterator[Api]:
    made = make_api(sqlite_url)
    yield made
    made.close()


def test_capability_statement(api: Api) -> None:
    answered = api.client.get("/fhir/metadata")
    assert answered.status_code == 200, answered.text
    body = parsed_back(answered, "CapabilityStatement")
    # R4 on the wire: every US payer guide is on 4.0.1, and R4 clients refuse another release.
    assert body["fhirVersion"] == release.FHIR_VERSION == "4.0.1"
    assert body["kind"] == "instance"
    [rest] = body["rest"]
    operations = {
        (r["type"], o["name"], o["definition"]) for r in rest["resource"] for o in r["operation"]
    }
    assert operations == {
        ("CoverageEligibilityRequest", "submit", codes.ELIGIBILITY_SUBMIT),
        ("Claim", "submit", codes.CLAIM_SUBMIT),
    }
    assert rest["security"]["service"][0]["coding"][0]["code"] == "Basic"


def test_unknown_paths_and_methods_are_operation_outcomes(api: Api) -> None:
    outcome(api.client.get("/fhir/Patient/1"), 404, "NOT_FOUND")
    outcome(api.client.get(CLAIM, headers=basic(PHYSICIAN)), 405, "METHOD_NOT_ALLOWED")
    outcome(api.client.post("/fhir/metadata", json={}), 405, "METHOD_NOT_ALLOWED")
    outcome(api.client.delete(ELIGIBILITY), 405, "METHOD_NOT_ALLOWED")
    big = b"{" + b" " * 1_000_001 + b"}"
    headers = {**basic(PHYSICIAN), "Content-Type": "application/fhir+json"}
    outcome(api.client.post(CLAIM, content=big, headers=headers), 413, "BODY_TOO_LARGE")
    # The REST API keeps its problem details.
    rest = api.client.get("/v1/nothing")
    assert rest.headers["content-type"].startswith("application/problem+json")


def test_the_fhir_release_is_imported_in_one_module() -> None:
    importing = sorted(
        str(path.relative_to(SRC))
        for path in SRC.rglob("*.py")
        if re.search(r"^\s*(from|import)\s+fhir(\.resources|_core)", path.read_text(), re.M)
    )
    assert importing == ["adapters/fhir/release.py"]


def test_operations_are_in_the_openapi_document(api: Api) -> None:
    paths = api.client.get("/openapi.json").json()["paths"]
    for path in (ELIGIBILITY, CLAIM):
        operation = paths[path]["post"]
        assert "application/fhir+json" in operation["requestBody"]["content"]
        assert {"200", "400", "401", "422"} <= set(operation["responses"])
        assert operation["security"] == [{"providerBasic": []}]
    assert "/fhir/metadata" in paths
