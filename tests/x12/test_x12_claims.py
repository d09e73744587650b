"""837P → 835 (005010X222A1 → 005010X221A1) through POST /v1/x12, on SQLite and PostgreSQL: the
sample claims (COB loops 2320/2330B/2430) pass pyx12's 837P map, every line pays and leaves the
member what POST /v1/claims says (docs/rules.md §5), the 835 balances and passes pyx12's 835 map,
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
from x12sdk.io import X12ModelReader, write_transactions

from support.world import CLINIC, PHYSICIAN

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
    assert response.headers["X12-Answer"] == "835+277CA"
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
    assert response.headers["X12-Answer"] == "277CA"
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
        # 99213 is not restricted-scope (docs/rules.md §5): denied 96, and the member may owe it
        # (the domain does not protect the member here), so group PR and CLP05 = 100.00
        assert claim["clp"][2] == "4"
        assert claim["lines"][0]["cas"] == [("PR", "96", Decimal("100.00"))]
        assert claim["clp"][5] == "100.00"


# --- COB as X222A1 writes it: every 2320 payer, claim-level amounts, balancing --------------
def _claim_837_with(
    claim_id: str,
    lines: list[list[str]],
    payers: list[list[str]],
    *,
    member_id: str = "22222222B",
    last: str = "LOPEZ",
    first: str = "LUIS",
    patient: tuple[str, str, str] | None = None,
) -> list[str]:
    """A claim whose 2320 loops are given as segments; ``patient`` (last, first, CCYYMMDD)
    makes it a dependent's claim (2000C/2010CA)."""
    charge = sum(Decimal(line[0].split("*")[2]) for line in lines)
    out = [
        f"HL*2*1*22*{1 if patient else 0}",
        f"SBR*{'T' if len(payers) > 1 else 'S'}*{'' if patient else '18'}*******MC",
        f"NM1*IL*1*{last}*{first}****MI*{member_id}",
        "N3*100 MAIN ST",
        "N4*FRESNO*CA*93701",
        "DMG*D8*19600501*F",
        "NM1*PR*2*MEDI-CAL*****PI*610442",
    ]
    if patient:
        out += [
            "HL*3*2*23*0",
            "PAT*19",
            f"NM1*QC*1*{patient[0]}*{patient[1]}",
            "N3*100 MAIN ST",
            "N4*FRESNO*CA*93701",
            f"DMG*D8*{patient[2]}*F",
        ]
    out += [f"CLM*{claim_id}*{charge:.2f}***11:B:1*Y*A*Y*Y", "HI*ABK:F840"]
    for payer in payers:
        out.extend(payer)
    for number, line in enumerate(lines, start=1):
        out.append(f"LX*{number}")
        out.extend(line)
    return out


def _payer(
    responsibility: str,
    name: str,
    payer_id: str,
    *,
    paid: str,
    cas: list[str] = (),  # type: ignore[assignment]
    filing: str = "CI",
) -> list[str]:
    return [
        f"SBR*{responsibility}*18*GRP01******{filing}",
        *cas,
        f"AMT*D*{paid}",
        "OI***Y***Y",
        "NM1*IL*1*LOPEZ*LUIS****MI*OTHER123",
        f"NM1*PR*2*{name}*****PI*{payer_id}",
        "DTP*573*D8*20261110",
    ]


def _answer_837(api: Api, claims: list[list[str]], provider: tuple[str, str] = PHYSICIAN) -> Any:
    text = interchange("837", "005010X222A1", [submission_837(claims, npi=provider[0])])
    assert validate(text)[0], validate(text)[1]  # the input is a valid 837P for pyx12
    response = post(api, text, provider)
    ok, report = validate(response.text)
    assert ok, report
    return response


def test_claim_level_only_cob_pays_with_the_primarys_money(api: Api) -> None:
    """2320 AMT*D and CAS only, no 2430 (legal: 2430 is situational). Before, Medi-Cal paid
    as if there were no primary (min(charge, allowed) = 95.00); now it pays the member's share
    the primary left, min(L, A − P) per line, the claim-level amounts spread by charge."""
    api.clear("12345678A", PHYSICIAN, charge="600.00")  # unit A certified
    primary = _payer("P", "ACME PPO", "ACME01", paid="90", cas=["CAS*CO*45*30", "CAS*PR*1*30"])
    claim = _claim_837_with(
        "CLM-CL1",
        [
            ["SV1*HC:99213*100*UN*1***1", "DTP*472*D8*20261104"],
            ["SV1*HC:99213*50*UN*1***1", "DTP*472*D8*20261104"],
        ],
        [primary],
    )
    x12 = remittance(_answer_837(api, [claim]).text)["CLM-CL1"]
    assert x12["clp"][2] == "2"  # processed as secondary
    # line 1: P 60, L 20 (PR-1), A 95 → 20; line 2: P 30, L 10 → 10
    assert [Decimal(ln["svc"][3]) for ln in x12["lines"]] == [Decimal("20.00"), Decimal("10.00")]
    assert Decimal(x12["clp"][4]) == Decimal("30.00")
    assert Decimal(x12["clp"][5]) == Decimal("0.00")  # the member owes nothing


def test_tertiary_claim_counts_every_prior_payers_payment(api: Api) -> None:
    """Commercial primary (claim level), Medicare secondary (2430), Medi-Cal third: P = 60 + 15,
    L = Medicare's PR-2 5; Medi-Cal pays min(5, 95 − 75) = 5.00 (ignoring Medicare's payment it
    would pay 20.00, the primary's PR)."""
    api.clear("12345678A", PHYSICIAN, charge="600.00")
    commercial = _payer("P", "ACME PPO", "ACME01", paid="60", cas=["CAS*CO*45*20", "CAS*PR*1*20"])
    medicare = _payer("S", "MEDICARE PART B", "MCARE", paid="15", filing="MB")
    line = [
        "SV1*HC:99213*100*UN*1***1",
        "DTP*472*D8*20261105",
        "SVD*MCARE*15*HC:99213**1",
        "CAS*OA*23*60",
        "CAS*CO*45*20",
        "CAS*PR*2*5",
        "DTP*573*D8*20261112",
    ]
    claim = _claim_837_with("CLM-T1", [line], [commercial, medicare])
    x12 = remittance(_answer_837(api, [claim]).text)["CLM-T1"]
    assert x12["clp"][2] == "2"
    assert Decimal(x12["clp"][4]) == Decimal("5.00")
    # the prior payers' impact (their 75.00 paid and 20.00 reduction) is one OA-23
    assert x12["lines"][0]["cas"] == [("OA", "23", Decimal("95.00"))]


def test_cob_amounts_that_do_not_balance_are_refused_in_a_277ca(api: Api) -> None:
    """X222A1 1.4.4: claim charge − payer paid must equal the payer's adjustments (here 25.00
    are missing); the claim is refused before adjudication (277CA A7:400) and not stored."""
    primary = _payer("P", "ACME PPO", "ACME01", paid="80", cas=["CAS*PR*2*15"])
    claim = _claim_837_with(
        "CLM-UNB", [["SV1*HC:99213*120*UN*1***1", "DTP*472*D8*20261104"]], [primary]
    )
    response = _answer_837(api, [claim])
    assert response.headers["X12-Answer"] == "277CA"
    status = acknowledged(response.text)["CLM-UNB"]["stc"]
    assert status[1] == "A7:400"
    assert "COB_UNBALANCED" in status[-1]
    assert api.client.get("/v1/claims/CLM-UNB", headers=basic(PHYSICIAN)).status_code == 404


def test_line_payments_that_do_not_add_up_to_amt_d_are_refused(api: Api) -> None:
    """Σ 2430 SVD02 − claim-level CAS must equal 2320 AMT*D (X12 RFI 524)."""
    primary = _payer("P", "ACME PPO", "ACME01", paid="70", cas=[])
    line = [
        "SV1*HC:99213*120*UN*1***1",
        "DTP*472*D8*20261104",
        "SVD*ACME01*80*HC:99213**1",
        "CAS*CO*45*25",
        "CAS*PR*2*15",
        "DTP*573*D8*20261110",
    ]
    claim = _claim_837_with("CLM-UNB2", [line], [primary])
    status = acknowledged(_answer_837(api, [claim]).text)["CLM-UNB2"]["stc"]
    assert status[1] == "A7:400"


# --- dependents (2000C/2010CA) ---------------------------------------------------------------
def test_a_dependent_patient_who_is_a_member_is_adjudicated_and_named(api: Api) -> None:
    """Subscriber Ana Lopez (12345678A), patient Mia Lopez born 2015-03-02 on the same case:
    adjudicated as Mia (33333333C: her own unit's SOC, her plan L.A. Care, in which the clinic
    is enrolled), and the 835's NM1*QC names her with her own CIN."""
    api.clear("33333333C", CLINIC, charge="150.00")  # unit B certified
    claim = _claim_837_with(
        "CLM-DEP1",
        [["SV1*HC:99213*80*UN*1***1", "DTP*472*D8*20261106"]],
        [],
        member_id="12345678A",
        first="ANA",
        patient=("LOPEZ", "MIA", "20150302"),
    )
    response = _answer_837(api, [claim], CLINIC)
    assert response.headers["X12-Answer"] == "835"
    segments = pyx12_segments(response.text)
    qc = next(s for s in segments if s[0] == "NM1" and s[1] == "QC")
    assert qc[3:5] == ["LOPEZ", "MIA"]
    assert qc[8:10] == ["MI", "33333333C"]
    stored = api.client.get("/v1/claims/CLM-DEP1", headers=basic(CLINIC))
    assert stored.status_code == 200, stored.text
    x12 = remittance(response.text)["CLM-DEP1"]
    assert Decimal(x12["clp"][4]) == Decimal("80.00")  # min(charge 80, allowed 95)


def test_a_dependent_patient_who_is_not_a_member_is_refused_with_a_reason(api: Api) -> None:
    claim = _claim_837_with(
        "CLM-DEP2",
        [["SV1*HC:99213*80*UN*1***1", "DTP*472*D8*20261106"]],
        [],
        member_id="12345678A",
        first="ANA",
        patient=("LOPEZ", "TEO", "20180101"),
    )
    response = _answer_837(api, [claim])
    assert response.headers["X12-Answer"] == "277CA"
    found = acknowledged(response.text)["CLM-DEP2"]
    assert found["nm1"][3:5] == ["LOPEZ", "TEO"]  # the patient is named
    assert found["stc"][1] == "A3:97:QC"  # patient eligibility not found
    assert "PATIENT_NOT_FOUND" in found["stc"][-1]


# --- CARC usage notes and remark codes --------------------------------------------------------
def test_denials_carry_the_remark_codes_their_carc_requires(api: Api) -> None:
    """CARC 96 needs a remark code (N130); a TAR denial (197) says what is missing (M62); "bill
    the other coverage first" (22) asks for its EOB (N479): each in the line's LQ*HE."""
    api.clear("12345678A", PHYSICIAN, charge="600.00")
    claim = _claim_837_with(
        "CLM-RARC",
        [
            ["SV1*HC:97153*148.50*UN*9***1", "DTP*472*D8*20261104"],  # 9 units, 8 authorized
            ["SV1*HC:99499*40*UN*1***1", "DTP*472*D8*20261104"],  # not on the fee schedule
        ],
        [],
    )
    other = _claim_837_with(
        "CLM-RARC2",
        [["SV1*HC:99213*60*UN*1***1", "DTP*472*D8*20261104"]],  # OHC P, no primary EOB
        [],
        member_id="12345678A",
        first="ANA",
    )
    response = _answer_837(api, [claim])
    again = _answer_837(api, [other])
    expected = {"197": "M62", "96": "N130", "22": "N479"}
    seen: set[str] = set()
    for text in (response.text, again.text):
        lines: list[tuple[set[str], list[str]]] = []
        for seg in pyx12_segments(text):
            if seg[0] == "SVC":
                lines.append((set(), []))
            elif seg[0] == "CAS" and lines:
                lines[-1][0].update(seg[i] for i in range(2, len(seg), 3) if seg[i])
            elif seg[0] == "LQ":
                lines[-1][1].append(seg[2])
        for reasons, remarks in lines:
            for carc, rarc in expected.items():
                if carc in reasons:
                    assert rarc in remarks, (carc, remarks)
                    seen.add(carc)
    assert seen == set(expected)


# --- corrected and void claims (CLM05-3 7 and 8 with 2300 REF*F8) ----------------------------
def _correction(claim: list[str], frequency: str, original: str) -> list[str]:
    out: list[str] = []
    for segment in claim:
        if segment.startswith("CLM*"):
            segment = segment.replace("***11:B:1*", f"***11:B:{frequency}*")
        if segment.startswith("HI*"):
            out.append(f"REF*F8*{original}")
        out.append(segment)
    return out


def _bpr_and_plb(text: str) -> tuple[Decimal, list[list[str]]]:
    segments = pyx12_segments(text)
    bpr = next(s for s in segments if s[0] == "BPR")
    return Decimal(bpr[2]), [s for s in segments if s[0] == "PLB"]


def test_a_replacement_reverses_the_original_and_pays_the_new_claim(api: Api) -> None:
    api.clear("12345678A", PHYSICIAN, charge="600.00")
    first = claim_837("CLM-R1", [cob_line("99213", "100.00", 1, "20261104")], member_id="22222222B")
    before = remittance(_answer_837(api, [first]).text)["CLM-R1"]
    assert Decimal(before["clp"][4]) == Decimal("95.00")
    replacement = claim_837(
        "CLM-R1", [cob_line("99213", "80.00", 1, "20261104")], member_id="22222222B"
    )
    response = _answer_837(api, [_correction(replacement, "7", "CLM-R1")])
    clps = [s for s in pyx12_segments(response.text) if s[0] == "CLP"]
    assert [(c[1], c[2], Decimal(c[3]), Decimal(c[4])) for c in clps] == [
        ("CLM-R1", "22", Decimal("-100.00"), Decimal("-95.00")),  # the original, reversed
        ("CLM-R1", "1", Decimal("80.00"), Decimal("80.00")),  # the replacement
    ]
    # 80.00 − 95.00 < 0: BPR02 0.00 and the 15.00 carried forward (PLB FB −15.00)
    bpr, plb = _bpr_and_plb(response.text)
    assert bpr == Decimal("0.00")
    assert len(plb) == 1
    assert plb[0][3].startswith("FB")
    assert Decimal(plb[0][4]) == Decimal("-15.00")
    stored = api.client.get("/v1/claims/CLM-R1", headers=basic(PHYSICIAN)).json()
    assert Decimal(stored["totals"]["medi_cal_paid"]) == Decimal("80.00")


def test_a_void_reverses_the_original_once(api: Api) -> None:
    api.clear("12345678A", PHYSICIAN, charge="600.00")
    first = claim_837("CLM-V1", [cob_line("99213", "100.00", 1, "20261104")], member_id="22222222B")
    _answer_837(api, [first])
    void = _correction(first, "8", "CLM-V1")
    response = _answer_837(api, [void])
    claims = remittance(response.text)
    assert claims["CLM-V1"]["clp"][2] == "22"
    assert Decimal(claims["CLM-V1"]["clp"][4]) == Decimal("-95.00")
    assert api.client.get("/v1/claims/CLM-V1", headers=basic(PHYSICIAN)).status_code == 404
    again = _answer_837(api, [void])  # voided already: refused, nothing reversed twice
    status = acknowledged(again.text)["CLM-V1"]["stc"]
    assert status[1] == "A7:464"
    assert "ALREADY_CORRECTED" in status[-1]


def test_a_correction_of_an_unknown_claim_is_refused(api: Api) -> None:
    claim = claim_837("CLM-U1", [cob_line("99213", "100.00", 1, "20261104")], member_id="22222222B")
    response = _answer_837(api, [_correction(claim, "7", "NO-SUCH-CLAIM")])
    assert response.headers["X12-Answer"] == "277CA"
    assert acknowledged(response.text)["CLM-U1"]["stc"][1] == "A7:464"


# --- 276/277 claim status (005010X212) ---------------------------------------------------------
def read_x212(text: str) -> list[Any]:
    """The 277 read back with x12sdk's own 005010X212 models (pyx12 4.0's 277.5010.X212 map is
    not in its index, and its GS segment names another guide): the structure must fit them."""
    with X12ModelReader(text) as reader:
        return list(reader.models())


def _request_276(npi: str, requests: list[tuple[str, str, str]]) -> str:
    """(member ID, claim ID, trace) per subscriber request."""
    body = [
        "BHT*0010*13*STATUS-1*20261123*1000",
        "HL*1**20*1",
        "NM1*PR*2*MEDI-CAL*****PI*610442",
        "HL*2*1*21*1",
        "NM1*41*2*VALLEY FAMILY MEDICINE*****46*CLINICSUBMIT",
        "HL*3*2*19*1",
        f"NM1*1P*2*VALLEY FAMILY MEDICINE*****XX*{npi}",
    ]
    for number, (member_id, claim_id, trace) in enumerate(requests, start=4):
        body += [
            f"HL*{number}*3*22*0",
            "DMG*D8*19600501*F",
            f"NM1*IL*1*LOPEZ*ANA****MI*{member_id}",
            f"TRN*1*{trace}",
            f"REF*1K*{claim_id}",
            "AMT*T3*100",
            "DTP*472*D8*20261104",
        ]
    return interchange("276", "005010X212", [body])


def test_a_276_is_answered_with_the_stored_claims_status(api: Api) -> None:
    api.clear("12345678A", PHYSICIAN, charge="600.00")
    post(api, sample("claims-837p.x12"))
    text = _request_276(
        PHYSICIAN[0], [("22222222B", "CLM-X2", "T-1"), ("33333333C", "NO-SUCH", "T-2")]
    )
    response = post(api, text)
    assert response.headers["X12-Answer"] == "277"
    models = read_x212(response.text)
    assert [type(m).__name__ for m in models] == ["HealthCareClaimsStatusResponse"]
    stc: dict[str, list[str]] = {}
    trace = ""
    for seg in pyx12_segments(response.text):
        if seg[0] == "TRN":
            trace = seg[2]
        elif seg[0] == "STC":
            stc[trace] = seg
    rest = api.client.get("/v1/claims/CLM-X2", headers=basic(PHYSICIAN)).json()
    assert stc["T-1"][1] == ("F2:1" if rest["status"] == "denied" else "F1:1")
    assert Decimal(stc["T-1"][5]) == Decimal(rest["totals"]["medi_cal_paid"])
    assert stc["T-2"][1] == "D0:35"  # not found


def test_a_276_about_another_providers_claims_finds_nothing(api: Api) -> None:
    api.clear("12345678A", PHYSICIAN, charge="600.00")
    post(api, sample("claims-837p.x12"))
    text = _request_276(CLINIC[0], [("22222222B", "CLM-X2", "T-9")])
    response = post(api, text)  # the physician's credentials, the clinic's NPI in 2100C
    statuses = [s for s in pyx12_segments(response.text) if s[0] == "STC"]
    assert [s[1] for s in statuses] == ["D0:35"]


def test_the_rest_claim_format_takes_claim_level_and_tertiary_amounts_too(api: Api) -> None:
    """The claim format's primary.paid/adjustments and other_payers (docs/rules.md "COB
    amounts") give what the 837P's 2320 loops give: the tertiary claim above, paid 5.00."""
    api.clear("12345678A", PHYSICIAN, charge="600.00")
    body = rest_claim(
        "R-T1",
        "22222222B",
        [line("2026-11-05", "99213", 1, "100.00")],
        {
            **COMMERCIAL,
            "paid": "60.00",
            "adjustments": [
                {"group": "CO", "carc": "45", "amount": "20.00"},
                {"group": "PR", "carc": "1", "amount": "20.00"},
            ],
        },
    )
    body["other_payers"] = [
        {
            **MEDICARE,
            "paid": "15.00",
            "adjustments": [
                {"group": "OA", "carc": "23", "amount": "60.00"},
                {"group": "CO", "carc": "45", "amount": "20.00"},
                {"group": "PR", "carc": "2", "amount": "5.00"},
            ],
        }
    ]
    rest = api.client.post("/v1/claims", json=body, headers=basic(PHYSICIAN))
    assert rest.status_code == 201, rest.text
    assert rest.json()["totals"]["medi_cal_paid"] == "5.00"
    assert rest.json()["totals"]["primary_paid"] == "75.00"
    body["claim_id"] = "R-T2"
    body["other_payers"][0]["paid"] = "16.00"  # 100 − 16 ≠ 85: does not balance
    refused = api.client.post("/v1/claims", json=body, headers=basic(PHYSICIAN))
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "COB_UNBALANCED"


def test_a_reversal_of_a_record_stored_before_line_charges_were_kept_balances() -> None:
    """Adjudications stored before this version have no line charges: the reversal is then
    claim-level only (CLP and claim CAS negated), and still balances (x221a1.check_balance)."""
    from datetime import date as day_of

    from spenddown import rules
    from spenddown.adapters.x12 import exchange, mapping
    from spenddown.adapters.x12.x221a1 import Party, Remittance, build_835, check_balance
    from spenddown.adapters.x12.x222a1 import ProfessionalClaim
    from spenddown.domain.cob.adjudication import (
        Adjudication,
        ClaimStatus,
        LineResult,
        LineStatus,
        Totals,
    )
    from spenddown.domain.money import Money
    from spenddown.services.claims import CorrectedLine, Correction

    m = Money.of
    line = LineResult(
        1,
        LineStatus.PAID,
        m("95"),
        m("0"),
        m("100"),
        m("10"),
        m("85"),
        m("10"),
        m("5"),
        m("0"),
        (),
        None,
        (),
    )
    original = Adjudication(
        "OLD-1",
        ClaimStatus.PAID,
        "ffs",
        None,
        (line,),
        Totals(m("100"), m("0"), m("85"), m("10"), m("5")),
        False,
        (),
    )
    correction = Correction(
        "OLD-1", "22222222B", original, (CorrectedLine("99213", 1, day_of(2026, 11, 4)),), None
    )
    wire = ProfessionalClaim("OLD-1", "100", "1234567893", "VALLEY", "22222222B", "LOPEZ", "LUIS")
    payment = mapping.reversal_payment(correction, wire, rules.remark_rules())
    assert payment.status.value == "22"
    assert (payment.charge, payment.paid, payment.patient_responsibility) == (
        m("-100").amount,
        m("-85").amount,
        m("-10").amount,
    )
    assert payment.lines == []
    remittance = Remittance(
        exchange.MEDI_CAL,
        Party("VALLEY", "1234567893"),
        "T1",
        day_of(2026, 11, 23),
        [payment],
    )
    check_balance(remittance)
    assert remittance.total_paid == 0  # the 85.00 is carried forward (PLB FB)
    text = build_835(remittance, control_number="0001").x12()
    assert "PLB*1234567893*20261231*FB:T1*-85.00" in text


def test_a_276_with_a_wrong_pin_is_401(api: Api) -> None:
    response = api.client.post(
        "/v1/x12",
        content=_request_276(PHYSICIAN[0], [("22222222B", "CLM-X2", "T-1")]),
        headers={**X12, **basic((PHYSICIAN[0], "0000"))},
    )
    assert response.status_code == 401
    assert response.json()["code"] == "INVALID_CREDENTIALS"


def test_a_late_837p_is_co_29_unless_clm20_gives_a_delay_reason(api: Api) -> None:
    """docs/rules.md, Claim timeliness: seven months after the month of service."""
    late = claim_837(
        "CLM-LATE", [cob_line("99213", "100.00", 1, "20260410")], member_id="88888888H"
    )
    excused = [
        s + "***********1" if s.startswith("CLM*") else s
        for s in claim_837(
            "CLM-LATE-1", [cob_line("99213", "100.00", 1, "20260410")], member_id="88888888H"
        )
    ]
    text = interchange("837", "005010X222A1", [submission_837([late, excused])])
    answered = remittance(post(api, text).text)
    assert ("CO", "29") in {(g, r) for g, r, _ in answered["CLM-LATE"]["lines"][0]["cas"]}
    assert "29" not in {r for _, r, _ in answered["CLM-LATE-1"]["lines"][0]["cas"]}
