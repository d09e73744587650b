"""``spenddown generate``'s population: deterministic, valid, state-like."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date

from spenddown.adapters import synthetic
from spenddown.adapters.claim_format import parse_claim
from spenddown.adapters.dataset import parse_dataset
from spenddown.domain.identifiers import cin_is_valid, npi_is_valid
from spenddown.domain.months import BenefitMonth
from spenddown.rules import aid_codes

LAST = BenefitMonth(2026, 5)
TODAY = date(2026, 5, 14)


def make(members: int = 600, months: int = 4, seed: int = 3) -> synthetic.Synthetic:
    return synthetic.generate(members, months, seed, last_month=LAST, today=TODAY)


def test_the_same_seed_gives_the_same_data_and_another_seed_other_data() -> None:
    first, again, other = make(), make(), make(seed=4)
    assert json.dumps(first.dataset) == json.dumps(again.dataset)
    assert first.claims == again.claims
    assert json.dumps(first.dataset) != json.dumps(other.dataset)


def test_every_member_is_eligible_each_month_exactly_once() -> None:
    data = make(members=250, months=3)
    assert data.member_months == 750
    per_member = Counter(e["cin"] for e in data.dataset["eligibility"])
    assert len(per_member) == 250
    assert set(per_member.values()) == {3}
    months = {e["month"] for e in data.dataset["eligibility"]}
    assert months == {"2026-03", "2026-04", "2026-05"}


def test_the_population_is_state_like_and_valid() -> None:
    data = make(members=3000, months=2)
    d = data.dataset
    assert parse_dataset(d).eligibility  # the import format, every record well formed
    assert all(cin_is_valid(m["cin"]) for m in d["members"])
    assert len({m["cin"] for m in d["members"]}) == len(d["members"])
    assert all(npi_is_valid(p["npi"]) for p in d["providers"])
    assert {p["type"] for p in d["providers"]} == {
        "physician",
        "clinic",
        "aba",
        "pharmacy",
        "hospital",
        "dme",
        "ltc_facility",
        "ancillary",
    }
    counties = Counter(c["county_code"] for c in d["cases"])
    assert set(counties) <= set(synthetic.COUNTIES)
    assert counties.most_common(1)[0][0] == "19"  # Los Angeles is the largest
    sizes = Counter(sum(len(bu["members"]) for bu in c["budget_units"]) for c in d["cases"])
    assert min(sizes) >= 1
    assert max(sizes) <= 7  # up to 6 Medi-Cal members and a responsible relative
    roles = Counter(
        m["role"] for c in d["cases"] for bu in c["budget_units"] for m in bu["members"]
    )
    assert roles["RR"] > 0
    assert any(len(c["budget_units"]) == 2 for c in d["cases"])
    codes = aid_codes()
    kinds = Counter(
        "ltc" if codes[e["aid_code"]].ltc else "soc" if codes[e["aid_code"]].soc else "free"
        for e in d["eligibility"]
    )
    assert kinds["free"] > kinds["soc"] > kinds["ltc"] > 0
    amounts = sorted(int(s["amount"].replace(".", "")) for s in d["soc"])
    median, top = amounts[len(amounts) // 2], amounts[-1]
    assert 50_00 <= median <= 1_000_00
    assert top > 3 * median  # a long tail
    assert amounts[0] == 0  # a few months with a SOC of $0
    assert all(s["amount"].endswith(".00") for s in d["soc"])  # whole dollars
    assert sum(e["plan"] is None for e in d["eligibility"]) < len(d["eligibility"]) / 3
    with_ohc = {e["cin"] for e in d["eligibility"] if e["ohc_codes"]}
    assert 0.05 < len(with_ohc) / 3000 < 0.25
    assert with_ohc == {p["cin"] for p in d["ohc_policies"]}


def test_claims_are_for_members_eligible_in_the_claims_month() -> None:
    data = make(members=800, months=3)
    eligible = {(e["cin"], e["month"]) for e in data.dataset["eligibility"]}
    providers = {p["npi"] for p in data.dataset["providers"]}
    authorizations = {a["id"] for a in data.dataset["authorizations"]}
    assert len(data.claims) == 200
    for document in data.claims:
        claim = parse_claim(document)  # the Claim of docs/formats.md §2
        assert 1 <= len(claim.lines) <= 3
        assert claim.provider_npi in providers
        for line in claim.lines:
            assert line.service_date <= TODAY
            assert (claim.member_id, str(BenefitMonth.of(line.service_date))) in eligible
            if line.medi_cal_authorization is not None:
                assert line.medi_cal_authorization in authorizations
    payers = Counter(c["primary"]["payer_type"] for c in data.claims if "primary" in c)
    assert payers["commercial"] > 0
    assert payers["medicare"] > 0
    assert len({c["claim_id"] for c in data.claims}) == len(data.claims)
