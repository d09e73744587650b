"""837P → 835 (005010X222A1 → 005010X221A1) through POST /v1/x12, on SQLite and PostgreSQL: the
sample claims (COB loops 2320/2330B/2430) pass pyx12's 837P map, every line pays and leaves the
member what POST /v1/claims says (rules.md §5), the 835 balances and passes pyx12's 835 map,
and an 837P written by x12sdk's models is answered too."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from api_support import Api, basic
from x12_builders import claim_837, cob_line, interchange, sample, submission_837
from x12_independent import segments as pyx12_segments
from x12_independent import validate
from x12sdk.generate import ClaimSpec, PatientSpec, ServiceLineSpec, SubmissionSpec
from x12sdk.generate._837p import build_837p
from x12sdk.io import write_transactions

from support.world import PHYSICIAN

X12 = {"Content-Type": "application/edi-x12"}


def post(api: Api, text: str, provider: tuple[str, str] = PHYSICIAN) -> Any:
    response = api.client.post("/v1/x12", content=text, headers={**X12, **basic(provider)})
    assert response.status_code == 200, response.text
    return response


def remittance(text: str) -> dict[str, dict[str, Any]]:
    """Claims of an 835 read with pyx12's reader: CLP, claim CAS and each line's SVC/CAS."""
    claims: dict[str, dict[str, Any]] = {}
    claim: dict[str, Any] | None = None
    line: dict[str, Any] | None = None
    for seg in pyx12_segments(text):
        if seg[0] == "BPR":
            claims["_bpr"] = {"paid": Decimal(seg[2])}
        elif seg[0] == "CLP":
            claim = {"clp": seg, "cas": [], "lines": []}
            claims[seg[1]] = claim
            line = None
        elif seg[0] == "SVC" and claim is not None:
            line = {"svc": seg, "cas": []}
            claim["lines"].append(line)
        elif seg[0] == "CAS" and claim is not None:
            pairs = [(seg[1], seg[i], Decimal(seg[i + 1])) for i in range(2, len(seg) - 1, 3)]
            (line or claim)["cas"].extend(pairs)
    return claims


def acknowledged(text: str) -> dict[str, dict[str, Any]]:
    """Claims of a 277CA read with pyx12's reader: 2200D TRN02 → its NM1*QC and STC."""
    claims: dict[str, dict[str, Any]] = {}
    patient: list[str] | None = None
    claim: dict[str, Any] | None = None
    in_277 = False
    for seg in pyx12_segments(text):
        if seg[0] == "ST":
            in_277 = seg[1] == "277"
        elif not in_277:
            continue
        elif seg[0] == "NM1" and seg[1] == "QC":
            patient = seg
        elif seg[0] == "TRN" and seg[1] == "2" and patient is not None:
            claim = claims[seg[2]] = {"nm1": patient, "stc": None}
        elif seg[0] == "STC" and claim is not None and claim["stc"] is None:
            claim["stc"] = seg
    return claims


def rest_claim(claim_id: str, member: str, lines: list[dict[str, Any]], primary: Any) -> Any:
    return {
        "claim_id": claim_id,
        "provider_npi": PHYSICIAN[0],
        "member_id": member,
        "soc_amount": "0.00",
        "primary": primary,
        "lines": lines,
    }


def line(day: str, code: str, units: int, charge: str, primary: Any = None) -> dict[str, Any]:
    return {
        "service_date": day,
        "procedure_code": code,
        "units": units,
        "charge": charge,
        "primary": primary,
    }


COMMERCIAL = {
    "payer_type": "commercial",
    "payer_name": "ACME PPO",
    "claim_number": "A-1",
    "adjudication_date": "2026-11-10",
}
MEDICARE = {**COMMERCIAL, "payer_type": "medicare", "payer_name": "MEDICARE PART B"}
# The sample file's claims as REST claims (tests/resources/x12/claims-837p.x12).
REST = {
    "CLM-X1": rest_claim(
        "R-X1",
        "12345678A",
        [
            line(
                "2026-11-03",
                "99213",
                1,
                "150.00",
                {"allowed": "150.00", "paid": "120.00", "copay": "30.00"},
            )
        ],
        COMMERCIAL,
    ),
    "CLM-X2": rest_claim("R-X2", "22222222B", [line("2026-11-04", "99213", 1, "100.00")], None),
    "CLM-X3": rest_claim(
        "R-X3",
        "22222222B",
        [
            line(
                "2026-11-05",
                "99213",
                1,
                "120.00",
                {"allowed": "100.00", "paid": "80.00", "coinsurance": "20.00"},
            )
        ],
        MEDICARE,
    ),
    "CLM-X5": rest_claim("R-X5", "33333333C", [line("2026-11-07", "99213", 1, "90.00")], None),
}


def test_sample_837p_is_valid_and_answered_like_the_rest_api(api: Api) -> None:
    text = sample("claims-837p.x12")
    assert validate(text)[0], validate(text)[1]
    api.clear("12345678A", PHYSICIAN, charge="600.00")  # unit A certified: eligible
    response = post(api, text)
    # CLM-X6's member is unknown: refused before adjudication, in a 277CA next to the 835
    assert response.headers["X12-Answer"] == "835+277"
    ok, report = validate(response.text)
    assert ok, report
    claims = remittance(response.text)
    for claim_id, body in REST.items():
        rest = api.client.post("/v1/claims", json=body, headers=basic(PHYSICIAN))
        assert rest.status_code == 201, rest.text
        adjudication = rest.json()
        x12 = claims[claim_id]
        assert Decimal(x12["clp"][4]) == Decimal(adjudication["totals"]["medi_cal_paid"])
        assert Decimal(x12["clp"][5]) == Decimal(adjudication["totals"]["member_owes"])
        expected_status = {"denied": "4"}.get(
            adjudication["status"], "2" if body["primary"] else "1"
        )
        assert x12["clp"][2] == expected_status, claim_id
        for svc, rest_line in zip(
            [ln["svc"] for ln in x12["lines"]], adjudication["lines"], strict=True
        ):
            assert Decimal(svc[3]) == Decimal(rest_line["medi_cal_paid"]), claim_id
    # CLM-X4: two lines, the plan authorization PA-HN-1 used for 97153
    x4 = claims["CLM-X4"]
    assert [ln["svc"][1] for ln in x4["lines"]] == ["HC:97153", "HC:99213"]
    # OA-23: the primary paid 160 and reduced the charge by 40 (its CO-45), both prior payer
    assert x4["lines"][0]["cas"] == [
        ("OA", "23", Decimal("200.00")),
        ("CO", "45", Decimal("40.00")),
    ]
    # CLM-X6: unknown member, refused before adjudication: not in the 835, in the 277CA
    assert "CLM-X6" not in claims
    assert acknowledged(response.text)["CLM-X6"]["stc"][:5] == [
        "STC",
        "A3:33:IL",
        "20261123",
        "U",
        "80.00",
    ]


def test_835_balances(api: Api) -> None:
    """X221A1 balancing: per line, per claim, CLP05 = Σ PR, BPR02 = Σ CLP04 (no PLB)."""
    api.clear("12345678A", PHYSICIAN, charge="600.00")
    claims = remittance(post(api, sample("claims-837p.x12")).text)
    bpr = claims.pop("_bpr")
    assert bpr["paid"] == sum(Decimal(c["clp"][4]) for c in claims.values())
    for claim_id, claim in claims.items():
        charge, paid = Decimal(claim["clp"][3]), Decimal(claim["clp"][4])
        line_cas = Decimal(0)
        for ln in claim["lines"]:
            cas = sum(a for _, _, a in ln["cas"])
            assert Decimal(ln["svc"][2]) - Decimal(ln["svc"][3]) == cas, claim_id
            line_cas += cas
        assert charge - paid == line_cas + sum(a for _, _, a in claim["cas"]), claim_id
        patient = sum(a for ln in claim["lines"] for g, _, a in ln["cas"] if g == "PR")
        assert Decimal(claim["clp"][5]) == patient, claim_id


def test_soc_on_the_claim_is_pr_142(api: Api) -> None:
    """A member whose SOC is met by this claim's own collection (2300 AMT*F5): PR-142."""
    api.clear("22222222B", PHYSICIAN, charge="600.00")
    claim = claim_837(
        "CLM-SOC", [cob_line("99213", "100.00", 1, "20261103")], member_id="22222222B", soc="40.00"
    )
    text = interchange("837", "005010X222A1", [submission_837([claim])])
    body = rest_claim("R-SOC", "22222222B", [line("2026-11-03", "99213", 1, "100.00")], None)
    body["soc_amount"] = "40.00"
    rest = api.client.post("/v1/claims", json=body, headers=basic(PHYSICIAN)).json()
    x12 = remittance(post(api, text).text)["CLM-SOC"]
    assert Decimal(x12["clp"][5]) == Decimal(rest["totals"]["member_owes"])
    if Decimal(rest["totals"]["member_owes"]):
        assert any(g == "PR" and r == "142" for g, r, _ in x12["lines"][0]["cas"])


def test_a_resend_reuses_the_original_adjudication(api: Api) -> None:
    """The same file sent twice: each claim is answered with its stored adjudication (not
    denied as a duplicate, and nothing is stored twice)."""
    text = sample("claims-837p.x12")
    first = remittance(post(api, text).text)
    again = remittance(post(api, text).text)
    assert again == first
    stored = api.client.get("/v1/claims/CLM-X2", headers=basic(PHYSICIAN))
    assert stored.status_code == 200, stored.text


def test_another_claim_under_a_stored_claim_id_is_refused_in_the_277ca(api: Api) -> None:
    post(api, sample("claims-837p.x12"))
    claim = claim_837("CLM-X2", [cob_line("99213", "55.00", 1, "20261104")], member_id="22222222B")
    response = post(api, interchange("837", "005010X222A1", [submission_837([claim])]))
    assert response.headers["X12-Answer"] == "277"
    assert validate(response.text)[0], validate(response.text)[1]
    status = acknowledged(response.text)["CLM-X2"]
    assert status["stc"][1] == "A3:78"  # duplicate of a previously processed claim
    assert "DUPLICATE_CLAIM" in status["stc"][-1]


def test_wrong_pin_for_an_837p_is_401(api: Api) -> None:
    response = api.client.post(
        "/v1/x12",
        content=sample("claims-837p.x12"),
        headers={**X12, **basic((PHYSICIAN[0], "0000"))},
    )
    assert response.status_code == 401
    assert response.json()["code"] == "INVALID_CREDENTIALS"


def test_submission_written_by_x12sdk_is_answered(api: Api) -> None:
    """An 837P built with x12sdk's models (another tool, 005010X222A2): the billing provider
    and members set to the world's, no other payer (Medi-Cal pays as primary)."""
    patients = [
        PatientSpec(
            claims=[
                ClaimSpec(
                    charge=Decimal("100.00"),
                    lines=[ServiceLineSpec(charge=Decimal("100.00"), procedure="99213")],
                    patient_control_number=f"SDK-{n}",
                )
            ]
        )
        for n in range(3)
    ]
    model = build_837p(
        SubmissionSpec(patients=patients, billing_provider_name="VALLEY FAMILY MEDICINE")
    )
    billing = model.loop_2000a[0]
    billing.loop_2010aa.nm1_segment.identification_code = PHYSICIAN[0]
    for subscriber in billing.loop_2000b:
        subscriber.loop_2010ba.nm1_segment.identification_code = "88888888H"  # restricted scope
        for claim in subscriber.loop_2300 or []:
            for service in claim.loop_2400:
                for dtp in service.dtp_segment:
                    dtp.date_time_period = "20261103"
    text = write_transactions([model], sender_id="X12SDKCLIENT", receiver_id="MEDICAL")
    claims = remittance(post(api, text).text)
    claims.pop("_bpr")
    assert sorted(claims) == ["SDK-0", "SDK-1", "SDK-2"]
    for claim in claims.values():
        # 99213 is not restricted-scope (rules.md §5): denied 96, and the member may owe it
        # (the domain does not protect the member here), so group PR and CLP05 = 100.00
        assert claim["clp"][2] == "4"
        assert claim["lines"][0]["cas"] == [("PR", "96", Decimal("100.00"))]
        assert claim["clp"][5] == "100.00"
