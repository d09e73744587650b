"""Provider office pages: sign in with NPI and PIN; verify eligibility; clear SOC from the
result; the office's clearances with reversal; submit a claim and read the remittance."""

from __future__ import annotations

import csv
import io
import json
import secrets
from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from spenddown import rules
from spenddown.adapters.claim_format import parse_claim
from spenddown.domain.errors import InvalidInput, SpenddownError
from spenddown.domain.identifiers import MemberId, issue_date_from_julian
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.ledger import Payment
from spenddown.domain.share_of_cost.service_dates import parse_service_type
from spenddown.entrypoints import shapes
from spenddown.entrypoints.web import forms, i18n, sessions
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
from spenddown.services import claims, eligibility, providers, share_of_cost
from spenddown.services.common import CALIFORNIA, today

router = APIRouter(include_in_schema=False)
ROLE = "provider"
FormText = Annotated[str, Form()]
Csrf = Annotated[str, Form(alias="csrf_token")]
MAX_CLAIM_BYTES = 256 * 1024


# --- sign in ---------------------------------------------------------------------------------
@router.get("/provider/sign-in")
def sign_in_page(request: Request, expired: str | None = None) -> Response:
    if signed_in(request, ROLE):
        return RedirectResponse("/provider", status_code=303)
    return render(request, "provider_sign_in.html", {"expired": bool(expired)})


@router.post("/provider/sign-in")
def sign_in(
    request: Request,
    csrf: Csrf = "",
    npi: FormText = "",
    pin: FormText = "",
    keep_member_id: FormText = "",
    keep_bic_issue_date: FormText = "",
    keep_service_date: FormText = "",
) -> Response:
    keep = {
        "member_id": keep_member_id[:20],
        "bic_issue_date": keep_bic_issue_date[:20],
        "service_date": keep_service_date[:20],
    }
    keep = {k: v for k, v in keep.items() if v}
    context: dict[str, Any] = {"npi": npi[:20], "keep": keep}
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, "provider_sign_in.html", context)
    app = spenddown(request)
    try:
        provider = providers.authenticate(
            forms.text(npi, "npi", limit=20), pin[:64], app.uow(), app.env
        )
    except SpenddownError as error:
        failed = field_failure(request, error)
        return render(request, "provider_sign_in.html", {**context, **failed}, 401)
    credential = vault(request).put(ROLE, provider.npi, {"pin": pin[:64], "name": provider.name})
    sessions.sign_in(request, ROLE, provider.npi, credential)
    if keep:  # signed in again after the session ended: the verify form as it was typed
        form = _verify_form(today(app.env), keep)
        return render(request, "provider_verify.html", {"office": provider.name, "form": form})
    return RedirectResponse("/provider", status_code=303)


# --- verify and clear ------------------------------------------------------------------------
def _office(request: Request) -> tuple[str, dict[str, str]] | None:
    return signed_in(request, ROLE)


# What each code on the verification card means, in the page's language (docs/web.md, "The
# front desk"); the codes are the domain's EligibilityStatus (docs/rules.md, eligibility).
ELIGIBILITY_STATUS: dict[str, str] = {
    "0": N_("eligible"),
    "1": N_("eligible: long-term care Share of Cost, certified at the start of the month"),
    "3": N_("eligible with conditions (Share of Cost certified, restricted scope or CMSP)"),
    "4": N_("eligible, enrolled in a Medi-Cal managed care plan"),
    "5": N_("not eligible until the Share of Cost is met"),
    "9": N_("not eligible in the month of service"),
}
SCOPES = {"full": N_("full scope"), "restricted": N_("restricted scope")}
PROGRAMS = {"medi-cal": "Medi-Cal", "cmsp": "CMSP"}
VERIFY_IDS = {"service_date": "service_date"}
CLEAR_IDS = {"service_date": "clear_service_date", "payment": "payment_paid"}
# The clearance form's service types (docs/rules.md §9.1, 22 CCR 50657), in the select's order.
SERVICE_TYPES = (
    ("other", N_("Visit, test or other service (counts on the date of service)")),
    ("drug", N_("Prescription drug (counts on the date received)")),
    ("appliance", N_("Dental, prosthetic, orthotic or eye appliance (counts on the order date)")),
    ("global", N_("Global fee (counts on the last service, or the delivery)")),
)


def _verify_form(app_today: date, values: dict[str, str] | None = None) -> dict[str, str]:
    """The verify form: empty for the next patient (today as the date of service)."""
    form = {"member_id": "", "bic_issue_date": "", "service_date": app_today.isoformat()}
    form.update(values or {})
    return form


def _member_and_issue(member_id: str, bic_issue_date: str, on: date) -> tuple[MemberId, date]:
    """The member ID, and the card issue date: typed, or (when the 14-character card ID was
    typed and the date left empty) the date the card ID's YDDD stands for."""
    parsed = forms.member_id(member_id)
    if not bic_issue_date.strip() and parsed.julian_issue is not None:
        return parsed, issue_date_from_julian(parsed.julian_issue, on)
    return parsed, forms.day(bic_issue_date, "bic_issue_date")


def _desk_card(request: Request, result: dict[str, Any], npi: str) -> dict[str, Any]:
    """What the verification card adds to the API's answer for the front desk: the patient's
    name and birth date, each code with its meaning, each program's SOC (Medi-Cal and CMSP on
    their own lines) and the budget units a responsible relative's bills can count for."""
    app = spenddown(request)
    gettext = i18n_gettext(request)
    cin = result["member_id"]
    month = BenefitMonth.parse(result["month"])
    uow = app.uow()
    with uow:
        member = uow.repo.get_member(cin)
        provider = uow.repo.get_provider(npi)
        units = uow.repo.unit_obligations(cin, month, lock=False)
        names: dict[str, list[str]] = {}
        for membership, _ in units:
            others = uow.repo.members_of_budget_unit(membership.case_id, membership.budget_unit)
            people = []
            for other in others:
                if str(other.role) == "eligible":
                    found = uow.repo.get_member(other.cin)
                    if found is not None:
                        people.append(f"{found.first_name} {found.last_name}")
            names[membership.key] = people
    aid_table = rules.aid_codes()
    ohc_table = rules.ohc_codes()
    plan_table = rules.plan_statuses()
    programs = []
    budget_units = []
    for membership, obligations in units:
        for o in sorted(obligations, key=lambda o: str(o.key.program)):
            programs.append(
                {
                    "program": PROGRAMS.get(str(o.key.program), str(o.key.program)),
                    "amount": str(o.amount.amount),
                    "remaining": str(o.remaining.amount),
                    "certified": o.certified,
                    "unit": membership.key,
                }
            )
        open_ = [o for o in obligations if not o.certified]
        if open_:
            budget_units.append(
                {
                    "key": membership.key,
                    "case_id": membership.case_id,
                    "budget_unit": membership.budget_unit,
                    "role": str(membership.role),
                    "remaining": str(min(o.remaining.amount for o in open_)),
                    "members": names.get(membership.key, []),
                }
            )
    responsible = bool(units) and all(str(m.role) != "eligible" for m, _ in units)
    status = result["eligibility_status"]
    plan = result.get("plan")
    return {
        "patient": None
        if member is None
        else {
            "name": f"{member.first_name} {member.last_name}",
            "birth_date": member.birth_date.isoformat(),
        },
        "status_meaning": gettext(ELIGIBILITY_STATUS[status])
        if status in ELIGIBILITY_STATUS
        else "",
        "plan_status_meaning": ""
        if plan is None
        else _meaning(gettext, plan_table.get(plan["hcp_status"], "")),
        "aid_codes": [
            {
                "code": a["aid_code"],
                "meaning": _meaning(gettext, aid_table[a["aid_code"]].description)
                if a["aid_code"] in aid_table
                else "",
                "scope": gettext(SCOPES.get(a["scope"], a["scope"])),
                "program": PROGRAMS.get(a["program"], a["program"]),
            }
            for a in result["aid_codes"]
        ],
        "ohc": [
            {
                "code": code,
                "meaning": _meaning(gettext, ohc_table[code].description)
                if code in ohc_table
                else "",
            }
            for code in result["other_health_coverage"]
        ],
        "programs": programs,
        "several_programs": len({p["program"] for p in programs}) > 1,
        "budget_units": budget_units if (responsible or len(budget_units) > 1) else [],
        "responsible_relative": responsible,
        "ltc_facility": provider is not None and str(provider.type) == "ltc_facility",
    }


def _meaning(gettext: Any, text: str) -> str:
    """A code list's description in the page's language (the catalog holds them), else as it
    is."""
    return str(gettext(text)) if text else ""


def i18n_gettext(request: Request) -> Any:
    return i18n.gettext_for(language(request))


def _can_clear(result: dict[str, Any], desk: dict[str, Any]) -> bool:
    soc = result.get("share_of_cost")
    if desk.get("budget_units"):
        return True
    if soc is None:
        return False
    if not soc["clear_online"]:  # LTC auto-certified: only the facility may still clear
        return bool(desk.get("ltc_facility"))
    return not soc["certified"]


def _remember(request: Request, card: dict[str, Any]) -> None:
    """The last verification, kept with the session's credential (server side, 15 minutes),
    so that a refused clearance shows it again."""
    credential = sessions.session(request).get("credential")
    vault(request).update(credential, {"last_verification": json.dumps(card)})


def _recalled(held: dict[str, str], cin: str) -> dict[str, Any]:
    raw = held.get("last_verification")
    if not raw:
        return {}
    card: dict[str, Any] = json.loads(raw)
    return card if card.get("result", {}).get("member_id") == cin else {}


@router.get("/provider")
def verify_page(request: Request) -> Response:
    who = _office(request)
    if who is None:
        return sign_in_again(request, ROLE, "/provider/sign-in")
    app = spenddown(request)
    return render(
        request,
        "provider_verify.html",
        {"office": who[1]["name"], "form": _verify_form(today(app.env)), "focus_member": True},
    )


@router.post("/provider/verify")
def verify(
    request: Request,
    csrf: Csrf = "",
    member_id: FormText = "",
    bic_issue_date: FormText = "",
    service_date: FormText = "",
) -> Response:
    typed = {
        "member_id": member_id[:20],
        "bic_issue_date": bic_issue_date[:20],
        "service_date": service_date[:20],
    }
    who = _office(request)
    if who is None:
        return _sign_in_keeping(request, typed)
    npi, held = who
    context: dict[str, Any] = {"office": held["name"], "form": typed}
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, "provider_verify.html", context)
    app = spenddown(request)
    cin = None
    try:
        parsed, issued = _member_and_issue(member_id, bic_issue_date, today(app.env))
        cin = parsed.cin
        cmd = eligibility.VerifyEligibility(
            npi, held["pin"], parsed, issued, forms.day(service_date, "service_date")
        )
        result = shapes.verification(eligibility.verify(cmd, app.uow(), app.env))
    except SpenddownError as error:
        audit(request, ROLE, npi, "eligibility.verify", cin, error.code)
        return render(
            request,
            "provider_verify.html",
            {**context, **field_failure(request, error, VERIFY_IDS)},
            status_of(error),
        )
    audit(request, ROLE, npi, "eligibility.verify", cin, "OK")
    card = {
        "result": result,
        "desk": _desk_card(request, result, npi),
        "bic_issue_date": issued.isoformat(),
    }
    _remember(request, card)
    return render(request, "provider_verify.html", {**context, **_card_context(card)})


def _card_context(card: dict[str, Any], clear_form: dict[str, str] | None = None) -> dict[str, Any]:
    """The page's variables for a verification card and its clearance form; the verify form is
    emptied for the next patient."""
    result, desk = card["result"], card["desk"]
    units = desk.get("budget_units") or []
    form = {
        "member_id": result["member_id"],
        "bic_issue_date": card["bic_issue_date"],
        "service_date": result["service_date"],
        "payment": "paid",
        "budget_unit": units[0]["key"] if len(units) == 1 else "",
    }
    form.update(clear_form or {})
    return {
        "result": result,
        "desk": desk,
        "clear": form,
        "clear_form": _can_clear(result, desk),
        "service_types": SERVICE_TYPES,
        "form": _verify_form(date.fromisoformat(result["service_date"])) | {"service_date": ""},
        "idempotency_key": secrets.token_urlsafe(16),
    }


@router.post("/provider/clear")
def clear(
    request: Request,
    csrf: Csrf = "",
    member_id: FormText = "",
    bic_issue_date: FormText = "",
    service_date: FormText = "",
    billing_code: FormText = "",
    service_charge: FormText = "",
    payment: FormText = "paid",
    budget_unit: FormText = "",
    idempotency_key: FormText = "",
    service_type: FormText = "other",
    counted_date: FormText = "",
) -> Response:
    typed = {
        "member_id": member_id[:20],
        "bic_issue_date": bic_issue_date[:20],
        "service_date": service_date[:20],
        "billing_code": billing_code[:20],
        "service_charge": service_charge[:20],
        "payment": payment if payment in ("paid", "obligated") else "",
        "budget_unit": budget_unit[:40],
        "service_type": service_type[:12],
        "counted_date": counted_date[:20],
    }
    who = _office(request)
    if who is None:
        return _sign_in_keeping(request, {k: typed[k] for k in ("member_id", "bic_issue_date")})
    npi, held = who
    app = spenddown(request)
    recalled = _recalled(held, typed["member_id"].strip().upper())
    context: dict[str, Any] = {"office": held["name"], "form": _verify_form(today(app.env))}
    if recalled:
        context.update(_card_context(recalled, typed))
    else:
        context.update({"clear": typed, "clear_form": True, "service_types": SERVICE_TYPES})
    context["idempotency_key"] = idempotency_key[:100] or secrets.token_urlsafe(16)
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, "provider_verify.html", context)
    cin = None
    try:
        parsed = forms.member_id(member_id)
        cin = parsed.cin
        if payment not in ("paid", "obligated"):
            raise InvalidInput("INVALID_PAYMENT", "payment: paid or obligated.", field="payment")
        cmd = share_of_cost.ClearShareOfCost(
            npi=npi,
            pin=held["pin"],
            member_id=parsed,
            bic_issue_date=forms.day(bic_issue_date, "bic_issue_date"),
            service_date=forms.day(service_date, "service_date"),
            billing_code=forms.text(billing_code, "billing_code", limit=20),
            service_charge=forms.required_money(
                service_charge, "service_charge", language(request)
            ),
            payment=Payment(payment),
            # The form's one-time key: a double submit (reload, double click) clears once.
            idempotency_key=forms.text(idempotency_key, "idempotency_key", required=False) or None,
            budget_unit=forms.text(budget_unit, "budget_unit", required=False, limit=40) or None,
            service_type=parse_service_type(service_type or "other"),
            counted_date=(
                forms.day(counted_date, "counted_date") if counted_date.strip() else None
            ),
        )
        result = shapes.clearance(share_of_cost.clear_share_of_cost(cmd, app.uow(), app.env))
    except SpenddownError as error:
        audit(request, ROLE, npi, "soc.clear", cin, error.code)
        return render(
            request,
            "provider_verify.html",
            {**context, **field_failure(request, error, CLEAR_IDS)},
            status_of(error),
        )
    audit(request, ROLE, npi, "soc.clear", cin, "OK")
    patient = (recalled.get("desk") or {}).get("patient") if recalled else None
    return render(
        request,
        "provider_cleared.html",
        {**context, "clearance": result, "patient": patient, "focus_result": True},
    )


def _sign_in_keeping(request: Request, typed: dict[str, str]) -> Response:
    """The session's credential has ended: the sign-in page, keeping what was typed in the
    verify form (hidden fields; after signing in, the verify form shows them again)."""
    had_session = sessions.session(request).get("role") == ROLE
    sessions.sign_out(request, vault(request))
    return render(
        request,
        "provider_sign_in.html",
        {"expired": had_session, "keep": {k: v for k, v in typed.items() if k in KEPT}},
        401,
    )


KEPT = ("member_id", "bic_issue_date", "service_date")


# --- the office's clearances -----------------------------------------------------------------
def _clearances_context(
    request: Request, npi: str, member_id: str, month: str
) -> tuple[dict[str, Any], str | None]:
    """The office's clearance history for a month (and a member), newest first: each with the
    patient's name where this office verified them, the time, whether its month is certified
    (then it can no longer be reversed), and the totals."""
    app = spenddown(request)
    chosen = forms.month(month) if month.strip() else BenefitMonth.of(today(app.env))
    cin = forms.member_id(member_id).cin if member_id.strip() else None
    results = share_of_cost.list_clearances(app.uow(), cin=cin, month=chosen, provider_npi=npi)
    certified: dict[tuple[str, str], bool] = {}
    names: dict[str, str | None] = {}
    rows = []
    for result in sorted(results, key=lambda r: r.created_at, reverse=True):
        key = (result.member_id, str(result.month))
        if key not in certified:
            try:
                views = share_of_cost.member_obligations(result.member_id, result.month, app.uow())
            except SpenddownError:
                views = []
            certified[key] = any(
                v.obligation.certified
                for v in views
                if (v.obligation.key.case_id, v.obligation.key.budget_unit)
                == (result.case_id, result.budget_unit)
            )
        if result.member_id not in names:
            names[result.member_id] = _verified_name(app, npi, result.member_id)
        shaped = shapes.clearance(result)
        shaped["month_certified"] = certified[key]
        shaped["member_last4"] = result.member_id[-4:]
        shaped["patient"] = names[result.member_id]
        shaped["time"] = result.created_at.astimezone(CALIFORNIA).strftime("%H:%M")
        shaped["day"] = result.created_at.astimezone(CALIFORNIA).date().isoformat()
        rows.append(shaped)
    live = [r for r in rows if not r["reversed"]]
    totals = {
        "count": len(live),
        "charge": str(sum((Decimal(r["service_charge"]) for r in live), Decimal("0.00"))),
        "applied": str(sum((Decimal(r["applied"]) for r in live), Decimal("0.00"))),
    }
    filters = {"member_id": member_id[:20], "month": str(chosen)}
    return {"clearances": rows, "filters": filters, "totals": totals}, cin


def _verified_name(app: Any, npi: str, cin: str) -> str | None:
    """The patient's name, only when this office verified them (then it saw the card)."""
    uow = app.uow()
    with uow:
        if not uow.repo.has_verified(npi, cin):
            return None
        member = uow.repo.get_member(cin)
    return None if member is None else f"{member.first_name} {member.last_name}"


@router.get("/provider/clearances")
def clearances_page(request: Request, member_id: str = "", month: str = "") -> Response:
    who = _office(request)
    if who is None:
        return sign_in_again(request, ROLE, "/provider/sign-in")
    npi, held = who
    base: dict[str, Any] = {
        "office": held["name"],
        "clearances": [],
        "filters": {"member_id": member_id[:20], "month": month[:10]},
    }
    try:
        context, cin = _clearances_context(request, npi, member_id, month)
    except SpenddownError as error:
        failed = field_failure(request, error, {"month": "f_month", "member_id": "f_member"})
        return render(request, "provider_clearances.html", {**base, **failed}, 422)
    audit(request, ROLE, npi, "soc.clearances", cin, "OK")
    return render(request, "provider_clearances.html", {**base, **context})


CSV_COLUMNS = (
    "created_at",
    "service_date",
    "patient",
    "member_id",
    "billing_code",
    "service_charge",
    "payment",
    "applied",
    "remaining",
    "reversed",
    "month_certified",
    "clearance_id",
)


@router.get("/provider/clearances.csv")
def clearances_csv(request: Request, member_id: str = "", month: str = "") -> Response:
    """The same history as a spreadsheet (one row per clearance; amounts as 1234.56)."""
    who = _office(request)
    if who is None:
        return sign_in_again(request, ROLE, "/provider/sign-in")
    npi, _ = who
    try:
        context, cin = _clearances_context(request, npi, member_id, month)
    except SpenddownError:
        return RedirectResponse("/provider/clearances", status_code=303)
    audit(request, ROLE, npi, "soc.clearances", cin, "OK")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for row in context["clearances"]:
        writer.writerow(["" if row.get(c) is None else _csv_cell(row.get(c)) for c in CSV_COLUMNS])
    name = f"clearances-{context['filters']['month']}.csv"
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


def _csv_cell(value: Any) -> str:
    text = str(value).lower() if isinstance(value, bool) else str(value)
    # A cell a spreadsheet would run as a formula is quoted (CSV injection).
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


@router.get("/provider/clearances/{clearance_id}/reversal")
def reversal_page(
    request: Request, clearance_id: str, member_id: str = "", month: str = ""
) -> Response:
    """Reverse: first a page that says what will be reversed, with a button to confirm."""
    who = _office(request)
    if who is None:
        return sign_in_again(request, ROLE, "/provider/sign-in")
    npi, held = who
    try:
        context, cin = _clearances_context(request, npi, member_id, month)
    except SpenddownError as error:
        return render(
            request,
            "provider_clearances.html",
            {"office": held["name"], "clearances": [], "filters": {}, **failure(request, error)},
            422,
        )
    row = next((r for r in context["clearances"] if r["clearance_id"] == clearance_id), None)
    if row is None:
        return RedirectResponse("/provider/clearances", status_code=303)
    audit(request, ROLE, npi, "soc.clearances", cin, "OK")
    return render(
        request,
        "provider_reversal.html",
        {"office": held["name"], "c": row, "filters": context["filters"]},
    )


@router.post("/provider/clearances/{clearance_id}/reversal")
def reverse(
    request: Request,
    clearance_id: str,
    csrf: Csrf = "",
    member_id: FormText = "",
    month: FormText = "",
) -> Response:
    who = _office(request)
    if who is None:
        return sign_in_again(request, ROLE, "/provider/sign-in")
    npi, held = who
    base: dict[str, Any] = {"office": held["name"], "clearances": [], "filters": {}}
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, "provider_clearances.html", base)
    app = spenddown(request)
    outcome: dict[str, Any] = {}
    status = 200
    cin = None
    try:
        cmd = share_of_cost.ReverseClearance(npi, held["pin"], clearance_id.strip()[:64])
        result = share_of_cost.reverse_clearance(cmd, app.uow(), app.env)
        cin = result.member_id
        outcome = {"reversed": shapes.clearance(result)}
        audit(request, ROLE, npi, "soc.reverse", cin, "OK")
    except SpenddownError as error:
        audit(request, ROLE, npi, "soc.reverse", cin, error.code)
        outcome = failure(request, error)
        status = status_of(error)
    try:
        context, _ = _clearances_context(request, npi, member_id, month)
    except SpenddownError:
        context = {}
    return render(request, "provider_clearances.html", {**base, **context, **outcome}, status)


# --- claims ----------------------------------------------------------------------------------
CLAIM_FIELDS = (
    "claim_id",
    "member_id",
    "payer_type",
    "payer_name",
    "claim_number",
    "adjudication_date",
    "service_date",
    "procedure_code",
    "units",
    "charge",
    "primary_allowed",
    "primary_paid",
    "primary_deductible",
    "primary_coinsurance",
    "primary_copay",
    "auth_medi_cal",
    "auth_primary",
)
CLAIM_IDS = {name: f"c_{name}" for name in CLAIM_FIELDS}
PAYER_TYPES = ("commercial", "medicare", "medicare_advantage", "none")


def _claim_history(request: Request, npi: str, member_id: str) -> list[dict[str, Any]]:
    """This office's claims for a member, newest first."""
    if not member_id.strip():
        return []
    cin = forms.member_id(member_id).cin
    uow = spenddown(request).uow()
    with uow:
        stored = uow.repo.claims_of_provider(npi, cin)
    return [
        {
            "claim_id": c.claim_id,
            "received": c.received_at.astimezone(CALIFORNIA).strftime("%Y-%m-%d %H:%M"),
            "status": c.status,
            "medi_cal_paid": f"{Decimal(c.medi_cal_paid_cents) / 100:.2f}",
            "member_owes": f"{Decimal(c.member_owes_cents) / 100:.2f}",
        }
        for c in sorted(stored, key=lambda c: c.received_at, reverse=True)
    ]


@router.get("/provider/claims")
def claim_page(request: Request, member_id: str = "") -> Response:
    who = _office(request)
    if who is None:
        return sign_in_again(request, ROLE, "/provider/sign-in")
    npi, held = who
    app = spenddown(request)
    context: dict[str, Any] = {
        "office": held["name"],
        "npi": npi,
        "claim": {"payer_type": "commercial", "units": "1", "member_id": member_id[:20]},
        "history_member": member_id[:20],
        "today": today(app.env).isoformat(),
    }
    try:
        context["history"] = _claim_history(request, npi, member_id)
    except SpenddownError as error:
        failed = field_failure(request, error, {"member_id": "h_member"})
        return render(request, "provider_claim.html", {**context, **failed}, 422)
    if member_id.strip():
        audit(request, ROLE, npi, "claim.history", forms.member_id(member_id).cin, "OK")
    return render(request, "provider_claim.html", context)


@router.post("/provider/claims/entry")
async def enter_claim(request: Request) -> Response:
    """A claim typed in a form (one service line) instead of JSON: the same claim the API
    takes (docs/api.md), built from the fields."""
    who = _office(request)
    if who is None:
        return sign_in_again(request, ROLE, "/provider/sign-in")
    npi, held = who
    posted = await request.form()
    typed = {name: str(posted.get(name, ""))[:100] for name in CLAIM_FIELDS}
    app = spenddown(request)
    context: dict[str, Any] = {
        "office": held["name"],
        "npi": npi,
        "claim": typed,
        "today": today(app.env).isoformat(),
    }
    if not sessions.csrf_ok(request, str(posted.get("csrf_token", ""))):
        return csrf_refused(request, "provider_claim.html", context)
    cin = None
    lang = language(request)
    try:
        member = forms.member_id(typed["member_id"])
        cin = member.cin
        line: dict[str, Any] = {
            "service_date": forms.day(typed["service_date"], "service_date").isoformat(),
            "procedure_code": forms.text(typed["procedure_code"], "procedure_code", limit=20),
            "units": forms.whole(typed["units"], "units", 1, 999),
            "charge": str(forms.required_money(typed["charge"], "charge", lang).amount),
        }
        document: dict[str, Any] = {
            "claim_id": forms.text(typed["claim_id"], "claim_id", limit=40),
            "provider_npi": npi,
            "member_id": cin,
            "lines": [line],
        }
        payer = typed["payer_type"] if typed["payer_type"] in PAYER_TYPES else "none"
        if payer != "none":
            document["primary"] = {
                "payer_type": payer,
                "payer_name": forms.text(typed["payer_name"], "payer_name", limit=100),
                "claim_number": forms.text(
                    typed["claim_number"], "claim_number", required=False, limit=60
                ),
                "adjudication_date": forms.day(
                    typed["adjudication_date"], "adjudication_date"
                ).isoformat(),
            }
            amounts = {}
            for key in ("allowed", "paid", "deductible", "coinsurance", "copay"):
                found = forms.money(
                    typed[f"primary_{key}"], f"primary_{key}", required=False, lang=lang
                )
                amounts[key] = "0" if found is None else str(found.amount)
            line["primary"] = amounts
        auths = {
            key: forms.text(typed[f"auth_{key}"], f"auth_{key}", required=False, limit=40)
            for key in ("medi_cal", "primary")
        }
        if any(auths.values()):
            line["authorizations"] = {k: v or None for k, v in auths.items()}
        claim = parse_claim(document)
        cmd = claims.SubmitClaim(npi, held["pin"], claim)
        result = shapes.adjudication(claims.adjudicate_claim(cmd, app.uow(), app.env))
    except SpenddownError as error:
        audit(request, ROLE, npi, "claim.submit", cin, error.code)
        return render(
            request,
            "provider_claim.html",
            {**context, **field_failure(request, error, CLAIM_IDS)},
            status_of(error),
        )
    audit(request, ROLE, npi, "claim.submit", cin, "OK")
    return render(
        request,
        "provider_remittance.html",
        {
            **context,
            "adjudication": result,
            "member_last4": claim.member_id[-4:],
            "member_id": claim.member_id,
            "patient": _verified_name(app, npi, claim.member_id),
        },
    )


@router.post("/provider/claims")
def submit_claim(
    request: Request,
    csrf: Csrf = "",
    claim_json: FormText = "",
    claim_file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    who = _office(request)
    if who is None:
        return sign_in_again(request, ROLE, "/provider/sign-in")
    npi, held = who
    context: dict[str, Any] = {
        "office": held["name"],
        "npi": npi,
        "claim_json": claim_json,
        "claim": {"payer_type": "commercial", "units": "1"},
        "json_open": True,
    }
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, "provider_claim.html", context)
    app = spenddown(request)
    cin = None
    try:
        document = _claim_document(claim_json, claim_file)
        claim = parse_claim(document)
        cin = claim.member_id
        cmd = claims.SubmitClaim(npi, held["pin"], claim)
        result = shapes.adjudication(claims.adjudicate_claim(cmd, app.uow(), app.env))
    except SpenddownError as error:
        audit(request, ROLE, npi, "claim.submit", cin, error.code)
        return render(
            request, "provider_claim.html", {**context, **failure(request, error)}, status_of(error)
        )
    audit(request, ROLE, npi, "claim.submit", cin, "OK")
    return render(
        request,
        "provider_remittance.html",
        {
            **context,
            "adjudication": result,
            "member_last4": claim.member_id[-4:],
            "member_id": claim.member_id,
            "patient": _verified_name(app, npi, claim.member_id),
        },
    )


def _claim_document(text: str, upload: UploadFile | None) -> Any:
    """The claim JSON from the uploaded file, else from the text box."""
    raw: bytes = b""
    if upload is not None and upload.filename:
        raw = upload.file.read(MAX_CLAIM_BYTES + 1)
    if not raw:
        raw = text.encode("utf-8")
    if len(raw) > MAX_CLAIM_BYTES:
        raise InvalidInput("INVALID_CLAIM", "The claim file is larger than 256 KB.")
    if not raw.strip():
        raise InvalidInput("INVALID_CLAIM", "Paste the claim JSON or choose a claim file.")
    try:
        return json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InvalidInput("INVALID_CLAIM", f"The claim is not valid JSON: {error}.") from None
    except (RecursionError, ValueError):  # nested too deep, or an integer of thousands of digits
        raise InvalidInput(
            "INVALID_CLAIM", "The claim is not valid JSON: nested too deep or a number too long."
        ) from None
