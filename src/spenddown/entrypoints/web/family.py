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
from spenddown.domain.errors import InvalidInput, SpenddownError
from spenddown.domain.identifiers import MemberId
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.entrypoints import shapes
from spenddown.entrypoints.web import explain, forms, i18n, sessions
from spenddown.entrypoints.web.app import (
    audit,
    csrf_refused,
    failure,
    field_failure,
    language,
    render,
    sign_in_again,
    signed_in,
    spenddown,
    status_of,
    vault,
)
from spenddown.entrypoints.web.i18n import N_
from spenddown.services import access, billing, providers
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
        # What the county recorded on the month: receipts and old bills, a decrease's credit.
        shaped["county_entries"] = [
            {
                "kind": e.kind,
                "provider_name": e.provider_name or "",
                "bill_date": shapes.day(e.bill_date),
                "amount": shapes.money(e.amount),
                "paid": e.paid,
            }
            for e in item.county_entries
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
def _directory(request: Request) -> list[tuple[str, str]]:
    return providers.directory(spenddown(request).uow())


def _bill(request: Request, context: dict[str, Any], status: int = 200) -> Response:
    return render(
        request, "family_bill.html", {"providers": _directory(request), **context}, status
    )


@router.get("/family/bill")
def bill_page(request: Request) -> Response:
    if _family(request) is None:
        return _again(request)
    app = spenddown(request)
    return _bill(request, {"form": {"service_date": today(app.env).isoformat()}})


def _provider_npi(chosen: str, typed: str) -> str:
    """The NPI typed (the bill's) wins over the provider chosen by name; one of them is needed."""
    if typed.strip():
        return forms.npi(typed, "provider_npi")
    if chosen.strip():
        return forms.npi(chosen, "provider")
    raise InvalidInput("INVALID_REQUEST", "provider: this field is required.", field="provider")


@router.post("/family/bill")
def bill_check(
    request: Request,
    csrf: Csrf = "",
    provider: FormText = "",
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
        "provider": provider[:20],
        "provider_npi": provider_npi[:20],
        "service_date": service_date[:20],
        "amount": amount[:20],
        "claim_id": claim_id[:40],
    }
    context: dict[str, Any] = {"form": form}
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, "family_bill.html", {"providers": [], **context})
    app = spenddown(request)
    lang = language(request)
    try:
        member, issue, born = _member(held)
        cmd = billing.BillingCheckCommand(
            member_id=member,
            bic_issue_date=issue,
            provider_npi=_provider_npi(provider, provider_npi),
            service_date=forms.day(service_date, "service_date"),
            amount=forms.required_money(amount, "amount", lang),
            claim_id=forms.text(claim_id, "bill_claim_id", required=False, limit=40) or None,
            birth_date=born,
        )
        result = shapes.billing_check(billing.billing_check(cmd, app.uow(), app.env))
    except SpenddownError as error:
        audit(request, ROLE, ROLE, "billing.check", cin, error.code)
        shown = field_failure(request, error, {"bill_claim_id": "claim_id", "npi": "provider"})
        return _bill(request, {**context, **shown}, status_of(error))
    audit(request, ROLE, ROLE, "billing.check", cin, "OK")
    result["explanation"] = explain.sentences(result["explanation"], lang)
    result["what_to_do"] = explain.sentences(result["what_to_do"], lang)
    return _bill(request, {**context, "check": result})


# --- savings estimate --------------------------------------------------------------------------
# Common services in plain words (docs/web.md, "Families"): the code billed and the minutes of
# one billed unit (15 for the timed CPT codes; None: one unit per visit). A family may give a
# code instead.
SERVICES: dict[str, tuple[str, str, int | None]] = {
    "aba": (N_("ABA therapy with a behavior technician"), "97153", 15),
    "aba_supervision": (N_("ABA supervision by the behavior analyst"), "97155", 15),
    "speech": (N_("Speech therapy"), "92507", None),
    "occupational": (N_("Occupational therapy"), "97530", 15),
    "physical": (N_("Physical therapy"), "97110", 15),
    "office_visit": (N_("Doctor's office visit"), "99213", None),
}
ESTIMATE_DEFAULTS = {
    "service": "aba",
    "procedure_code": "",
    "hours_per_visit": "1",
    "visits_per_week": "5",
    "weeks": "52",
    "allowed_per_hour": "120.00",
    "deductible": "1500.00",
    "out_of_pocket_max": "6000.00",
    "copay_per_visit": "30.00",
    "coinsurance_percent": "",
}


def _units(hours: str, minutes: int | None) -> int:
    """Billed units per visit from the visit's length in hours (``1,5`` or ``1.5``)."""
    if minutes is None:
        return 1
    try:
        units = Decimal(hours.strip().replace(",", ".")) * 60 / minutes
    except ArithmeticError:
        units = Decimal(0)
    if units != units.to_integral_value() or not 1 <= units <= 99:
        raise InvalidInput(
            "INVALID_REQUEST", "hours_per_visit: a multiple of 15 minutes.", field="hours_per_visit"
        )
    return int(units)


def _savings(request: Request, context: dict[str, Any], status: int = 200) -> Response:
    gettext = i18n.gettext_for(language(request))
    services = [(key, gettext(name), code) for key, (name, code, _) in SERVICES.items()]
    return render(request, "family_savings.html", {"services": services, **context}, status)


@router.get("/family/savings")
def savings_page(request: Request) -> Response:
    if _family(request) is None:
        return _again(request)
    return _savings(request, {"form": dict(ESTIMATE_DEFAULTS)})


@router.post("/family/savings")
def savings(
    request: Request,
    csrf: Csrf = "",
    service: FormText = "",
    procedure_code: FormText = "",
    hours_per_visit: FormText = "",
    visits_per_week: FormText = "",
    weeks: FormText = "52",
    allowed_per_hour: FormText = "",
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
        "service": service[:20],
        "procedure_code": procedure_code[:20],
        "hours_per_visit": hours_per_visit[:6],
        "visits_per_week": visits_per_week[:6],
        "weeks": weeks[:6],
        "allowed_per_hour": allowed_per_hour[:20],
        "deductible": deductible[:20],
        "out_of_pocket_max": out_of_pocket_max[:20],
        "copay_per_visit": copay_per_visit[:20],
        "coinsurance_percent": coinsurance_percent[:8],
    }
    context: dict[str, Any] = {"form": form}
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, "family_savings.html", {"services": [], **context})
    app = spenddown(request)
    lang = language(request)
    try:
        code = forms.text(procedure_code, "procedure_code", required=False, limit=20).upper()
        known = SERVICES.get(service.strip())
        if not code and known is None:
            raise InvalidInput("INVALID_REQUEST", "service: choose one.", field="service")
        minutes = known[2] if known is not None and not code else 15
        units = _units(hours_per_visit, minutes)
        per_hour = forms.required_money(allowed_per_hour, "primary_allowed_per_unit", lang)
        per_unit = (
            per_hour
            if minutes is None
            else Money.parse(str((per_hour.amount * minutes / 60).quantize(Decimal("0.01"))))
        )
        cmd = billing.EstimateCommand(
            cin=cin,
            pattern=ServicePattern(
                code or (known[1] if known else ""),
                units,
                forms.whole(visits_per_week, "visits_per_week", 1, 7),
                forms.whole(weeks, "weeks", 1, 52),
            ),
            cost_sharing=PrimaryCostSharing(
                forms.required_money(deductible, "deductible", lang),
                forms.required_money(out_of_pocket_max, "out_of_pocket_max", lang),
                forms.money(copay_per_visit, "copay_per_visit", required=False, lang=lang),
                forms.percent(coinsurance_percent, "coinsurance_percent"),
            ),
            primary_allowed_per_unit=per_unit,
            as_of=today(app.env),
        )
        result = shapes.estimate(billing.estimate(cmd, app.uow()))
    except SpenddownError as error:
        audit(request, ROLE, ROLE, "member.estimate", cin, error.code)
        shown = field_failure(request, error, {"primary_allowed_per_unit": "allowed_per_hour"})
        return _savings(request, {**context, **shown}, status_of(error))
    audit(request, ROLE, ROLE, "member.estimate", cin, "OK")
    result["explanation"] = explain.sentences(result["explanation"], lang)
    for provider in result.get("providers") or ():
        provider["why"] = explain.sentences([provider["why"]], lang)[0]
    return _savings(request, {**context, "estimate": result, "chart": chart(result["months"])})


# The chart: one pair of bars per month (without / with Medi-Cal), in a 640 × 300 view box.
CHART_W, CHART_H, LEFT, BOTTOM, TOP = 640, 300, 96, 40, 16


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
# The insurer needs the policy (or member) number, which spenddown does not store (the other
# coverage data has carrier, network and plan year only): the family types it in a small form
# and it is printed on the statement, kept nowhere (docs/web.md, "The deductible statement").
POLICY_NUMBER = N_(
    "Enter the policy or member number as it is on your insurance card (letters, digits and "
    "dashes, at most 40 characters)."
)


@router.get("/family/statement")
def statement_page(request: Request) -> Response:
    return _statement(request, {})


@router.post("/family/statement")
def statement_with_number(
    request: Request, csrf: Csrf = "", carrier: FormText = "", policy_number: FormText = ""
) -> Response:
    """The statement again with the policy number typed for one insurer printed on it."""
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, "family_statement.html", {"statements": []})
    return _statement(request, {carrier[:100]: policy_number[:60]}, posted=True)


def _statement(request: Request, numbers: dict[str, str], *, posted: bool = False) -> Response:
    who = _family(request)
    if who is None:
        return _again(request)
    cin, _ = who
    app = spenddown(request)
    try:
        statements = shapes.accumulators(billing.accumulators(cin, None, app.uow()))
        member = access.member_profile(cin, app.uow())
    except SpenddownError as error:
        return render(request, "family_statement.html", failure(request, error), status_of(error))
    audit(request, ROLE, ROLE, "member.accumulators", cin, "OK")
    extra: dict[str, Any] = {"policy_numbers": {}}
    status = 200
    carriers = [str(s["carrier"]) for s in statements]
    for carrier, typed in numbers.items():
        if carrier not in carriers:
            continue
        field = f"policy_number_{carriers.index(carrier) + 1}"
        try:
            number = forms.text(typed, field, limit=40)
            if not all(c.isalnum() or c in " -/." for c in number):
                raise InvalidInput("INVALID_REQUEST", f"{field}: {POLICY_NUMBER}", field=field)
            extra["policy_numbers"][carrier] = number
        except SpenddownError as error:
            extra.update(field_failure(request, error, messages={field: POLICY_NUMBER}))
            extra["typed_numbers"] = {carrier: typed}
            status = status_of(error)
    return render(
        request,
        "family_statement.html",
        {
            **extra,
            "statements": statements,
            "member_id": cin,
            "member_name": "" if member is None else f"{member.first_name} {member.last_name}",
            "born": None if member is None else member.birth_date,
            "printed": today(app.env).isoformat(),
        },
        status,
    )
