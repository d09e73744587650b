"""Issue 13, FHIR conformance: every file of ``../shared/interop-samples/fhir/`` (the HL7 spec's
own CoverageEligibilityRequest example, EHR-style requests, Bundles, spenddown's own shapes) is
posted byte for byte to its ``$submit`` and ends as the corpus README's row says, on SQLite and
PostgreSQL. Every answer is parsed back with the FHIR models (fhir.resources, through
``adapters.fhir.release``), and the EHR-style answers are checked against the REST API's
verification of the same member.

The samples name the demo members (``spenddown demo``) and dates in December 2026. The demo's
months move with the calendar, so the test builds its own data: the demo dataset for
2026-12-04 behind a fixed clock at that day (never the day it runs). The samples are read in
place, never copied or edited; a missing corpus is a failure that names it."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from e2e.api_support import basic
from spenddown import bootstrap
from spenddown.adapters.fhir import codes, release
from spenddown.entrypoints.api.app import create_app
from spenddown.entrypoints.cli import demo
from support.world import FAST_PINS, FixedClock, World

PROJECT = Path(__file__).resolve().parents[2]
CORPUS = PROJECT / ".." / "shared" / "interop-samples"
FHIR_DIR = CORPUS / "fhir"
README = CORPUS / "README.md"
ON = date(2026, 12, 4)  # the samples' date of service
AT = datetime(2026, 12, 4, 18, 0, tzinfo=UTC)
PROVIDER = (demo.PROVIDERS[0].npi, demo.PROVIDERS[0].pin)  # 1234567893, the samples' NPI
ELIGIBILITY = "/fhir/CoverageEligibilityRequest/$submit"
CLAIM = "/fhir/Claim/$submit"
MODELS: dict[str, type[release.FHIRAbstractModel]] = {
    "CoverageEligibilityResponse": release.CoverageEligibilityResponse,
    "ClaimResponse": release.ClaimResponse,
}
Json = dict[str, Any]


@dataclass(frozen=True)
class Expected:
    """A README row: what the file must get."""

    endpoint: str
    resource: str  # the answer's resourceType (never an OperationOutcome: all are answered)
    member: str | None  # the CIN the answer names; None: the member is unknown (an error)
    outcome: str  # CoverageEligibilityResponse/ClaimResponse.outcome


ROSA = demo.ROSA.cin  # 91234560A, Medi-Cal SOC $600 (Health Net)
EXPECTED: dict[str, Expected] = {
    "F1-hl7-spec-example-2.json": Expected(
        ELIGIBILITY, "CoverageEligibilityResponse", None, "error"
    ),
    "F2-ehr-style-coverage-subscriberid.json": Expected(
        ELIGIBILITY, "CoverageEligibilityResponse", ROSA, "complete"
    ),
    "F3-ehr-style-plus-spenddown-identifier.json": Expected(
        ELIGIBILITY, "CoverageEligibilityResponse", ROSA, "complete"
    ),
    "F4-project-sample-demo-member.json": Expected(
        ELIGIBILITY, "CoverageEligibilityResponse", ROSA, "complete"
    ),
    "F5-project-shape-94567891G.json": Expected(
        ELIGIBILITY, "CoverageEligibilityResponse", demo.KIM.cin, "complete"
    ),
    "F6-project-shape-97890124L.json": Expected(
        ELIGIBILITY, "CoverageEligibilityResponse", demo.DANIEL.cin, "complete"
    ),
    "F7-project-shape-93456780F.json": Expected(
        ELIGIBILITY, "CoverageEligibilityResponse", demo.ELEANOR.cin, "complete"
    ),
    "F8-ehr-bundle.json": Expected(ELIGIBILITY, "CoverageEligibilityResponse", ROSA, "complete"),
    "F9-ehr-bundle-in-parameters.json": Expected(
        ELIGIBILITY, "CoverageEligibilityResponse", ROSA, "complete"
    ),
    "C1-project-claim-demo-member.json": Expected(CLAIM, "ClaimResponse", ROSA, "complete"),
    "C2-project-claim-no-soc-member.json": Expected(
        CLAIM, "ClaimResponse", demo.KIM.cin, "complete"
    ),
}
ISSUE_DATES = {m.cin: m.issue for m in demo.MEMBERS}


def corpus_file(name: str) -> Path:
    if not FHIR_DIR.is_dir():
        pytest.fail(
            f"The interop corpus is missing: {FHIR_DIR} (../shared/interop-samples/fhir/ from "
            "the project root; see its README). The FHIR conformance suite needs it."
        )
    path = FHIR_DIR / name
    if not path.is_file():
        pytest.fail(f"The interop corpus has no {path}.")
    return path


@pytest.fixture
def client(database_url: str) -> Iterator[TestClient]:
    clock = FixedClock(AT)
    app = bootstrap.build(database_url, clock=clock, pins=FAST_PINS)
    World(app, clock).load(demo.demo_dataset(ON))
    with TestClient(create_app(app)) as made:
        yield made
    app.close()


def post_sample(client: TestClient, name: str) -> Any:
    """The file's bytes as they are (BOM, indentation and all), as an EHR would send them."""
    path = corpus_file(name)
    headers = {**basic(PROVIDER), "Content-Type": "application/fhir+json"}
    return client.post(EXPECTED[name].endpoint, content=path.read_bytes(), headers=headers)


def parsed_back(response: Any, resource_type: str) -> Json:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/fhir+json")
    body: Json = response.json()
    assert body["resourceType"] == resource_type, body
    again = release.build(MODELS[resource_type], body)
    assert json.loads(release.to_json(again)) == body  # valid, nothing lost or added
    return body


def _ext(element: Json, url: str) -> Any:
    for ext in element.get("extension", []):
        if ext["url"] == url:
            return next(v for k, v in ext.items() if k.startswith("value"))
    return None


def _cents(amount: Json) -> str:
    assert amount.get("currency", "USD") == "USD"
    return f"{Decimal(str(amount['value'])):.2f}"


def shares_of_cost(body: Json) -> dict[str, tuple[str, str]]:
    """Program → (SOC, remaining), from every insurance entry's Share of Cost benefit."""
    found = {}
    for entry in body.get("insurance", []):
        for item in entry.get("item", []):
            for benefit in item.get("benefit", []):
                if benefit["type"]["coding"][0]["code"] != codes.SHARE_OF_COST:
                    continue
                amount = Decimal(_cents(benefit["allowedMoney"]))
                used = Decimal(_cents(benefit["usedMoney"]))
                program = _ext(item, codes.EXT_SOC_PROGRAM)
                found[program] = (f"{amount:.2f}", f"{amount - used:.2f}")
    return found


def eligibility_summary(body: Json) -> Json:
    medi_cal = body["insurance"][0]
    assert medi_cal["coverage"]["reference"] == "#medi-cal"
    return {
        "member_id": body["patient"]["identifier"]["value"],
        "service_date": body["servicedDate"],
        "eligible": medi_cal["inforce"],
        "eligibility_status": _ext(body, codes.EXT_ELIGIBILITY_STATUS),
        "shares_of_cost": shares_of_cost(body),
        "evc": body.get("preAuthRef") is not None,
    }


def rest_summary(client: TestClient, cin: str) -> Json:
    """The REST API's verification of the same member, in the same few fields."""
    answered = client.post(
        "/v1/eligibility/verifications",
        json={"member_id": cin, "bic_issue_date": ISSUE_DATES[cin], "service_date": str(ON)},
        headers=basic(PROVIDER),
    )
    assert answered.status_code == 200, answered.text
    rest = answered.json()
    soc = rest["share_of_cost"]
    socs = {} if soc is None else {soc["program"]: (soc["amount"], soc["remaining"])}
    # The REST answer shows one SOC; the CMSP one beside Medi-Cal's is in its messages.
    for message in rest["messages"]:
        cmsp = re.match(r"CMSP ELIGIBLE WITH \$0*(\d+) SOC\. REMAINING SOC \$([\d.]+)\.", message)
        if cmsp and "cmsp" not in socs:
            socs["cmsp"] = (f"{Decimal(cmsp.group(1)):.2f}", cmsp.group(2))
    return {
        "member_id": rest["member_id"],
        "service_date": rest["service_date"],
        "eligible": rest["eligible"],
        "eligibility_status": rest["eligibility_status"],
        "shares_of_cost": socs,
        "evc": rest["evc"] is not None,
    }


# --- the corpus and its README ------------------------------------------------------------------
def test_every_fhir_sample_has_an_expected_outcome_and_a_readme_row() -> None:
    corpus_file(next(iter(EXPECTED)))
    on_disk = sorted(p.name for p in FHIR_DIR.iterdir() if p.is_file())
    assert on_disk == sorted(EXPECTED), "a FHIR sample was added or removed: update EXPECTED"
    section = README.read_text(encoding="utf-8").split("## FHIR", 1)[1]
    ranges = [(int(a), int(b)) for a, b in re.findall(r"F(\d+)\.\.F(\d+)", section)]
    for name in on_disk:
        number = re.match(r"F(\d+)-", name)
        covered = number is not None and any(a <= int(number[1]) <= b for a, b in ranges)
        assert name in section or covered, f"{name} has no row in {README}"
    # The README's FHIR rows all say "answered" (none of these samples is to be refused).
    rows = [line for line in section.splitlines() if line.startswith("| fhir/")]
    assert rows
    assert all(line.rstrip(" |").split("|")[-1].strip().startswith("answered") for line in rows)


def test_a_missing_corpus_is_a_failure_that_names_it(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(sys.modules[__name__], "FHIR_DIR", tmp_path / "interop-samples" / "fhir")
    with pytest.raises(pytest.fail.Exception, match=r"interop corpus is missing: .*fhir"):
        corpus_file("F1-hl7-spec-example-2.json")


# --- each file ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_sample_is_answered_as_the_readme_says(client: TestClient, name: str) -> None:
    expected = EXPECTED[name]
    body = parsed_back(post_sample(client, name), expected.resource)
    assert body["outcome"] == expected.outcome, body
    if expected.member is None:
        # F1: the HL7 example's Patient/pat1 and Coverage/9876B1 live on the sender's server.
        [error] = body["error"]
        assert error["code"]["coding"][0] == {
            "system": codes.ERROR,
            "code": "MEMBER_NOT_FOUND",
            "display": "Member not found",
        }
        assert "insurance" not in body
        assert body["request"]["identifier"]["value"] == "52346"
        return
    assert body["patient"]["identifier"] == {"system": codes.MEMBER_ID, "value": expected.member}
    if expected.resource == "CoverageEligibilityResponse":
        assert eligibility_summary(body) == rest_summary(client, expected.member), name


@pytest.mark.parametrize(
    "name",
    [
        "F2-ehr-style-coverage-subscriberid.json",
        "F3-ehr-style-plus-spenddown-identifier.json",
        "F8-ehr-bundle.json",
        "F9-ehr-bundle-in-parameters.json",
    ],
)
def test_ehr_style_requests_get_the_same_answer_as_spenddowns_own_shape(
    client: TestClient, name: str
) -> None:
    def comparable(body: Json) -> Json:
        # The EVC is new on every verification; the request's identifier is the sender's.
        return {
            k: v for k, v in body.items() if k not in ("identifier", "preAuthRef", "request", "id")
        }

    own = parsed_back(
        post_sample(client, "F4-project-sample-demo-member.json"), EXPECTED[name].resource
    )
    ehr = parsed_back(post_sample(client, name), EXPECTED[name].resource)
    assert comparable(ehr) == comparable(own)
    assert ehr["request"]["identifier"]["value"] == "52347"


def test_cmsp_share_of_cost_is_its_own_insurance(client: TestClient) -> None:
    """Daniel (97890124L, Humboldt): a Medi-Cal SOC of $300 and a CMSP SOC of $200."""
    body = parsed_back(
        post_sample(client, "F6-project-shape-97890124L.json"), "CoverageEligibilityResponse"
    )
    entries = {e["coverage"]["reference"]: e for e in body["insurance"]}
    assert set(entries) == {"#medi-cal", "#cmsp"}
    assert shares_of_cost({"insurance": [entries["#medi-cal"]]}) == {
        "medi-cal": ("300.00", "300.00")
    }
    assert shares_of_cost({"insurance": [entries["#cmsp"]]}) == {"cmsp": ("200.00", "200.00")}
    [cmsp] = [c for c in body["contained"] if c["id"] == "cmsp"]
    assert cmsp["payor"] == [{"display": "CMSP (County Medical Services Program)"}]
    assert entries["#cmsp"]["inforce"] is False  # unmet


def test_claims_are_adjudicated_after_medicare(client: TestClient) -> None:
    """C1: Rosa's Share of Cost ($600) is not met, so Medi-Cal pays nothing and she owes what
    Medicare left ($20); C2: Kim's aid code 34 has no SOC and Medicare paid $80, more than
    Medi-Cal's $24 fee for 99213, so Medi-Cal pays nothing more, the member owes nothing and the
    provider writes off the $20 left."""
    first = parsed_back(post_sample(client, "C1-project-claim-demo-member.json"), "ClaimResponse")
    second = parsed_back(
        post_sample(client, "C2-project-claim-no-soc-member.json"), "ClaimResponse"
    )
    for body, claim_id in ((first, "CLM-D4"), (second, "CLM-D4-KIM")):
        assert body["identifier"][0] == {"system": codes.CLAIM_ID, "value": claim_id}
        totals = {t["category"]["coding"][0]["code"]: _cents(t["amount"]) for t in body["total"]}
        assert totals["submitted"] == "120.00"
        assert totals["priorpayerpaid"] == "80.00"
        notes = [n["text"] for n in body.get("processNote", [])]
        assert len(notes) == len(set(notes)), notes
        assert not any(re.match(r"Line \d+: Line \d+:", n) for n in notes), notes
    assert _ext(first, codes.EXT_CLAIM_STATUS) == "denied"
    first_totals = {t["category"]["coding"][0]["code"]: _cents(t["amount"]) for t in first["total"]}
    assert (first_totals["benefit"], first_totals["memberliability"]) == ("0.00", "20.00")
    assert _ext(second, codes.EXT_CLAIM_STATUS) == "paid"
    second_totals = {
        t["category"]["coding"][0]["code"]: _cents(t["amount"]) for t in second["total"]
    }
    assert (
        second_totals["benefit"],
        second_totals["memberliability"],
        second_totals["provider-write-off"],
    ) == ("0.00", "0.00", "20.00")
