"""Request and response schemas of the REST API, separate from storage and from the domain.

- Requests (``...Request``) validate and convert input into domain values (``Money``,
  ``MemberId``, ``BenefitMonth``, ``date``) with the domain's own parsers, so that the API and the
  CLI accept and refuse exactly the same things. A domain refusal inside a field becomes a
  validation error whose type is the domain code (``INVALID_AMOUNT``), reported with its path.
- Responses describe exactly the dicts built by ``spenddown.entrypoints.shapes`` (and
  ``api.views``); routes return those dicts as they are and the models only document them
  (``extra="forbid"``: the OpenAPI document says ``additionalProperties: false``, and the tests
  check every response against its model).

Money in JSON is a string with two decimals; as input a string or a JSON number with at most two
decimals. JSON numbers are parsed as ``Decimal`` from their text (``routing.DecimalJsonRoute``),
never through a float, so ``150.5`` is accepted and ``1.234`` refused.
"""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from spenddown.domain.errors import InvalidInput
from spenddown.domain.identifiers import MemberId, parse_member_id, parse_npi
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth

# --- input types ------------------------------------------------------------------------------
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)


def _refused(error: InvalidInput) -> PydanticCustomError:
    # The type is the domain code; errors.py reports it as the problem's ``code``.
    return PydanticCustomError(error.code, error.detail.split(": ", 1)[-1])


_MONEY_TEXT = re.compile(
    r"-?[0-9]+(\.[0-9]+)?", re.ASCII
)  # more than two decimals: refused by Money.parse


def _money(value: Any) -> Money:
    if isinstance(value, str) and not _MONEY_TEXT.fullmatch(value.strip()):
        # docs/formats.md §2: "a string or a number with at most two decimals": digits, no "$",
        # no thousands separators, no exponent (the CLI and the web pages take those).
        raise PydanticCustomError(
            "INVALID_AMOUNT", 'give money as digits with at most two decimals, e.g. "150.00".'
        )
    if isinstance(value, float):
        # Only reached when a float did not come from our JSON parser: its repr is the shortest
        # text that reads back as it, i.e. the number the sender wrote (1.234 stays 1.234 and is
        # refused); no float arithmetic happens.
        value = repr(value)
    try:
        return Money.parse(value, "amount")
    except InvalidInput as error:
        raise _refused(error) from None
    except ArithmeticError:  # a huge exponent: Decimal cannot quantize it
        raise PydanticCustomError("INVALID_AMOUNT", "the amount is too large.") from None


def _member_id(value: Any) -> MemberId:
    if not isinstance(value, str) or len(value) > 40:
        raise PydanticCustomError("INVALID_MEMBER_ID", "a member ID is a string.")
    try:
        return parse_member_id(value)
    except InvalidInput as error:
        raise _refused(error) from None


def _date(value: Any) -> date:
    if isinstance(value, date):
        return value
    if not isinstance(value, str) or not _DATE.fullmatch(value.strip()):
        raise PydanticCustomError("INVALID_DATE", "give a date as YYYY-MM-DD.")
    try:
        parsed = date.fromisoformat(value.strip())
    except ValueError:
        raise PydanticCustomError("INVALID_DATE", "not a calendar date (YYYY-MM-DD).") from None
    # Benefit months exist for 1900-2999 only (BenefitMonth); refuse other years here.
    if not 1900 <= parsed.year <= 2999:
        raise PydanticCustomError("INVALID_DATE", "the year must be between 1900 and 2999.")
    return parsed


def _month(value: Any) -> BenefitMonth:
    if isinstance(value, BenefitMonth):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("INVALID_MONTH", "give a month as YYYY-MM.")
    try:
        return BenefitMonth.parse(value)
    except InvalidInput as error:
        raise _refused(error) from None


def _member_id_text(value: Any) -> str:
    _member_id(value)
    return str(value).strip().upper()


def _month_text(value: Any) -> str:
    return str(_month(value))


MONEY_PATTERN = r"^[0-9]{1,12}(\.[0-9]{1,2})?$"

MoneyIn = Annotated[
    Money,
    PlainValidator(_money),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": MONEY_PATTERN},
                {"type": "number", "multipleOf": 0.01, "minimum": 0, "maximum": 999999999999},
            ],
            "description": "Dollars: a string or a number with at most two decimals.",
            "examples": ["150.00"],
        }
    ),
]
# Path and query parameters must be scalars for FastAPI: validated text, parsed by the route.
_MEMBER_ID_SCHEMA = {
    "type": "string",
    "pattern": r"^([0-9]{8}[A-Z]|[0-9]{8}[A-Z][0-9]{5})$",
    "description": "CIN (8 digits and a letter) or the 14-character ID on the card.",
    "examples": ["12345678A"],
}
_MONTH_SCHEMA = {
    "type": "string",
    "pattern": r"^(19|2[0-9])[0-9]{2}-(0[1-9]|1[0-2])$",
    "description": "Benefit month YYYY-MM (1900-01 to 2999-12).",
    "examples": ["2026-11"],
}
MemberIdParam = Annotated[str, PlainValidator(_member_id_text), WithJsonSchema(_MEMBER_ID_SCHEMA)]
MonthParam = Annotated[str, PlainValidator(_month_text), WithJsonSchema(_MONTH_SCHEMA)]
DateIn = Annotated[
    date,
    PlainValidator(_date),
    WithJsonSchema(
        {
            "type": "string",
            "format": "date",
            "pattern": r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$",
            "examples": ["2026-11-03"],
        }
    ),
]
MonthIn = Annotated[BenefitMonth, PlainValidator(_month), WithJsonSchema(_MONTH_SCHEMA)]
MemberIdIn = Annotated[MemberId, PlainValidator(_member_id), WithJsonSchema(_MEMBER_ID_SCHEMA)]

# --- output types -----------------------------------------------------------------------------
MoneyOut = Annotated[str, Field(pattern=r"^-?[0-9]+\.[0-9]{2}$", examples=["600.00"])]
DateOut = Annotated[str, Field(json_schema_extra={"format": "date"}, examples=["2026-11-03"])]
MonthOut = Annotated[str, Field(pattern=r"^[0-9]{4}-[0-9]{2}$", examples=["2026-11"])]
Timestamp = Annotated[
    str, Field(json_schema_extra={"format": "date-time"}, examples=["2026-11-23T18:00:00Z"])
]
ProgramName = Literal["medi-cal", "cmsp"]
CertifiedBy = Literal["clearances", "county", "ltc_auto"]
PaymentName = Literal["paid", "obligated"]
ServiceTypeName = Literal["drug", "appliance", "global", "other"]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


# --- requests ---------------------------------------------------------------------------------
class VerificationRequest(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "member_id": "12345678A",
                    "bic_issue_date": "2025-02-01",
                    "service_date": "2026-11-03",
                }
            ]
        },
    )

    member_id: MemberIdIn
    bic_issue_date: DateIn
    service_date: DateIn


class ClearanceRequest(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "member_id": "12345678A",
                    "bic_issue_date": "2025-02-01",
                    "service_date": "2026-11-03",
                    "billing_code": "99213",
                    "service_charge": "150.00",
                    "payment": "obligated",
                    "idempotency_key": "visit-2026-11-03-001",
                }
            ]
        },
    )

    member_id: MemberIdIn
    bic_issue_date: DateIn
    service_date: DateIn
    billing_code: Annotated[str, Field(min_length=1, max_length=20, examples=["99213"])]
    service_charge: MoneyIn
    payment: PaymentName
    idempotency_key: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=100,
            description="A retry with the same key returns the first result (also after a "
            "restart); the same key for a different service is refused.",
        ),
    ] = None
    budget_unit: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=60,
            description="A or CASE/A; needed when an IE/RR member is on several budget units.",
        ),
    ] = None
    other_coverage_paid: Annotated[
        MoneyIn | None,
        Field(
            description="What Medicare or other coverage paid on the service (the primary's "
            "paid amount on its EOB): only service_charge − other_coverage_paid counts."
        ),
    ] = None
    service_type: Annotated[
        ServiceTypeName,
        Field(
            description="Which date the service counts on for the SOC (22 CCR 50657, "
            "docs/rules.md §9.1): drug (a prescription drug: the date received), appliance "
            "(dental prosthesis, prosthetic, orthotic or eye appliance: the date ordered from "
            "the laboratory), global (a global billing agreement: the last service, or the "
            "delivery), other (the date of service)."
        ),
    ] = "other"
    counted_date: Annotated[
        DateIn | None,
        Field(
            description="The date the service type counts on (required for drug, appliance "
            "and global; left out for other). The clearance counts toward the SOC of its month."
        ),
    ] = None
    month: Annotated[
        MonthIn | None,
        Field(
            description="The SOC month the office means to clear (the MC 177S month); when "
            "the date the service counts on is in another month: SERVICE_OUTSIDE_MONTH."
        ),
    ] = None


class EmptyRequest(_In):
    """``{}``: the path says everything."""


class IncomeIn(_In):
    kind: Literal["earned", "unearned"]
    amount: MoneyIn
    person: Annotated[int, Field(ge=0, le=49, description="Whose income (index in persons).")] = 0
    disability_benefit: Annotated[
        bool, Field(description="SSDI or state disability: excluded by the 250% WDP test.")
    ] = False


class PersonIn(_In):
    birth_date: DateIn | None = None
    adult: Annotated[bool | None, Field(description="Without a birth date: an adult?")] = None
    aged: bool = False
    blind: bool = False
    disabled: bool = False
    caretaker: Annotated[
        bool, Field(description="A parent or caretaker relative of a child in the home.")
    ] = False
    pregnant: bool = False
    medicare: bool = False
    relationship: Literal["self", "spouse", "child", "parent", "caretaker", "other"] | None = None


class CareIn(_In):
    resident: Annotated[int, Field(ge=0, le=49, description="Index in persons.")] = 0
    whole_month: Annotated[
        bool | None, Field(description="In care the whole month (required).")
    ] = None
    setting: Literal["facility", "hcbs"] = "facility"
    home_upkeep: Annotated[
        bool, Field(description="A physician certified a likely return home (up to 6 months).")
    ] = False


class DependentCareIn(_In):
    amount: MoneyIn
    under_2: bool = False
    incapacitated: bool = False


class ChildrenOnlyIn(_In):
    children: Annotated[int, Field(ge=1, le=20)]
    parents_in_home: Annotated[int, Field(ge=0, le=2)] = 0


class DeterminationRequest(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "month": "2026-11",
                    "household_size": 1,
                    "ltc": False,
                    "budget": "abd",
                    "incomes": [{"kind": "unearned", "amount": "1147.10"}],
                    "premiums": [],
                }
            ]
        },
    )

    month: MonthIn
    household_size: Annotated[
        int | None, Field(ge=1, le=50, description="Required unless persons is given.")
    ] = None
    ltc: bool = False
    budget: Literal["abd", "family"] = "abd"
    incomes: Annotated[list[IncomeIn], Field(max_length=100)] = []
    premiums: Annotated[list[MoneyIn], Field(max_length=100)] = []
    children_only: ChildrenOnlyIn | None = None
    reform: Annotated[
        str | None, Field(max_length=60, description="A named what-if, e.g. mnl_138_fpl.")
    ] = None
    persons: Annotated[list[PersonIn] | None, Field(max_length=50)] = None
    adults: Annotated[int | None, Field(ge=0, le=50)] = None
    aged: bool = False
    blind: bool = False
    disabled: bool = False
    medicare: bool = False
    spouse_income: MoneyIn | None = None
    home_upkeep: bool = False
    care: CareIn | None = None
    dependent_care: Annotated[list[DependentCareIn], Field(max_length=20)] = []
    support_paid: MoneyIn | None = None
    program: Annotated[
        str | None,
        Field(
            max_length=40,
            description="Compute one program directly: magi, aged_disabled_fpl, "
            "working_disabled or medically_needy.",
        ),
    ] = None


class ShareOfCostRequest(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"amount": "600.00", "program": "medi-cal"}]},
    )

    amount: Annotated[
        MoneyIn | None, Field(description="Required unless determination is given.")
    ] = None
    program: ProgramName = "medi-cal"
    retro_override: Annotated[
        bool,
        Field(
            description="The county says this change (more than 8 months back) goes through "
            "its retroactive process."
        ),
    ] = False
    determination: Annotated[
        DeterminationRequest | None,
        Field(
            description="Set the SOC the determination gives (the ladder's result) and store "
            "its inputs for the population what-if; amount, if given, must match."
        ),
    ] = None


class WhatIfRequest(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"month": "2026-11", "reform": "mnl_138_fpl"}]},
    )

    month: MonthIn
    reform: Annotated[str | None, Field(max_length=60)] = None
    overrides: Annotated[
        dict[str, Any] | None,
        Field(description="Parameter name → value, or dated values {YYYY-MM-DD: value}."),
    ] = None


class WhatIfCounty(_Out):
    county_code: str
    units: int
    moved_to_free: int
    lower_soc: int
    total_soc_before: MoneyOut
    total_soc_after: MoneyOut


class WhatIfBand(_Out):
    band: str
    before: int
    after: int


class WhatIf(_Out):
    month: MonthOut
    reform: str | None
    overrides: list[str]
    units: int
    moved_to_free: int
    lower_soc: int
    higher_soc: int
    unchanged: int
    refused: int
    total_soc_before: MoneyOut
    total_soc_after: MoneyOut
    counties: list[WhatIfCounty]
    bands: list[WhatIfBand]


class TokenRequest(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"role": "plan:HN", "label": "Health Net nightly job"}]},
    )

    role: Annotated[
        str,
        Field(
            min_length=1,
            max_length=40,
            description="county, admin or plan:<CODE>",
            examples=["county"],
        ),
    ]
    label: Annotated[str, Field(min_length=1, max_length=100, examples=["county worker"])]
    county: Annotated[
        str | None,
        Field(
            pattern=r"^[0-9]{2}$",
            description="For role county: the county the token may see (2-digit code).",
            examples=["19"],
        ),
    ] = None
    statewide: bool = Field(
        default=False,
        description="For role county: a token for every county (instead of `county`).",
    )
    expires_in_days: int = Field(default=90, ge=1, le=3650, description="Lifetime in days.")


# --- responses: eligibility -------------------------------------------------------------------
class AidCodeOut(_Out):
    aid_code: str
    scope: Literal["full", "restricted"]
    program: ProgramName


class ShareOfCostStatus(_Out):
    amount: MoneyOut
    remaining: MoneyOut
    certified: bool
    certified_by: CertifiedBy | None
    ltc: bool
    clear_online: bool
    program: ProgramName


class PlanOut(_Out):
    code: str
    name: str
    hcp_status: str


class Verification(_Out):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "member_id": "12345678A",
                    "service_date": "2026-11-03",
                    "month": "2026-11",
                    "eligible": False,
                    "evc": None,
                    "eligibility_status": "5",
                    "county_code": "19",
                    "aid_codes": [],
                    "share_of_cost": {
                        "amount": "600.00",
                        "remaining": "450.00",
                        "certified": False,
                        "certified_by": None,
                        "ltc": False,
                        "clear_online": True,
                        "program": "medi-cal",
                    },
                    "plan": {"code": "HN", "name": "Health Net", "hcp_status": "55"},
                    "other_health_coverage": ["P"],
                    "restrictions": [],
                    "messages": ["MEDI-CAL ELIGIBLE WITH $00600 SOC. REMAINING SOC $450.00."],
                }
            ]
        },
    )

    member_id: str
    service_date: DateOut
    month: MonthOut
    eligible: bool
    evc: str | None
    eligibility_status: str
    county_code: str | None
    aid_codes: list[AidCodeOut]
    share_of_cost: ShareOfCostStatus | None
    plan: PlanOut | None
    other_health_coverage: list[str]
    restrictions: list[str]
    messages: list[str]


# --- responses: share of cost -----------------------------------------------------------------
class ProgramApplicationOut(_Out):
    program: ProgramName
    applied: MoneyOut
    remaining: MoneyOut
    certified: bool


CLEARANCE_EXAMPLE: dict[str, Any] = {
    "clearance_id": "c_01JD7ZQ3XH6T9K2M4N8P0R5S7V",
    "member_id": "12345678A",
    "case_id": "C-1001",
    "budget_unit": "A",
    "month": "2026-11",
    "service_date": "2026-11-03",
    "billing_code": "99213",
    "service_charge": "150.00",
    "payment": "obligated",
    "applied": "90.00",
    "remaining": "0.00",
    "certified": True,
    "evc": "7K3M9Q2XPD",
    "reversed": False,
    "provider_npi": "1234567893",
    "created_at": "2026-11-23T18:00:00Z",
    "programs": [
        {"program": "medi-cal", "applied": "90.00", "remaining": "0.00", "certified": True}
    ],
    "messages": ["SOC CERTIFIED. REMAINING SOC $0.00."],
}


class Clearance(_Out):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [CLEARANCE_EXAMPLE]})

    clearance_id: str
    member_id: str
    case_id: str
    budget_unit: str
    month: MonthOut
    service_date: DateOut
    billing_code: str
    service_charge: MoneyOut
    payment: PaymentName
    applied: MoneyOut
    remaining: MoneyOut
    certified: bool
    evc: str | None
    reversed: bool
    provider_npi: str
    created_at: Timestamp
    programs: list[ProgramApplicationOut]
    messages: list[str]
    other_coverage_paid: MoneyOut | None = Field(
        None,
        description="What Medicare or other coverage paid on the service; the clearance "
        "counted at most service_charge − other_coverage_paid (docs/rules.md)",
    )
    service_type: ServiceTypeName | None = Field(
        None, description="The service type (docs/rules.md §9.1); null on older clearances"
    )
    counted_date: DateOut | None = Field(
        None,
        description="The date the clearance counts on by its service type; the month is its "
        "month (22 CCR 50657)",
    )


class LedgerEntryOut(_Out):
    entry_id: str
    clearance_id: str
    kind: Literal["clearance", "reversal", "county_certification", "receipt", "credit"]
    member_id: str | None
    provider_npi: str | None = Field(
        description="null for a county certification, and, for a provider, on other "
        "providers' entries"
    )
    service_date: DateOut | None
    billing_code: str | None
    service_charge: MoneyOut | None
    payment: PaymentName | None
    applied: MoneyOut
    remaining_after: MoneyOut
    reverses: str | None
    reversed: bool
    evc: str | None
    created_at: Timestamp
    other_coverage_paid: MoneyOut | None = Field(
        None, description="What Medicare or other coverage paid (docs/rules.md)"
    )
    provider_name: str | None = Field(None, description="A receipt's provider")
    change_id: str | None = Field(None, description="A credit's change of circumstance")
    service_type: ServiceTypeName | None = Field(
        None, description="A clearance's service type (docs/rules.md §9.1)"
    )
    counted_date: DateOut | None = Field(
        None, description="The date a clearance counts on by its service type (22 CCR 50657)"
    )


class _ObligationFields(_Out):
    case_id: str
    budget_unit: str
    month: MonthOut
    program: ProgramName
    amount: MoneyOut
    remaining: MoneyOut
    applied: MoneyOut
    certified: bool
    certified_by: CertifiedBy | None
    certified_at: Timestamp | None
    ltc: bool


OBLIGATION_EXAMPLE: dict[str, Any] = {
    "case_id": "C-1001",
    "budget_unit": "A",
    "month": "2026-11",
    "program": "medi-cal",
    "amount": "600.00",
    "remaining": "450.00",
    "applied": "150.00",
    "certified": False,
    "certified_by": None,
    "certified_at": None,
    "ltc": False,
}


class ObligationItem(_ObligationFields):
    """One more obligation of the same answer (e.g. CMSP beside Medi-Cal)."""


class Obligation(_ObligationFields):
    """A budget unit's SOC for a month; other programs or units under ``other_obligations``."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{**OBLIGATION_EXAMPLE, "other_obligations": []}]},
    )

    other_obligations: list[ObligationItem]


class LedgerObligationItem(_ObligationFields):
    ledger: list[LedgerEntryOut]


class ObligationWithLedger(_ObligationFields):
    """An Obligation with its ledger (every clearance, reversal and certification)."""

    ledger: list[LedgerEntryOut]
    other_obligations: list[LedgerObligationItem]


class Step(_Out):
    rule: str
    description: str
    amount: MoneyOut


class Screened(_Out):
    program: str
    eligible: bool
    reason: str
    rule: str


class AllocationsOut(_Out):
    spouse: MoneyOut | None
    dependents: MoneyOut | None
    home_upkeep: MoneyOut | None


class Determination(_Out):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "month": "2026-11",
                    "program": "medically_needy",
                    "household_size": 1,
                    "budget": "abd",
                    "ltc": False,
                    "net_nonexempt_income": "1127.10",
                    "rounded_income": "1127.00",
                    "maintenance_need_level": "600.00",
                    "soc": "527.00",
                    "screened": [
                        {
                            "program": "medically_needy",
                            "eligible": True,
                            "reason": "Linked (22 CCR 50203); share of cost $527.00 a month.",
                            "rule": "22 CCR 50653",
                        }
                    ],
                    "msp": None,
                    "allocations": None,
                    "premium_at_least": None,
                    "notes": [],
                    "steps": [
                        {
                            "rule": "22 CCR 50549.2",
                            "description": "$20 any-income disregard",
                            "amount": "-20.00",
                        }
                    ],
                }
            ]
        },
    )

    month: MonthOut
    program: Literal["magi", "aged_disabled_fpl", "working_disabled", "medically_needy"]
    household_size: int
    budget: Literal["abd", "family"]
    ltc: bool
    net_nonexempt_income: MoneyOut | None
    rounded_income: MoneyOut | None
    maintenance_need_level: MoneyOut | None
    soc: MoneyOut
    screened: list[Screened]
    steps: list[Step]
    msp: Literal["qmb", "slmb", "qi"] | None
    allocations: AllocationsOut | None
    premium_at_least: MoneyOut | None
    notes: list[str]


class Cycle(_Out):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"month": "2026-11", "ltc_certified": 1}]}
    )

    month: MonthOut
    ltc_certified: int


# --- responses: plans -------------------------------------------------------------------------
class RosterMember(_Out):
    member_id: str
    aid_codes: list[str]
    hcp_status: str = Field(description="01 enrolled, 55 held until the SOC is met")


class Roster(_Out):
    plan_code: str
    month: MonthOut
    members: list[RosterMember]


class ActivationOut(_Out):
    seq: int
    member_id: str
    month: MonthOut
    case_id: str
    budget_unit: str
    certified_by: str
    hcp_status: Literal["01"]
    created_at: Timestamp


class Activations(_Out):
    plan_code: str
    activations: list[ActivationOut]
    cursor: str = Field(description="Give it back as ``since`` to get what came after.")


# --- responses: members, admin, health ----------------------------------------------------------
class FamilyClearanceOut(_Out):
    provider_name: str
    service_date: DateOut
    amount: MoneyOut
    payment: PaymentName
    reversed: bool


class FamilyObligation(_ObligationFields):
    clearances: list[FamilyClearanceOut]


class MemberProof(_In):
    """What a member proves itself with, in the body instead of the headers."""

    bic_issue_date: DateIn
    birth_date: DateIn


class FamilyView(_Out):
    member_id: str
    month: MonthOut
    obligations: list[FamilyObligation]


class ImportCounts(BaseModel):
    """Records read per kind; kinds added to the import format appear as more counts."""

    __pydantic_extra__: dict[str, int] = Field(init=False)
    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "plans": 2,
                    "providers": 4,
                    "members": 9,
                    "aid_codes": 0,
                    "cases": 4,
                    "eligibility": 9,
                    "soc": 6,
                }
            ]
        },
    )

    plans: int
    providers: int
    members: int
    aid_codes: int
    cases: int
    eligibility: int
    soc: int


class TokenOut(_Out):
    token_id: str
    role: Literal["county", "plan", "admin"]
    plan_code: str | None
    county_code: str | None = Field(description="A county token's county; null: statewide.")
    label: str
    created_at: Timestamp
    expires_at: Timestamp | None = Field(description="null: made before tokens expired")
    revoked_at: Timestamp | None


class IssuedToken(TokenOut):
    token: str = Field(description="The bearer token; shown once, stored only as a hash.")


class TokenList(_Out):
    tokens: list[TokenOut]


class LockoutOut(_Out):
    kind: Literal["provider", "member"]
    subject: str = Field(description="The NPI, or the member's CIN")
    failures: int = Field(description="Failures counted in the last 15 minutes")
    tries_left: int
    locked_until: Timestamp | None
    cleared: int | None = Field(default=None, description="Failures cleared by this unlock")


class AccessRecordOut(_Out):
    seq: int
    at: Timestamp
    actor: str = Field(description="NPI, token id, or member")
    role: str
    action: str
    member_id: str | None
    outcome: str = Field(description="OK or the problem code")
    address: str | None = Field(default=None, description="The caller's address, when known")


class AccessLog(_Out):
    records: list[AccessRecordOut]
    cursor: str


class Health(_Out):
    status: Literal["ok", "error"]
    database: Literal["ok", "unavailable"]


# --- secondary payer: claims, billing checks, accumulators, estimates (issue 4) ---------------
def _npi(value: Any) -> str:
    if not isinstance(value, str) or len(value) > 20:
        raise PydanticCustomError("INVALID_NPI", "an NPI is a string of 10 digits.")
    try:
        return parse_npi(value)
    except InvalidInput as error:
        raise _refused(error) from None


def _percent(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise PydanticCustomError("INVALID_PERCENT", "give a percent as a number from 0 to 100.")
    try:
        if isinstance(value, str) and not value.isascii():
            raise ArithmeticError(value)  # Decimal() also reads other scripts' digits
        number = Decimal(value.strip() if isinstance(value, str) else value)
    except ArithmeticError:
        raise PydanticCustomError("INVALID_PERCENT", "not a number.") from None
    if not number.is_finite() or not 0 <= number <= 100:
        raise PydanticCustomError("INVALID_PERCENT", "a percent is a number from 0 to 100.")
    if number != number.quantize(Decimal("0.01")):
        raise PydanticCustomError("INVALID_PERCENT", "a percent has at most two decimals.")
    return number


NPI_PATTERN = r"^[0-9]{10}$"
NpiIn = Annotated[
    str,
    PlainValidator(_npi),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": NPI_PATTERN,
            "description": "10 digits with a valid check digit.",
            "examples": ["1234567893"],
        }
    ),
]
PercentIn = Annotated[
    Decimal,
    PlainValidator(_percent),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": r"^[0-9]{1,3}(\.[0-9]{1,2})?$"},
                {"type": "number", "minimum": 0, "maximum": 100, "multipleOf": 0.01},
            ],
            "description": "A percent from 0 to 100 (20 means 20 %).",
            "examples": [20],
        }
    ),
]
NpiParam = NpiIn  # the same for a query parameter (a claim's provider)
ClaimStatusName = Literal["paid", "partially_paid", "denied"]


class BillingCheckRequest(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "member_id": "12345678A",
                    "bic_issue_date": "2025-02-01",
                    "birth_date": "1960-05-01",
                    "provider_npi": "1234567893",
                    "service_date": "2026-11-03",
                    "amount": "900.00",
                }
            ]
        },
    )

    member_id: MemberIdIn
    bic_issue_date: DateIn
    birth_date: Annotated[
        DateIn | None,
        Field(
            description="The member's date of birth: the family's proof, with the member ID "
            "and the card issue date (not needed with provider credentials or a token)."
        ),
    ] = None
    provider_npi: NpiIn
    service_date: DateIn
    amount: MoneyIn = Field(description="The amount on the bill the provider sent the family.")
    claim_id: Annotated[
        str | None,
        Field(
            min_length=1,
            max_length=40,
            description="The provider's claim to Medi-Cal for this service, if known.",
        ),
    ] = None
    medicare_cost_sharing: bool = Field(
        False,
        description="The bill is Medicare deductible, coinsurance or copayment from a Medicare "
        "provider: a QMB member owes none of it (docs/rules.md).",
    )


class EstimateRequest(_In):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "procedure_code": "97153",
                    "units_per_visit": 4,
                    "visits_per_week": 5,
                    "primary_allowed_per_unit": "18.00",
                    "deductible": "1500.00",
                    "out_of_pocket_max": "6000.00",
                    "coinsurance_percent": 20,
                }
            ]
        },
    )

    procedure_code: Annotated[str, Field(min_length=1, max_length=20, examples=["97153"])]
    units_per_visit: Annotated[int, Field(ge=1, le=99)]
    visits_per_week: Annotated[int, Field(ge=1, le=7)]
    weeks: Annotated[int, Field(ge=1, le=52)] = 52
    primary_allowed_per_unit: MoneyIn
    deductible: MoneyIn
    out_of_pocket_max: MoneyIn
    copay_per_visit: MoneyIn | None = Field(
        default=None, description="A copay per visit, or `coinsurance_percent`, not both."
    )
    coinsurance_percent: PercentIn | None = None
    start: DateIn | None = Field(
        default=None,
        description="The first visit; default: the start of the member's current plan year.",
    )
    provider_npis: Annotated[
        list[NpiIn],
        Field(
            max_length=20,
            description="Providers to check (take both the insurance and the member's Medi-Cal); "
            "default: the providers in the member's insurance network.",
        ),
    ] = []


class AdjustmentOut(_Out):
    group: str = Field(examples=["OA"])
    carc: str = Field(examples=["23"])
    amount: MoneyOut


class DenialOut(_Out):
    carc: str = Field(examples=["178"])
    reason: str


class AdjudicationLine(_Out):
    line: int
    status: Literal["paid", "denied"]
    medi_cal_allowed: MoneyOut
    primary_paid: MoneyOut
    patient_liability_after_primary: MoneyOut
    soc_applied: MoneyOut
    medi_cal_paid: MoneyOut
    member_owes: MoneyOut
    provider_write_off: MoneyOut
    deductible_credit: MoneyOut
    adjustments: list[AdjustmentOut]
    denial: DenialOut | None
    authorization_id: str | None
    explanation: list[str]


class ClaimTotals(_Out):
    charge: MoneyOut
    primary_paid: MoneyOut
    medi_cal_paid: MoneyOut
    member_owes: MoneyOut
    provider_write_off: MoneyOut


ADJUDICATION_EXAMPLE: dict[str, Any] = {
    "claim_id": "CLM-1001",
    "status": "paid",
    "delivery_system": "ffs",
    "plan_code": None,
    "lines": [
        {
            "line": 1,
            "status": "paid",
            "medi_cal_allowed": "95.00",
            "primary_paid": "80.00",
            "patient_liability_after_primary": "20.00",
            "soc_applied": "0.00",
            "medi_cal_paid": "15.00",
            "member_owes": "0.00",
            "provider_write_off": "5.00",
            "deductible_credit": "0.00",
            "adjustments": [{"group": "OA", "carc": "23", "amount": "80.00"}],
            "denial": None,
            "authorization_id": None,
            "explanation": ["..."],
        }
    ],
    "totals": {
        "charge": "120.00",
        "primary_paid": "80.00",
        "medi_cal_paid": "15.00",
        "member_owes": "0.00",
        "provider_write_off": "5.00",
    },
    "recovery_flag": False,
    "explanation": ["..."],
}


class Adjudication(_Out):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [ADJUDICATION_EXAMPLE]}
    )

    claim_id: str
    status: ClaimStatusName
    delivery_system: Literal["ffs", "plan"]
    plan_code: str | None
    lines: list[AdjudicationLine]
    totals: ClaimTotals
    recovery_flag: bool = Field(
        description="OHC code A (pay and chase): Medi-Cal paid as primary and will recover."
    )
    explanation: list[str]


class BillingCheck(_Out):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "allowed": False,
                    "may_collect": "600.00",
                    "rule": "W&I 14019.4",
                    "protected": True,
                    "explanation": ["..."],
                    "what_to_do": ["..."],
                }
            ]
        },
    )

    allowed: bool
    may_collect: MoneyOut
    rule: str
    protected: bool = Field(description="Whether Medi-Cal's billing rules protect this bill.")
    explanation: list[str]
    what_to_do: list[str]


class AccumulatorItem(_Out):
    claim_id: str
    line: int
    service_date: DateOut
    procedure_code: str
    deductible_applied: MoneyOut
    paid_by_medi_cal: MoneyOut
    paid_by_member: MoneyOut
    written_off: MoneyOut
    out_of_pocket: MoneyOut


class AccumulatorStatement(_Out):
    """One OHC policy and plan year: what counts toward its deductible and out-of-pocket
    maximum, for the primary's coordination-of-benefits department."""

    member_id: str
    carrier: str
    network: str
    ohc_code: str
    plan_year_start: DateOut
    plan_year_end: DateOut
    deductible: MoneyOut
    deductible_applied: MoneyOut
    paid_by_medi_cal: MoneyOut
    paid_by_member: MoneyOut
    written_off: MoneyOut
    deductible_remaining: MoneyOut
    out_of_pocket: MoneyOut
    out_of_pocket_max: MoneyOut
    out_of_pocket_remaining: MoneyOut
    items: list[AccumulatorItem]
    statement: list[str]


class EstimateMonth(_Out):
    month: MonthOut
    visits: int
    primary_allowed: MoneyOut
    primary_paid: MoneyOut
    cost_sharing: MoneyOut
    medi_cal_paid: MoneyOut
    family_pays: MoneyOut
    provider_write_off: MoneyOut


class ProviderFitOut(_Out):
    npi: str
    name: str
    takes_primary: bool
    takes_medi_cal: bool
    qualifies: bool
    why: str


class Estimate(_Out):
    procedure_code: str
    units_per_visit: int
    visits_per_week: int
    weeks: int
    visits: int
    start: DateOut
    primary_allowed_per_visit: MoneyOut
    medi_cal_allowed_per_visit: MoneyOut
    monthly_soc: MoneyOut
    without_medi_cal: MoneyOut
    with_medi_cal: MoneyOut
    savings: MoneyOut
    primary_paid: MoneyOut
    medi_cal_paid: MoneyOut
    provider_write_off: MoneyOut
    deductible_met_at_visit: int | None
    out_of_pocket_max_at_visit: int | None
    months: list[EstimateMonth]
    providers: list[ProviderFitOut]
    explanation: list[str]


class FieldError(_Out):
    field: str
    location: str
    code: str
    message: str


class Problem(BaseModel):
    """RFC 9457 problem details (``application/problem+json``)."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "/problems/pin-locked",
                    "title": "Authentication failed",
                    "status": 401,
                    "detail": "Too many wrong PINs or member look-ups: this NPI is locked for "
                    "15 minutes.",
                    "code": "PIN_LOCKED",
                }
            ]
        },
    )

    type: str
    title: str
    status: int
    detail: str
    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]*$")
    field: str | None = None
    errors: list[str] | list[FieldError] | None = None


def member_id_of(text: str) -> MemberId:
    """A ``MemberIdParam`` (already validated) as the domain value."""
    return parse_member_id(text)


def month_of(text: str) -> BenefitMonth:
    """A ``MonthParam`` (already validated) as the domain value."""
    return BenefitMonth.parse(text)
