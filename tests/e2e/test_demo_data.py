"""The demo dataset (``spenddown demo``): it imports cleanly, holds every kind of case the tour
and the docs promise, and leaves a clean ledger."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from spenddown import bootstrap, rules
from spenddown.domain.identifiers import cin_is_valid, npi_is_valid
from spenddown.domain.months import BenefitMonth
from spenddown.entrypoints.cli import demo
from spenddown.services import plans, share_of_cost
from spenddown.services.audit import audit_ledger
from support.world import TODAY, World, make_world

CURRENT = str(BenefitMonth.of(TODAY))
PROVIDER_TYPES = ("physician", "clinic", "aba", "pharmacy", "hospital", "dme", "ltc_facility")


@pytest.fixture
def document() -> dict[str, Any]:
    return demo.demo_dataset(TODAY)


@pytest.fixture
def demo_world(sqlite_url: str, document: dict[str, Any]) -> Iterator[World]:
    made = make_world(sqlite_url, document)
    yield made
    made.app.close()


def segments_by_member(document: dict[str, Any], month: str = CURRENT) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for row in document["eligibility"]:
        if row["month"] == month:
            found.setdefault(row["cin"], []).append(row)
    return found


def as_provider(p: demo.DemoProvider) -> tuple[str, str]:
    return (p.npi, p.pin)


def issue_of(member: demo.DemoMember) -> date:
    return date.fromisoformat(member.issue)


# --- the document ------------------------------------------------------------------------------
def test_covers_the_current_month_and_the_two_before(document: dict[str, Any]) -> None:
    months = {row["month"] for row in document["eligibility"]}
    assert months == {"2026-09", "2026-10", "2026-11"}
    assert {row["month"] for row in document["soc"]} == months
    # Built from the date it is given: any day works, across a year boundary too.
    january = demo.demo_dataset(date(2027, 1, 5))
    assert {row["month"] for row in january["soc"]} == {"2026-11", "2026-12", "2027-01"}


def test_providers_of_every_type_with_valid_npis_and_pins(document: dict[str, Any]) -> None:
    providers = document["providers"]
    counts = Counter(p["type"] for p in providers)
    for kind in PROVIDER_TYPES:
        assert counts[kind] >= 2, kind
    assert all(npi_is_valid(p["npi"]) for p in providers)
    assert len({p["npi"] for p in providers}) == len(providers)
    assert all(len(p["pin"]) == 4 and p["pin"].isdigit() for p in providers)
    assert {p["code"] for p in document["plans"]} == {"HN", "LA", "MOL"}
    assert {p["name"] for p in document["plans"]} == {
        "Health Net",
        "L.A. Care",
        "Molina Healthcare",
    }


def test_members_counties_and_plans(document: dict[str, Any]) -> None:
    members = document["members"]
    assert all(cin_is_valid(m["cin"]) for m in members)
    assert len({m["cin"] for m in members}) == len(members)
    assert len({c["county_code"] for c in document["cases"]}) >= 4
    segments = segments_by_member(document)
    plans_in_use = {row["plan"] for rows in segments.values() for row in rows}
    assert {"HN", "LA", "MOL"} <= plans_in_use
    ffs = [cin for cin, rows in segments.items() if all(r["plan"] is None for r in rows)]
    assert len(ffs) >= 3


def test_family_with_two_budget_units_and_a_responsible_relative_on_both(
    document: dict[str, Any],
) -> None:
    families = [c for c in document["cases"] if len(c["budget_units"]) >= 2]
    assert families
    family = families[0]
    units = {u["budget_unit"]: u["members"] for u in family["budget_units"]}
    rr_on = Counter(m["cin"] for members in units.values() for m in members if m["role"] == "RR")
    assert max(rr_on.values()) == len(units) == 2
    born = {m["cin"]: m["birth_date"] for m in document["members"]}
    child_only = [
        unit
        for unit, members in units.items()
        if all(born[m["cin"]] > "2008-01-01" for m in members if m["role"] == "eligible")
    ]
    assert child_only, "one unit holds only the children (Sneede v. Kizer)"
    socs = {
        (s["budget_unit"], s["month"]) for s in document["soc"] if s["case_id"] == family["case_id"]
    }
    assert {(u, CURRENT) for u in units} <= socs


def test_ltc_dual_aid_codes_restricted_scope_and_cmsp(document: dict[str, Any]) -> None:
    codes = rules.aid_codes()
    segments = segments_by_member(document)
    aid = {cin: [codes[r["aid_code"]] for r in rows] for cin, rows in segments.items()}
    assert any(c.ltc and c.soc and c.aid_code == "13" for cs in aid.values() for c in cs)
    assert any(len(cs) == 2 and {c.soc for c in cs} == {True, False} for cs in aid.values()), (
        "a member with a non-SOC and a SOC aid code in one month"
    )
    restricted = {c.aid_code for cs in aid.values() for c in cs if c.scope == "restricted"}
    assert restricted == {"C1", "C2"}
    programs: dict[tuple[str, str, str], set[str]] = {}
    for row in document["soc"]:
        key = (row["case_id"], row["budget_unit"], row["month"])
        programs.setdefault(key, set()).add(row["program"])
    assert any(p == {"medi-cal", "cmsp"} for p in programs.values())


# --- imported ----------------------------------------------------------------------------------
def test_imports_cleanly_and_the_audit_is_clean(
    demo_world: World, document: dict[str, Any]
) -> None:
    counts = demo_world.load(document)  # a second import is an upsert: nothing changes
    assert counts["providers"] == len(demo.PROVIDERS)
    assert counts["members"] == len(demo.MEMBERS)
    assert audit_ledger(demo_world.app.uow()) == []
    month = BenefitMonth.of(TODAY)
    result = share_of_cost.start_month(month, demo_world.app.uow(), demo_world.app.env)
    assert result.ltc_certified == 1
    assert audit_ledger(demo_world.app.uow()) == []


def test_the_demo_members_behave_as_described(demo_world: World) -> None:
    world = demo_world
    day = date(2026, 11, 3)

    def verify(m: demo.DemoMember, p: demo.DemoProvider = demo.PHYSICIAN) -> Any:
        return world.verify(m.cin, provider=as_provider(p), service_date=day, issue=issue_of(m))

    rosa = verify(demo.ROSA)
    assert not rosa.eligible
    assert rosa.eligibility_status == "5"
    assert rosa.plan is not None
    assert rosa.plan.hcp_status == "55"
    assert rosa.share_of_cost is not None
    assert str(rosa.share_of_cost.amount) == "600.00"

    kim = verify(demo.KIM)  # eligible on the non-SOC aid code only
    assert kim.eligible
    assert [c.aid_code for c in kim.aid_codes] == ["34"]
    assert any("SOC" in m for m in kim.messages)

    lucia = verify(demo.LUCIA)
    assert lucia.eligible
    assert lucia.restrictions

    daniel = verify(demo.DANIEL)
    assert not daniel.eligible
    assert daniel.share_of_cost is not None

    # The RR's bill must name the budget unit it clears.
    cleared = world.clear(
        "80.00",
        demo.JOSE.cin,
        provider=as_provider(demo.PHYSICIAN),
        service_date=day,
        issue=issue_of(demo.JOSE),
        budget_unit="B",
    )
    assert str(cleared.remaining) == "70.00"

    roster = plans.plan_roster("MOL", BenefitMonth.of(day), world.app.uow())
    assert [(e.cin, str(e.hcp_status)) for e in roster] == [(demo.SAMUEL.cin, "55")]
    assert audit_ledger(world.app.uow()) == []


def test_prepare_creates_reuses_and_starts_the_earlier_months(tmp_path: Any) -> None:
    url = f"sqlite:///{tmp_path / demo.DEMO_FILE}"
    first = demo.prepare(url, fresh=False)
    assert first.created
    app = bootstrap.build(url, migrate=False)
    try:
        earlier, previous, current = demo.demo_months(first.today)
        for month, certified_by in ((earlier, "ltc_auto"), (previous, "ltc_auto"), (current, None)):
            (view,) = share_of_cost.member_obligations(demo.ELEANOR.cin, month, app.uow())
            by = view.obligation.certified_by
            assert (None if by is None else str(by)) == certified_by, month
    finally:
        app.close()
    again = demo.prepare(url, fresh=False)
    assert not again.created
    assert again.counts == first.counts
    fresh = demo.prepare(url, fresh=True)
    assert fresh.created
