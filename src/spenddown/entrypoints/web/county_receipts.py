"""County page: record a family's receipts and unpaid old bills toward a month's Share of Cost
(the MC 177 record; docs/rules.md, "Receipts and old bills") and list those of the case."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from spenddown.domain.errors import InvalidInput, SpenddownError
from spenddown.domain.months import BenefitMonth, parse_date
from spenddown.entrypoints import over_time_shapes
from spenddown.entrypoints.web import forms, sessions
from spenddown.entrypoints.web.app import (
    audit,
    csrf_refused,
    failure,
    language,
    render,
    sign_in_again,
    spenddown,
    status_of,
)
from spenddown.entrypoints.web.county import ROLE, SIGN_IN, Csrf, FormText, _case_form, _worker
from spenddown.services import soc_over_time
from spenddown.services.common import today

router = APIRouter(include_in_schema=False)
PAGE = "/county/receipts"
TEMPLATE = "county_receipts.html"


def _context(request: Request, **extra: Any) -> dict[str, Any]:
    month = str(BenefitMonth.of(today(spenddown(request).env)))
    form = {
        "case_id": "",
        "budget_unit": "A",
        "month": month,
        "provider_name": "",
        "date": "",
        "amount": "",
        "paid": "unpaid",
    }
    return {"form": form, "month": month, "receipts": [], **extra}


@router.get(PAGE)
def receipts_page(request: Request) -> Response:
    if _worker(request) is None:
        return sign_in_again(request, ROLE, SIGN_IN)
    return render(request, TEMPLATE, _context(request))


@router.post(PAGE)
def add_receipt(
    request: Request,
    csrf: Csrf = "",
    case_id: FormText = "",
    budget_unit: FormText = "",
    month: FormText = "",
    provider_name: FormText = "",
    date: FormText = "",
    amount: FormText = "",
    paid: FormText = "",
) -> Response:
    principal = _worker(request)
    if principal is None:
        return sign_in_again(request, ROLE, SIGN_IN)
    context = _context(request)
    context["form"] = {
        "case_id": case_id[:40],
        "budget_unit": budget_unit[:20],
        "month": month[:10],
        "provider_name": provider_name[:200],
        "date": date[:10],
        "amount": amount[:20],
        "paid": "paid" if paid == "paid" else "unpaid",
    }
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, TEMPLATE, context)
    app = spenddown(request)
    try:
        if paid not in ("paid", "unpaid"):
            raise InvalidInput("PAID_OR_UNPAID", "paid: paid or unpaid.", field="paid")
        case, unit, chosen = _case_form(case_id, budget_unit, month)
        cmd = soc_over_time.AddReceipt(
            case_id=case,
            budget_unit=unit,
            month=chosen,
            provider_name=forms.text(provider_name, "provider_name", limit=200),
            bill_date=parse_date(date, "date"),
            amount=forms.required_money(amount, "amount", language(request)),
            paid=paid == "paid",
        )
        result = over_time_shapes.receipt(soc_over_time.add_receipt(cmd, app.uow(), app.env))
    except SpenddownError as error:
        audit(request, ROLE, principal.actor, "soc.receipt", None, error.code)
        return render(request, TEMPLATE, {**context, **failure(request, error)}, status_of(error))
    audit(request, ROLE, principal.actor, "soc.receipt", None, "OK")
    entries = soc_over_time.list_receipts(case, unit, chosen, app.uow())
    listed = [over_time_shapes.receipt_entry(e) for e in entries]
    return render(request, TEMPLATE, {**context, "receipt": result, "receipts": listed})
