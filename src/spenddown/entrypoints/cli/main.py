"""The ``spenddown`` command line (docs/cli.md).

Each command parses its options into domain values, runs one use case against the database named
by ``--db`` (else ``SPENDDOWN_DATABASE_URL``, else ``spenddown.db`` in the working directory),
and prints either the ``shapes`` JSON (``--json``) or Rich output for people.

Errors: the detail goes to stderr (every line of an import's errors too) and the exit code comes
from one table, ``EXIT_CODES``: bad input 2, refused by a rule or not found 3, authentication 4,
anything else 1. With ``--json`` the problem details are also printed on stdout. PINs are never
printed.
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, ParamSpec, TypeVar

import click
import typer
from rich.console import Console

from spenddown.domain.eligibility.codes import Program
from spenddown.domain.errors import (
    AuthenticationFailed,
    Forbidden,
    ImportErrors,
    InvalidInput,
    NotFound,
    RuleRefusal,
    SpenddownError,
)
from spenddown.domain.identifiers import parse_member_id, parse_npi
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth, parse_date
from spenddown.domain.share_of_cost.ledger import Payment
from spenddown.domain.share_of_cost.service_dates import parse_service_type
from spenddown.entrypoints import household as household_body
from spenddown.entrypoints import shapes
from spenddown.entrypoints.cli import render
from spenddown.services import audit as audit_service
from spenddown.services import determination as determination_service
from spenddown.services import eligibility, plans, share_of_cost
from spenddown.services.common import CALIFORNIA, today
from spenddown.services.imports import Dataset, import_dataset

if TYPE_CHECKING:
    from spenddown import bootstrap
    from spenddown.entrypoints.cli.demo import DemoDatabase, TourStep

# SQLAlchemy, Alembic and pydantic take seconds to import on a small machine: they are imported
# by the commands that need them, so that --help and `soc compute` start quickly.
DEMO_FILE = "spenddown-demo.db"  # spenddown.entrypoints.cli.demo.DEMO_FILE

# --- exit codes: the one translation table ---------------------------------------------------
EXIT_CODES: tuple[tuple[type[SpenddownError], int], ...] = (
    (InvalidInput, 2),  # ImportErrors is an InvalidInput
    (RuleRefusal, 3),
    (NotFound, 3),
    (AuthenticationFailed, 4),
    (Forbidden, 4),
)
EXIT_OTHER = 1
EXIT_AUDIT_VIOLATIONS = 1


def exit_code(error: BaseException) -> int:
    for kind, code in EXIT_CODES:
        if isinstance(error, kind):
            return code
    return EXIT_OTHER


# --- the app ---------------------------------------------------------------------------------
app = typer.Typer(
    name="spenddown",
    help="Medi-Cal Share of Cost: determination, verification, clearance, certification, "
    "plan activation.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
db_app = typer.Typer(help="The database.", no_args_is_help=True)
soc_app = typer.Typer(help="Share of Cost: compute, record, certify, show.", no_args_is_help=True)
cycle_app = typer.Typer(help="The monthly cycle.", no_args_is_help=True)
plans_app = typer.Typer(help="Managed-care plans: roster and activations.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens for county, plan and admin.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(soc_app, name="soc")
app.add_typer(cycle_app, name="cycle")
app.add_typer(plans_app, name="plans")
app.add_typer(tokens_app, name="tokens")


@dataclass(frozen=True, slots=True)
class Settings:
    db: str | None = None
    json: bool = False  # the global --json: every command that has --json gets it


@app.callback()
def main(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL",
            help="Database URL, e.g. sqlite:///spenddown.db or "
            "postgresql+psycopg://user:pass@host/db (default: $SPENDDOWN_DATABASE_URL, else "
            "spenddown.db in the working directory).",
        ),
    ] = None,
    as_json: Annotated[
        bool,
        typer.Option(
            "--json", help="Print the JSON of docs/cli.md (as the --json of each command)."
        ),
    ] = False,
) -> None:
    ctx.obj = Settings(db, as_json)


def _settings(ctx: typer.Context) -> Settings:
    return ctx.obj if isinstance(ctx.obj, Settings) else Settings()


def _database_url(ctx: typer.Context) -> str:
    from spenddown import bootstrap

    return bootstrap.database_url(_settings(ctx).db)


def _masked(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # not a URL at all: say so without echoing it
        return "(the given database URL)"


@contextmanager
def opened(ctx: typer.Context) -> Iterator[bootstrap.App]:
    """The application on the chosen database, migrated first."""
    from spenddown import bootstrap

    url = _database_url(ctx)
    try:
        app_ = bootstrap.build(url)
    except SpenddownError:
        raise
    except Exception as error:
        raise DatabaseUnavailable(_masked(url), error) from error
    try:
        yield app_
    finally:
        app_.close()


class DatabaseUnavailable(Exception):
    def __init__(self, url: str, error: Exception) -> None:
        first_line = (str(error).strip().splitlines() or [""])[0][:300]
        super().__init__(f"cannot open the database {url}: {type(error).__name__}: {first_line}")


# --- output and errors -----------------------------------------------------------------------
def _err() -> Console:
    return Console(stderr=True, highlight=False)


def print_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False))


# The use cases name the API's fields (docs/api.md); a person at the command line typed options.
FIELD_OPTIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(rf"^{pattern}(?=[ :])"), option)
    for pattern, option in (
        ("service_charge", "--charge"),
        ("billing_code", "--code"),
        ("member_id", "--member"),
        ("bic_issue_date", "--issue-date"),
        ("service_date", "--date"),
        ("provider_npi", "--provider"),
        ("budget_unit", "--budget-unit"),
        ("case_id", "--case"),
        ("idempotency_key", "--key"),
        (r"incomes\[\d+\]\.amount", "an --earned/--unearned amount"),
        (r"premiums\[\d+\]", "a --premium amount"),
    )
)


def in_cli_words(detail: str) -> str:
    """``detail`` with a leading API field name said as the option that carries it."""
    for pattern, option in FIELD_OPTIONS:
        detail, found = pattern.subn(option, detail, count=1)
        if found:
            break
    return detail


def report(error: SpenddownError, as_json: bool) -> None:
    err = _err()
    err.print(
        f"spenddown: {in_cli_words(error.detail)} [{error.code}]", markup=False, soft_wrap=True
    )
    if isinstance(error, ImportErrors):
        for line in error.errors:
            err.print(f"  {line}", markup=False, soft_wrap=True)
    if as_json:
        print_json(shapes.problem(error))


P = ParamSpec("P")
R = TypeVar("R")


def handled(command: Callable[P, R]) -> Callable[P, R]:
    """Translate errors into a message on stderr and the exit code of ``EXIT_CODES``."""

    @functools.wraps(command)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        context: Any = kwargs.get("ctx")  # a click Context (Typer's own copy of click)
        settings = context.find_root().obj if hasattr(context, "find_root") else None
        if "as_json" in kwargs and isinstance(settings, Settings) and settings.json:
            kwargs["as_json"] = True  # `spenddown --json verify ...`
        as_json = bool(kwargs.get("as_json", False))
        try:
            return command(*args, **kwargs)
        except (typer.Exit, click.exceptions.Exit, click.exceptions.Abort, click.ClickException):
            raise
        except SpenddownError as error:
            report(error, as_json)
            raise typer.Exit(exit_code(error)) from None
        except DatabaseUnavailable as error:
            _err().print(f"spenddown: {error}", markup=False, soft_wrap=True)
            raise typer.Exit(EXIT_OTHER) from None
        except Exception as error:
            if os.environ.get("SPENDDOWN_DEBUG"):
                raise
            # The message of an unexpected error may quote data: name its type only.
            _err().print(
                f"spenddown: unexpected error ({type(error).__name__}); "
                "run again with SPENDDOWN_DEBUG=1 to see it.",
                markup=False,
            )
            raise typer.Exit(EXIT_OTHER) from None

    return wrapper


# --- option types ----------------------------------------------------------------------------
Json = Annotated[bool, typer.Option("--json", help="Print the JSON of docs/cli.md.")]
Npi = Annotated[
    str, typer.Option("--npi", help="Provider NPI (10 digits).", envvar="SPENDDOWN_NPI")
]
Pin = Annotated[
    str,
    typer.Option(
        "--pin", help="Provider PIN (4 digits).", envvar="SPENDDOWN_PIN", show_default=False
    ),
]
MemberOpt = Annotated[
    str, typer.Option("--member", help="Member ID: the CIN or the 14-character card ID.")
]
IssueDate = Annotated[
    str, typer.Option("--issue-date", help="Issue date on the member's card (YYYY-MM-DD).")
]
ServiceDate = Annotated[
    str | None,
    typer.Option("--date", help="Date of service (YYYY-MM-DD); default today, California time."),
]
MonthOpt = Annotated[
    str | None, typer.Option("--month", help="Benefit month YYYY-MM; default the current month.")
]
RequiredMonth = Annotated[str, typer.Option("--month", help="Benefit month YYYY-MM.")]
Case = Annotated[str, typer.Option("--case", help="County case ID, e.g. C-1001.")]
BudgetUnit = Annotated[str, typer.Option("--budget-unit", help="Budget unit (MBU), e.g. A.")]


def _service_date(value: str | None, app_: bootstrap.App) -> date:
    return today(app_.env) if value is None else parse_date(value, "--date")


def _month(value: str | None, app_: bootstrap.App) -> BenefitMonth:
    if value is None:
        return BenefitMonth.of(today(app_.env))
    return BenefitMonth.parse(value, "--month")


def _show(as_json: bool, data: Any, human: Callable[[Any], None]) -> None:
    if as_json:
        print_json(data)
    else:
        human(data)


# --- commands: database and data --------------------------------------------------------------
@db_app.command("upgrade")
@handled
def db_upgrade(ctx: typer.Context) -> None:
    """Apply the database migrations (Alembic)."""
    from spenddown.adapters.db.migrate import upgrade

    url = _database_url(ctx)
    try:
        upgrade(url)
    except Exception as error:
        raise DatabaseUnavailable(_masked(url), error) from error
    render.console().print(f"Database {_masked(url)} is up to date.", markup=False)


@app.command("import")
@handled
def import_(
    ctx: typer.Context,
    files: Annotated[
        list[Path], typer.Argument(help="Datasets (JSON or YAML) in the import format.")
    ],
    as_json: Json = False,
) -> None:
    """Load datasets. Every file is checked first; each file is then one transaction (all or
    nothing), and every error is listed with its path."""
    from spenddown.adapters.dataset import garbage_collector_paused

    with garbage_collector_paused():
        _import_files(ctx, files, as_json)


def _import_files(ctx: typer.Context, files: list[Path], as_json: bool) -> None:
    from spenddown.adapters.dataset import load_document, parse_dataset

    parsed: list[tuple[Path, Dataset]] = []
    for file in files:
        try:
            parsed.append((file, parse_dataset(load_document(file))))
        except ImportErrors as error:
            error.detail = f"{file}: {error.detail}"
            raise
    totals: dict[str, int] = {}
    with opened(ctx) as app_:
        for file, dataset in parsed:
            try:
                counts = import_dataset(dataset, app_.uow(), app_.env)
            except ImportErrors as error:
                error.detail = f"{file}: {error.detail}"
                raise
            for kind, n in counts.items():
                totals[kind] = totals.get(kind, 0) + n
            if not as_json:
                render.import_counts(str(file), counts)
    if as_json:
        print_json(shapes.import_counts(totals))


@app.command()
@handled
def generate(
    ctx: typer.Context,
    members: Annotated[
        int, typer.Option("--members", help="Medi-Cal members (each eligible every month).")
    ] = 1000,
    months: Annotated[int, typer.Option("--months", help="Benefit months of eligibility.")] = 12,
    seed: Annotated[int, typer.Option("--seed", help="The same seed gives the same data.")] = 1,
    out: Annotated[
        Path, typer.Option("--out", help="Directory for dataset.json and claims.jsonl.")
    ] = Path(),
    last_month: Annotated[
        str | None,
        typer.Option("--last-month", help="Last benefit month YYYY-MM (default: this month)."),
    ] = None,
    claims: Annotated[
        int | None, typer.Option("--claims", help="Claims (default: one per four members).")
    ] = None,
    as_json: Json = False,
) -> None:
    """Write a synthetic, state-like population (dataset.json, for `spenddown import`) and
    claims for it (claims.jsonl, for `spenddown adjudicate --batch`). Every provider's PIN is
    2468. Nothing here is real personal data."""
    from spenddown.adapters import synthetic

    if members < 1 or months < 1 or (claims is not None and claims < 0):
        raise InvalidInput(
            "INVALID_REQUEST", "--members and --months must be at least 1, --claims at least 0."
        )
    today_ = datetime.now(CALIFORNIA).date()
    last = (
        BenefitMonth.of(today_)
        if last_month is None
        else BenefitMonth.parse(last_month, "--last-month")
    )
    data = synthetic.generate(members, months, seed, last_month=last, today=today_, claims=claims)
    try:
        out.mkdir(parents=True, exist_ok=True)
        dataset_file = out / "dataset.json"
        claims_file = out / "claims.jsonl"
        dataset_file.write_text(json.dumps(data.dataset), encoding="utf-8")
        with claims_file.open("w", encoding="utf-8") as sink:
            for claim in data.claims:
                sink.write(json.dumps(claim) + "\n")
    except OSError as error:
        raise InvalidInput("INVALID_REQUEST", f"{out}: {error.strerror}.") from None
    counts = {kind: len(rows) for kind, rows in data.dataset.items()}
    if as_json:
        print_json(
            {
                "dataset": str(dataset_file),
                "claims": str(claims_file),
                "member_months": data.member_months,
                "counts": {**counts, "claims": len(data.claims)},
            }
        )
        return
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    render.console().print(
        f"Wrote {dataset_file} ({data.member_months} member-months: {summary}) and "
        f"{claims_file} ({len(data.claims)} claims). Provider PIN: {synthetic.PIN}.",
        markup=False,
        soft_wrap=True,
    )


# --- commands: provider transactions ----------------------------------------------------------
@app.command()
@handled
def verify(
    ctx: typer.Context,
    npi: Npi,
    pin: Pin,
    member: MemberOpt,
    issue_date: IssueDate,
    service_date: ServiceDate = None,
    as_json: Json = False,
) -> None:
    """Verify a member's eligibility for a date of service (with the SOC still owed)."""
    command_npi = parse_npi(npi, "--npi")
    member_id = parse_member_id(member, "--member")
    issue = parse_date(issue_date, "--issue-date")
    with opened(ctx) as app_:
        cmd = eligibility.VerifyEligibility(
            command_npi, pin, member_id, issue, _service_date(service_date, app_)
        )
        result = eligibility.verify(cmd, app_.uow(), app_.env)
    _show(as_json, shapes.verification(result), render.verification)


@app.command()
@handled
def clear(
    ctx: typer.Context,
    npi: Npi,
    pin: Pin,
    member: MemberOpt,
    issue_date: IssueDate,
    code: Annotated[str, typer.Option("--code", help="Billing (procedure) code, e.g. 99213.")],
    charge: Annotated[str, typer.Option("--charge", help="Service charge, e.g. 150.00.")],
    service_date: ServiceDate = None,
    obligated: Annotated[
        bool, typer.Option("--obligated", help="The member promised to pay (default: paid).")
    ] = False,
    key: Annotated[
        str | None,
        typer.Option("--key", help="Idempotency key: the same key gives back the first result."),
    ] = None,
    budget_unit: Annotated[
        str | None,
        typer.Option(
            "--budget-unit",
            help="Budget unit to clear (A or CASE/A); needed for an IE/RR member on several.",
        ),
    ] = None,
    id_only: Annotated[
        bool, typer.Option("--id-only", help="Print only the clearance ID (for scripts).")
    ] = False,
    other_coverage_paid: Annotated[
        str | None,
        typer.Option(
            "--other-coverage-paid",
            help="What Medicare or other coverage paid on the service: only the rest counts.",
        ),
    ] = None,
    service_type: Annotated[
        str,
        typer.Option(
            "--service-type",
            help="drug, appliance, global or other: which date the service counts on "
            "(22 CCR 50657, docs/rules.md §9.1).",
        ),
    ] = "other",
    counted: Annotated[
        str | None,
        typer.Option(
            "--counted-date",
            help="YYYY-MM-DD the service type counts on: the drug received, the appliance "
            "ordered from the laboratory, the global agreement's last service (or delivery).",
        ),
    ] = None,
    month: Annotated[
        str | None,
        typer.Option(
            "--month",
            help="The SOC month (YYYY-MM) you mean to clear; refused when the service counts "
            "in another month.",
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """Clear Share of Cost with one service the member paid or obligated."""
    command_npi = parse_npi(npi, "--npi")
    member_id = parse_member_id(member, "--member")
    issue = parse_date(issue_date, "--issue-date")
    amount = Money.parse(charge, "--charge")
    covered = (
        None
        if other_coverage_paid is None
        else Money.parse(other_coverage_paid, "--other-coverage-paid")
    )
    kind = parse_service_type(service_type)
    counted_on = None if counted is None else parse_date(counted, "--counted-date")
    clear_month = None if month is None else BenefitMonth.parse(month, "--month")
    with opened(ctx) as app_:
        cmd = share_of_cost.ClearShareOfCost(
            npi=command_npi,
            pin=pin,
            member_id=member_id,
            bic_issue_date=issue,
            service_date=_service_date(service_date, app_),
            billing_code=code,
            service_charge=amount,
            payment=Payment.OBLIGATED if obligated else Payment.PAID,
            idempotency_key=key,
            budget_unit=budget_unit,
            other_coverage_paid=covered,
            service_type=kind,
            counted_date=counted_on,
            month=clear_month,
        )
        result = share_of_cost.clear_share_of_cost(cmd, app_.uow(), app_.env)
    if id_only and not as_json:
        typer.echo(result.clearance_id)
        return
    _show(as_json, shapes.clearance(result), render.clearance)


@app.command()
@handled
def reverse(
    ctx: typer.Context,
    clearance_id: Annotated[str, typer.Argument(help="The clearance to reverse.")],
    npi: Npi,
    pin: Pin,
    as_json: Json = False,
) -> None:
    """Reverse a clearance made in error (its provider only, before certification)."""
    command_npi = parse_npi(npi, "--npi")
    with opened(ctx) as app_:
        cmd = share_of_cost.ReverseClearance(command_npi, pin, clearance_id.strip())
        result = share_of_cost.reverse_clearance(cmd, app_.uow(), app_.env)
    _show(as_json, shapes.clearance(result), render.clearance)


# --- commands: county -------------------------------------------------------------------------
def _amounts(values: list[str] | None, field: str) -> list[Money]:
    return [Money.parse(v, field) for v in values or []]


@soc_app.command("compute")
@handled
def soc_compute(
    ctx: typer.Context,
    household: Annotated[
        int | None,
        typer.Option("--household", help="Persons in the budget unit (or --household-file)."),
    ] = None,
    month: MonthOpt = None,
    earned: Annotated[
        list[str] | None, typer.Option("--earned", help="Earned income a month (repeat).")
    ] = None,
    unearned: Annotated[
        list[str] | None, typer.Option("--unearned", help="Unearned income a month (repeat).")
    ] = None,
    premium: Annotated[
        list[str] | None,
        typer.Option("--premium", help="Health insurance premium paid a month (repeat)."),
    ] = None,
    ltc: Annotated[bool, typer.Option("--ltc", help="In long-term care all month.")] = False,
    budget: Annotated[
        str,
        typer.Option(
            "--budget",
            help="abd (the adults are aged, blind or disabled) or family (parent/caretaker "
            "linked: family deductions).",
        ),
    ] = "abd",
    children: Annotated[
        int | None, typer.Option("--children", help="Child-only unit: children in the unit.")
    ] = None,
    parents_in_home: Annotated[
        int | None,
        typer.Option("--parents-in-home", help="Child-only unit: parents in the home."),
    ] = None,
    reform: Annotated[
        str | None, typer.Option("--reform", help="A named what-if reform, e.g. mnl_138_fpl.")
    ] = None,
    household_file: Annotated[
        Path | None,
        typer.Option(
            "--household-file",
            help="The household as YAML or JSON, the same body as POST /v1/soc/determinations.",
        ),
    ] = None,
    aged: Annotated[bool, typer.Option("--aged", help="The adults are 65 or older.")] = False,
    blind: Annotated[bool, typer.Option("--blind", help="The adults are blind.")] = False,
    disabled: Annotated[bool, typer.Option("--disabled", help="The adults are disabled.")] = False,
    adults: Annotated[
        int | None, typer.Option("--adults", help="How many of the household are adults.")
    ] = None,
    medicare: Annotated[bool, typer.Option("--medicare", help="The adults have Medicare.")] = False,
    spouse_income: Annotated[
        str | None,
        typer.Option("--spouse-income", help="With --ltc: income of the spouse at home."),
    ] = None,
    home_upkeep: Annotated[
        bool,
        typer.Option("--home-upkeep", help="With --ltc: a physician certified a likely return."),
    ] = False,
    program: Annotated[
        str | None,
        typer.Option(
            "--program",
            help="Compute one program directly: magi, aged_disabled_fpl, working_disabled, "
            "medically_needy.",
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """The program ladder (free programs first), then the Share of Cost, every step shown and
    cited (nothing is stored)."""
    if household_file is not None:
        data: dict[str, Any] = household_body.read_file(household_file)
        if month is not None:
            data["month"] = month
        if program is not None:
            data["program"] = program
        if reform is not None:
            data["reform"] = reform
    else:
        if household is None:
            raise InvalidInput(
                "INVALID_HOUSEHOLD_SIZE",
                "--household N (or --household-file FILE) is required.",
                field="--household",
            )
        if budget not in ("abd", "family"):
            raise InvalidInput("INVALID_BUDGET", f"--budget must be abd or family, got {budget!r}.")
        if children is None and parents_in_home is not None:
            raise InvalidInput(
                "INVALID_CHILDREN_ONLY",
                "--parents-in-home goes with --children (child-only unit).",
            )
        incomes = [{"kind": "earned", "amount": str(m)} for m in _amounts(earned, "--earned")]
        incomes += [
            {"kind": "unearned", "amount": str(m)} for m in _amounts(unearned, "--unearned")
        ]
        data = {
            "household_size": household,
            "budget": budget,
            "ltc": ltc,
            "incomes": incomes,
            "premiums": [str(m) for m in _amounts(premium, "--premium")],
            "aged": aged,
            "blind": blind,
            "disabled": disabled,
            "medicare": medicare,
            "home_upkeep": home_upkeep,
        }
        for key, value in (("adults", adults), ("program", program), ("reform", reform)):
            if value is not None:
                data[key] = value
        if spouse_income is not None:
            data["spouse_income"] = str(Money.parse(spouse_income, "--spouse-income"))
        if children is not None:
            data["children_only"] = {"children": children, "parents_in_home": parents_in_home or 0}
        data["month"] = (
            str(BenefitMonth.of(datetime.now(CALIFORNIA).date()))
            if month is None
            else str(BenefitMonth.parse(month, "--month"))
        )
    if "month" not in data:
        data["month"] = str(BenefitMonth.of(datetime.now(CALIFORNIA).date()))
    body = household_body.validated(data)
    found, chosen, _ = household_body.household(body)
    result = determination_service.determine_household(found, chosen, body.reform)
    _show(as_json, shapes.ladder(result), render.determination)


@app.command("whatif")
@handled
def whatif(
    ctx: typer.Context,
    month: RequiredMonth,
    reform: Annotated[
        str | None,
        typer.Option("--reform", help="A named reform: mnl_138_fpl, pna_80."),
    ] = None,
    overrides: Annotated[
        Path | None,
        typer.Option(
            "--overrides",
            help="YAML or JSON: parameter name → value, or dated values {YYYY-MM-DD: value}.",
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """Re-run the stored determinations of a month under a reform: units moving to a free
    program or a lower SOC, total monthly SOC before and after, by county and amount band."""
    from spenddown.services import whatif as whatif_service

    changes = None if overrides is None else household_body.read_file(overrides)
    benefit_month = BenefitMonth.parse(month, "--month")
    with opened(ctx) as app_:
        report = whatif_service.run_whatif(benefit_month, reform, changes, app_.uow())
    _show(as_json, shapes.whatif(report), render.whatif)


@soc_app.command("set")
@handled
def soc_set(
    ctx: typer.Context,
    case: Case,
    budget_unit: BudgetUnit,
    month: RequiredMonth,
    amount: Annotated[str, typer.Option("--amount", help="Monthly SOC, e.g. 600.00.")],
    program: Annotated[
        Program, typer.Option("--program", help="medi-cal or cmsp.")
    ] = Program.MEDI_CAL,
    retro_override: Annotated[
        bool,
        typer.Option(
            "--retro-override",
            help="County: this change goes through the retroactive process (> 8 months back).",
        ),
    ] = False,
    as_json: Json = False,
) -> None:
    """Record (or change) a budget unit's SOC for a month (retro rules apply)."""
    cmd = share_of_cost.SetShareOfCost(
        case_id=case.strip(),
        budget_unit=budget_unit.strip(),
        month=BenefitMonth.parse(month, "--month"),
        amount=Money.parse(amount, "--amount"),
        program=program,
        retro_override=retro_override,
    )
    with opened(ctx) as app_:
        view = share_of_cost.set_share_of_cost(cmd, app_.uow(), app_.env)
    _show(as_json, shapes.obligation_group([view]), render.obligations)


@soc_app.command("certify")
@handled
def soc_certify(
    ctx: typer.Context,
    case: Case,
    budget_unit: BudgetUnit,
    month: RequiredMonth,
    as_json: Json = False,
) -> None:
    """County certification of a month from the receipts the member brought in."""
    cmd = share_of_cost.CertifyByCounty(
        case.strip(), budget_unit.strip(), BenefitMonth.parse(month, "--month")
    )
    with opened(ctx) as app_:
        views = share_of_cost.certify_by_county(cmd, app_.uow(), app_.env)
    _show(as_json, shapes.obligation_group(views), render.obligations)


@soc_app.command("show")
@handled
def soc_show(
    ctx: typer.Context,
    member: MemberOpt,
    month: MonthOpt = None,
    as_json: Json = False,
) -> None:
    """A member's Share of Cost for a month with its ledger."""
    member_id = parse_member_id(member, "--member")
    with opened(ctx) as app_:
        views = share_of_cost.member_obligations(member_id.cin, _month(month, app_), app_.uow())
    _show(as_json, shapes.obligation_group(views, with_ledger=True), render.obligations)


@cycle_app.command("start")
@handled
def cycle_start(
    ctx: typer.Context,
    month: Annotated[str, typer.Argument(help="Benefit month YYYY-MM.")],
    as_json: Json = False,
) -> None:
    """Start a month: certify every long-term-care SOC automatically (idempotent)."""
    benefit_month = BenefitMonth.parse(month, "MONTH")
    with opened(ctx) as app_:
        result = share_of_cost.start_month(benefit_month, app_.uow(), app_.env)
    _show(as_json, shapes.cycle(result), render.cycle)


# --- commands: plans --------------------------------------------------------------------------
@plans_app.command("roster")
@handled
def plans_roster(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Plan code, e.g. HN.")],
    month: MonthOpt = None,
    as_json: Json = False,
) -> None:
    """A plan's members in a month with their plan status (01 enrolled, 55 held)."""
    with opened(ctx) as app_:
        benefit_month = _month(month, app_)
        entries = plans.plan_roster(code.strip().upper(), benefit_month, app_.uow())
    _show(as_json, shapes.roster(code.strip().upper(), benefit_month, entries), render.roster)


@plans_app.command("activations")
@handled
def plans_activations(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="Plan code, e.g. HN.")],
    since: Annotated[
        str | None, typer.Option("--since", help="The cursor of the previous page.")
    ] = None,
    as_json: Json = False,
) -> None:
    """Activations (SOC met: status 55 → 01) in order, each once, with a cursor."""
    with opened(ctx) as app_:
        page = plans.activations_since(code.strip().upper(), since, app_.uow())
    _show(as_json, shapes.activations(page), render.activations)


# --- commands: operations ---------------------------------------------------------------------
@app.command()
@handled
def audit(ctx: typer.Context, as_json: Json = False) -> None:
    """Re-check every ledger invariant; print each violation. Exit 0 only if there is none
    (else exit 1)."""
    with opened(ctx) as app_:
        violations = audit_service.audit_ledger(app_.uow())
    _show(as_json, shapes.audit(violations), render.audit)
    if violations:
        raise typer.Exit(EXIT_AUDIT_VIOLATIONS)


@app.command()
@handled
def demo(
    ctx: typer.Context,
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            metavar="URL",
            help=f"Demo database (default: {DEMO_FILE} in the working directory; "
            "never $SPENDDOWN_DATABASE_URL).",
        ),
    ] = None,
    fresh: Annotated[
        bool, typer.Option("--fresh", help="Delete the demo database and start over.")
    ] = False,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start the API server after the tour.")
    ] = True,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
) -> None:
    """Create (or reuse) a demo database with realistic sample data, print a tour, and serve
    the API on 127.0.0.1:8000 (until Ctrl-C)."""
    from spenddown.entrypoints.cli import demo as demo_module

    if serve:  # before the tour: a busy port is said in one line, not after a page of output
        _port_free_or_exit(
            host, port, f"make demo PORT={port + 10}` or `spenddown demo --port {port + 10}"
        )
    explicit = db or _settings(ctx).db
    url = explicit or f"sqlite:///{Path.cwd() / demo_module.DEMO_FILE}"
    try:
        prepared = demo_module.prepare(url, fresh=fresh)
    except SpenddownError:
        raise
    except Exception as error:
        raise DatabaseUnavailable(_masked(url), error) from error
    claim_file = Path.cwd() / demo_module.DEMO_CLAIM_FILE
    claim_file.write_text(
        json.dumps(demo_module.example_claim(prepared.today), indent=2), encoding="utf-8"
    )
    steps = demo_module.tour(_program(), explicit or demo_module.DEMO_URL)
    _print_tour(prepared, steps)
    if not serve:
        return
    tokens = demo_module.demo_tokens(url)
    out = render.console()
    base = f"http://{host}:{port}"
    out.print(
        f"\nServing the API at {base} (docs {base}/docs, OpenAPI {base}/openapi.json).",
        markup=False,
    )
    out.print("Demo bearer tokens (new each run):", markup=False)
    for role, secret in tokens.items():
        out.print(f"  {role:8} {secret}", markup=False)
    out.print(
        f"Try: curl -s -u 1234567893:2468 {base}/v1/eligibility/verifications -H "
        '\'Content-Type: application/json\' -d \'{"member_id": "91234560A", '
        '"bic_issue_date": "2024-03-12", "service_date": '
        f'"{prepared.today}"}}\'\nPress Ctrl-C to stop.',
        markup=False,
        soft_wrap=True,
    )
    demo_module.start_server(url, host, port)


@app.command()
@handled
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            "--workers",
            min=1,
            max=64,
            help="Server processes (default: one per core on PostgreSQL; SQLite: 1, only 1).",
        ),
    ] = None,
) -> None:
    """Run the API (migrating the database first). Set SPENDDOWN_SECRET_KEY (32+ characters) to
    keep web sessions across restarts (and across hosts)."""
    from pydantic import ValidationError

    from spenddown.entrypoints.api.app import run

    _port_free_or_exit(host, port, f"spenddown serve --port {port + 10}")
    try:
        run(host, port, _settings(ctx).db, demo=False, workers=workers)
    except ValidationError as error:
        message = error.errors(include_url=False)[0]["msg"].removeprefix("Value error, ")
        raise InvalidInput("INSECURE_SETTINGS", message) from None


@tokens_app.command("create")
@handled
def tokens_create(
    ctx: typer.Context,
    role: Annotated[str, typer.Option("--role", help="county, admin or plan:<CODE>.")],
    label: Annotated[str, typer.Option("--label", help="Who the token is for.")] = "",
    county: Annotated[
        str | None,
        typer.Option("--county", help="For --role county: its 2-digit county code (e.g. 19)."),
    ] = None,
    statewide: Annotated[
        bool, typer.Option("--statewide", help="For --role county: every county.")
    ] = False,
    days: Annotated[int, typer.Option("--days", help="Lifetime in days (1-3650).")] = 90,
    as_json: Json = False,
) -> None:
    """Create an API bearer token; it is printed once and stored hashed. A county token needs
    --county or --statewide. Admin tokens are made here only (not through the API)."""
    from spenddown.domain.errors import InvalidInput
    from spenddown.services import access

    if role.strip().lower() == "county" and (county is None) == (not statewide):
        raise InvalidInput(
            "INVALID_REQUEST", "--county: a county token needs --county CODE or --statewide."
        )
    if statewide and role.strip().lower() != "county":
        raise InvalidInput("INVALID_REQUEST", "--statewide: only for --role county.")
    with opened(ctx) as app_:
        issued = access.create_token(
            role, label or role, app_.uow(), app_.env, county=county, days=days
        )
    expires = issued.token.expires_at
    if as_json:
        print_json(
            {
                "token_id": issued.token.token_id,
                "role": issued.token.role,
                "plan_code": issued.token.plan_code,
                "county_code": issued.token.county_code,
                "expires_at": None if expires is None else expires.isoformat(),
                "token": issued.secret,
            }
        )
        return
    out = render.console()
    out.print(
        f"Token {issued.token.token_id} for {role} (shown once, keep it safe; expires "
        f"{expires:%Y-%m-%d}):",
        markup=False,
    )
    out.print(issued.secret, markup=False)


def _port_free_or_exit(host: str, port: int, fix: str) -> None:
    """Exit 1 with one line naming the fix when ``host:port`` cannot be listened on (another
    program has it), instead of uvicorn's traceback after the tour (docs/cli.md, exit codes)."""
    import socket

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            _err().print(
                f"spenddown: cannot listen on {host}:{port} ({error.strerror or error}): another "
                f"program is using it. Stop it, or use another port: `{fix}`.",
                markup=False,
                soft_wrap=True,
            )
            raise typer.Exit(EXIT_OTHER) from None


@tokens_app.command("list")
@handled
def tokens_list(ctx: typer.Context, as_json: Json = False) -> None:
    """Every token: id, role, county, label, created, expires, revoked (never the secret)."""
    from spenddown.services import access

    with opened(ctx) as app_:
        tokens = access.list_tokens(app_.uow())

    def when(value: Any) -> str | None:
        return None if value is None else value.isoformat()

    rows = [
        {
            "token_id": t.token_id,
            "role": t.role if t.plan_code is None else f"plan:{t.plan_code}",
            "county_code": t.county_code,
            "label": t.label,
            "created_at": when(t.created_at),
            "expires_at": when(t.expires_at),
            "revoked_at": when(t.revoked_at),
        }
        for t in tokens
    ]
    if as_json or _settings(ctx).json:
        print_json({"tokens": rows})
        return
    out = render.console()
    for row in rows:
        scope = row["county_code"] or ("statewide" if row["role"] == "county" else "")
        state = "revoked" if row["revoked_at"] else f"expires {row['expires_at'] or 'never'}"
        out.print(
            f"{row['token_id']}  {row['role']:8} {scope:9} {state}  {row['label']}", markup=False
        )


@tokens_app.command("revoke")
@handled
def tokens_revoke(
    ctx: typer.Context,
    token_id: Annotated[str, typer.Argument(help="The token's id (t_...).")],
) -> None:
    """Revoke a token: it stops working at once."""
    from spenddown.services import access

    with opened(ctx) as app_:
        token = access.revoke_token(token_id, app_.uow(), app_.env)
    render.console().print(f"Token {token.token_id} revoked.", markup=False)


@app.command()
@handled
def unlock(
    ctx: typer.Context,
    npi: Annotated[str | None, typer.Option("--npi", help="Unlock this provider.")] = None,
    member: Annotated[
        str | None, typer.Option("--member", help="Unlock this member's look-ups.")
    ] = None,
) -> None:
    """Lift a sign-in lockout: the failures counted so far for the NPI or member stop
    counting (docs/operations.md "Lockout")."""
    from spenddown.domain.errors import InvalidInput
    from spenddown.domain.identifiers import parse_member_id, parse_npi
    from spenddown.services import common

    if (npi is None) == (member is None):
        raise InvalidInput("INVALID_REQUEST", "Give --npi or --member (one of them).")
    if npi is not None:
        kind, subject = common.NPI_KIND, parse_npi(npi, "--npi")
    else:
        kind, subject = common.MEMBER_KIND, parse_member_id(member or "", "--member").cin
    with opened(ctx) as app_:
        cleared = common.unlock(kind, subject, app_.uow())
    shown = subject if kind == common.NPI_KIND else "member " + subject[-4:].rjust(9, "*")
    render.console().print(f"Unlocked {shown}: {cleared} failure(s) cleared.", markup=False)


def _program() -> str:
    """How the person who ran us can run us again: ``spenddown`` if that is on PATH, else the
    console script next to this Python (e.g. ``.venv/bin/spenddown``)."""
    script = Path(sys.executable).with_name("spenddown")
    on_path = shutil.which("spenddown")
    if on_path and script.exists() and Path(on_path).resolve() == script.resolve():
        return "spenddown"
    if not script.exists():
        return "spenddown"
    try:
        return str(script.relative_to(Path.cwd()))
    except ValueError:
        return str(script)


def _print_tour(prepared: DemoDatabase, steps: list[TourStep]) -> None:
    from spenddown.entrypoints.cli import demo as demo_module

    out = render.console()
    what = "Created" if prepared.created else "Reused"
    out.print(
        f"{what} the demo database {_masked(prepared.url)} with data for "
        f"{', '.join(str(m) for m in demo_module.demo_months(prepared.today))} "
        f"(today is {prepared.today}, California time).",
        markup=False,
        soft_wrap=True,
    )
    if not prepared.created:
        out.print(
            "Clearances made earlier are kept: run `spenddown demo --fresh` to start the tour "
            "from scratch.",
            markup=False,
            soft_wrap=True,
        )
    out.print("\nDemo providers (NPI / PIN):", style="bold")
    for p in demo_module.PROVIDERS:
        out.print(f"  {p.npi} / {p.pin}  {p.name} ({p.type})", markup=False, soft_wrap=True)
    out.print("\nDemo members (member ID / card issue date / birth date):", style="bold")
    for m in demo_module.MEMBERS:
        codes = ", ".join(m.aid_codes) or "RR only"
        plan = m.plan or "FFS"
        out.print(
            f"  {m.cin} / {m.issue} / {m.born}  {m.first} {m.last}, county {m.county}, "
            f"aid {codes}, {plan}",
            markup=False,
            soft_wrap=True,
        )
    out.print("\nTry these (copy and paste, in order):", style="bold")
    for number, step in enumerate(steps, start=1):
        out.print(f"\n# {number}. {step.title}", markup=False, soft_wrap=True, style="dim")
        # Plain print: Rich must not wrap or restyle a command meant for copying.
        typer.echo(step.command)
    out.print(
        "\nAdd --json to any of them for the JSON of docs/cli.md. Exit codes: 2 bad input, "
        "3 refused by a rule, 4 authentication.",
        markup=False,
        soft_wrap=True,
    )


if __name__ == "__main__":  # pragma: no cover
    app()


# Commands in other modules register themselves on ``app`` when imported.
from spenddown.entrypoints.cli import claims as _claims  # noqa: E402, F401
from spenddown.entrypoints.cli import over_time as _over_time  # noqa: E402, F401
from spenddown.entrypoints.cli import x12 as _x12  # noqa: E402, F401
