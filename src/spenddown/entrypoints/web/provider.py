"""Provider office pages: sign in with NPI and PIN; verify eligibility; clear SOC from the
result; the office's clearances with reversal; submit a claim and read the remittance."""

from __future__ import annotations

import json
import secrets
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from spenddown.adapters.claim_format import parse_claim
from spenddown.domain.errors import InvalidInput, SpenddownError
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.ledger import Payment
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
from spenddown.services import claims, eligibility, providers, share_of_cost
from spenddown.services.common import today

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
def sign_in(request: Request, csrf: Csrf = "", npi: FormText = "", pin: FormText = "") -> Response:
    context = {"npi": npi[:20]}
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, "provider_sign_in.html", context)
    app = spenddown(request)
    try:
        provider = providers.authenticate(
            forms.text(npi, "npi", limit=20), pin[:64], app.uow(), app.env
        )
    except SpenddownError as error:
        return render(request, "provider_sign_in.html", {**context, **failure(request, error)}, 401)
    credential = vault(request).put(ROLE, provider.npi, {"pin": pin[:64], "name": provider.name})
    sessions.sign_in(request, ROLE, provider.npi, credential)
    return RedirectResponse("/provider", status_code=303)


# --- verify and clear ------------------------------------------------------------------------
def _office(request: Request) -> tuple[str, dict[str, str]] | None:
    return signed_in(request, ROLE)


@router.get("/provider")
def verify_page(request: Request) -> Response:
    who = _office(request)
    if who is None:
        return sign_in_again(request, ROLE, "/provider/sign-in")
    app = spenddown(request)
    return render(
        request,
        "provider_verify.html",
        {"office": who[1]["name"], "form": {"service_date": today(app.env).isoformat()}},
    )


@router.post("/provider/verify")
def verify(
    request: Request,
    csrf: Csrf = "",
    member_id: FormText = "",
    bic_issue_date: FormText = "",
    service_date: FormText = "",
) -> Response:
    who = _office(request)
    if who is None:
        return sign_in_again(request, ROLE, "/provider/sign-in")
    npi, held = who
    form = {
        "member_id": member_id[:20],
        "bic_issue_date": bic_issue_date[:20],
        "service_date": service_date[:20],
    }
    context: dict[str, Any] = {"office": held["name"], "form": form}
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, "provider_verify.html", context)
    app = spenddown(request)
    cin = None
    try:
        parsed = forms.member_id(member_id)
        cin = parsed.cin
        cmd = eligibility.VerifyEligibility(
            npi,
            held["pin"],
            parsed,
            forms.day(bic_issue_date, "bic_issue_date"),
            forms.day(service_date, "service_date"),
        )
        result = shapes.verification(eligibility.verify(cmd, app.uow(), app.env))
    except SpenddownError as error:
        audit(request, ROLE, npi, "eligibility.verify", cin, error.code)
        return render(
            request,
            "provider_verify.html",
            {**context, **failure(request, error)},
            status_of(error),
        )
    audit(request, ROLE, npi, "eligibility.verify", cin, "OK")
    return render(
        request,
        "provider_verify.html",
        {**context, "result": result, "idempotency_key": secrets.token_urlsafe(16)},
    )


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
    idempotency_key: FormText = "",
) -> Response:
    who = _office(request)
    if who is None:
        return sign_in_again(request, ROLE, "/provider/sign-in")
    npi, held = who
    form = {
        "member_id": member_id[:20],
        "bic_issue_date": bic_issue_date[:20],
        "service_date": service_date[:20],
        "billing_code": billing_code[:20],
        "service_charge": service_charge[:20],
        "payment": payment if payment in ("paid", "obligated") else "paid",
    }
    context: dict[str, Any] = {
        "office": held["name"],
        "form": form,
        "clear_form": True,
        "idempotency_key": idempotency_key[:100] or secrets.token_urlsafe(16),
    }
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, "provider_verify.html", context)
    app = spenddown(request)
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
        )
        result = shapes.clearance(share_of_cost.clear_share_of_cost(cmd, app.uow(), app.env))
    except SpenddownError as error:
        audit(request, ROLE, npi, "soc.clear", cin, error.code)
        return render(
            request,
            "provider_verify.html",
            {**context, **failure(request, error)},
            status_of(error),
        )
    audit(request, ROLE, npi, "soc.clear", cin, "OK")
    return render(request, "provider_cleared.html", {**context, "clearance": result})


# --- the office's clearances -----------------------------------------------------------------
def _clearances_context(
    request: Request, npi: str, member_id: str, month: str
) -> tuple[dict[str, Any], str | None]:
    """The office's clearances for a month (and a member), each with whether its month is
    certified (then it can no longer be reversed)."""
    app = spenddown(request)
    chosen = forms.month(month) if month.strip() else BenefitMonth.of(today(app.env))
    cin = forms.member_id(member_id).cin if member_id.strip() else None
    results = share_of_cost.list_clearances(app.uow(), cin=cin, month=chosen, provider_npi=npi)
    certified: dict[tuple[str, str], bool] = {}
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
        shaped = shapes.clearance(result)
        shaped["month_certified"] = certified[key]
        shaped["member_last4"] = result.member_id[-4:]
        rows.append(shaped)
    filters = {"member_id": member_id[:20], "month": str(chosen)}
    return {"clearances": rows, "filters": filters}, cin


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
        return render(request, "provider_clearances.html", {**base, **failure(request, error)}, 422)
    audit(request, ROLE, npi, "soc.clearances", cin, "OK")
    return render(request, "provider_clearances.html", {**base, **context})


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
@router.get("/provider/claims")
def claim_page(request: Request) -> Response:
    who = _office(request)
    if who is None:
        return sign_in_again(request, ROLE, "/provider/sign-in")
    return render(request, "provider_claim.html", {"office": who[1]["name"], "npi": who[0]})


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
    context: dict[str, Any] = {"office": held["name"], "npi": npi, "claim_json": claim_json}
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
        {**context, "adjudication": result, "member_last4": claim.member_id[-4:]},
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
