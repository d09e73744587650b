"""270 → 271 (005010X279A1) through POST /v1/x12, on SQLite and PostgreSQL: the same answers as
POST /v1/eligibility/verifications for every subscriber of a realistic interchange (docs/rules.md
§2), the AAA codes, the authentication rules, pyx12 reading the 271, x12sdk round-tripping it
and x12sdk-built inquiries answered."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from api_support import ISSUE_TEXT, Api, basic
from x12_builders import inquiry_270, interchange, sample
from x12_independent import check_271
from x12_independent import segments as pyx12_segments
from x12sdk.generate import BenefitSpec, EligibilitySpec, MemberSpec
from x12sdk.generate._eligibility import build_270
from x12sdk.io import X12ModelReader, write_transactions
from x12sdk.support import count_segments
from x12sdk.v5010.x12_270_005010X279A1 import segments as inquiry_segments

from spenddown.adapters.x12.acknowledgments import clean
from support.world import CLINIC, PHYSICIAN

X12 = {"Content-Type": "application/edi-x12"}


def post(api: Api, text: str, provider: tuple[str, str] = PHYSICIAN) -> Any:
    response = api.client.post("/v1/x12", content=text, headers={**X12, **basic(provider)})
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("application/edi-x12")
    return response


def subscribers(text: str) -> list[dict[str, Any]]:
    """Each 2000C of a 271, read with pyx12's reader (not ours)."""
    found: list[dict[str, Any]] = []
    current: dict[str, Any] | None = None
    last_eb: list[str] = []
    for seg in pyx12_segments(text):
        name = seg[0]
        if name == "HL" and seg[3] == "22":
            current = {"evc": None, "aaa": [], "eb": [], "aid_codes": [], "msg": []}
            found.append(current)
        elif current is None:
            continue
        elif name == "HL":
            current = None
        elif name == "TRN" and seg[1] == "1":
            current["evc"] = seg[2]
        elif name == "NM1" and seg[1] == "IL":
            current["member_id"] = seg[9]
        elif name == "AAA":
            current["aaa"].append((seg[1], seg[3], seg[4]))
        elif name == "EB":
            last_eb = seg
            current["eb"].append(seg)
        elif name == "REF" and seg[1] == "M7" and last_eb:
            current["aid_codes"].append(seg[2])
        elif name == "MSG":
            current["msg"].append(seg[1])
    return found


def summary(answer: dict[str, Any]) -> dict[str, Any]:
    """What the REST API and the 271 must agree on."""
    ebs = answer["eb"]
    spend_down = {eb[6]: eb[7] for eb in ebs if eb[1] == "Y"}
    return {
        "eligible": bool(ebs) and ebs[0][1] == "1",
        "evc": answer["evc"] is not None,
        "soc": spend_down.get("34"),
        "remaining": spend_down.get("29"),
        "aid_codes": answer["aid_codes"],
        "plan": next((eb[5] for eb in ebs if eb[1] == "MC"), None),
        "ohc": [eb[5].removeprefix("OHC CODE ") for eb in ebs if eb[1] == "R"],
    }


def rest_summary(body: dict[str, Any]) -> dict[str, Any]:
    soc = body["share_of_cost"]
    return {
        "eligible": body["eligible"],
        "evc": body["evc"] is not None,
        "soc": soc and soc["amount"],
        "remaining": soc and soc["remaining"],
        "aid_codes": [c["aid_code"] for c in body["aid_codes"]],
        "plan": body["plan"] and body["plan"]["name"],
        "ohc": body["other_health_coverage"],
    }


CASES = [  # member, REST overrides, AAA03 expected for refusals
    ("12345678A", {}, None),
    ("22222222B", {}, None),
    ("33333333C", {}, None),
    ("55555555E", {}, None),
    ("66666666F", {}, None),
    ("77777777G", {}, None),
    ("88888888H", {}, None),
    ("99999999J", {}, None),
    ("12345678A", {"bic_issue_date": "2025-02-02"}, "75"),
    ("11111111Z", {}, "75"),
    ("12345678A", {"service_date": "2025-10-01"}, "62"),
    ("12345678A", {"service_date": "2026-11-24"}, "63"),
    ("1234", {}, "72"),
]


def test_sample_270_answers_like_the_rest_api(api: Api) -> None:
    """docs/rules.md §2 through both interfaces: eligible, EVC present, SOC, remaining, aid codes,
    plan and OHC agree for every subscriber; refusals are AAA with the guide's codes, the
    unknown ID and the wrong issue date with the same one (75)."""
    response = post(api, sample("eligibility-270.x12"))
    assert response.headers["X12-Answer"] == "271"
    answers = subscribers(response.text)
    assert len(answers) == len(CASES)
    for (member, overrides, aaa), answer in zip(CASES, answers, strict=True):
        assert answer["member_id"] == member
        rest = api.verify(member, CLINIC, **overrides)
        if aaa is None:
            assert rest.status_code == 200, rest.text
            assert summary(answer) == rest_summary(rest.json()), member
            # MSG is free text without the delimiters (":" is the component separator)
            assert [clean(m) for m in rest.json()["messages"]] == answer["msg"][
                : len(rest.json()["messages"])
            ]
        else:
            assert rest.status_code in (404, 422), rest.text
            assert answer["aaa"] == [("N", aaa, "C")], member
            assert not answer["eb"]


def test_soc_member_in_detail(api: Api) -> None:
    """The POS-style message, EB*Y amounts, EB*MC with the plan name and EB*R with OHC P; after
    the SOC is met the member is EB*1 with an EVC in the information source's TRN."""
    text = interchange("270", "005010X279A1", [inquiry_270([{"member_id": "12345678A"}])])
    before = subscribers(post(api, text).text)[0]
    # EQ*30: the generic answer lists 30 and the X279A1/CORE generic service types
    generic = "30^1^33^35^47^48^50^86^88^98^AL^MH^UC"
    assert before["eb"][0][1:6] == ["6", "IND", generic, "MC", "MEDI-CAL"]
    assert "MEDI-CAL ELIGIBLE WITH $00600 SOC. REMAINING SOC $600.00." in before["msg"]
    assert summary(before)["soc"] == "600.00"
    assert summary(before)["plan"] == "Health Net"
    assert summary(before)["ohc"] == ["P"]
    assert before["evc"] is None
    api.clear("12345678A", PHYSICIAN, charge="600.00")
    after = subscribers(post(api, text).text)[0]
    assert summary(after)["eligible"] is True
    assert summary(after)["remaining"] == "0.00"
    assert after["evc"] is not None
    assert len(after["evc"]) == 10
    assert summary(after)["aid_codes"] == ["17"]


def test_wrong_pin_rejects_the_receiver_once_and_npi_mismatch_is_43(api: Api) -> None:
    text = sample("eligibility-270.x12")
    wrong = post(api, text, (PHYSICIAN[0], "0000")).text
    rows = pyx12_segments(wrong)
    assert ["AAA", "N", "", "41", "C"] in rows
    assert not any(r[0] == "HL" and r[3] == "22" for r in rows)  # nobody answered
    # one interchange counted one wrong PIN: four more tries are needed to lock the NPI
    assert api.verify("12345678A", PHYSICIAN).status_code == 200
    other = post(api, text, CLINIC).text  # 2100B names the physician, not the clinic
    assert ["AAA", "N", "", "43", "C"] in pyx12_segments(other)


def test_271_round_trips_through_x12sdk(api: Api) -> None:
    """x12sdk reads the 271 back into its models and writes the same segments."""
    members = [{"member_id": m} for m in ("12345678A", "66666666F", "88888888H", "99999999J")]
    text = post(api, interchange("270", "005010X279A1", [inquiry_270(members)])).text
    with X12ModelReader(text) as reader:
        models = list(reader.models())
    assert len(models) == 1
    ours = [line for line in text.splitlines() if line[:3] not in ("ISA", "GS*", "GE*", "IEA")]
    assert models[0].x12().splitlines() == ours


def test_inquiry_written_by_x12sdk_is_answered(api: Api) -> None:
    """A 270 built with x12sdk's models (another tool): the card issue date in 2100C DTP*102,
    the date of service in 2110C DTP*291 (x12sdk's 2100C holds one DTP)."""
    members = ["12345678A", "66666666F", "88888888H", "11111111Z"]
    spec = EligibilitySpec(
        members=[MemberSpec(benefits=(BenefitSpec(),), member_id=m) for m in members],
        provider_name="VALLEY FAMILY MEDICINE",
    )
    model = build_270(spec, seed=3)
    receiver = model.loop_2000a[0].loop_2000b[0]
    receiver.loop_2100b.nm1_segment.identification_code = PHYSICIAN[0]
    for subscriber in receiver.loop_2000c or []:
        name = subscriber.loop_2100c
        name.dtp_segment = inquiry_segments.Loop2100DtpSegment(
            date_time_qualifier="102",
            date_time_period_format_qualifier="D8",
            date_time_period=ISSUE_TEXT.replace("-", ""),
        )
        for eligibility in name.loop_2110c or []:
            eligibility.dtp_segment = inquiry_segments.Loop2110DtpSegment(
                date_time_qualifier="291",
                date_time_period_format_qualifier="D8",
                date_time_period=date(2026, 11, 3).strftime("%Y%m%d"),
            )
    parts = {"header": model.header, "loop_2000a": model.loop_2000a, "footer": model.footer}
    model.footer.se_segment.transaction_segment_count = count_segments(parts)
    text = write_transactions([model], sender_id="X12SDKCLIENT", receiver_id="MEDICAL")
    answers = subscribers(post(api, text).text)
    assert [a["member_id"] for a in answers] == members
    assert [summary(a)["eligible"] for a in answers[:3]] == [False, True, True]
    assert answers[3]["aaa"] == [("N", "75", "C")]


@pytest.mark.parametrize(
    ("issue", "aaa"), [(None, "15"), ("20250201", None)], ids=["no-issue-date", "issue-date"]
)
def test_issue_date_is_required(api: Api, issue: str | None, aaa: str | None) -> None:
    text = interchange(
        "270", "005010X279A1", [inquiry_270([{"member_id": "88888888H", "issue": issue}])]
    )
    answer = subscribers(post(api, text).text)[0]
    assert answer["aaa"] == ([] if aaa is None else [("N", aaa, "C")])


# --- X279A1 example 2, service types, traces, names, characters ------------------------------
def tr3_example_2(subscriber_eq: str | None = None) -> str:
    """The TR3's example 2 (a physician asks about a dependent, the subscriber named by ID
    only: NM103 empty), with spenddown's NPI, a member and a card issue date, two subscriber
    TRNs and the dependent's own TRN; ``subscriber_eq`` adds a 2110C EQ."""
    body = [
        "BHT*0022*13*10001235*20261123*1320",
        "HL*1**20*1",
        "NM1*PR*2*ABC COMPANY*****PI*842610001",
        "HL*2*1*21*1",
        f"NM1*1P*1*JONES*MARCUS****XX*{PHYSICIAN[0]}",
        "HL*3*2*22*1",
        "TRN*1*SUB-TRACE-1*9877281234",
        "TRN*1*SUB-TRACE-2*9CLEARING1*DEPT 7",
        "NM1*IL*1******MI*12345678A",
        "DTP*102*D8*20250201",
        *([subscriber_eq] if subscriber_eq else []),
        "HL*4*3*23*0",
        "TRN*1*93175-012547*9877281234",
        "NM1*03*1*SMITH*MARY",
        "DMG*D8*19781014",
        "DTP*291*D8*20261103",
        "EQ*30",
    ]
    return interchange("270", "005010X279A1", [body])


def rows_of(text: str) -> list[list[str]]:
    return check_271(text)[0]


def test_tr3_example_2_is_answered_with_every_trace_and_name_echoed(api: Api) -> None:
    out = post(api, tr3_example_2()).text
    rows = rows_of(out)
    assert pyx12_segments(out)  # pyx12's reader takes it too
    assert ["NM1", "1P", "1", "JONES", "MARCUS", "", "", "", "XX", PHYSICIAN[0]] in rows
    assert ["NM1", "IL", "1", "", "", "", "", "", "MI", "12345678A"] in rows  # NM103 stays empty
    traces = [r for r in rows if r[0] == "TRN"]
    assert traces[:2] == [
        ["TRN", "2", "SUB-TRACE-1", "9877281234"],
        ["TRN", "2", "SUB-TRACE-2", "9CLEARING1", "DEPT 7"],
    ]
    assert ["TRN", "2", "93175-012547", "9877281234"] in rows  # the dependent's, in 2000D
    dependent = rows.index(["HL", "4", "3", "23", "0"])
    assert rows[dependent + 1] == ["TRN", "2", "93175-012547", "9877281234"]
    assert rows[dependent + 2][:4] == ["NM1", "03", "1", "SMITH"]
    assert ["AAA", "N", "", "64", "C"] in rows  # a Medi-Cal member is a subscriber


@pytest.mark.parametrize(
    ("eq", "eb03"),
    [
        ("EQ*30", "30^1^33^35^47^48^50^86^88^98^AL^MH^UC"),
        ("EQ*47^98^AL", "30^47^98^AL"),
        ("EQ*98^NOPE", "30^1^33^35^47^48^50^86^88^98^AL^MH^UC"),  # an unknown type: generic
        ("EQ**HC:99213", "30^1^33^35^47^48^50^86^88^98^AL^MH^UC"),  # a procedure only
    ],
    ids=["generic", "three-types", "unknown-type", "procedure"],
)
def test_each_requested_service_type_is_answered(sqlite_url: str, eq: str, eb03: str) -> None:
    """X279A1 §1.4.7: the coverage EB answers every EQ01 repetition; a generic inquiry, an
    unknown type or no type gets 30 and the generic response's list (with CAQH CORE 48, 50)."""
    from spenddown.adapters.x12.exchange import answer
    from support.world import make_world

    world = make_world(sqlite_url)
    try:
        out = answer(
            tr3_example_2(eq),
            npi=PHYSICIAN[0],
            pin=PHYSICIAN[1],
            uow=world.app.uow,
            env=world.app.env,
        ).text
    finally:
        world.app.close()
    ebs = [r for r in rows_of(out) if r[0] == "EB"]
    assert ebs[0][3] == eb03
    assert all(eb[3] == "30" for eb in ebs[1:])


def test_names_are_mapped_to_the_x12_character_set(api: Api) -> None:
    """A name with accents and an undecodable byte (U+FFFD after decoding) comes back in the
    X12 basic/extended character set: accents dropped, anything else a space, never U+FFFD."""
    text = interchange(
        "270",
        "005010X279A1",
        [inquiry_270([{"member_id": "88888888H", "last": "MUÑOZ\ufffdGÓMEZ", "first": "JOSÉ"}])],
    )
    out = post(api, text.encode("utf-8")).text
    assert "\ufffd" not in out
    assert all(ord(c) < 128 for c in out)
    assert "NM1*IL*1*MUNOZ GOMEZ*JOSE****MI*88888888H~" in out
    assert clean("a\u00a0b\x00c~d*e") == "a b c d e"
