"""A small, realistic world for service tests: a fixed clock, fast PIN hashing, and a dataset
with SOC members, a family with two budget units and a responsible relative, an LTC resident,
a dual-aid-code member, a CMSP member and providers of several types."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from argon2 import PasswordHasher

from spenddown import bootstrap
from spenddown.adapters.dataset import parse_dataset
from spenddown.adapters.system import Argon2PinHasher
from spenddown.domain.identifiers import parse_member_id
from spenddown.domain.money import Money
from spenddown.domain.share_of_cost.ledger import Payment
from spenddown.services import eligibility, share_of_cost
from spenddown.services.imports import import_dataset

TODAY = date(2026, 11, 23)
MONTH = "2026-11"

PHYSICIAN = ("1234567893", "2468")  # NPI, PIN
CLINIC = ("1245319599", "1357")
LTC_HOME = ("1003000126", "8642")
PHARMACY = ("1407854771", "9753")

SOC_MEMBER = "12345678A"  # SOC $600, Health Net, unmet
ISSUE = date(2025, 2, 1)


@dataclass
class FixedClock:
    at: datetime = field(default_factory=lambda: datetime(2026, 11, 23, 18, 0, tzinfo=UTC))

    def now(self) -> datetime:
        return self.at

    def advance(self, **delta: float) -> None:
        self.at = self.at + timedelta(**delta)


FAST_PINS = Argon2PinHasher(PasswordHasher(time_cost=1, memory_cost=64, parallelism=1))


def member(
    cin: str,
    issue: str = "2025-02-01",
    first: str = "Ana",
    last: str = "Lopez",
    born: str = "1960-05-01",
) -> dict[str, Any]:
    return {
        "cin": cin,
        "bic_issue_date": issue,
        "first_name": first,
        "last_name": last,
        "birth_date": born,
    }


BASE: dict[str, Any] = {
    "plans": [{"code": "HN", "name": "Health Net"}, {"code": "LA", "name": "L.A. Care"}],
    "providers": [
        {
            "npi": PHYSICIAN[0],
            "name": "Valley Family Medicine",
            "pin": PHYSICIAN[1],
            "type": "physician",
            "medi_cal_ffs": True,
            "plans": ["HN"],
        },
        {
            "npi": CLINIC[0],
            "name": "Eastside Clinic",
            "pin": CLINIC[1],
            "type": "clinic",
            "medi_cal_ffs": True,
            "plans": ["HN", "LA"],
        },
        {
            "npi": LTC_HOME[0],
            "name": "Sunrise Skilled Nursing",
            "pin": LTC_HOME[1],
            "type": "ltc_facility",
            "medi_cal_ffs": True,
        },
        {
            "npi": PHARMACY[0],
            "name": "Corner Pharmacy",
            "pin": PHARMACY[1],
            "type": "pharmacy",
            "medi_cal_ffs": True,
        },
    ],
    "members": [
        member("12345678A"),  # SOC 600, plan HN
        member("22222222B", first="Luis"),  # spouse, same unit
        member("33333333C", first="Mia", born="2015-03-02"),  # child-only unit B
        member("44444444D", first="Jorge"),  # RR on both units
        member("55555555E", first="Rosa", born="1940-01-01"),  # LTC resident
        member("66666666F", first="Kim"),  # two aid codes
        member("77777777G", first="Sam"),  # CMSP + Medi-Cal SOC
        member("88888888H", first="Ivy"),  # restricted scope, no SOC
        member("99999999J", first="Noor"),  # no eligibility at all
    ],
    "cases": [
        {
            "case_id": "C-1001",
            "county_code": "19",
            "budget_units": [
                {
                    "budget_unit": "A",
                    "members": [
                        {"cin": "12345678A", "role": "eligible"},
                        {"cin": "22222222B", "role": "eligible"},
                        {"cin": "44444444D", "role": "RR"},
                    ],
                },
                {
                    "budget_unit": "B",
                    "members": [
                        {"cin": "33333333C", "role": "eligible"},
                        {"cin": "44444444D", "role": "RR"},
                    ],
                },
            ],
        },
        {
            "case_id": "C-2002",
            "county_code": "37",
            "budget_units": [{"budget_unit": "A", "members": [{"cin": "55555555E"}]}],
        },
        {
            "case_id": "C-3003",
            "county_code": "01",
            "budget_units": [{"budget_unit": "A", "members": [{"cin": "66666666F"}]}],
        },
        {
            "case_id": "C-4004",
            "county_code": "19",
            "budget_units": [{"budget_unit": "A", "members": [{"cin": "77777777G"}]}],
        },
    ],
    "eligibility": [
        {
            "cin": "12345678A",
            "month": MONTH,
            "aid_code": "17",
            "county_code": "19",
            "plan": "HN",
            "ohc_codes": ["P"],
        },
        {"cin": "22222222B", "month": MONTH, "aid_code": "17", "county_code": "19", "plan": "HN"},
        {"cin": "33333333C", "month": MONTH, "aid_code": "37", "county_code": "19", "plan": "LA"},
        {"cin": "55555555E", "month": MONTH, "aid_code": "13", "county_code": "37"},
        {"cin": "66666666F", "month": MONTH, "aid_code": "34", "county_code": "01"},
        {"cin": "66666666F", "month": MONTH, "aid_code": "37", "county_code": "01"},
        {"cin": "77777777G", "month": MONTH, "aid_code": "17", "county_code": "19"},
        {"cin": "77777777G", "month": MONTH, "aid_code": "88", "county_code": "19"},
        {"cin": "88888888H", "month": MONTH, "aid_code": "C1", "county_code": "19"},
    ],
    "soc": [
        {"case_id": "C-1001", "budget_unit": "A", "month": MONTH, "amount": "600.00"},
        {"case_id": "C-1001", "budget_unit": "B", "month": MONTH, "amount": "150.00"},
        {"case_id": "C-2002", "budget_unit": "A", "month": MONTH, "amount": "800.00"},
        {"case_id": "C-3003", "budget_unit": "A", "month": MONTH, "amount": "250.00"},
        {"case_id": "C-4004", "budget_unit": "A", "month": MONTH, "amount": "300.00"},
        {
            "case_id": "C-4004",
            "budget_unit": "A",
            "month": MONTH,
            "amount": "200.00",
            "program": "cmsp",
        },
    ],
}


# ABA (97153) needs an authorization: the plan approved 8 units for 22222222B (Health Net).
ABA_AUTHORIZED: dict[str, Any] = {
    "fee_schedule": [
        {
            "procedure_code": "97153",
            "effective": "2026-01-01",
            "allowed_per_unit": "16.50",
            "requires_authorization": True,
        },
    ],
    "authorizations": [
        {
            "id": "PA-HN-1",
            "payer": "plan",
            "cin": "22222222B",
            "procedure_code": "97153",
            "start": "2026-11-01",
            "end": "2027-01-31",
            "units": 8,
        },
    ],
}


# The fee schedule of the claim tests: an office visit, and ABA with its authorization.
CLAIM_FEES: dict[str, Any] = {
    "fee_schedule": [
        {"procedure_code": "99213", "effective": "2026-01-01", "allowed_per_unit": "95.00"},
        *ABA_AUTHORIZED["fee_schedule"],
    ],
    "authorizations": ABA_AUTHORIZED["authorizations"],
}


def base_dataset() -> dict[str, Any]:
    return copy.deepcopy(BASE)


@dataclass
class World:
    app: bootstrap.App
    clock: FixedClock

    def load(self, document: dict[str, Any]) -> dict[str, int]:
        return import_dataset(parse_dataset(document), self.app.uow(), self.app.env)

    def verify(
        self,
        cin: str = SOC_MEMBER,
        *,
        provider: tuple[str, str] = PHYSICIAN,
        service_date: date = date(2026, 11, 3),
        issue: date = ISSUE,
    ) -> eligibility.Verification:
        cmd = eligibility.VerifyEligibility(
            provider[0], provider[1], parse_member_id(cin), issue, service_date
        )
        return eligibility.verify(cmd, self.app.uow(), self.app.env)

    def clear(
        self,
        charge: str,
        cin: str = SOC_MEMBER,
        *,
        provider: tuple[str, str] = PHYSICIAN,
        code: str = "99213",
        service_date: date = date(2026, 11, 3),
        payment: Payment = Payment.PAID,
        key: str | None = None,
        budget_unit: str | None = None,
        issue: date = ISSUE,
    ) -> share_of_cost.ClearanceResult:
        cmd = share_of_cost.ClearShareOfCost(
            provider[0],
            provider[1],
            parse_member_id(cin),
            issue,
            service_date,
            code,
            Money.parse(charge),
            payment,
            key,
            budget_unit,
        )
        return share_of_cost.clear_share_of_cost(cmd, self.app.uow(), self.app.env)

    def reverse(
        self,
        clearance_id: str,
        provider: tuple[str, str] = PHYSICIAN,
    ) -> share_of_cost.ClearanceResult:
        cmd = share_of_cost.ReverseClearance(provider[0], provider[1], clearance_id)
        return share_of_cost.reverse_clearance(cmd, self.app.uow(), self.app.env)


def make_world(url: str, document: dict[str, Any] | None = None) -> World:
    clock = FixedClock()
    app = bootstrap.build(url, clock=clock, pins=FAST_PINS)
    world = World(app, clock)
    world.load(base_dataset() if document is None else document)
    return world
