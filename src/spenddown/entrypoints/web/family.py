"""Family pages: sign in with member ID, card issue date and date of birth; this month's Share
of Cost with each clearance and what is left; the last 12 months; "Is this bill allowed?"; the
savings estimate with a chart; the deductible-credit statement to print."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from spenddown.domain.cob.estimate import PrimaryCostSharing, ServicePattern
from spenddown.domain.errors import SpenddownError
from spenddown.domain.identifiers import MemberId
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.entrypoints import shapes
from spenddown.entrypoints.web import forms, sessions
from spenddown.entrypoints.web.app import (
    audit,
    csrf_refused,
    failure,
    language,
    render,
    sign_in_again,
    signed_in,
    spenddown,
    status_of,
    vault,
)
from spenddown.services import access, billing
from spenddown.services.common import today

router = APIRouter(include_in_schema=False)
ROLE = "member"
SIGN_IN = "/family/sign-in"
FormText = Annotated[str, Form()]
Csrf = Annotated[str, Form(alias="csrf_token")]
HISTORY_MONTHS = 12


def _family(request: Request) -> tuple[str, dict[str, str]] | None:
    return signed_in(request, ROLE)


def _again(request: Request) -> RedirectResponse:
    return sign_in_again(request, ROLE, SIGN_IN)


# --- sign in ---------------------------------------------------------------------------------
@router.get(SIGN_IN)
def sign_in_page(request: Request, expired: str | None = None) -> Response:
    if _family(request):
        return RedirectResponse("/family", status_code=303)
    return render(request, "family_sign_in.html", {"expired": bool(expired), "form": {}})


@router.post(SIGN_IN)
def sign_in(
    request: Request,
    csrf: Csrf = "",
    member_id: FormText = "",
    bic_issue_date: FormText = "",
    birth_date: FormText = "",
) -> Response:
    context: dict[str, Any] = {"form": {"member_id": member_id[:20]}}
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, "family_sign_in.html", context)
    app = spenddown(request)
    cin = None
    try:
        parsed = forms.member_id(member_id)
        cin = parsed.cin
        issue = forms.day(bic_issue_date, "bic_issue_date")
        born = forms.day(birth_date, "birth_date")
        month = BenefitMonth.of(today(app.env))
        access.family_view(parsed, issue, born, month, app.uow(), app.env)
    except SpenddownError as error:
        audit(request, ROLE, ROLE, "member.sign_in", cin, error.code)
        shown = failure(request, error, "_FAMILY")
        return render(request, "family_sign_in.html", {**context, **shown}, status_of(error))
    audit(request, ROLE, ROLE, "member.sign_in", cin, "OK")
    held = {"member_id": member_id.strip().upper(), "issue": str(issue), "born": str(born)}
    credential = vault(request).put(ROLE, parsed.cin, held)
    sessions.sign_in(request, ROLE, parsed.cin, credential)
    return RedirectResponse("/family", status_code=303)


def _member(held: dict[str, str]) -> tuple[MemberId, date, date]:
    return (
        forms.member_id(held["member_id"]),
        date.fromisoformat(held["issue"]),
        date.fromisoformat(held["born"]),
    )


# --- this month and the last 12 -----------------------------------------------------------------
def _month_view(held: dict[str, str], month: BenefitMonth, request: Request) -> dict[str, Any]:
    app = spenddown(request)
    member, issue, born = _member(held)
    view = access.family_view(member, issue, born, month, app.uow(), app.env)
    obligations = []
    for item in view.obligations:
        shaped = shapes.obligation(item.obligation)
        amount = item.obligation.amount.amount
        applied = item.obligation.applied.amount
        shaped["percent"] = int(min(Decimal(100), applied * 100 / amount)) if amount > 0 else 100
        shaped["clearances"] = [
            {
                "provider_name": c.provider_name,
                "service_date": shapes.day(c.service_date),
                "amount": shapes.money(c.amount),
                "payment": c.payment,
                "reversed": c.reversed,
            }
            for c in item.clearances
        ]
        obligations.append(shaped)
    return {"month": str(month), "obligations": obligations}


@router.get("/family")
def month_page(request: Request) -> Response:
    who = _family(request)
    if who is None:
        return _again(request)
    cin, held = who
    app = spenddown(request)
    current = BenefitMonth.of(today(app.env))
    try:
        this_month = _month_view(held, current, request)
        history = []
        for back in range(1, HISTORY_MONTHS):
            month = current.plus(-back)
            history.append(_month_view(held, month, request))
    except SpenddownError as error:
        return render(request, "family_month.html", failure(request, error), status_of(error))
    audit(request, ROLE, ROLE, "member.soc", cin, "OK")
    return render(
        request,
        "family_month.html",
        {"this_month": this_month, "history": history, "last4": cin[-4:]},
    )


# --- is this bill allowed? ---------------------------------------------------------------------
@router.get("/family/bill")
def bill_page(request: Request) -> Response:
    if _family(request) is None:
        return _again(request)
    app = spenddown(request)
    return render(
        request, "family_bill.html", {"form": {"service_date": today(app.env).isoformat()}}
    )


@router.post("/family/bill")
def bill_check(
    request: Request,
    csrf: Csrf = "",
    provider_npi: FormText = "",
    service_date: FormText = "",
    amount: FormText = "",
    claim_id: FormText = "",
) -> Response:
    who = _family(request)
    if who is None:
        return _again(request)
    cin, held = who
    form = {
        "provider_npi": provider_npi[:20],
        "service_date": service_date[:20],
        "amount": amount[:20],
        "claim_id": claim_id[:40],
    }
    context: dict[str, Any] = {"form": form}
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, "family_bill.html", context)
    app = spenddown(request)
    try:
        member, issue, born = _member(held)
        cmd = billing.BillingCheckCommand(
            member_id=member,
            bic_issue_date=issue,
            provider_npi=forms.npi(provider_npi, "provider_npi"),
            service_date=forms.day(service_date, "service_date"),
            amount=forms.required_money(amount, "amount", language(request)),
            claim_id=forms.text(claim_id, "claim_id", required=False, limit=40) or None,
            birth_date=born,
        )
        result = shapes.billing_check(billing.billing_check(cmd, app.uow(), app.env))
    except SpenddownError as error:
        audit(request, ROLE, ROLE, "billing.check", cin, error.code)
        return render(
            request, "family_bill.html", {**context, **failure(request, error)}, status_of(error)
        )
    audit(request, ROLE, ROLE, "billing.check", cin, "OK")
    return render(request, "family_bill.html", {**context, "check": result})


# --- savings estimate --------------------------------------------------------------------------
ESTIMATE_DEFAULTS = {
    "procedure_code": "97153",
    "units_per_visit": "4",
    "visits_per_week": "5",
    "weeks": "52",
    "primary_allowed_per_unit": "30.00",
    "deductible": "1500.00",
    "out_of_pocket_max": "6000.00",
    "copay_per_visit": "30.00",
    "coinsurance_percent": "",
}


@router.get("/family/savings")
def savings_page(request: Request) -> Response:
    if _family(request) is None:
        return _again(request)
    return render(request, "family_savings.html", {"form": dict(ESTIMATE_DEFAULTS)})


@router.post("/family/savings")
def savings(
    request: Request,
    csrf: Csrf = "",
    procedure_code: FormText = "",
    units_per_visit: FormText = "",
    visits_per_week: FormText = "",
    weeks: FormText = "52",
    primary_allowed_per_unit: FormText = "",
    deductible: FormText = "",
    out_of_pocket_max: FormText = "",
    copay_per_visit: FormText = "",
    coinsurance_percent: FormText = "",
) -> Response:
    who = _family(request)
    if who is None:
        return _again(request)
    cin, _ = who
    form = {
        "procedure_code": procedure_code[:20],
        "units_per_visit": units_per_visit[:6],
        "visits_per_week": visits_per_week[:6],
        "weeks": weeks[:6],
        "primary_allowed_per_unit": primary_allowed_per_unit[:20],
        "deductible": deductible[:20],
        "out_of_pocket_max": out_of_pocket_max[:20],
        "copay_per_visit": copay_per_visit[:20],
        "coinsurance_percent": coinsurance_percent[:8],
    }
    context: dict[str, Any] = {"form": form}
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, "family_savings.html", context)
    app = spenddown(request)
    try:
        cmd = billing.EstimateCommand(
            cin=cin,
            pattern=ServicePattern(
                forms.text(procedure_code, "procedure_code", limit=20).upper(),
                forms.whole(units_per_visit, "units_per_visit", 1, 99),
                forms.whole(visits_per_week, "visits_per_week", 1, 7),
                forms.whole(weeks, "weeks", 1, 52),
            ),
            cost_sharing=PrimaryCostSharing(
                forms.required_money(deductible, "deductible", language(request)),
                forms.required_money(out_of_pocket_max, "out_of_pocket_max", language(request)),
                forms.money(
                    copay_per_visit, "copay_per_visit", required=False, lang=language(request)
                ),
                forms.percent(coinsurance_percent, "coinsurance_percent"),
            ),
            primary_allowed_per_unit=forms.required_money(
                primary_allowed_per_unit, "primary_allowed_per_unit", language(request)
            ),
            as_of=today(app.env),
        )
        result = shapes.estimate(billing.estimate(cmd, app.uow()))
    except SpenddownError as error:
        audit(request, ROLE, ROLE, "member.estimate", cin, error.code)
        return render(
            request, "family_savings.html", {**context, **failure(request, error)}, status_of(error)
        )
    audit(request, ROLE, ROLE, "member.estimate", cin, "OK")
    return render(
        request,
        "family_savings.html",
        {**context, "estimate": result, "chart": chart(result["months"])},
    )


# The chart: one pair of bars per month (without / with Medi-Cal), in a 640 × 300 view box.
CHART_W, CHART_H, LEFT, BOTTOM, TOP = 640, 300, 64, 40, 16


def chart(months: list[dict[str, Any]]) -> dict[str, Any]:
    """Bar geometry for the SVG (computed here so the template only draws)."""
    values = [(Money.parse(m["cost_sharing"]), Money.parse(m["family_pays"])) for m in months]
    top = max([v.amount for pair in values for v in pair] + [Decimal(1)])
    scale_top = _nice(top)
    plot_h = CHART_H - BOTTOM - TOP
    plot_w = CHART_W - LEFT - 8
    slot = plot_w / max(1, len(months))
    bar = max(4.0, slot * 0.36)
    bars = []
    for i, (month, (without, with_)) in enumerate(zip(months, values, strict=True)):
        x = LEFT + i * slot + slot * 0.1
        h1 = float(without.amount / scale_top) * plot_h
        h2 = float(with_.amount / scale_top) * plot_h
        bars.append(
            {
                "month": month["month"],
                "label": month["month"][5:],
                "x1": round(x, 1),
                "x2": round(x + bar, 1),
                "w": round(bar, 1),
                "y1": round(TOP + plot_h - h1, 1),
                "h1": round(h1, 1),
                "y2": round(TOP + plot_h - h2, 1),
                "h2": round(h2, 1),
                "cx": round(x + bar, 1),
                "without": month["cost_sharing"],
                "with": month["family_pays"],
            }
        )
    ticks = [
        {"y": round(TOP + plot_h - plot_h * k / 4, 1), "label": f"${scale_top * k / 4:,.0f}"}
        for k in range(5)
    ]
    return {
        "width": CHART_W,
        "height": CHART_H,
        "left": LEFT,
        "base": CHART_H - BOTTOM,
        "right": CHART_W - 8,
        "bars": bars,
        "ticks": ticks,
    }


def _nice(top: Decimal) -> Decimal:
    """A round number at or above ``top`` for the axis (1, 2 or 5 × a power of ten)."""
    step = Decimal(1)
    while step * 10 <= top:
        step *= 10
    for factor in (1, 2, 5, 10):
        if step * factor >= top:
            return step * factor
    return step * 10


# --- the deductible-credit statement -------------------------------------------------------------
@router.get("/family/statement")
def statement_page(request: Request) -> Response:
    who = _family(request)
    if who is None:
        return _again(request)
    cin, _ = who
    app = spenddown(request)
    try:
        statements = shapes.accumulators(billing.accumulators(cin, None, app.uow()))
    except SpenddownError as error:
        return render(request, "family_statement.html", failure(request, error), status_of(error))
    audit(request, ROLE, ROLE, "member.accumulators", cin, "OK")
    return render(
        request,
        "family_statement.html",
        {"statements": statements, "last4": cin[-4:], "printed": today(app.env).isoformat()},
    )
