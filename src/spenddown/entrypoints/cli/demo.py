"""``spenddown demo``: a realistic sample dataset for the current month and the two before it,
a demo database, and a tour of copy-pasteable commands.

The dataset is built from today's date, so the demo works on any day: every member has
eligibility and every budget unit a Share of Cost in each of the three months. Names, cases and
providers are fictional; NPIs carry a valid check digit (Luhn with prefix 80840).

What it holds (tests/e2e/test_demo_data.py checks each kind):
- several counties: Los Angeles 19, San Diego 37, Alameda 01, Orange 30, Sacramento 34,
  Humboldt 12 (a CMSP county);
- a SOC member enrolled in Health Net, unmet at the start of the month (the tour's member);
- the Garcia family: the parents' budget unit and a child-only unit (Sneede v. Kizer), the father
  a responsible relative (RR) on both;
- a nursing-facility resident with LTC aid code 13 (auto-certified at month start);
- a member with two aid codes in the month: 34 (no SOC) and 37 (SOC);
- restricted-scope members: C1 (no SOC) and C2 (with SOC);
- plan members of Health Net (HN), L.A. Care (LA) and Molina (MOL), and fee-for-service members;
- a CMSP member with a Medi-Cal and a CMSP obligation in one budget unit;
- at least two providers of each type, each with a 4-digit PIN.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from argon2 import PasswordHasher
from sqlalchemy.engine import make_url

from spenddown import bootstrap
from spenddown.adapters.dataset import parse_dataset
from spenddown.adapters.system import Argon2PinHasher
from spenddown.domain.errors import InvalidInput
from spenddown.domain.identifiers import NPI_PREFIX, luhn_check_digit
from spenddown.domain.months import BenefitMonth
from spenddown.services import access, share_of_cost
from spenddown.services.common import today
from spenddown.services.imports import import_dataset

DEMO_FILE = "spenddown-demo.db"
DEMO_URL = f"sqlite:///{DEMO_FILE}"  # relative to the working directory, as the tour prints it
# The demo PINs are printed for everyone to use: hashing them with light Argon2id parameters
# (stored in each hash, so verifying is light too) keeps the demo and its tour quick.
DEMO_PINS = Argon2PinHasher(PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1))


def npi(first_nine: str) -> str:
    """An NPI with a valid check digit (CMS: Luhn over 80840 + the first nine digits)."""
    return first_nine + str(luhn_check_digit(NPI_PREFIX + first_nine))


@dataclass(frozen=True, slots=True)
class DemoProvider:
    npi: str
    pin: str
    name: str
    type: str
    medi_cal_ffs: bool = True
    plans: tuple[str, ...] = ()
    networks: tuple[str, ...] = ()  # private insurers' networks the provider is in


PPO = "BLUE-SHIELD-PPO"
PROVIDERS: tuple[DemoProvider, ...] = (
    DemoProvider(
        npi("123456789"), "2468", "Valley Family Medicine", "physician", plans=("HN", "LA")
    ),
    DemoProvider(npi("145678901"), "3579", "Priya Raman, MD", "physician", plans=("MOL",)),
    DemoProvider(
        npi("124531959"), "1357", "Eastside Community Clinic", "clinic", plans=("HN", "LA", "MOL")
    ),
    DemoProvider(npi("156789012"), "4826", "Redwood Coast Health Center", "clinic"),
    # The seed's ABA choice for an HN child with a PPO: Coastal takes both the PPO and Health
    # Net; Bright Steps takes the PPO but not the child's Medi-Cal plan.
    DemoProvider(
        npi("167890123"), "7314", "Bright Steps ABA Therapy", "aba", False, ("LA",), (PPO,)
    ),
    DemoProvider(
        npi("178901234"), "6152", "Coastal Behavioral Health", "aba", False, ("HN",), (PPO,)
    ),
    DemoProvider(npi("140785477"), "9753", "Corner Pharmacy", "pharmacy"),
    DemoProvider(npi("189012345"), "5067", "Mission Street Rx", "pharmacy", plans=("HN", "LA")),
    DemoProvider(
        npi("190123456"), "8391", "Bayview General Hospital", "hospital", plans=("HN", "LA")
    ),
    DemoProvider(
        npi("101234567"), "2745", "Sierra Valley Medical Center", "hospital", plans=("MOL",)
    ),
    DemoProvider(npi("112345678"), "6638", "Golden State Medical Supply", "dme"),
    DemoProvider(npi("134567890"), "4190", "Pacific Mobility & Oxygen", "dme", plans=("HN",)),
    DemoProvider(npi("100300012"), "8642", "Sunrise Skilled Nursing", "ltc_facility"),
    DemoProvider(npi("187654321"), "3108", "Oak Grove Care Center", "ltc_facility"),
    DemoProvider(npi("176543210"), "5521", "Harbor Diagnostic Laboratory", "ancillary"),
)
PROVIDER_BY_NAME = {p.name: p for p in PROVIDERS}
PHYSICIAN = PROVIDER_BY_NAME["Valley Family Medicine"]
CLINIC = PROVIDER_BY_NAME["Eastside Community Clinic"]
NURSING_HOME = PROVIDER_BY_NAME["Sunrise Skilled Nursing"]


@dataclass(frozen=True, slots=True)
class DemoMember:
    cin: str
    issue: str
    first: str
    last: str
    born: str
    county: str
    aid_codes: tuple[str, ...]  # eligibility in each of the three months
    plan: str | None = None
    ohc: tuple[str, ...] = ()


ROSA = DemoMember("91234560A", "2024-03-12", "Rosa", "Martinez", "1951-06-14", "19", ("17",), "HN")
MARIA = DemoMember("92345671B", "2023-08-01", "Maria", "Garcia", "1984-02-03", "19", ("37",), "HN")
JOSE = DemoMember("92345672C", "2023-08-01", "Jose", "Garcia", "1982-09-21", "19", ())  # RR
SOFIA = DemoMember("92345673D", "2023-08-01", "Sofia", "Garcia", "2013-05-30", "19", ("37",), "LA")
MATEO = DemoMember("92345674E", "2023-08-01", "Mateo", "Garcia", "2016-11-08", "19", ("37",), "LA")
ELEANOR = DemoMember("93456780F", "2022-10-04", "Eleanor", "Whitfield", "1938-12-02", "37", ("13",))
KIM = DemoMember("94567891G", "2025-01-21", "Kim", "Nguyen", "1979-04-17", "01", ("34", "37"))
LUCIA = DemoMember("95678902H", "2025-06-30", "Lucia", "Hernandez", "1990-08-25", "19", ("C1",))
ANA = DemoMember("95678903J", "2024-11-18", "Ana", "Reyes", "1993-01-11", "30", ("C2",))
SAMUEL = DemoMember(
    "96789013K", "2024-05-06", "Samuel", "Okafor", "1958-03-29", "34", ("67",), "MOL", ("P",)
)
DANIEL = DemoMember("97890124L", "2023-02-14", "Daniel", "Brooks", "1969-10-05", "12", ("17", "88"))
# The seed's family: a child with a private PPO (OHC code P) and Medi-Cal through Health Net,
# in ABA therapy five days a week.
LEO = DemoMember(
    "99012346N", "2024-09-09", "Leo", "Park", "2018-04-02", "19", ("14",), "HN", ("P",)
)
GRACE = DemoMember("98901235M", "2022-04-27", "Grace", "Kim", "1947-07-19", "19", ("14",), "LA")
MEMBERS: tuple[DemoMember, ...] = (
    ROSA,
    MARIA,
    JOSE,
    SOFIA,
    MATEO,
    ELEANOR,
    KIM,
    LUCIA,
    ANA,
    SAMUEL,
    DANIEL,
    GRACE,
    LEO,
)

# case_id, county, {budget unit: [(member, role)]}, {(budget unit, program): SOC}
Units = dict[str, list[tuple[DemoMember, str]]]
Socs = dict[tuple[str, str], str]
CASES: tuple[tuple[str, str, Units, Socs], ...] = (
    ("C-19-4401", "19", {"A": [(ROSA, "eligible")]}, {("A", "medi-cal"): "600.00"}),
    (
        "C-19-5150",
        "19",
        {
            "A": [(MARIA, "eligible"), (JOSE, "RR")],  # the parents' unit
            "B": [(SOFIA, "eligible"), (MATEO, "eligible"), (JOSE, "RR")],  # child-only unit
        },
        {("A", "medi-cal"): "412.00", ("B", "medi-cal"): "150.00"},
    ),
    ("C-37-2207", "37", {"A": [(ELEANOR, "eligible")]}, {("A", "medi-cal"): "1146.00"}),
    ("C-01-3310", "01", {"A": [(KIM, "eligible")]}, {("A", "medi-cal"): "275.00"}),
    ("C-30-7781", "30", {"A": [(ANA, "eligible")]}, {("A", "medi-cal"): "320.00"}),
    ("C-19-8802", "19", {"A": [(LEO, "eligible")]}, {}),
    ("C-34-6120", "34", {"A": [(SAMUEL, "eligible")]}, {("A", "medi-cal"): "845.00"}),
    (
        "C-12-0912",
        "12",
        {"A": [(DANIEL, "eligible")]},
        {("A", "medi-cal"): "300.00", ("A", "cmsp"): "200.00"},
    ),
)

PLANS = (
    {"code": "HN", "name": "Health Net"},
    {"code": "LA", "name": "L.A. Care"},
    {"code": "MOL", "name": "Molina Healthcare"},
)


def demo_months(on: date) -> list[BenefitMonth]:
    """The current month and the two before it, oldest first."""
    current = BenefitMonth.of(on)
    return [current.plus(-2), current.plus(-1), current]


def demo_dataset(on: date) -> dict[str, Any]:
    """The import document (docs/formats.md §1) for the month of ``on`` and the two
    months before it."""
    months = [str(m) for m in demo_months(on)]
    return {
        "plans": [dict(p) for p in PLANS],
        "providers": [
            {
                "npi": p.npi,
                "name": p.name,
                "pin": p.pin,
                "type": p.type,
                "medi_cal_ffs": p.medi_cal_ffs,
                "plans": list(p.plans),
                "primary_networks": list(p.networks),
            }
            for p in PROVIDERS
        ],
        "members": [
            {
                "cin": m.cin,
                "bic_issue_date": m.issue,
                "first_name": m.first,
                "last_name": m.last,
                "birth_date": m.born,
            }
            for m in MEMBERS
        ],
        "cases": [
            {
                "case_id": case_id,
                "county_code": county,
                "budget_units": [
                    {
                        "budget_unit": unit,
                        "members": [{"cin": m.cin, "role": role} for m, role in members],
                    }
                    for unit, members in units.items()
                ],
            }
            for case_id, county, units, _ in CASES
        ],
        "eligibility": [
            {
                "cin": m.cin,
                "month": month,
                "aid_code": aid_code,
                "county_code": m.county,
                "plan": m.plan,
                "ohc_codes": list(m.ohc),
            }
            for month in months
            for m in MEMBERS
            for aid_code in m.aid_codes
        ],
        "soc": [
            {
                "case_id": case_id,
                "budget_unit": unit,
                "month": month,
                "amount": amount,
                "program": program,
            }
            for month in months
            for case_id, _, _, socs in CASES
            for (unit, program), amount in socs.items()
        ],
        "ohc_policies": [
            {
                "cin": LEO.cin,
                "carrier": "Blue Shield of California",
                "network": PPO,
                "ohc_code": "P",
                "scope": ["medical"],
                "plan_year_start": f"{on.year}-01-01",
                "deductible": "1500.00",
                "out_of_pocket_max": "6000.00",
            }
        ],
        "fee_schedule": [
            {
                "procedure_code": code,
                "effective": "2026-01-01",
                "allowed_per_unit": fee,
                "requires_authorization": auth,
            }
            for code, fee, auth in FEE_SCHEDULE
        ],
        "authorizations": [
            {
                "id": "HN-PA-ABA-1",
                "payer": "plan",
                "cin": LEO.cin,
                "procedure_code": "97153",
                "start": str(demo_months(on)[0].first_day),
                "end": f"{on.year}-12-31",
                "units": 1200,
            },
            {
                "id": "BS-PA-ABA-1",
                "payer": "primary",
                "cin": LEO.cin,
                "procedure_code": "97153",
                "start": str(demo_months(on)[0].first_day),
                "end": f"{on.year}-12-31",
                "units": 1200,
            },
        ],
    }


# Medi-Cal maximum allowances used by the demo (illustrative figures, not DHCS's rates).
FEE_SCHEDULE: tuple[tuple[str, str, bool], ...] = (
    ("99213", "24.00", False),
    ("99214", "35.50", False),
    ("99215", "48.00", False),
    ("97153", "16.50", True),  # ABA treatment by protocol, per 15 minutes
    ("97155", "24.75", True),
    ("E0601", "55.00", True),  # CPAP device
)


# --- the database ----------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DemoDatabase:
    url: str
    created: bool  # False when an existing demo database was reused
    today: date
    counts: dict[str, int]


def sqlite_file(url: str) -> Path | None:
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    return Path(parsed.database)


def prepare(url: str, *, fresh: bool) -> DemoDatabase:
    """Create (or reuse) the demo database and load the dataset for today.

    Reusing re-imports the dataset (an upsert: nothing is lost, a new month is added); the LTC
    cycle of the two earlier months is run, as the operator would have on their 1st. The current
    month's cycle is left to the tour (``spenddown cycle start``)."""
    path = sqlite_file(url)
    if fresh:
        if path is None:
            raise InvalidInput(
                "DEMO_FRESH_SQLITE_ONLY", "--fresh only deletes a SQLite demo database file."
            )
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    created = path is None or not path.exists()
    app = bootstrap.build(url, pins=DEMO_PINS)
    try:
        on = today(app.env)
        counts = import_dataset(parse_dataset(demo_dataset(on)), app.uow(), app.env)
        for month in demo_months(on)[:-1]:
            share_of_cost.start_month(month, app.uow(), app.env)
    finally:
        app.close()
    return DemoDatabase(url, created, on, counts)


DEMO_CLAIM_FILE = "spenddown-demo-claim.json"


def example_claim(on: date) -> dict[str, Any]:
    """Coastal's claim for Leo's ABA visit on ``on`` after the PPO applied it to the
    deductible (the Claim of docs/formats.md §2), for the tour's ``adjudicate`` step."""
    coastal = PROVIDER_BY_NAME["Coastal Behavioral Health"]
    return {
        "claim_id": f"ABA-{on:%Y%m%d}",
        "provider_npi": coastal.npi,
        "member_id": LEO.cin,
        "soc_amount": "0.00",
        "primary": {
            "payer_type": "commercial",
            "payer_name": "Blue Shield PPO",
            "claim_number": "BS-1",
            "adjudication_date": str(on),
        },
        "lines": [
            {
                "service_date": str(on),
                "procedure_code": "97153",
                "units": 4,
                "charge": "160.00",
                "primary": {"allowed": "120.00", "paid": "0.00", "deductible": "120.00"},
                "authorizations": {"medi_cal": "HN-PA-ABA-1", "primary": "BS-PA-ABA-1"},
            }
        ],
    }


def demo_tokens(url: str) -> dict[str, str]:
    """New API tokens for the demo's county, admin and Health Net roles (printed once)."""
    app = bootstrap.build(url, pins=DEMO_PINS)
    try:
        return {
            role: access.create_token(role, "demo", app.uow(), app.env).secret
            for role in ("county", "admin", "plan:HN")
        }
    finally:
        app.close()


def start_server(url: str, host: str, port: int) -> None:
    """Serve the API (and the pages, when they exist) on the demo database until Ctrl-C."""
    from spenddown.entrypoints.api.app import run

    run(host, port, url, demo=True, workers=1)  # one process, whatever the database


# --- the tour --------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class TourStep:
    title: str
    command: str
    expect_exit: int = 0


TODAY_ARG = '--date "$(TZ=America/Los_Angeles date +%F)"'
MONTH_ARG = '"$(TZ=America/Los_Angeles date +%Y-%m)"'


def tour(program: str, db_url: str = DEMO_URL) -> list[TourStep]:
    """Copy-pasteable commands, in order, that work on any day (dates come from ``date``)."""
    base = f"{shlex.quote(program)} --db {shlex.quote(db_url)}"

    def as_provider(p: DemoProvider) -> str:
        return f"--npi {p.npi} --pin {p.pin}"

    def member(m: DemoMember) -> str:
        return f"--member {m.cin} --issue-date {m.issue} {TODAY_ARG}"

    first_clearance = (
        f"{base} clear {as_provider(PHYSICIAN)} {member(ROSA)} "
        "--code 99214 --charge 150.00 --key visit-1"
    )
    return [
        TourStep(
            f"{PHYSICIAN.name} verifies {ROSA.first} {ROSA.last} (Health Net, SOC $600 unmet)",
            f"{base} verify {as_provider(PHYSICIAN)} {member(ROSA)}",
        ),
        TourStep(
            "A $150.00 office visit the member paid clears part of the SOC",
            first_clearance,
        ),
        TourStep(
            f"{CLINIC.name}: a $500.00 service the member promised to pay clears the rest "
            "(min(charge, remaining) is applied; the month is certified and an EVC issued)",
            f"{base} clear {as_provider(CLINIC)} {member(ROSA)} "
            "--code 99215 --charge 500.00 --obligated",
        ),
        TourStep(
            "Verify again: eligible from the 1st, aid code, EVC, Health Net status 01",
            f"{base} verify {as_provider(PHYSICIAN)} {member(ROSA)}",
        ),
        TourStep(
            "Try to reverse the first clearance (the same --key gives back its ID): refused, "
            "the month is certified (exit code 3)",
            f'{base} reverse {as_provider(PHYSICIAN)} "$({first_clearance} --id-only)"',
            expect_exit=3,
        ),
        TourStep(
            "Start the month: long-term-care SOC is certified automatically",
            f"{base} cycle start {MONTH_ARG}",
        ),
        TourStep(
            f"{NURSING_HOME.name} verifies its resident {ELEANOR.first} {ELEANOR.last} "
            "(LTC SOC: eligible, clear_online false)",
            f"{base} verify {as_provider(NURSING_HOME)} {member(ELEANOR)}",
        ),
        TourStep(
            "The county screens the programs first: an aged person with $1,300 of Social "
            "Security gets free Medi-Cal (A&D FPL), no SOC",
            f"{base} soc compute --month {MONTH_ARG} --household 1 --unearned 1300 --aged",
        ),
        TourStep(
            "Health Net reads its activations (SOC met: potential enrollee 55 → enrolled 01)",
            f"{base} plans activations HN",
        ),
        TourStep("Re-check every ledger invariant", f"{base} audit"),
    ]
