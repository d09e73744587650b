"""Medicare on the member-month (docs/rules.md): Part B buy-in events when a SOC month is
certified, and the QMB balance-billing rule, on both engines."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest

from spenddown.domain.identifiers import parse_member_id
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.services import billing, medicare
from spenddown.services.audit import audit_ledger
from support.world import ISSUE, World, base_dataset, make_world

MEDICARE_ONLY = ("1588667638", "4316")  # a Medicare provider not enrolled in Medi-Cal
NOV = BenefitMonth(2026, 11)


def _dataset() -> dict[str, Any]:
    document = base_dataset()
    document["providers"].append(
        {
            "npi": MEDICARE_ONLY[0],
            "name": "Harbor Cardiology",
            "pin": MEDICARE_ONLY[1],
            "type": "physician",
            "medi_cal_ffs": False,
        }
    )
    for row in document["eligibility"]:
        if row["cin"] == "12345678A":  # SOC member with Medicare, no MSP
            row["medicare"] = {"part_a": True, "part_b": True}
            row["msp"] = None
        if row["cin"] == "22222222B":  # spouse: QMB pays Part B already
            row["medicare"] = {"part_a": True, "part_b": True}
            row["msp"] = "qmb"
        if row["cin"] == "88888888H":
            row["medicare"] = {"part_a": True, "part_b": True}
            row["msp"] = "qmb"
    return document


@pytest.fixture
def medicare_world(database_url: str) -> Iterator[World]:
    made = make_world(database_url, _dataset())
    yield made
    made.app.close()


def test_a_certified_month_produces_one_part_b_buy_in_event(medicare_world: World) -> None:
    world = medicare_world
    assert medicare.buy_ins_since(None, world.app.uow()).buy_ins == ()
    world.clear("400.00")
    assert medicare.buy_ins_since(None, world.app.uow()).buy_ins == ()
    world.clear("300.00", code="99214")  # certifies November
    page = medicare.buy_ins_since(None, world.app.uow())
    assert [(b.cin, b.month) for b in page.buy_ins] == [("12345678A", NOV)]  # not the QMB spouse
    assert medicare.buy_ins_since(page.next_since, world.app.uow()).buy_ins == ()
    assert audit_ledger(world.app.uow()) == []


def _check(world: World, cin: str, cost_sharing: bool) -> billing.BillingCheck:
    cmd = billing.BillingCheckCommand(
        parse_member_id(cin),
        ISSUE,
        MEDICARE_ONLY[0],
        date(2026, 11, 3),
        Money.of("48.00"),
        medicare_cost_sharing=cost_sharing,
        staff=True,  # as a county token would ask (the credentials are not what is tested)
    )
    return billing.billing_check(cmd, world.app.uow(), world.app.env)


def test_a_qmb_member_billed_medicare_coinsurance_by_a_medicare_only_provider_is_protected(
    medicare_world: World,
) -> None:
    verdict = _check(medicare_world, "88888888H", cost_sharing=True)
    assert verdict.allowed is False
    assert verdict.may_collect == Money.zero()
    assert verdict.rule == "42 U.S.C. 1396a(n)(3)(B)"
    assert any("whether or not the provider takes Medi-Cal" in e for e in verdict.explanation)
    # the same bill to a member without QMB, from a provider outside Medi-Cal, is allowed
    other = _check(medicare_world, "12345678A", cost_sharing=True)
    assert other.allowed is True


def test_medicare_and_msp_are_checked_on_import(medicare_world: World) -> None:
    from spenddown.adapters.dataset import parse_dataset
    from spenddown.domain.errors import ImportErrors

    document = _dataset()
    document["eligibility"][0]["msp"] = "qmx"
    with pytest.raises(ImportErrors) as refused:
        parse_dataset(document)
    assert any("eligibility" in e and "msp" in e for e in refused.value.errors)


def test_medicare_imported_after_certification_gets_its_buy_in_once(world: World) -> None:
    """docs/rules.md §9.5: November is certified before the import tells that the member has
    Part B without an MSP; the import writes the buy-in, a second import nothing more, and
    neither the QMB spouse nor a member of an uncertified unit gets one."""
    world.clear("600.00")  # certifies C-1001/A for November, no Medicare known yet
    assert medicare.buy_ins_since(None, world.app.uow()).buy_ins == ()
    document = _dataset()
    for row in document["eligibility"]:
        if row["cin"] == "33333333C":  # unit B, not certified
            row["medicare"] = {"part_a": False, "part_b": True}
            row["msp"] = None
    world.load(document)
    page = medicare.buy_ins_since(None, world.app.uow())
    assert [(b.cin, b.month, b.case_id, b.budget_unit) for b in page.buy_ins] == [
        ("12345678A", NOV, "C-1001", "A")
    ]
    assert audit_ledger(world.app.uow()) == []
    world.load(document)  # the same file again
    assert len(medicare.buy_ins_since(None, world.app.uow()).buy_ins) == 1


def test_medicare_with_an_msp_imported_after_certification_gets_no_buy_in(world: World) -> None:
    world.clear("600.00")
    document = _dataset()
    for row in document["eligibility"]:
        if row["cin"] == "12345678A":
            row["msp"] = "slmb"  # the MSP pays Part B already
    world.load(document)
    assert medicare.buy_ins_since(None, world.app.uow()).buy_ins == ()
    assert audit_ledger(world.app.uow()) == []
