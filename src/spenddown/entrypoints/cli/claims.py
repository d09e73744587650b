"""Claims commands: ``adjudicate`` (one claim, or ``--batch`` JSONL), ``fee-schedule import``."""

from __future__ import annotations

import csv
import json
import sys
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, TextIO

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

from spenddown.domain.errors import ImportErrors, InvalidInput, SpenddownError
from spenddown.entrypoints import shapes
from spenddown.entrypoints.cli import render
from spenddown.entrypoints.cli.main import Json, _database_url, app, handled, opened, print_json

fee_app = typer.Typer(help="The Medi-Cal fee schedule.", no_args_is_help=True)
app.add_typer(fee_app, name="fee-schedule")

FEE_COLUMNS = (
    "procedure_code",
    "effective",
    "allowed_per_unit",
    "requires_authorization",
    "restricted_scope_ok",
)
TRUE = {"1", "true", "yes", "y", "x"}


@app.command()
@handled
def adjudicate(
    ctx: typer.Context,
    claim_file: Annotated[
        Path | None, typer.Argument(help="A claim (JSON, the Claim of docs/formats.md §2).")
    ] = None,
    npi: Annotated[str | None, typer.Option("--npi", envvar="SPENDDOWN_NPI")] = None,
    pin: Annotated[str | None, typer.Option("--pin", envvar="SPENDDOWN_PIN")] = None,
    batch: Annotated[
        Path | None,
        typer.Option("--batch", help="Claims, one JSON per line; each is adjudicated and stored."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Where the batch's adjudications go (JSONL).")
    ] = None,
    jobs: Annotated[
        str,
        typer.Option(
            "--jobs",
            metavar="N",
            help="Worker processes for --batch (PostgreSQL): a member's claims stay in one; "
            "0 or auto: one per core (1 on SQLite).",
        ),
    ] = "1",
    as_json: Json = False,
) -> None:
    """Adjudicate a claim as Medi-Cal, the secondary payer (docs/rules.md §5)."""
    from spenddown.adapters.claim_format import parse_claim
    from spenddown.services import claims

    if batch is not None:
        _batch(ctx, batch, out, jobs)
        return
    if claim_file is None or npi is None or pin is None:
        raise InvalidInput(
            "INVALID_REQUEST", "Give CLAIM.json with --npi and --pin, or --batch FILE.jsonl."
        )
    claim = parse_claim(_read_json(claim_file))
    with opened(ctx) as app_:
        result = claims.adjudicate_claim(claims.SubmitClaim(npi, pin, claim), app_.uow(), app_.env)
    data = shapes.adjudication(result)
    if as_json:
        print_json(data)
    else:
        render.adjudication(data)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise InvalidInput("INVALID_REQUEST", f"{path}: {error.strerror}.") from None
    except json.JSONDecodeError as error:
        raise InvalidInput("INVALID_REQUEST", f"{path}: not JSON ({error.msg}).") from None
    except (RecursionError, ValueError):  # nested too deep, or an integer of thousands of digits
        raise InvalidInput(
            "INVALID_REQUEST", f"{path}: not JSON (nested too deep or a number too long)."
        ) from None


def _batch(ctx: typer.Context, batch: Path, out: Path | None, jobs_option: str) -> None:
    """Stream the file through the batch use case: claims are adjudicated and stored in
    transactions of ``claims.BATCH_CHUNK``; a claim's error is written in its place (in file
    order) and the batch goes on. After a crash, run the same file again: the claims already
    stored are answered DUPLICATE_CLAIM, the others are adjudicated. With ``--jobs`` N > 1 the
    claims are adjudicated by N worker processes, partitioned by member
    (``entrypoints.batch_jobs``), with the same answers in the same order."""
    from spenddown.adapters.claim_format import parse_claim
    from spenddown.domain.cob.model import Claim
    from spenddown.entrypoints import batch_jobs
    from spenddown.services import claims

    jobs = batch_jobs.resolve_jobs(jobs_option, _database_url(ctx))
    try:
        total = sum(1 for line in batch.open(encoding="utf-8") if line.strip())
    except OSError as error:
        raise InvalidInput("INVALID_REQUEST", f"{batch}: {error.strerror}.") from None
    sink: TextIO = out.open("w", encoding="utf-8") if out else sys.stdout
    counts = {"paid": 0, "partially_paid": 0, "denied": 0, "errors": 0}
    progress = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=render.console(stderr=True),
        transient=out is None,
    )
    # Lines that are not a claim are answered in their place: they wait here (line number,
    # problem) until the claims before them are answered.
    unreadable: deque[tuple[int, dict[str, Any]]] = deque()
    numbers: deque[int] = deque()  # the line number of each claim handed to the use case
    number = 0

    def readable(source: TextIO) -> Iterator[Claim]:
        nonlocal number
        for raw in source:
            if not raw.strip():
                continue
            number += 1
            try:
                claim = parse_claim(json.loads(raw))
            except json.JSONDecodeError as error:
                problem = {"code": "INVALID_REQUEST", "detail": f"not JSON ({error.msg})"}
                unreadable.append((number, problem))
            except (RecursionError, ValueError):
                problem = {
                    "code": "INVALID_REQUEST",
                    "detail": "not JSON (nested too deep or a number too long)",
                }
                unreadable.append((number, problem))
            except SpenddownError as error:
                unreadable.append((number, shapes.problem(error)))
            else:
                numbers.append(number)
                yield claim

    def answer_unreadable(before: int | None) -> None:
        while unreadable and (before is None or unreadable[0][0] < before):
            line, problem = unreadable.popleft()
            counts["errors"] += 1
            sink.write(json.dumps({"line": line, "error": problem}) + "\n")
            progress.advance(task)

    try:
        with opened(ctx) as app_, progress, batch.open(encoding="utf-8") as source:
            task = progress.add_task("Adjudicating", total=total)
            if jobs == 1:
                outcomes = claims.adjudicate_batch(readable(source), app_.uow, app_.env)
            else:
                outcomes = batch_jobs.adjudicate_parallel(
                    readable(source), app_.url, app_.env.clock, jobs=jobs
                )
            for outcome in outcomes:
                line = numbers.popleft()
                answer_unreadable(before=line)
                if isinstance(outcome, SpenddownError):
                    counts["errors"] += 1
                    sink.write(json.dumps({"line": line, "error": shapes.problem(outcome)}) + "\n")
                else:
                    counts[str(outcome.status)] += 1
                    sink.write(json.dumps(shapes.adjudication(outcome)) + "\n")
                progress.advance(task)
            answer_unreadable(before=None)
    finally:
        if out is not None:
            sink.close()
    render.console(stderr=True).print(
        f"{number} claims: {counts['paid']} paid, {counts['partially_paid']} partially paid, "
        f"{counts['denied']} denied, {counts['errors']} with errors.",
        markup=False,
    )


@fee_app.command("import")
@handled
def fee_schedule_import(
    ctx: typer.Context,
    csv_file: Annotated[
        Path,
        typer.Argument(
            help="CSV with a header: procedure_code, effective, allowed_per_unit, "
            "requires_authorization, restricted_scope_ok."
        ),
    ],
    as_json: Json = False,
) -> None:
    """Load fee schedule rows from CSV: all or nothing, each error with its line."""
    from spenddown.adapters.dataset import parse_dataset
    from spenddown.services.imports import import_dataset

    try:
        with csv_file.open(newline="", encoding="utf-8-sig") as handle:
            reader = csv.DictReader(handle)
            missing = [c for c in FEE_COLUMNS[:3] if c not in (reader.fieldnames or [])]
            if missing:
                raise InvalidInput(
                    "INVALID_REQUEST", f"{csv_file}: missing column(s) {', '.join(missing)}."
                )
            rows = [
                {
                    "procedure_code": row["procedure_code"],
                    "effective": row["effective"],
                    "allowed_per_unit": row["allowed_per_unit"],
                    "requires_authorization": (row.get("requires_authorization") or "")
                    .strip()
                    .lower()
                    in TRUE,
                    "restricted_scope_ok": (row.get("restricted_scope_ok") or "").strip().lower()
                    in TRUE,
                }
                for row in reader
            ]
    except OSError as error:
        raise InvalidInput("INVALID_REQUEST", f"{csv_file}: {error.strerror}.") from None
    try:
        dataset = parse_dataset({"fee_schedule": rows})
    except ImportErrors as error:
        # fee_schedule[0] is the CSV's line 2 (after the header)
        error.errors = [_csv_line(e) for e in error.errors]
        raise
    with opened(ctx) as app_:
        counts = import_dataset(dataset, app_.uow(), app_.env)
    if as_json:
        print_json({"fee_schedule": counts["fee_schedule"]})
    else:
        render.console().print(f"{counts['fee_schedule']} fee schedule rows loaded.")


def _csv_line(error: str) -> str:
    head, _, rest = error.partition("]")
    if head.startswith("fee_schedule["):
        number = int(head.removeprefix("fee_schedule[")) + 2
        return f"line {number}{rest}"
    return error


@app.command("billing-check")
@handled
def billing_check(
    ctx: typer.Context,
    member: Annotated[str, typer.Option("--member", help="Member ID (CIN or card ID).")],
    issue_date: Annotated[str, typer.Option("--issue-date", help="Card issue date.")],
    provider: Annotated[str, typer.Option("--provider", help="The billing provider's NPI.")],
    service_date: Annotated[str, typer.Option("--date", help="Date of service.")],
    amount: Annotated[str, typer.Option("--amount", help="The amount on the bill.")],
    claim: Annotated[str | None, typer.Option("--claim", help="The claim ID, if known.")] = None,
    medicare_cost_sharing: Annotated[
        bool,
        typer.Option(
            "--medicare-cost-sharing",
            help="The bill is Medicare deductible or coinsurance from a Medicare provider.",
        ),
    ] = False,
    birth_date: Annotated[
        str | None,
        typer.Option("--birth-date", help="The member's date of birth (the family's proof)."),
    ] = None,
    pin: Annotated[
        str | None,
        typer.Option(
            "--pin", envvar="SPENDDOWN_PIN", help="The provider's PIN (the provider's proof)."
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """May this provider send the family this bill? (docs/rules.md §6, balance billing) Needs the
    family's --birth-date or the provider's --pin (with the lockouts of docs/api.md)."""
    from spenddown.domain.identifiers import parse_member_id, parse_npi
    from spenddown.domain.money import Money
    from spenddown.domain.months import parse_date
    from spenddown.services import billing

    cmd = billing.BillingCheckCommand(
        parse_member_id(member, "--member"),
        parse_date(issue_date, "--issue-date"),
        parse_npi(provider, "--provider"),
        parse_date(service_date, "--date"),
        Money.parse(amount, "--amount"),
        claim,
        medicare_cost_sharing=medicare_cost_sharing,
        birth_date=None if birth_date is None else parse_date(birth_date, "--birth-date"),
        pin=pin,
    )
    with opened(ctx) as app_:
        result = billing.billing_check(cmd, app_.uow(), app_.env)
    data = shapes.billing_check(result)
    if as_json:
        print_json(data)
        return
    out = render.console()
    verdict = "ALLOWED" if data["allowed"] else "NOT ALLOWED"
    out.print(f"{verdict}: the provider may collect ${data['may_collect']} ({data['rule']}).")
    for sentence in data["explanation"]:
        out.print(f"- {sentence}", markup=False, soft_wrap=True)
    out.print("What you can do:")
    for sentence in data["what_to_do"]:
        out.print(f"- {sentence}", markup=False, soft_wrap=True)


@app.command()
@handled
def estimate(
    ctx: typer.Context,
    member: Annotated[str, typer.Option("--member", help="Member CIN.")],
    code: Annotated[str, typer.Option("--code", help="Procedure code, e.g. 97153.")],
    units: Annotated[int, typer.Option("--units", help="Units per visit.")],
    visits_per_week: Annotated[int, typer.Option("--visits-per-week")],
    primary_allowed: Annotated[
        str, typer.Option("--primary-allowed", help="The primary's allowed amount per unit.")
    ],
    deductible: Annotated[str, typer.Option("--deductible")] = "0",
    oop_max: Annotated[str, typer.Option("--oop-max", help="Out-of-pocket maximum.")] = "0",
    copay: Annotated[str | None, typer.Option("--copay", help="Copay per visit.")] = None,
    coinsurance: Annotated[
        str | None, typer.Option("--coinsurance", help="Coinsurance percent, e.g. 20.")
    ] = None,
    weeks: Annotated[int, typer.Option("--weeks")] = 52,
    start: Annotated[str | None, typer.Option("--start", help="First visit (YYYY-MM-DD).")] = None,
    provider: Annotated[
        list[str] | None, typer.Option("--provider", help="Check this provider (repeatable).")
    ] = None,
    as_json: Json = False,
) -> None:
    """What Medi-Cal as secondary saves a family in a year of visits."""
    from decimal import Decimal, InvalidOperation

    from spenddown.domain.cob.estimate import PrimaryCostSharing, ServicePattern
    from spenddown.domain.identifiers import parse_cin
    from spenddown.domain.money import Money
    from spenddown.domain.months import parse_date
    from spenddown.services import billing
    from spenddown.services.common import today

    try:
        percent = None if coinsurance is None else Decimal(coinsurance)
    except InvalidOperation:
        raise InvalidInput("INVALID_COST_SHARING", "--coinsurance is a percent.") from None
    sharing = PrimaryCostSharing(
        Money.parse(deductible, "--deductible"),
        Money.parse(oop_max, "--oop-max"),
        None if copay is None else Money.parse(copay, "--copay"),
        percent,
    )
    with opened(ctx) as app_:
        cmd = billing.EstimateCommand(
            parse_cin(member, "--member"),
            ServicePattern(code.upper(), units, visits_per_week, weeks),
            sharing,
            Money.parse(primary_allowed, "--primary-allowed"),
            today(app_.env),
            None if start is None else parse_date(start, "--start"),
            tuple(provider or ()),
        )
        result = billing.estimate(cmd, app_.uow())
    data = shapes.estimate(result)
    if as_json:
        print_json(data)
        return
    out = render.console()
    out.print(
        f"{data['visits']} visits of {code} in {weeks} weeks: without Medi-Cal the family pays "
        f"${data['without_medi_cal']}; with Medi-Cal as secondary ${data['with_medi_cal']}; "
        f"it saves ${data['savings']}.",
        markup=False,
    )
    for fit in data["providers"]:
        mark = "takes both" if fit["qualifies"] else "does not qualify"
        out.print(f"- {fit['name']} ({fit['npi']}): {mark}: {fit['why']}", markup=False)


@app.command()
@handled
def accumulators(
    ctx: typer.Context,
    member: Annotated[str, typer.Option("--member", help="Member CIN.")],
    plan_year: Annotated[
        str | None, typer.Option("--plan-year", help="A date in the plan year (YYYY-MM-DD).")
    ] = None,
    as_json: Json = False,
) -> None:
    """Deductible and out-of-pocket met with the primary, and who paid them: the statement a
    family sends to the primary's coordination-of-benefits department."""
    from spenddown.domain.identifiers import parse_cin
    from spenddown.domain.months import parse_date
    from spenddown.services import billing

    with opened(ctx) as app_:
        statements = billing.accumulators(
            parse_cin(member, "--member"),
            None if plan_year is None else parse_date(plan_year, "--plan-year"),
            app_.uow(),
        )
    data = shapes.accumulators(statements)
    if as_json:
        print_json(data)
        return
    out = render.console()
    for statement in data:
        out.print(
            f"{statement['carrier']} {statement['plan_year_start']}..{statement['plan_year_end']}"
            f": deductible applied ${statement['deductible_applied']} of "
            f"${statement['deductible']} (Medi-Cal ${statement['paid_by_medi_cal']}, member "
            f"${statement['paid_by_member']}).",
            markup=False,
        )
        for sentence in statement["statement"]:
            out.print(f"- {sentence}", markup=False, soft_wrap=True)
