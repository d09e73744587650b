"""A Share of Cost over time on the command line: ``soc change``, ``notices show|hearing``,
``receipts add|list`` (docs/cli.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from spenddown.domain.eligibility.codes import Program
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth, parse_date
from spenddown.domain.share_of_cost.changes import Excess
from spenddown.entrypoints import over_time_shapes as shapes
from spenddown.entrypoints.cli.main import (
    BudgetUnit,
    Case,
    Json,
    MonthOpt,
    RequiredMonth,
    app,
    handled,
    opened,
    print_json,
    soc_app,
)

notices_app = typer.Typer(help="Notices of action: show, hearing requests.", no_args_is_help=True)
receipts_app = typer.Typer(
    help="Receipts and old unpaid bills the county records (MC 177).", no_args_is_help=True
)
medicare_app = typer.Typer(help="Medicare: Part B buy-in events.", no_args_is_help=True)
app.add_typer(medicare_app, name="medicare")
app.add_typer(notices_app, name="notices")
app.add_typer(receipts_app, name="receipts")


def _echo_pairs(data: dict[str, object]) -> None:
    for key, value in data.items():
        typer.echo(f"{key:>16}: {value}")


@soc_app.command("change")
@handled
def soc_change(
    ctx: typer.Context,
    case: Case,
    budget_unit: BudgetUnit,
    amount: Annotated[str, typer.Option("--amount", help="The new monthly SOC, e.g. 700.00.")],
    changed: Annotated[str, typer.Option("--changed", help="Date of the change YYYY-MM-DD.")],
    reported: Annotated[str, typer.Option("--reported", help="Date it was reported.")],
    reason: Annotated[str, typer.Option("--reason", help="Why (shown on the notice).")],
    program: Annotated[
        Program, typer.Option("--program", help="medi-cal or cmsp.")
    ] = Program.MEDI_CAL,
    excess: Annotated[
        Excess,
        typer.Option(
            "--excess",
            help="A timely decrease: credit the excess to the next months (credit) or correct "
            "the past month (corrected_month); the member's choice.",
        ),
    ] = Excess.CREDIT,
    correction: Annotated[
        bool,
        typer.Option("--correction", help="County correction of an uncertified month."),
    ] = False,
    as_json: Json = False,
) -> None:
    """A change of circumstance: the new SOC from its effective month, with a notice."""
    from spenddown.services import soc_over_time

    cmd = soc_over_time.ChangeShareOfCost(
        case_id=case.strip(),
        budget_unit=budget_unit.strip(),
        amount=Money.parse(amount, "--amount"),
        changed=parse_date(changed, "--changed"),
        reported=parse_date(reported, "--reported"),
        reason=reason,
        program=program,
        excess=excess,
        correction=correction,
    )
    with opened(ctx) as app_:
        result = soc_over_time.change_share_of_cost(cmd, app_.uow(), app_.env)
    data = shapes.change(result)
    if as_json:
        print_json(data)
    else:
        _echo_pairs(data)


@notices_app.command("show")
@handled
def notices_show(
    ctx: typer.Context,
    notice_id: Annotated[str, typer.Argument(help="The notice's ID (noa_...).")],
    lang: Annotated[str, typer.Option("--lang", help="en or es.")] = "en",
    pdf: Annotated[Path | None, typer.Option("--pdf", help="Also write the PDF here.")] = None,
    html: Annotated[Path | None, typer.Option("--html", help="Also write the page here.")] = None,
    as_json: Json = False,
) -> None:
    """A notice of action in English or Spanish (text, JSON, HTML page, PDF)."""
    from spenddown.entrypoints import notices
    from spenddown.services import soc_over_time

    notices.check_language(lang)
    with opened(ctx) as app_:
        notice, hearing = soc_over_time.get_notice(notice_id.strip(), app_.uow())
    if pdf is not None:
        pdf.write_bytes(notices.as_pdf(notice, lang, hearing))
    if html is not None:
        html.write_text(notices.as_html(notice, lang, hearing), encoding="utf-8")
    if as_json:
        print_json(notices.as_json(notice, lang, hearing))
        return
    title, sections = notices.document(notice, lang, hearing)
    typer.echo(title)
    for section in sections:
        typer.echo(f"\n{section.heading}")
        for paragraph in section.paragraphs:
            typer.echo(f"  {paragraph}")


@notices_app.command("hearing")
@handled
def notices_hearing(
    ctx: typer.Context,
    notice_id: Annotated[str, typer.Argument(help="The notice's ID (noa_...).")],
    requested: Annotated[str, typer.Option("--requested", help="Date of the request.")],
    as_json: Json = False,
) -> None:
    """Record a state hearing request; before the effective date it keeps the old SOC."""
    from spenddown.services import soc_over_time

    day = parse_date(requested, "--requested")
    with opened(ctx) as app_:
        result = soc_over_time.request_hearing(notice_id.strip(), day, app_.uow(), app_.env)
    data = shapes.hearing(result)
    if as_json:
        print_json(data)
    else:
        _echo_pairs(data)


@receipts_app.command("add")
@handled
def receipts_add(
    ctx: typer.Context,
    case: Case,
    budget_unit: BudgetUnit,
    month: RequiredMonth,
    provider_name: Annotated[str, typer.Option("--provider-name", help="Who billed.")],
    bill_date: Annotated[str, typer.Option("--date", help="Date of service or bill.")],
    amount: Annotated[str, typer.Option("--amount", help="The bill's amount, e.g. 250.00.")],
    paid: Annotated[
        bool | None,
        typer.Option("--paid/--unpaid", help="Paid, or still owed (an old bill must be unpaid)."),
    ] = None,
    as_json: Json = False,
) -> None:
    """Record a receipt or an unpaid old bill toward a month's SOC (MC 177)."""
    from spenddown.domain.errors import InvalidInput
    from spenddown.services import soc_over_time

    if paid is None:
        raise InvalidInput("PAID_OR_UNPAID", "Say --paid or --unpaid.", field="paid")
    cmd = soc_over_time.AddReceipt(
        case_id=case.strip(),
        budget_unit=budget_unit.strip(),
        month=BenefitMonth.parse(month, "--month"),
        provider_name=provider_name,
        bill_date=parse_date(bill_date, "--date"),
        amount=Money.parse(amount, "--amount"),
        paid=paid,
    )
    with opened(ctx) as app_:
        result = soc_over_time.add_receipt(cmd, app_.uow(), app_.env)
    data = shapes.receipt(result)
    if as_json:
        print_json(data)
    else:
        _echo_pairs(data)


@receipts_app.command("list")
@handled
def receipts_list(
    ctx: typer.Context,
    case: Case,
    budget_unit: Annotated[
        str | None, typer.Option("--budget-unit", help="Budget unit (MBU), e.g. A.")
    ] = None,
    month: MonthOpt = None,
    as_json: Json = False,
) -> None:
    """The receipts and old bills recorded on a case (ledger entries, never edited)."""
    from spenddown.services import soc_over_time

    benefit_month = None if month is None else BenefitMonth.parse(month, "--month")
    with opened(ctx) as app_:
        entries = soc_over_time.list_receipts(
            case.strip(),
            None if budget_unit is None else budget_unit.strip(),
            benefit_month,
            app_.uow(),
        )
    data = [shapes.receipt_entry(e) for e in entries]
    if as_json:
        print_json(data)
        return
    for row in data:
        typer.echo(
            f"{row['month']} {row['program']:<8} {row['date']} {row['provider_name']}: "
            f"${row['amount']} {'paid' if row['paid'] else 'unpaid'}, applied ${row['applied']}"
        )


@medicare_app.command("buy-ins")
@handled
def medicare_buy_ins(
    ctx: typer.Context,
    since: Annotated[
        int | None, typer.Option("--since", help="The cursor of the previous page (a seq).")
    ] = None,
    as_json: Json = False,
) -> None:
    """Part B buy-in events (a certified SOC month of a Medicare member without an MSP), in
    order, each once, with a cursor (like `plans activations`)."""
    from spenddown.services import medicare

    with opened(ctx) as app_:
        page = medicare.buy_ins_since(since, app_.uow())
    data = shapes.buy_ins(page)
    if as_json:
        print_json(data)
        return
    for row in data["buy_ins"]:
        typer.echo(
            f"{row['seq']:>6} {row['member_id']} {row['month']} {row['case_id']}/"
            f"{row['budget_unit']}"
        )
    typer.echo(f"next: --since {data['next_since']}")
