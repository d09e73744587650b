"""Content conformance of the 837P samples other projects publish (../shared/interop-samples/
837p, read in place): what spenddown answers for each claim, beyond its envelope.

- every claim of an answered sample is answered (an 835 claim or a 277CA entry), with the
  patient named in NM1*QC: the 2010CA patient when there is one, else the subscriber;
- the COB samples 02 (claim with 2320 SBR*P, 2430 SVD/CAS) and 03 (claim-level 2320 CAS and
  AMT*D with 2430, a dependent patient, ISA11 a backquote) are adjudicated with the prior
  payer's money. Their billing NPIs and member IDs are not valid Medi-Cal identifiers, so the
  test imports matching members (same names and birth dates, on one case) with eligibility in
  the samples' months and the samples' procedures on the fee schedule, and puts the world's NPI
  and CINs on the claims after reading them (the files are never changed);
- 05 (two transaction sets, two billing providers, three claims, dependents): each claim
  answered.

Outputs are checked with pyx12's maps (835 X221A1, 277 X214) and its reader.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from x12sdk.io import write_transactions

from spenddown.adapters.x12 import claim_answers, exchange
from spenddown.adapters.x12.envelope import read_interchange
from spenddown.adapters.x12.x222a1 import ProfessionalClaim, read_837p
from support.world import PHYSICIAN, World, make_world

sys.path.insert(0, str(Path(__file__).parent.parent / "x12"))
from x12_independent import segments as pyx12_segments
from x12_independent import validate

CORPUS = Path(__file__).resolve().parents[2].parent / "shared" / "interop-samples" / "837p"
ANSWERED = [
    "01-stupidedi-commercial-health-insurance.edi",
    "02-stupidedi-medicare-secondary-payer-COB.edi",
    "03-stupidedi-COB-payer-a-to-payer-b.edi",
    "05-oopfactory-example1-2-3-combined.txt",
    "11-lfh-example1-X222A2.837",
]


def sample(name: str) -> str:
    path = CORPUS / name
    if not path.is_file():
        pytest.fail(
            f"The interop sample corpus ../shared/interop-samples/ is missing ({path} not "
            "found): the conformance tests read the public samples in place."
        )
    return path.read_bytes().decode("utf-8-sig")


def wire_claims(text: str) -> list[tuple[Any, list[ProfessionalClaim]]]:
    interchange = read_interchange(text)
    found = []
    for _, transaction in interchange.transactions():
        claims = read_837p(transaction, interchange.delimiters.component_separator)
        assert not transaction.errors, transaction.errors
        found.append((transaction, claims))
    return found


def answered_claims(text: str) -> dict[str, list[str]]:
    """CLP01 (835) or 2200D TRN02 (277CA) → the NM1*QC before or after it."""
    named: dict[str, list[str]] = {}
    kind = ""
    patient: list[str] | None = None
    pending: str | None = None
    for seg in pyx12_segments(text):
        if seg[0] == "ST":
            kind = seg[1]
        elif kind == "835" and seg[0] == "CLP":
            pending = seg[1]
        elif kind == "835" and seg[0] == "NM1" and seg[1] == "QC" and pending:
            named[pending] = seg
            pending = None
        elif kind == "277" and seg[0] == "NM1" and seg[1] == "QC":
            patient = seg
        elif kind == "277" and seg[0] == "TRN" and seg[1] == "2" and patient is not None:
            named[seg[2]] = patient
            patient = None
    return named


@pytest.fixture
def sample_world(database_url: str) -> Iterator[World]:
    made = make_world(database_url)
    made.load(
        {
            "members": [
                # sample 02's subscriber, and sample 03's subscriber and dependent patient
                _member("10220022B", "WAYNE", "MEDYUM", "1956-01-10"),
                _member("22233444J", "JACK", "SMITH", "1943-10-22"),
                _member("22233445K", "TED", "SMITH", "1973-05-01"),
            ],
            "cases": [
                _case("C-S02", ["10220022B"]),
                _case("C-S03", ["22233444J", "22233445K"]),
            ],
            "eligibility": [
                _eligible("10220022B", "2005-01"),
                _eligible("22233445K", "2005-10"),
            ],
            "fee_schedule": [
                _fee("99203", "100.00"),
                _fee("99213", "95.00"),
                _fee("90782", "10.00"),
                _fee("J3301", "5.00"),
            ],
        }
    )
    yield made
    made.app.close()


def _member(cin: str, first: str, last: str, born: str) -> dict[str, str]:
    return {
        "cin": cin,
        "bic_issue_date": "2004-01-01",
        "first_name": first.title(),
        "last_name": last.title(),
        "birth_date": born,
    }


def _case(case_id: str, cins: list[str]) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "county_code": "19",
        "budget_units": [{"budget_unit": "A", "members": [{"cin": c} for c in cins]}],
    }


def _eligible(cin: str, month: str) -> dict[str, str]:
    return {"cin": cin, "month": month, "aid_code": "34", "county_code": "19"}  # no SOC


def _fee(code: str, allowed: str) -> dict[str, str]:
    return {"procedure_code": code, "effective": "2005-01-01", "allowed_per_unit": allowed}


def answer_as_world(world: World, name: str, members: dict[str, str]) -> tuple[str, str]:
    """The sample's claims answered with the world's NPI and the given CINs (sample member
    ID → CIN) put on them after reading: (the answering interchange, its kinds)."""
    groups: list[Any] = []
    kinds: list[str] = []
    for transaction, claims in wire_claims(sample(name)):
        for claim in claims:
            claim.billing_npi = PHYSICIAN[0]
            claim.member_id = members[claim.member_id]
        answered = claim_answers.answer_claims(
            transaction,
            claims,
            npi=PHYSICIAN[0],
            pin=PHYSICIAN[1],
            uow=world.app.uow,
            env=world.app.env,
            created=world.clock.now().replace(tzinfo=None),
            payer=exchange.MEDI_CAL,
            control=lambda kind: "0001",
        )
        groups.extend(model for _, model in answered)
        kinds.extend(kind for kind, _ in answered)
    text = write_transactions(groups, sender_id="SPENDDOWN", receiver_id="SUBMITTER")
    ok, report = validate(text)
    assert ok, report
    return text, "+".join(kinds)


def clp_and_lines(text: str, claim_id: str) -> tuple[list[str], list[list[str]]]:
    clp: list[str] = []
    lines: list[list[str]] = []
    inside = False
    for seg in pyx12_segments(text):
        if seg[0] == "CLP":
            inside = seg[1] == claim_id
            if inside:
                clp = seg
        elif seg[0] == "SVC" and inside:
            lines.append(seg)
    return clp, lines


@pytest.mark.parametrize("name", ANSWERED)
def test_every_claim_of_an_answered_sample_is_answered_with_the_patient_named(
    world: World, name: str
) -> None:
    text = sample(name)
    expected: dict[str, tuple[str, str]] = {}
    for _, claims in wire_claims(text):
        for claim in claims:
            patient = (
                (claim.patient_last, claim.patient_first)
                if claim.dependent
                else (claim.member_last, claim.member_first)
            )
            expected[claim.claim_id] = patient
    assert expected, name
    result = exchange.answer(
        text, npi=PHYSICIAN[0], pin=PHYSICIAN[1], uow=world.app.uow, env=world.app.env
    )
    # answered: an 835 and/or a 277CA (a TA1 too when ISA14 asks for one, as 03 does)
    parts = set(result.kind.split("+")) - {"TA1"}
    assert parts, (name, result.kind)
    assert parts <= {"835", "277CA"}, (name, result.kind, result.text)
    ok, report = validate(result.text)
    assert ok, report
    named = answered_claims(result.text)
    assert set(named) == set(expected), name
    for claim_id, (last, first) in expected.items():
        nm1 = named[claim_id]
        assert nm1[3].upper() == last.upper(), (name, claim_id, nm1)
        assert nm1[4:5] == ([first.upper()] if first else []) or nm1[4].upper() == first.upper()


def test_sample_05_answers_its_three_claims(world: World) -> None:
    text = sample("05-oopfactory-example1-2-3-combined.txt")
    result = exchange.answer(
        text, npi=PHYSICIAN[0], pin=PHYSICIAN[1], uow=world.app.uow, env=world.app.env
    )
    assert len(answered_claims(result.text)) == 3


def received_on(world: World, day: str) -> None:
    """The TR3's examples bill 2005 services: the test receives them within the six-month
    filing limit (docs/rules.md §9.7), as their submitter did, so that timeliness (CARC 29) does
    not hide what the test is about."""
    world.clock.at = datetime.fromisoformat(day).replace(hour=18, tzinfo=UTC)


def test_sample_02_is_adjudicated_with_the_primarys_payment(sample_world: World) -> None:
    """TR3 example (Medicare secondary payer in the original; Medi-Cal here): the commercial
    primary paid 80.00 of 120.00 and left PR-2 15.00. Medi-Cal allows 100.00 for 99203 and pays
    min(15.00, 100.00 − 80.00) = 15.00, not min(120.00, 100.00)."""
    received_on(sample_world, "2005-02-15")
    text, kinds = answer_as_world(
        sample_world,
        "02-stupidedi-medicare-secondary-payer-COB.edi",
        {"102200221B1": "10220022B"},
    )
    assert kinds == "835"
    clp, lines = clp_and_lines(text, "101KEN6055")
    assert clp[2] == "2"  # processed as secondary
    assert Decimal(clp[4]) == Decimal("15.00")
    assert Decimal(clp[5]) == Decimal("0.00")
    assert [Decimal(line[3]) for line in lines] == [Decimal("15.00")]


def test_sample_03_claim_level_cob_and_dependent(sample_world: World) -> None:
    """TR3 payer-to-payer example: 2320 CAS PR-1 21.89 and PR-2 15.00 at the claim level, AMT*D
    39.15, line payments 40 + 15 + 21.04 (Σ SVD02 − claim CAS = AMT*D). The claim-level patient
    responsibility is kept: spread over the lines in proportion to their payments it leaves
    19.40, 7.26 and 10.23 to the member after the primary paid 20.60, 7.74 and 10.81. Medi-Cal
    pays min(L, A − P): 19.40 + min(7.26, 10.00 − 7.74) + 0 = 21.66. The patient is Ted Smith
    (2010CA), adjudicated as his own member."""
    received_on(sample_world, "2005-11-15")
    text, kinds = answer_as_world(
        sample_world,
        "03-stupidedi-COB-payer-a-to-payer-b.edi",
        {"22233444": "22233444J"},
    )
    assert kinds == "835"
    clp, lines = clp_and_lines(text, "26407789")
    assert clp[2] == "2"
    assert [Decimal(line[3]) for line in lines] == [
        Decimal("19.40"),
        Decimal("2.26"),
        Decimal("0.00"),
    ]
    assert Decimal(clp[4]) == Decimal("21.66")
    named = answered_claims(text)["26407789"]
    assert named[3:5] == ["SMITH", "TED"]
    assert named[8:10] == ["MI", "22233445K"]
