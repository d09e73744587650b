"""Synthetic, state-like data (``spenddown generate``): a population in the import format of
docs/formats.md §1 and claims in the format of ``spenddown adjudicate --batch``.

What it makes, deterministically from the seed (the same seed, sizes and last month give the
same data; only claim dates in the current month are held back to ``today``):

- the 58 California counties ("01".."58"), weighted roughly by population;
- cases (families) of 1–6 persons with one budget unit, sometimes two (a grandparent); a
  household's spouse is sometimes a responsible relative (RR) without Medi-Cal of their own;
- ``members`` Medi-Cal members, each with one eligibility segment in each of ``months`` months
  (so exactly ``members × months`` member-months; RR persons are members of the file without
  eligibility, on top of that count);
- aid codes: most budget units without a Share of Cost, a fifth with one (family, aged, blind,
  disabled, restricted scope, CMSP), a few in long-term care; SOC amounts in whole dollars,
  most small with a long tail (log-normal), LTC ones higher, a few of $0;
- managed-care plans by county (about one member in ten is fee-for-service);
- other health coverage for about one member in eight: OHC codes on the eligibility and the
  policies (carrier, network, deductible, out-of-pocket maximum);
- providers of every type with valid NPIs, all with the PIN ``PIN``; a fee schedule;
- claims of 1–3 lines for members eligible in the claim's month, after a commercial or
  Medicare primary's adjudication when the member has one, with the authorizations they need.

CINs are ``9NNNNNNN`` + a letter and NPIs ``15NNNNNNN`` + the Luhn digit, numbered from 0, so two
files of different seeds name the same people (loading both upserts one over the other).
Money is integer cents throughout, written as two-decimal strings.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from spenddown import rules
from spenddown.domain.identifiers import NPI_PREFIX, luhn_check_digit
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth

PIN = "2468"  # every generated provider's PIN

# County code → relative population (millions, rounded); the others weigh 0.1 each.
_BIG_COUNTIES = {
    "19": 9.8,  # Los Angeles
    "37": 3.3,  # San Diego
    "30": 3.2,  # Orange
    "33": 2.4,  # Riverside
    "36": 2.2,  # San Bernardino
    "43": 1.9,  # Santa Clara
    "01": 1.6,  # Alameda
    "34": 1.6,  # Sacramento
    "07": 1.2,  # Contra Costa
    "10": 1.0,  # Fresno
    "15": 0.9,  # Kern
    "38": 0.8,  # San Francisco
    "56": 0.8,  # Ventura
    "39": 0.8,  # San Joaquin
    "41": 0.7,  # San Mateo
    "50": 0.55,  # Stanislaus
    "49": 0.5,  # Sonoma
    "54": 0.47,  # Tulare
    "42": 0.44,  # Santa Barbara
    "27": 0.43,  # Monterey
}
COUNTIES = tuple(f"{n:02d}" for n in range(1, 59))
_COUNTY_WEIGHTS = tuple(_BIG_COUNTIES.get(code, 0.1) for code in COUNTIES)

PLANS = (
    ("LA", "L.A. Care Health Plan"),
    ("HN", "Health Net"),
    ("MOL", "Molina Healthcare"),
    ("AAH", "Anthem Blue Cross"),
    ("KP", "Kaiser Permanente"),
    ("IEHP", "Inland Empire Health Plan"),
    ("CALOPT", "CalOptima Health"),
    ("PHC", "Partnership HealthPlan of California"),
    ("CCAH", "Central California Alliance for Health"),
)
_COUNTY_PLANS = {
    "19": ("LA", "HN", "MOL", "KP"),
    "30": ("CALOPT", "KP"),
    "33": ("IEHP", "MOL", "KP"),
    "36": ("IEHP", "MOL", "KP"),
    "37": ("MOL", "HN", "KP", "AAH"),
    "27": ("CCAH",),
    "49": ("PHC", "KP"),
}
_DEFAULT_PLANS = ("AAH", "HN", "KP", "PHC")

# Aid codes (rules/parameters/codes), by kind of budget unit.
_FREE_FAMILY = ("34",)
_FREE_ADULT = ("14", "24", "64")
_FREE_CHILD = ("83",)
_SOC_FAMILY = ("37", "37", "37", "C2")
_SOC_ADULT = ("17", "27", "67", "67", "87", "88")
_LTC = ("13", "23", "63", "53")
_CMSP = {"85", "88", "89"}

# OHC code, carrier, network, scope, deductible and out-of-pocket maximum in whole dollars.
_CARRIERS = (
    ("P", "Blue Shield of California", "BSC-PPO", ("medical",), (500, 1500, 3000), 6000),
    ("P", "Anthem Blue Cross", "ANTHEM-PPO", ("medical",), (1000, 2500), 7000),
    ("P", "Aetna", "AETNA-CHOICE", ("medical",), (750, 2000), 6500),
    ("K", "Kaiser Foundation Health Plan", "KAISER-HMO", ("medical",), (0, 1500), 4500),
    ("F", "Humana Medicare Advantage", "HUMANA-MA", ("medical",), (0, 250), 5000),
    ("L", "Delta Dental", "DELTA-PPO", ("dental",), (50, 100), 2000),
)
_NETWORKS = tuple(sorted({c[2] for c in _CARRIERS}))

# Provider type → share of providers, procedure codes billed (None: none on 837P claims).
_PROVIDER_TYPES = (
    ("physician", 40, ("99213", "99214", "99215", "99203", "90837")),
    ("clinic", 15, ("99213", "99214", "99395", "90471")),
    ("aba", 8, ("97153", "97155")),
    ("pharmacy", 10, None),
    ("hospital", 5, ("99223", "99285", "71046")),
    ("dme", 5, ("E0601", "E0143")),
    ("ltc_facility", 5, ("99308",)),
    ("ancillary", 12, ("80053", "85025", "71046")),
)
_TYPE_NAMES = {
    "physician": ("Family Medicine", "Internal Medicine", "Pediatrics", "Medical Group"),
    "clinic": ("Community Clinic", "Health Center", "Family Health Center"),
    "aba": ("Behavioral Health", "Autism Services", "ABA Partners"),
    "pharmacy": ("Pharmacy", "Drug Store", "Rx"),
    "hospital": ("General Hospital", "Medical Center", "Regional Hospital"),
    "dme": ("Medical Supply", "Home Medical Equipment", "Mobility & Oxygen"),
    "ltc_facility": ("Care Center", "Skilled Nursing", "Post-Acute Care"),
    "ancillary": ("Diagnostic Laboratory", "Imaging", "Radiology"),
}
_PLACES = (
    "Valley", "Eastside", "Harbor", "Sierra", "Pacific", "Mission", "Oak Grove", "Bayview",
    "Sunrise", "Golden State", "Redwood", "Central", "Coastal", "Desert", "Foothill", "Delta",
)  # fmt: skip

# Procedure code → Medi-Cal allowance per unit in cents, authorization needed, units billed.
FEE_SCHEDULE: dict[str, tuple[int, bool, tuple[int, int]]] = {
    "99203": (6_500, False, (1, 1)),
    "99213": (2_400, False, (1, 1)),
    "99214": (3_550, False, (1, 1)),
    "99215": (4_800, False, (1, 1)),
    "99223": (14_200, False, (1, 1)),
    "99285": (11_800, False, (1, 1)),
    "99308": (7_600, False, (1, 1)),
    "99395": (5_900, False, (1, 1)),
    "90471": (1_300, False, (1, 2)),
    "90837": (9_100, False, (1, 1)),
    "97153": (1_650, True, (4, 16)),
    "97155": (2_475, True, (2, 8)),
    "E0601": (5_500, True, (1, 1)),
    "E0143": (7_400, True, (1, 1)),
    "80053": (1_100, False, (1, 1)),
    "85025": (800, False, (1, 1)),
    "71046": (2_600, False, (1, 1)),
}

_FIRST = (
    "Maria", "Jose", "Juan", "Ana", "Luis", "Carmen", "Rosa", "Miguel", "Sofia", "Mateo",
    "Linh", "Minh", "Wei", "Mei", "James", "Mary", "Robert", "Linda", "Ahmad", "Fatima",
    "David", "Grace", "Daniel", "Olivia", "Samuel", "Emma", "Noah", "Isabella", "Leo", "Chloe",
)  # fmt: skip
_LAST = (
    "Garcia", "Hernandez", "Lopez", "Martinez", "Gonzalez", "Rodriguez", "Nguyen", "Tran",
    "Kim", "Lee", "Chen", "Wong", "Smith", "Johnson", "Williams", "Brown", "Jones", "Davis",
    "Khan", "Okafor", "Patel", "Singh", "Reyes", "Flores", "Ramirez", "Torres", "Cruz",
)  # fmt: skip

# Family sizes 1..6 and their shares.
_FAMILY_SIZES = (1, 2, 3, 4, 5, 6)
_FAMILY_WEIGHTS = (38, 20, 16, 14, 8, 4)


def cin(n: int) -> str:
    """The ``n``-th generated CIN (8 digits starting with 9, and a letter)."""
    return f"9{n:07d}{chr(ord('A') + (n * 7) % 26)}"


def npi(n: int) -> str:
    """The ``n``-th generated NPI (valid check digit)."""
    first_nine = f"{150_000_000 + n:09d}"
    return first_nine + str(luhn_check_digit(NPI_PREFIX + first_nine))


def money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


@dataclass(frozen=True)
class Synthetic:
    dataset: dict[str, Any]  # the import format (docs/formats.md §1)
    claims: list[dict[str, Any]]  # Claims (docs/formats.md §2), one per line in a batch file

    @property
    def member_months(self) -> int:
        return len(self.dataset["eligibility"])


@dataclass
class _Person:
    cin: str
    age: int
    eligible: bool  # has Medi-Cal (else a responsible relative on the unit)
    aid_code: str = ""
    plan: str | None = None
    ohc: tuple[str, ...] = ()
    carrier: int | None = None  # index into _CARRIERS


def generate(
    members: int,
    months: int,
    seed: int,
    *,
    last_month: BenefitMonth,
    today: date,
    claims: int | None = None,
    providers: int | None = None,
) -> Synthetic:
    """``members`` Medi-Cal members eligible in each of ``months`` months ending with
    ``last_month``; ``claims`` claims (default one for every four members) dated on or before
    ``today``; ``providers`` providers (default one per 2,000 members, at least 2 per type:
    each PIN is hashed with Argon2 on import)."""
    if members < 1 or months < 1:
        raise ValueError("members and months must be at least 1")
    rng = random.Random(seed)  # noqa: S311 (reproducible test data, not a secret)
    month_list = [last_month.plus(-i) for i in range(months - 1, -1, -1)]
    first_day = month_list[0].first_day
    n_providers = providers if providers is not None else max(members // 2000, 16)
    provider_rows, by_type = _providers(rng, n_providers)

    dataset: dict[str, Any] = {
        "plans": [{"code": code, "name": name} for code, name in PLANS],
        "providers": provider_rows,
        "members": [],
        "cases": [],
        "eligibility": [],
        "soc": [],
        "ohc_policies": [],
        "fee_schedule": [
            {
                "procedure_code": code,
                "effective": f"{first_day.year - 1}-01-01",
                "allowed_per_unit": money(cents),
                "requires_authorization": needs_auth,
                "restricted_scope_ok": code in {"99285", "99223"},
            }
            for code, (cents, needs_auth, _) in FEE_SCHEDULE.items()
        ],
        "authorizations": [],
    }
    people: list[_Person] = []
    made = 0  # Medi-Cal members so far
    extra = 0  # responsible relatives (numbered after the members)
    case_number = 0
    while made < members:
        case_number += 1
        size = min(rng.choices(_FAMILY_SIZES, _FAMILY_WEIGHTS)[0], members - made)
        county = rng.choices(COUNTIES, _COUNTY_WEIGHTS)[0]
        case_id = f"C-{county}-{case_number:07d}"
        units, made, extra = _family(rng, size, made, members, extra, county)
        budget_units = []
        for label, (kind, persons) in zip("ABCDEF", units, strict=False):
            budget_units.append(
                {
                    "budget_unit": label,
                    "members": [
                        {"cin": p.cin, "role": "eligible" if p.eligible else "RR"} for p in persons
                    ],
                }
            )
            _unit_records(rng, dataset, case_id, label, kind, persons, month_list, county)
            people.extend(p for p in persons if p.eligible)
            for p in persons:
                dataset["members"].append(_member(rng, p, first_day))
        dataset["cases"].append(
            {"case_id": case_id, "county_code": county, "budget_units": budget_units}
        )
    claim_rows = _claims(
        rng,
        dataset,
        people,
        month_list,
        today,
        by_type,
        claims if claims is not None else max(members // 4, 1),
    )
    return Synthetic(dataset, claim_rows)


def _providers(
    rng: random.Random, count: int
) -> tuple[list[dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    rows: list[dict[str, Any]] = []
    by_type: dict[str, list[dict[str, Any]]] = {}
    plan_codes = [code for code, _ in PLANS]
    total_share = sum(share for _, share, _ in _PROVIDER_TYPES)
    number = 0
    for kind, share, _ in _PROVIDER_TYPES:
        for index in range(max(2, count * share // total_share)):
            name = f"{rng.choice(_PLACES)} {rng.choice(_TYPE_NAMES[kind])}"
            # The first of each type is a large group with every plan's contract.
            plans = plan_codes if index == 0 else rng.sample(plan_codes, rng.randint(1, 6))
            row = {
                "npi": npi(number),
                "name": name,
                "pin": PIN,
                "type": kind,
                "medi_cal_ffs": index == 0 or rng.random() < 0.85,
                "plans": sorted(plans),
                "primary_networks": sorted(rng.sample(_NETWORKS, rng.randint(0, 3))),
            }
            rows.append(row)
            by_type.setdefault(kind, []).append(row)
            number += 1
    return rows, by_type


def _family(
    rng: random.Random, size: int, made: int, members: int, extra: int, county: str
) -> tuple[list[tuple[str, list[_Person]]], int, int]:
    """The budget units of one case: (kind, persons); kind is free | soc | ltc."""
    plans = _COUNTY_PLANS.get(county, _DEFAULT_PLANS)

    def person(age: int) -> _Person:
        nonlocal made
        p = _Person(cin(made), age, True)
        made += 1
        if rng.random() < 0.9:
            p.plan = rng.choice(plans)
        if rng.random() < 0.13:
            p.carrier = _carrier(rng, age)
            p.ohc = (_CARRIERS[p.carrier][0],)
        return p

    units: list[tuple[str, list[_Person]]] = []
    if size == 1:
        age = rng.choice((rng.randint(19, 64), rng.randint(65, 96)))
        roll = rng.random()
        kind = "ltc" if age >= 65 and roll < 0.12 else "soc" if roll < 0.3 else "free"
        return [(kind, [person(age)])], made, extra
    grandparent = size >= 4 and rng.random() < 0.2
    parents = 2 if size >= 3 and rng.random() < 0.6 else 1
    children = size - parents - (1 if grandparent else 0)
    household = [person(rng.randint(22, 60)) for _ in range(parents)]
    household += [person(rng.randint(0, 18)) for _ in range(children)]
    kind = "soc" if rng.random() < 0.22 else "free"
    # A spouse with income but no Medi-Cal: a responsible relative on the unit.
    if kind == "soc" and parents == 1 and rng.random() < 0.3 and made < members:
        household.append(_Person(cin(members + extra), rng.randint(22, 60), False))
        extra += 1
    units.append((kind, household))
    if grandparent:
        age = rng.randint(65, 95)
        units.append(("ltc" if rng.random() < 0.1 else "soc", [person(age)]))
    return units, made, extra


def _carrier(rng: random.Random, age: int) -> int:
    if age >= 65 and rng.random() < 0.6:
        return 4  # Medicare Advantage
    return rng.choice((0, 0, 1, 2, 3, 3, 5))


def _aid_code(rng: random.Random, kind: str, p: _Person, family: bool) -> str:
    if kind == "ltc":
        return rng.choice(_LTC)
    if kind == "soc":
        return rng.choice(_SOC_FAMILY) if family else rng.choice(_SOC_ADULT)
    if p.age <= 18:
        return rng.choice(_FREE_CHILD + _FREE_FAMILY)
    return rng.choice(_FREE_FAMILY) if family else rng.choice(_FREE_ADULT)


def _soc_cents(rng: random.Random, kind: str) -> int:
    """Whole dollars: log-normal (most a few hundred dollars, a long tail); LTC higher."""
    if rng.random() < 0.01:
        return 0
    median, spread = (1_200, 0.6) if kind == "ltc" else (250, 1.0)
    dollars = round(median * math.exp(rng.gauss(0, spread)))
    return max(1, min(dollars, 12_000)) * 100


def _unit_records(
    rng: random.Random,
    dataset: dict[str, Any],
    case_id: str,
    label: str,
    kind: str,
    persons: list[_Person],
    month_list: list[BenefitMonth],
    county: str,
) -> None:
    family = len(persons) > 1
    eligible = [p for p in persons if p.eligible]
    unit_code = ""
    for p in eligible:
        p.aid_code = unit_code = _aid_code(rng, kind, p, family)
        if kind == "ltc":
            p.plan = None
        if p.carrier is not None:
            code, carrier, network, scopes, deductibles, oop = _CARRIERS[p.carrier]
            for year in sorted({m.year for m in month_list}):
                dataset["ohc_policies"].append(
                    {
                        "cin": p.cin,
                        "carrier": carrier,
                        "network": network,
                        "ohc_code": code,
                        "scope": list(scopes),
                        "plan_year_start": f"{year}-01-01",
                        "deductible": money(rng.choice(deductibles) * 100),
                        "out_of_pocket_max": money(oop * 100),
                    }
                )
    eligibility = dataset["eligibility"]
    for month in month_list:
        text = str(month)
        for p in eligible:
            eligibility.append(
                {
                    "cin": p.cin,
                    "month": text,
                    "aid_code": p.aid_code,
                    "county_code": county,
                    "plan": p.plan,
                    "ohc_codes": list(p.ohc),
                }
            )
    if kind == "free":
        return
    program = "cmsp" if unit_code in _CMSP else "medi-cal"
    cents = _soc_cents(rng, kind)
    for month in month_list:
        if rng.random() < 0.05:  # a change in income: the county redetermines the SOC
            cents = _soc_cents(rng, kind)
        row: dict[str, Any] = {
            "case_id": case_id,
            "budget_unit": label,
            "month": str(month),
            "amount": money(cents),
            "program": program,
        }
        if month == month_list[-1] and program == "medi-cal":
            row["determination"] = determination_inputs(kind, persons, month, cents)
        dataset["soc"].append(row)


def determination_inputs(
    kind: str, persons: list[_Person], month: BenefitMonth, cents: int
) -> dict[str, Any]:
    """The determination body a generated SOC comes from (docs/rules.md "Population
    what-if"): the Medically Needy budget computed directly (``program: medically_needy``, as a
    worker's budget on today's SOC caseload), with an unearned income that gives ``cents``
    under the month's parameters (need level, $20 disregard, personal needs allowance)."""
    params = rules.determination_parameters(month)
    soc = Money.from_cents(cents)
    if kind == "ltc":  # the personal needs allowance
        return {
            "month": str(month),
            "household_size": 1,
            "budget": "abd",
            "aged": True,
            "ltc": True,
            "incomes": [{"kind": "unearned", "amount": str(soc + params.personal_needs_allowance)}],
            "program": "medically_needy",
        }
    if len(persons) == 1:  # aged or disabled: the $20 any-income disregard and the 1-person MNL
        income = soc + params.any_income_disregard + params.maintenance_need_level_for(1)
        return {
            "month": str(month),
            "household_size": 1,
            "budget": "abd",
            "aged": persons[0].age >= 65,
            "disabled": persons[0].age < 65,
            "incomes": [{"kind": "unearned", "amount": str(income)}],
            "program": "medically_needy",
        }
    size = min(len(persons), 10)
    adults = min(sum(1 for p in persons if p.age >= 21), size)
    level = params.maintenance_need_level_for(size, adults)
    return {
        "month": str(month),
        "household_size": size,
        "adults": adults,
        "budget": "family",
        "incomes": [{"kind": "unearned", "amount": str(soc + level)}],
        "program": "medically_needy",
    }


def _member(rng: random.Random, p: _Person, first_day: date) -> dict[str, Any]:
    born = first_day - timedelta(days=p.age * 365 + rng.randint(0, 364))
    issued = first_day - timedelta(days=rng.randint(30, 3_650))
    return {
        "cin": p.cin,
        "bic_issue_date": issued.isoformat(),
        "first_name": rng.choice(_FIRST),
        "last_name": rng.choice(_LAST),
        "birth_date": max(born, date(1900, 1, 1)).isoformat(),
    }


def _claims(
    rng: random.Random,
    dataset: dict[str, Any],
    people: list[_Person],
    month_list: list[BenefitMonth],
    today: date,
    by_type: dict[str, list[dict[str, Any]]],
    count: int,
) -> list[dict[str, Any]]:
    months = [m for m in month_list if m.first_day <= today]
    if not months:
        return []
    billing = [(kind, codes) for kind, _, codes in _PROVIDER_TYPES if codes and kind in by_type]
    rows: list[dict[str, Any]] = []
    for n in range(count):
        p = rng.choice(people)
        kind, codes = rng.choice(billing)
        if p.age > 21 and kind == "aba":
            kind, codes = "physician", _PROVIDER_TYPES[0][2] or ()
        # Mostly a provider who takes the member's Medi-Cal (plan or fee-for-service).
        enrolled = [
            row
            for row in by_type[kind]
            if (p.plan in row["plans"] if p.plan else row["medi_cal_ffs"])
        ]
        provider = rng.choice(enrolled if enrolled and rng.random() < 0.9 else by_type[kind])
        month = rng.choice(months)
        last_day = min(month.plus(1).first_day - timedelta(days=1), today)
        carrier = _CARRIERS[p.carrier] if p.carrier is not None else None
        medicare = p.age >= 65 and carrier is None
        lines = []
        for _ in range(rng.choice((1, 1, 1, 2, 2, 3))):
            code = rng.choice(codes)
            fee, needs_auth, (low, high) = FEE_SCHEDULE[code]
            units = rng.randint(low, high)
            charge = fee * units * rng.randint(150, 300) // 100
            day = month.first_day + timedelta(days=rng.randint(0, last_day.day - 1))
            line: dict[str, Any] = {
                "service_date": day.isoformat(),
                "procedure_code": code,
                "units": units,
                "charge": money(charge),
            }
            if carrier is not None and carrier[3] == ("medical",):
                line["primary"] = _commercial(rng, charge)
            elif medicare:
                line["primary"] = _medicare(rng, charge)
            if needs_auth and rng.random() < 0.9:
                line["authorizations"] = {"medi_cal": _authorization(dataset, p, code, month_list)}
            lines.append(line)
        claim: dict[str, Any] = {
            "claim_id": f"SYN-{n:09d}",
            "provider_npi": provider["npi"],
            "member_id": p.cin,
            "soc_amount": "0.00",
            "lines": lines,
        }
        if any("primary" in line for line in lines):
            adjudicated = max(date.fromisoformat(line["service_date"]) for line in lines)
            claim["primary"] = {
                "payer_type": "medicare"
                if medicare
                else ("medicare_advantage" if carrier and carrier[0] == "F" else "commercial"),
                "payer_name": "Medicare Part B" if medicare else carrier[1] if carrier else "",
                "claim_number": f"P-{n:09d}",
                "adjudication_date": min(adjudicated + timedelta(days=14), today).isoformat(),
            }
        rows.append(claim)
    return rows


def _commercial(rng: random.Random, charge: int) -> dict[str, str]:
    """A commercial primary: allowed 60–90% of the charge, part to the deductible, then 80/20."""
    allowed = charge * rng.randint(60, 90) // 100
    deductible = rng.choice((0, 0, allowed, allowed // 2))
    paid = (allowed - deductible) * 80 // 100
    coinsurance = allowed - deductible - paid
    return {
        "allowed": money(allowed),
        "paid": money(paid),
        "deductible": money(deductible),
        "coinsurance": money(coinsurance),
    }


def _medicare(rng: random.Random, charge: int) -> dict[str, str]:
    """Medicare Part B: 80% of its allowed amount after the annual deductible."""
    allowed = charge * rng.randint(45, 70) // 100
    deductible = allowed if rng.random() < 0.1 else 0
    paid = (allowed - deductible) * 80 // 100
    return {
        "allowed": money(allowed),
        "paid": money(paid),
        "deductible": money(deductible),
        "coinsurance": money(allowed - deductible - paid),
    }


def _authorization(
    dataset: dict[str, Any], p: _Person, code: str, month_list: list[BenefitMonth]
) -> str:
    authorization_id = f"TAR-{len(dataset['authorizations']):09d}"
    dataset["authorizations"].append(
        {
            "id": authorization_id,
            "payer": "plan" if p.plan else "medi-cal",
            "cin": p.cin,
            "procedure_code": code,
            "start": month_list[0].first_day.isoformat(),
            "end": (month_list[-1].plus(1).first_day - timedelta(days=1)).isoformat(),
            "units": 1_200,
            "status": "approved",
        }
    )
    return authorization_id


__all__ = ["COUNTIES", "PIN", "PLANS", "Synthetic", "cin", "generate", "money", "npi"]


def caseload_inputs(units: int, seed: int, month: BenefitMonth) -> list[tuple[str, dict[str, Any]]]:
    """(county code, determination body) of ``units`` SOC budget units, without the rest of a
    population: the what-if benchmark's caseload (same mix and SOC amounts as ``generate``)."""
    rng = random.Random(seed)  # noqa: S311 (reproducible test data, not a secret)
    counties = [f"{n:02d}" for n in range(1, 59)]
    rows: list[tuple[str, dict[str, Any]]] = []
    for _ in range(units):
        roll = rng.random()
        if roll < 0.15:
            kind, persons = "ltc", [_Person("", rng.randint(65, 96), True)]
        elif roll < 0.6:
            kind, persons = "soc", [_Person("", rng.randint(19, 96), True)]
        else:
            size = rng.randint(2, 6)
            parents = 2 if size >= 3 and rng.random() < 0.6 else 1
            ages = [rng.randint(22, 60) for _ in range(parents)]
            ages += [rng.randint(0, 18) for _ in range(size - parents)]
            kind, persons = "soc", [_Person("", age, True) for age in ages]
        cents = _soc_cents(rng, kind)
        rows.append((rng.choice(counties), determination_inputs(kind, persons, month, cents)))
    return rows
