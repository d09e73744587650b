"""A Share of Cost over time (county): changes of circumstance, notices of action and hearing
requests, receipts and old bills (docs/api.md)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path, Query
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import Field

from spenddown.domain.eligibility.codes import Program
from spenddown.domain.share_of_cost.changes import Excess
from spenddown.entrypoints import notices
from spenddown.entrypoints import over_time_shapes as shapes
from spenddown.entrypoints.api import schemas
from spenddown.entrypoints.api.audit import audited
from spenddown.entrypoints.api.deps import AppDep, County, CountyOrAdmin
from spenddown.entrypoints.api.routes import make_router, ok
from spenddown.services import medicare, soc_over_time

router = make_router("share of cost over time", 401, 403, 404, 409, 422)

NoticeId = Annotated[str, Path(min_length=1, max_length=40, examples=["noa_01J..."])]


class ChangeRequest(schemas._In):
    case_id: Annotated[str, Field(min_length=1, max_length=40, examples=["C-1001"])]
    budget_unit: Annotated[str, Field(min_length=1, max_length=20, examples=["A"])]
    amount: schemas.MoneyIn
    changed: schemas.DateIn
    reported: schemas.DateIn
    reason: Annotated[str, Field(min_length=1, max_length=500)]
    program: schemas.ProgramName = "medi-cal"
    excess: Literal["credit", "corrected_month"] = Field(
        "credit", description="A timely decrease: the member's choice (22 CCR 50653.3)."
    )
    correction: bool = Field(False, description="County correction of an uncertified month.")


class HearingRequest(schemas._In):
    requested_on: schemas.DateIn


class ReceiptRequest(schemas._In):
    case_id: Annotated[str, Field(min_length=1, max_length=40, examples=["C-1001"])]
    budget_unit: Annotated[str, Field(min_length=1, max_length=20, examples=["A"])]
    month: schemas.MonthIn
    provider_name: Annotated[str, Field(min_length=1, max_length=200)]
    date: schemas.DateIn
    amount: schemas.MoneyIn
    paid: bool = Field(description="Paid, or still owed (an old bill must be unpaid).")


@router.post(
    "/v1/soc/changes",
    status_code=201,
    summary="A change of circumstance: the new SOC from its effective month, with a notice",
    dependencies=[audited("soc.change")],
)
def change(body: ChangeRequest, caller: County, app: AppDep) -> JSONResponse:
    cmd = soc_over_time.ChangeShareOfCost(
        case_id=body.case_id.strip(),
        budget_unit=body.budget_unit.strip(),
        amount=body.amount,
        changed=body.changed,
        reported=body.reported,
        reason=body.reason,
        program=Program(body.program),
        excess=Excess(body.excess),
        correction=body.correction,
    )
    return ok(shapes.change(soc_over_time.change_share_of_cost(cmd, app.uow(), app.env)), 201)


@router.get(
    "/v1/notices/{notice_id}",
    summary="A notice of action: JSON, a printable page (format=html) or a PDF (format=pdf)",
    dependencies=[audited("notice.show")],
    response_model=None,
)
def show_notice(
    notice_id: NoticeId,
    caller: County,
    app: AppDep,
    lang: Annotated[Literal["en", "es"], Query()] = "en",
    format: Annotated[Literal["json", "html", "pdf"], Query()] = "json",
) -> Response:
    notice, hearing = soc_over_time.get_notice(notice_id.strip(), app.uow())
    if format == "html":
        return HTMLResponse(notices.as_html(notice, lang, hearing))
    if format == "pdf":
        return Response(notices.as_pdf(notice, lang, hearing), media_type="application/pdf")
    return ok(notices.as_json(notice, lang, hearing))


@router.post(
    "/v1/notices/{notice_id}/hearing",
    status_code=201,
    summary="Record a state hearing request (aid paid pending before the effective date)",
    dependencies=[audited("notice.hearing")],
)
def hearing(notice_id: NoticeId, body: HearingRequest, caller: County, app: AppDep) -> JSONResponse:
    result = soc_over_time.request_hearing(notice_id.strip(), body.requested_on, app.uow(), app.env)
    return ok(shapes.hearing(result), 201)


@router.post(
    "/v1/receipts",
    status_code=201,
    summary="Record a receipt or an unpaid old bill toward a month's SOC (MC 177)",
    dependencies=[audited("soc.receipt")],
)
def add_receipt(body: ReceiptRequest, caller: County, app: AppDep) -> JSONResponse:
    cmd = soc_over_time.AddReceipt(
        case_id=body.case_id.strip(),
        budget_unit=body.budget_unit.strip(),
        month=body.month,
        provider_name=body.provider_name,
        bill_date=body.date,
        amount=body.amount,
        paid=body.paid,
    )
    return ok(shapes.receipt(soc_over_time.add_receipt(cmd, app.uow(), app.env)), 201)


@router.get(
    "/v1/receipts",
    summary="The receipts and old bills recorded on a case",
    dependencies=[audited("soc.receipts")],
)
def list_receipts(
    caller: County,
    app: AppDep,
    case_id: Annotated[str, Query(min_length=1, max_length=40)],
    budget_unit: Annotated[str | None, Query(min_length=1, max_length=20)] = None,
    month: Annotated[schemas.MonthParam | None, Query()] = None,
) -> JSONResponse:
    entries = soc_over_time.list_receipts(
        case_id.strip(),
        None if budget_unit is None else budget_unit.strip(),
        None if month is None else schemas.month_of(month),
        app.uow(),
    )
    body: list[Any] = [shapes.receipt_entry(e) for e in entries]
    return ok(body)


@router.get(
    "/v1/medicare/buy-ins",
    summary="Part B buy-in events (certified SOC months of Medicare members without an MSP)",
    dependencies=[audited("medicare.buy_ins")],
)
def buy_ins(
    caller: CountyOrAdmin,
    app: AppDep,
    since: Annotated[int | None, Query(ge=0, le=2**62)] = None,
) -> JSONResponse:
    """In order, each once; pass `next_since` back as `since` for the next page."""
    return ok(shapes.buy_ins(medicare.buy_ins_since(since, app.uow())))
