"""Parse an import document (docs/formats.md §1) into a ``Dataset``.

The document is first validated against its JSON Schema (``schemas/dataset.schema.json``, Draft
2020-12, docs/formats.md §1), then read with pydantic into domain values; every error is reported
with its path in the file (``members[3].cin: ...``), all of them at once, and nothing is
imported. References between records (a member on a case, a plan on a segment) are checked by
the import use case against the database as well."""

from __future__ import annotations

import functools
import gc
import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any, Literal, NotRequired

import jsonschema_rs
import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from typing_extensions import TypedDict

from spenddown.domain.cob.model import (
    Authorization,
    AuthorizationPayer,
    FeeScheduleEntry,
    OhcPolicy,
    ServiceScope,
)
from spenddown.domain.eligibility.codes import AidCode, Program, Scope
from spenddown.domain.eligibility.model import (
    BudgetUnitRole,
    EligibilitySegment,
    Member,
    Membership,
    Plan,
    Provider,
    ProviderType,
)
from spenddown.domain.errors import ImportErrors, InvalidInput, SpenddownError
from spenddown.domain.identifiers import parse_billing_code, parse_cin, parse_npi
from spenddown.domain.medicare import MedicareStatus, Msp
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.services.imports import CaseRecord, Dataset, ProviderRecord
from spenddown.services.ports import StoredDetermination
from spenddown.services.share_of_cost import SetShareOfCost


def _text(value: Any) -> Any:
    # YAML reads 12345678A as a string but "17" may come as a number: keep codes as text.
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else value


# Text without control characters (C0, DEL, C1), no longer than its column on either engine
# (SQLite would store a longer one, PostgreSQL refuse it): docs/operations.md "Input limits".
PRINTABLE = r"^[^\x00-\x1f\x7f-\x9f]*$"


def _sized(max_length: int, min_length: int = 1) -> Any:
    return Field(min_length=min_length, max_length=max_length, pattern=PRINTABLE)


Code = Annotated[str, BeforeValidator(_text), _sized(40)]
PlanCode = Annotated[str, BeforeValidator(_text), _sized(16)]
Name = Annotated[str, _sized(200)]
PersonName = Annotated[str, _sized(100)]
CaseId = Annotated[str, BeforeValidator(_text), _sized(40)]
BudgetUnit = Annotated[str, BeforeValidator(_text), _sized(10)]
AidCodeText = Annotated[str, BeforeValidator(_text), _sized(4)]
Carrier = Annotated[str, _sized(100)]
ProcedureCode = Annotated[str, BeforeValidator(_text), _sized(20)]
COUNTY = r"^[0-9]{2}$"  # ASCII digits (a regex's \d also takes other scripts' digits)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class PlanIn(_Model):
    code: PlanCode
    name: Name


class ProviderIn(_Model):
    npi: Code
    name: Name
    pin: Code | None = None
    type: ProviderType
    medi_cal_ffs: bool = False
    plans: list[PlanCode] = []
    primary_networks: list[Code] = []


class BudgetUnitMemberIn(_Model):
    cin: Code
    role: BudgetUnitRole = BudgetUnitRole.ELIGIBLE


class BudgetUnitIn(_Model):
    budget_unit: BudgetUnit
    members: list[BudgetUnitMemberIn]


class CaseIn(_Model):
    case_id: CaseId
    county_code: Annotated[str, BeforeValidator(_text), Field(pattern=COUNTY)]
    budget_units: list[BudgetUnitIn]
    # The application (docs/rules.md §9.6, retroactive months): its date, and whether it is an
    # aged or disabled (non-MAGI) application.
    application_date: date | None = None
    aged_or_disabled: bool = False


class MemberIn(_Model):
    cin: Code
    bic_issue_date: date
    first_name: PersonName
    last_name: PersonName
    birth_date: date


class AidCodeIn(_Model):
    aid_code: AidCodeText
    soc: bool
    ltc: bool = False
    scope: Scope = Scope.FULL
    program: Program = Program.MEDI_CAL
    verified: bool = False
    description: Annotated[str, _sized(200, 0)] = ""


# A million eligibility rows in a state file: validated as typed dicts, which pydantic-core
# checks without building a model per row (codes written as numbers become text natively).
ShortText = Annotated[str, _sized(40)]


class MedicareIn(TypedDict):
    __pydantic_config__ = ConfigDict(extra="forbid", strict=True)  # type: ignore[misc]
    part_a: bool
    part_b: bool


class EligibilityIn(TypedDict):
    __pydantic_config__ = ConfigDict(  # type: ignore[misc]
        extra="forbid", str_strip_whitespace=True, coerce_numbers_to_str=True
    )
    cin: ShortText
    month: ShortText
    aid_code: Annotated[str, _sized(4)]
    county_code: Annotated[str, Field(pattern=COUNTY)]
    plan: NotRequired[Annotated[str, _sized(16)] | None]
    ohc_codes: NotRequired[list[ShortText]]
    # Medicare on the member-month (docs/rules.md §9.5): {"part_a": true, "part_b": true}, and a
    # Medicare Savings Program ("qmb", "slmb", "qi" or null).
    medicare: NotRequired[MedicareIn]
    msp: NotRequired[Literal["qmb", "slmb", "qi"] | None]


class SocIn(_Model):
    case_id: CaseId
    budget_unit: BudgetUnit
    month: Code
    amount: Annotated[str, BeforeValidator(_text)]
    program: Program = Program.MEDI_CAL
    # The determination body the SOC comes from (stored for the what-if, docs/rules.md).
    determination: dict[str, Any] | None = None


class OhcPolicyIn(_Model):
    cin: Code
    carrier: Carrier
    network: Annotated[str, _sized(100, 0)] = ""
    ohc_code: Annotated[str, Field(pattern=r"^[A-Z]$")]
    scope: list[ServiceScope] = [ServiceScope.MEDICAL]
    plan_year_start: date
    deductible: Annotated[str, BeforeValidator(_text)] = "0"
    out_of_pocket_max: Annotated[str, BeforeValidator(_text)] = "0"


class FeeIn(_Model):
    procedure_code: ProcedureCode
    effective: date
    allowed_per_unit: Annotated[str, BeforeValidator(_text)]
    requires_authorization: bool = False
    restricted_scope_ok: bool = False


class AuthorizationIn(_Model):
    id: Code
    payer: AuthorizationPayer
    cin: Code
    procedure_code: ProcedureCode
    start: date
    end: date
    units: int = Field(gt=0, le=100_000)
    status: Literal["approved", "denied", "pending"] = "approved"


class DatasetIn(_Model):
    plans: list[PlanIn] = []
    providers: list[ProviderIn] = []
    members: list[MemberIn] = []
    aid_codes: list[AidCodeIn] = []
    cases: list[CaseIn] = []
    eligibility: list[EligibilityIn] = []
    soc: list[SocIn] = []
    ohc_policies: list[OhcPolicyIn] = []
    fee_schedule: list[FeeIn] = []
    authorizations: list[AuthorizationIn] = []


def _path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


@contextmanager
def garbage_collector_paused() -> Iterator[None]:
    """Around reading and importing a large dataset: the millions of small objects of a state
    file make Python's cyclic garbage collector scan the whole heap again and again (it tripled
    the time of parsing), while none of them is in a reference cycle. Reference counting still
    frees everything; the collector runs again afterwards."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def load_document(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise InvalidInput("IMPORT_UNREADABLE", f"{path}: {error.strerror}.") from None
    return read_document(text, str(path), as_json=path.suffix == ".json")


def read_document(text: str, where: str, *, as_json: bool) -> Any:
    """A dataset document: JSON, or YAML (of which JSON is a part)."""
    kind = "JSON" if as_json else "YAML"
    try:
        return json.loads(text) if as_json else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as error:
        raise InvalidInput("IMPORT_UNREADABLE", f"{where}: not valid {kind}: {error}") from None
    except (RecursionError, ValueError):
        # Nested too deep for the parser, or an integer of thousands of digits.
        raise InvalidInput(
            "IMPORT_UNREADABLE", f"{where}: not valid {kind}: nested too deep or a number too long."
        ) from None


SCHEMA_PATH = Path(__file__).parent / "schemas" / "dataset.schema.json"


@functools.cache
def dataset_validator() -> jsonschema_rs.Validator:
    """The import document's JSON Schema (Draft 2020-12), compiled once per process."""
    return jsonschema_rs.Draft202012Validator(json.loads(SCHEMA_PATH.read_text(encoding="utf-8")))


def _json_ready(value: Any) -> Any:
    """YAML's own types as their JSON text: a date as ``YYYY-MM-DD``, a key as a string."""
    if isinstance(value, dict):
        return {str(key): _json_ready(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_ready(item) for item in value]
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return value


def _schema_message(error: jsonschema_rs.ValidationError) -> list[str]:
    # Without the value itself: an import error may quote a field, never a person's data.
    where = _path(tuple(error.instance_path))
    kind = error.kind
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.Required):
        return [
            f"{where}.{kind.property}: Field required"
            if where
            else f"{kind.property}: Field required"
        ]
    if isinstance(kind, jsonschema_rs.ValidationErrorKind.AdditionalProperties):
        prefix = f"{where}." if where else ""
        return [f"{prefix}{name}: Extra inputs are not permitted" for name in kind.unexpected]
    messages: dict[Any, Callable[[Any], str]] = {
        jsonschema_rs.ValidationErrorKind.Type: lambda k: (
            f"should be of type {' or '.join(k.types)}"
        ),
        jsonschema_rs.ValidationErrorKind.Enum: lambda k: (
            "should be one of " + ", ".join(json.dumps(o) for o in k.options)
        ),
        jsonschema_rs.ValidationErrorKind.Pattern: lambda k: f"should match pattern '{k.pattern}'",
        jsonschema_rs.ValidationErrorKind.MinLength: lambda k: (
            f"should have at least {k.limit} characters"
        ),
        jsonschema_rs.ValidationErrorKind.MaxLength: lambda k: (
            f"should have at most {k.limit} characters"
        ),
        jsonschema_rs.ValidationErrorKind.Minimum: lambda k: f"should be at least {k.limit}",
        jsonschema_rs.ValidationErrorKind.Maximum: lambda k: f"should be at most {k.limit}",
    }
    for kind_type, message in messages.items():
        if isinstance(kind, kind_type):
            return [f"{where or '(document)'}: {message(kind)}"]
    return [f"{where or '(document)'}: does not match the import format ({kind.name})"]


def schema_errors(document: Any) -> list[str]:
    """Every way ``document`` departs from the import format's JSON Schema, with its path."""
    validator = dataset_validator()
    try:
        found = list(validator.iter_errors(document))
    except ValueError:  # a YAML date or a non-text key: checked in its JSON form
        found = list(validator.iter_errors(_json_ready(document)))
    return [message for error in found for message in _schema_message(error)]


def parse_dataset(document: Any) -> Dataset:
    if not isinstance(document, dict):
        raise ImportErrors(["(document): a dataset is a mapping of lists (plans, members, ...)"])
    refused = schema_errors(document)
    if refused:
        raise ImportErrors(refused)
    try:
        raw = DatasetIn.model_validate(document)
    except ValidationError as error:
        raise ImportErrors(
            [f"{_path(e['loc'])}: {e['msg']}" for e in error.errors(include_url=False)]
        ) from None
    errors: list[str] = []
    dataset = Dataset()

    def check(path: str, build: Any) -> Any:
        try:
            return build()
        except SpenddownError as error:
            # the detail starts with the field name, which the path already ends with
            field = path.rsplit(".", 1)[-1]
            errors.append(f"{path}: {error.detail.removeprefix(field + ': ')}")
            return None

    dataset.plans = [(f"plans[{i}]", Plan(p.code, p.name)) for i, p in enumerate(raw.plans)]
    for i, p in enumerate(raw.providers):
        npi = check(f"providers[{i}].npi", lambda p=p: parse_npi(p.npi, "npi"))
        if npi is not None:
            provider = Provider(
                npi, p.name, p.type, "", p.medi_cal_ffs, tuple(p.plans), tuple(p.primary_networks)
            )
            dataset.providers.append((f"providers[{i}]", ProviderRecord(provider, p.pin)))
    for i, m in enumerate(raw.members):
        cin = check(f"members[{i}].cin", lambda m=m: parse_cin(m.cin, "cin"))
        if cin is not None:
            member = Member(cin, m.bic_issue_date, m.first_name, m.last_name, m.birth_date)
            dataset.members.append((f"members[{i}]", member))
    dataset.aid_codes = [
        (
            f"aid_codes[{i}]",
            AidCode(a.aid_code, a.soc, a.ltc, a.scope, a.program, a.verified, a.description),
        )
        for i, a in enumerate(raw.aid_codes)
    ]
    for i, case in enumerate(raw.cases):
        memberships = []
        for j, bu in enumerate(case.budget_units):
            for k, bm in enumerate(bu.members):
                where = f"cases[{i}].budget_units[{j}].members[{k}].cin"
                cin = check(where, lambda bm=bm: parse_cin(bm.cin, "cin"))
                if cin is not None:
                    memberships.append(Membership(case.case_id, bu.budget_unit, cin, bm.role))
        record = CaseRecord(case.case_id, case.county_code, tuple(memberships))
        dataset.cases.append((f"cases[{i}]", record))
        if case.application_date is not None:
            dataset.applications.append(
                (case.case_id, case.application_date, case.aged_or_disabled)
            )
    months: dict[str, BenefitMonth] = {}
    cins: dict[str, str] = {}
    segments = dataset.eligibility
    for i, e in enumerate(raw.eligibility):
        # The same CINs and months recur row after row: each is parsed once.
        text_cin, text_month = e["cin"], e["month"]
        cin = cins.get(text_cin)
        if cin is None:
            cin = check(f"eligibility[{i}].cin", lambda c=text_cin: parse_cin(c, "cin"))
            if cin is not None:
                cins[text_cin] = cin
        month = months.get(text_month)
        if month is None:
            month = check(f"eligibility[{i}].month", lambda m=text_month: BenefitMonth.parse(m))
            if month is not None:
                months[text_month] = month
        if cin is not None and month is not None:
            segment = EligibilitySegment(
                cin,
                month,
                e["aid_code"],
                e["county_code"],
                e.get("plan"),
                tuple(e.get("ohc_codes", ())),
            )
            segments.append((f"eligibility[{i}]", segment))
            if "medicare" in e or "msp" in e:
                medicare = e.get("medicare") or {"part_a": False, "part_b": False}
                msp = e.get("msp")
                dataset.medicare.append(
                    (
                        f"eligibility[{i}]",
                        MedicareStatus(
                            cin,
                            month,
                            medicare["part_a"],
                            medicare["part_b"],
                            None if msp is None else Msp(msp),
                        ),
                    )
                )
    for i, s in enumerate(raw.soc):
        where = f"soc[{i}]"
        month = check(f"{where}.month", lambda s=s: BenefitMonth.parse(s.month))
        amount = check(f"{where}.amount", lambda s=s: Money.parse(s.amount, "amount"))
        if month is not None and amount is not None:
            stored = (
                None
                if s.determination is None
                else StoredDetermination(
                    s.case_id,
                    s.budget_unit,
                    month,
                    str(s.determination.get("program") or "medically_needy"),
                    amount,
                    s.determination,
                )
            )
            command = SetShareOfCost(
                s.case_id,
                s.budget_unit,
                month,
                amount,
                s.program,
                retro_override=True,
                determination=stored,
            )
            dataset.soc.append((where, command))
    for i, o in enumerate(raw.ohc_policies):
        where = f"ohc_policies[{i}]"
        cin = check(f"{where}.cin", lambda o=o: parse_cin(o.cin, "cin"))
        deductible = check(f"{where}.deductible", lambda o=o: Money.parse(o.deductible))
        maximum = check(f"{where}.out_of_pocket_max", lambda o=o: Money.parse(o.out_of_pocket_max))
        if cin is not None and deductible is not None and maximum is not None:
            policy = OhcPolicy(
                cin,
                o.carrier,
                o.network,
                o.ohc_code,
                tuple(o.scope),
                o.plan_year_start,
                deductible,
                maximum,
            )
            dataset.ohc_policies.append((where, policy))
    for i, f in enumerate(raw.fee_schedule):
        where = f"fee_schedule[{i}]"
        allowed = check(f"{where}.allowed_per_unit", lambda f=f: Money.parse(f.allowed_per_unit))
        code = check(f"{where}.procedure_code", lambda f=f: parse_billing_code(f.procedure_code))
        if allowed is not None and code is not None:
            entry = FeeScheduleEntry(
                code,
                f.effective,
                allowed,
                f.requires_authorization,
                f.restricted_scope_ok,
            )
            dataset.fee_schedule.append((where, entry))
    for i, a in enumerate(raw.authorizations):
        where = f"authorizations[{i}]"
        cin = check(f"{where}.cin", lambda a=a: parse_cin(a.cin, "cin"))
        code = check(f"{where}.procedure_code", lambda a=a: parse_billing_code(a.procedure_code))
        if a.end < a.start:
            errors.append(f"{where}.end: the authorization ends before it starts")
        elif cin is not None and code is not None:
            authorization = Authorization(
                a.id, a.payer, cin, code, a.start, a.end, a.units, a.status
            )
            dataset.authorizations.append((where, authorization))
    if errors:
        raise ImportErrors(errors)
    return dataset


__all__ = ["garbage_collector_paused", "load_document", "parse_dataset"]
