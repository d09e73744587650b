"""County page: record a family's receipts and unpaid old bills toward a month's Share of Cost
(the MC 177 record; docs/rules.md, "Receipts and old bills") and list those of the case."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from spenddown.domain.errors import InvalidInput, SpenddownError
from spenddown.domain.months import BenefitMonth
from spenddown.entrypoints import over_time_shapes
from spenddown.entrypoints.web import forms, sessions
from spenddown.entrypoints.web.app import (
    audit,
    csrf_refused,
    language,
    render,
    sign_in_again,
    spenddown,
    status_of,
)
from spenddown.entrypoints.web.county import (
    RECEIPT_MESSAGES,
    ROLE,
    SIGN_IN,
    Csrf,
    FormText,
    _case_form,
    _worker,
    county_failure,
)
from spenddown.services import soc_over_time
from spenddown.services.common import today

router = APIRouter(include_in_schema=False)
PAGE = "/county/receipts"
TEMPLATE = "county_receipts.html"
IDS: Mapping[str, str] = {
    "case_id": "r_case",
    "budget_unit": "r_unit",
    "month": "r_month",
    "provider_name": "r_provider",
    "date": "r_date",
    "amount": "r_amount",
    "paid": "r_paid",
}


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


def _listed(case: str, unit: str, month: BenefitMonth, request: Request) -> list[dict[str, Any]]:
    entries = soc_over_time.list_receipts(case, unit, month, spenddown(request).uow())
    return [over_time_shapes.receipt_entry(e) for e in entries]


@router.get(PAGE)
def receipts_page(
    request: Request, case_id: str = "", budget_unit: str = "", month: str = ""
) -> Response:
    """The form, filled from a case's page (``?case_id=…&budget_unit=…&month=…``), with the
    receipts already recorded for that month."""
    if _worker(request) is None:
        return sign_in_again(request, ROLE, SIGN_IN)
    context = _context(request)
    if case_id:
        form = context["form"]
        form.update(case_id=case_id[:40], budget_unit=budget_unit[:20] or "A")
        form["month"] = month[:10] or form["month"]
        try:
            case, unit, chosen = _case_form(form["case_id"], form["budget_unit"], form["month"])
            context["receipts"] = _listed(case, unit, chosen, request)
        except SpenddownError:
            pass  # a bad address: the form shows what it was given, the list stays empty
    return render(request, TEMPLATE, context)


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
            bill_date=forms.day_at(date, "date"),
            amount=forms.required_money(amount, "amount", language(request)),
            paid=paid == "paid",
        )
        result = over_time_shapes.receipt(soc_over_time.add_receipt(cmd, app.uow(), app.env))
    except SpenddownError as error:
        audit(request, ROLE, principal.actor, "soc.receipt", None, error.code)
        shown = county_failure(request, error, "receipt", IDS, messages=RECEIPT_MESSAGES)
        return render(request, TEMPLATE, {**context, **shown}, status_of(error))
    audit(request, ROLE, principal.actor, "soc.receipt", None, "OK")
    listed = _listed(case, unit, chosen, request)
    return render(request, TEMPLATE, {**context, "receipt": result, "receipts": listed})
