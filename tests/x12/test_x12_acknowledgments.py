"""Malformed interchanges are answered with a TA1 (the envelope) or a 999 (a group or a set),
never an exception; every 999 passes pyx12's 005010X231A1 map. Also the endpoint's HTTP
refusals and the CLI. No database work happens for a rejected interchange."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_support import Api, basic
from x12_builders import inquiry_270, interchange, sample
from x12_independent import check_271, check_envelope, interchanges, only_groups, validate
from x12_independent import segments as pyx12_segments

from spenddown.adapters.x12.exchange import Answer, answer
from spenddown.domain.errors import AuthenticationFailed
from support.cli import Cli, current_dataset
from support.world import PHYSICIAN, World, make_world

X12 = {"Content-Type": "application/edi-x12"}
GOOD = interchange("270", "005010X279A1", [inquiry_270([{"member_id": "88888888H"}])])
NO_SUBSCRIBER_NAME = interchange(
    "270",
    "005010X279A1",
    [[s for s in inquiry_270([{"member_id": "88888888H"}]) if not s.startswith("NM1*IL")]],
)


@pytest.fixture(scope="module")
def sqlite_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    made = make_world(f"sqlite:///{tmp_path_factory.mktemp('x12') / 'ack.db'}")
    yield made
    made.app.close()


def respond(world: World, text: str) -> tuple[str, str]:
    result = answer(text, npi=PHYSICIAN[0], pin=PHYSICIAN[1], uow=world.app.uow, env=world.app.env)
    return result.kind, result.text


def ta1_note(text: str) -> str:
    line = next(ln for ln in text.splitlines() if ln.startswith("TA1*"))
    return line.rstrip("~").split("*")[5]


@pytest.mark.parametrize(
    ("text", "note"),
    [
        ("", "022"),
        ("hello", "022"),
        ("ISA*00*short~", "023"),
        (GOOD.replace("*00501*", "*00401*"), "017"),
        (GOOD.replace("IEA*1*000000101", "IEA*1*000000999"), "001"),
        (GOOD.replace("IEA*1*000000101", "IEA*2*000000101"), "021"),
        (GOOD.rsplit("IEA", 1)[0], "023"),
        (GOOD.replace("*261123*", "*261399*"), "014"),
        (GOOD.replace("GS*HS*", "XX*HS*"), "024"),
    ],
    ids=[
        "empty",
        "text",
        "short-isa",
        "version",
        "iea-control",
        "group-count",
        "no-iea",
        "date",
        "no-gs",
    ],
)
def test_broken_interchange_is_a_ta1(sqlite_world: World, text: str, note: str) -> None:
    kind, out = respond(sqlite_world, text)
    assert kind == "TA1"
    assert ta1_note(out) == note
    assert "*R*" in out


@pytest.mark.parametrize(
    ("text", "ik"),
    [
        (GOOD.replace("SE*", "SE*9", 1), "IK5*R*4"),  # segment count
        (GOOD.replace("*0001~\nGE*", "*0002~\nGE*"), "IK5*R*3"),  # control numbers
        (GOOD.replace("005010X279A1", "005010X999"), "AK9*R"),  # version not supported
        (GOOD.replace("DTP*291*D8*20261103", "DTP*291*D8*20261341"), "IK4*3**8*20261341"),
        (NO_SUBSCRIBER_NAME, "IK3*DTP*"),  # 2100C NM1 missing: the next segment is unexpected
        (GOOD.replace("NM1*1P*2", "NM1*ZZ*2"), "IK4*1**7*ZZ"),  # 2100B NM101 not the guide's
        (GOOD.replace("*PI*610442", "*ZZ*610442"), "IK4*8**7*ZZ"),  # 2100A NM108
    ],
    ids=["se-count", "se-control", "version", "bad-date", "missing-nm1", "nm101", "nm108"],
)
def test_broken_transaction_set_is_a_999_that_pyx12_accepts(
    sqlite_world: World, text: str, ik: str
) -> None:
    kind, out = respond(sqlite_world, text)
    assert kind == "999", out
    assert ik in out
    ok, report = validate(out)
    assert ok, report


def test_one_bad_set_among_good_ones_is_a_partial_999_and_the_good_ones_answered(
    sqlite_world: World,
) -> None:
    bodies = [inquiry_270([{"member_id": "88888888H"}]), ["BHT*0022*13*X*20261123*1000"]]
    kind, out = respond(sqlite_world, interchange("270", "005010X279A1", bodies))
    assert kind == "999+271"
    assert "AK9*P*2*2*1" in out
    assert "IK5*A~" in out
    ack = only_groups(out, "FA")
    assert validate(ack)[0], validate(ack)[1]
    answered = only_groups(out, "HB")
    check_271(answered)
    assert answered.count("ST*271*") == 1
    assert "NM1*IL*1*" in answered


def test_ta1_is_read_by_pyx12(sqlite_world: World) -> None:
    _, out = respond(sqlite_world, GOOD.replace("*00501*", "*00401*"))
    assert [s[0] for s in pyx12_segments(out)] == ["ISA", "TA1", "IEA"]


# --- the endpoint ---------------------------------------------------------------------------
def test_endpoint_answers_garbage_with_an_acknowledgment(api: Api) -> None:
    for body in (b"\x00\xff garbage", GOOD.replace("SE*", "SE*9", 1).encode()):
        response = api.client.post("/v1/x12", content=body, headers={**X12, **basic(PHYSICIAN)})
        assert response.status_code == 200
        assert response.headers["X12-Answer"] in ("TA1", "999")


def test_endpoint_refusals_are_problems(api: Api) -> None:
    text = sample("eligibility-270.x12")
    no_credentials = api.client.post("/v1/x12", content=text, headers=X12)
    assert no_credentials.status_code == 401
    wrong_type = api.client.post(
        "/v1/x12", content=text, headers={"Content-Type": "application/json", **basic(PHYSICIAN)}
    )
    assert wrong_type.status_code == 415
    assert wrong_type.json()["code"] == "UNSUPPORTED_MEDIA_TYPE"
    county = api.client.post("/v1/x12", content=text, headers={**X12, **api.headers("county")})
    assert county.status_code == 403


def test_endpoint_is_in_the_openapi_document(api: Api) -> None:
    operation = api.client.get("/openapi.json").json()["paths"]["/v1/x12"]["post"]
    assert "application/edi-x12" in operation["requestBody"]["content"]


# --- the CLI --------------------------------------------------------------------------------
def test_cli_answers_a_file(tmp_path: Path) -> None:
    cli = Cli(f"sqlite:///{tmp_path / 'cli.db'}", tmp_path)
    dataset = tmp_path / "world.json"
    dataset.write_text(json.dumps(current_dataset()))
    assert cli("import", str(dataset)).exit_code == 0
    inquiry = tmp_path / "in.x12"
    inquiry.write_text(
        interchange(
            "270", "005010X279A1", [inquiry_270([{"member_id": "88888888H", "service": None}])]
        )
    )
    out = tmp_path / "out.x12"
    result = cli(
        "x12", str(inquiry), "--npi", PHYSICIAN[0], "--pin", PHYSICIAN[1], "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "EB*1*IND*30*MC*AID CODE C1~" in out.read_text()
    garbage = tmp_path / "garbage.x12"
    garbage.write_text("not x12")
    refused = cli("x12", str(garbage), "--npi", PHYSICIAN[0], "--pin", PHYSICIAN[1])
    assert refused.exit_code == 2
    assert "TA1*" in refused.stdout


# --- envelopes: several interchanges, several groups, ISA14 -----------------------------------
def test_each_interchange_of_a_file_is_answered_on_its_own(sqlite_world: World) -> None:
    """A broken interchange (TA1 017) between two good ones: the file gets three interchanges
    back, in order, each echoing its own ISA13."""
    second = interchange(
        "270", "005010X279A1", [inquiry_270([{"member_id": "88888888H"}])], control="102"
    )
    broken = second.replace("*00501*", "*00401*").replace("000000102", "000000103")
    kind, out = respond(sqlite_world, GOOD + broken + second)
    assert kind == "271+TA1"
    answered = interchanges(out)
    assert [a.split("~")[0].split("*")[13] for a in answered] == [
        "000000101",
        "000000103",
        "000000102",
    ]
    check_271(answered[0])
    assert ta1_note(answered[1]) == "017"
    check_271(answered[2])


def test_several_groups_are_answered_one_group_each_with_unique_control_numbers(
    sqlite_world: World,
) -> None:
    """Two inbound HS groups whose sets are both ST02 0001: one HB group per inbound group,
    GS06 1 and 2, ST02 numbered by spenddown in each (never a duplicate in a group)."""
    body = [inquiry_270([{"member_id": "88888888H"}])]
    one = interchange("270", "005010X279A1", body, control="7")
    two = interchange("270", "005010X279A1", body + body, control="8")
    inner_one = one.split("\n")[1:-2]  # GS..GE
    inner_two = two.split("\n")[1:-2]
    text = "\n".join([one.split("\n")[0], *inner_one, *inner_two, "IEA*2*000000007~"])
    kind, out = respond(sqlite_world, text)
    assert kind == "271"
    found = check_envelope(out)
    assert [g["control"] for g in found] == ["1", "2"]
    numbers = [[s[0][2] for s in g["sets"]] for g in found]  # type: ignore[attr-defined]
    assert numbers == [["0001"], ["0001", "0002"]]


def test_ta1_accepts_when_the_sender_asks(sqlite_world: World) -> None:
    asked = GOOD.replace("*000000101*0*T*", "*000000101*1*T*")
    kind, out = respond(sqlite_world, asked)
    assert kind == "TA1+271"
    assert "TA1*000000101*261123*1000*A*000~" in out
    check_271(out)
    _, plain = respond(sqlite_world, GOOD)
    assert "TA1*" not in plain


def test_a_rejected_group_answers_none_of_its_sets(sqlite_world: World) -> None:
    """GE01 wrong: AK9 R with AK905 5; the set itself is fine (IK5 A) yet not answered."""
    kind, out = respond(sqlite_world, GOOD.replace("GE*1*101", "GE*2*101"))
    assert kind == "999"
    assert "IK5*A~" in out
    assert "AK9*R*1*1*1*5~" in out
    assert "ST*271" not in out
    assert validate(out)[0]


# --- acknowledgments sent back to spenddown -----------------------------------------------------
ACK_999 = (
    f"ISA*00*{' ' * 10}*00*{' ' * 10}*ZZ*{'CLINICSUBMIT':<15}*ZZ*{'MEDICAL':<15}*261123*1000*^*"
    "00501*000000555*1*T*:~\n"
    "GS*FA*CLINICSUBMIT*MEDICAL*20261123*1000*555*X*005010X231A1~\n"
    "ST*999*0001*005010X231A1~\nAK1*HP*1*005010X221A1~\nAK2*835*0001*005010X221A1~\n"
    "IK3*CLP*7*2100*8~\nIK4*2*1029*7*99~\nIK5*R*5~\nAK9*R*1*1*0~\nSE*8*0001~\n"
    "GE*1*555~\nIEA*1*000000555~\n"
)
ACK_TA1 = (
    f"ISA*00*{' ' * 10}*00*{' ' * 10}*ZZ*{'CLINICSUBMIT':<15}*ZZ*{'MEDICAL':<15}*261123*1000*^*"
    "00501*000000556*0*T*:~\nTA1*000000101*261123*1000*R*021~\nIEA*0*000000556~\n"
)


def test_acknowledgments_sent_back_are_recorded_and_never_answered(world: World) -> None:
    """On SQLite and PostgreSQL: a 999 (even with ISA14 1: no TA1 back) and a TA1, in one file,
    are stored and nothing is answered; IK404 values are not kept."""
    result = answer(
        ACK_999 + ACK_TA1,
        npi=PHYSICIAN[0],
        pin=PHYSICIAN[1],
        uow=world.app.uow,
        env=world.app.env,
    )
    assert (result.kind, result.text, result.recorded) == ("", "", 2)
    assert not result.rejected
    with world.app.uow() as uow:
        stored = uow.repo.inbound_acknowledgments(0, 10)
    assert [(r.kind, r.acknowledged_code, r.acknowledged_control, r.status) for r in stored] == [
        ("999", "HP", "1", "R"),
        ("TA1", "", "000000101", "R"),
    ]
    assert stored[0].sender_id == "CLINICSUBMIT"
    assert stored[0].interchange_control == "000000555"
    assert stored[0].detail["sets"] == [
        {
            "set": "835",
            "control": "0001",
            "errors": [
                {
                    "segment": "CLP",
                    "position": "7",
                    "code": "8",
                    "elements": [{"position": "2", "code": "7"}],
                }
            ],
            "status": "R",
            "codes": ["5"],
        }
    ]
    assert stored[1].detail == {"note": "021"}
    assert "99" not in str(stored[0].detail)  # the IK404 value
    with pytest.raises(AuthenticationFailed):
        answer(ACK_TA1, npi=PHYSICIAN[0], pin="0000", uow=world.app.uow, env=world.app.env)
    with world.app.uow() as uow:
        assert len(uow.repo.inbound_acknowledgments(0, 10)) == 2  # nothing more stored


def test_endpoint_and_cli_say_an_acknowledgment_was_recorded(api: Api, tmp_path: Path) -> None:
    response = api.client.post("/v1/x12", content=ACK_999, headers={**X12, **basic(PHYSICIAN)})
    assert response.status_code == 202
    assert response.json()["recorded"] == 1
    wrong_pin = (PHYSICIAN[0], "0000")
    wrong = api.client.post("/v1/x12", content=ACK_999, headers={**X12, **basic(wrong_pin)})
    assert wrong.status_code == 401
    cli = Cli(f"sqlite:///{tmp_path / 'cli.db'}", tmp_path)
    dataset = tmp_path / "world.json"
    dataset.write_text(json.dumps(current_dataset()))
    assert cli("import", str(dataset)).exit_code == 0
    ack = tmp_path / "ack.x12"
    ack.write_text(ACK_TA1)
    result = cli("x12", str(ack), "--npi", PHYSICIAN[0], "--pin", PHYSICIAN[1])
    assert result.exit_code == 0, result.output
    assert "recorded 1 acknowledgment" in result.output
    assert "ISA*" not in result.stdout


def test_a_file_mixing_an_acknowledgment_and_an_inquiry(api: Api) -> None:
    """The 999 is recorded (X12-Recorded), the 270 answered: one interchange back, a 271."""
    response = api.client.post(
        "/v1/x12", content=ACK_999 + GOOD, headers={**X12, **basic(PHYSICIAN)}
    )
    assert response.status_code == 200
    assert response.headers["X12-Answer"] == "271"
    assert response.headers["X12-Recorded"] == "1"
    assert len(interchanges(response.text)) == 1
    check_271(response.text)


def test_each_interchange_uses_its_own_delimiters(sqlite_world: World) -> None:
    other = GOOD.replace("*", "|").replace("~\n", "!").replace("000000101", "000000104")
    kind, out = respond(sqlite_world, GOOD + other)
    assert kind == "271"
    answered = interchanges(out)
    assert len(answered) == 2
    for text in answered:
        check_271(text)


def test_a_997_is_recorded_like_a_999(sqlite_world: World) -> None:
    ack_997 = (
        ACK_999.replace("005010X231A1", "005010X230")
        .replace("ST*999", "ST*997")
        .replace("IK3*", "AK3*")
        .replace("IK4*", "AK4*")
        .replace("IK5*", "AK5*")
        .replace("000000555", "000000557")
    )
    result = respond_full(sqlite_world, ack_997)
    assert (result.kind, result.recorded) == ("", 1)
    with sqlite_world.app.uow() as uow:
        stored = uow.repo.inbound_acknowledgments(0, 100)[-1]
    assert (stored.kind, stored.interchange_control, stored.status) == ("997", "000000557", "R")
    sets = stored.detail["sets"]
    assert isinstance(sets, list)
    assert sets[0]["codes"] == ["5"]
    assert sets[0]["errors"][0]["segment"] == "CLP"


def respond_full(world: World, text: str) -> Answer:
    return answer(text, npi=PHYSICIAN[0], pin=PHYSICIAN[1], uow=world.app.uow, env=world.app.env)
