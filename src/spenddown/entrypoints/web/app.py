"""The pages' plumbing: the hook the API calls (``mount``), the templates, rendering in the
visitor's language, the signed session, CSRF, and the access log of the pages."""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import secrets
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.middleware.sessions import SessionMiddleware
from starlette.staticfiles import StaticFiles

from spenddown import bootstrap
from spenddown.adapters.sealing import AesGcmSealer
from spenddown.config import Settings
from spenddown.domain.errors import SpenddownError
from spenddown.entrypoints.web import i18n, sessions
from spenddown.entrypoints.web.i18n import N_
from spenddown.services.access import record_access
from spenddown.services.common import enter_session

log = logging.getLogger("spenddown.web")

HERE = Path(__file__).parent
COOKIE = "spenddown_session"
SESSION_SECONDS = 8 * 60 * 60  # the cookie; the credentials behind it last 15 minutes (Vault)

TEMPLATES = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(["html", "svg"]),
    trim_blocks=True,
    lstrip_blocks=True,
)


def number(value: object) -> str:
    """``"1200.00"`` (a money string of the shapes) → ``"1,200.00"``."""
    if value is None or value == "":
        return ""
    try:
        return f"{Decimal(str(value)):,.2f}"
    except InvalidOperation:
        return str(value)


def dollars(value: object) -> str:
    """``"1200.00"`` → ``"$1,200.00"``; ``"-20.00"`` → ``"−$20.00"``."""
    shown = number(value)
    return "−$" + shown[1:] if shown.startswith("-") else "$" + shown


TEMPLATES.filters["num"] = number
TEMPLATES.filters["usd"] = dollars

# A section of the project's docs ("(docs/rules.md §5.6)" in an adjudication's explanation) is for
# API clients and developers, not for a remittance's reader: the pages drop it; the page cites the
# law itself.
_DESIGN_CITATION = re.compile(r"\s*\((?:docs/)?rules\.md\s*§\s*[0-9.]*[0-9]\)")


def without_design_citations(text: object) -> str:
    return _DESIGN_CITATION.sub("", str(text))


TEMPLATES.filters["plain_citations"] = without_design_citations


def mount(api: FastAPI, settings: Settings | None) -> None:
    """Add the pages to the API's application: routes, ``/static``, the session cookie.

    The session key is derived from the settings' secret (HMAC with a label of its own, so the
    cookie signature and the PIN cache never share a key); the credentials behind the sessions
    are in the database, sealed under a key derived from the same secret. Without settings
    (tests that hand ``create_app`` their own application) a random key is used: sessions then
    last as long as the process."""
    from spenddown.entrypoints.web import routes  # the routes import this module

    secret = settings.secret_key if settings is not None else secrets.token_hex(32)
    key = hmac.new(secret.encode(), b"spenddown web session", hashlib.sha256).hexdigest()
    app = api.state.spenddown
    assert isinstance(app, bootstrap.App)
    api.state.web_vault = sessions.Vault(app.uow, AesGcmSealer(secret), app.env.clock)
    api.state.web_https_only = bool(settings is not None and not settings.demo)
    api.include_router(routes.router)
    api.mount("/static", StaticFiles(directory=HERE / "static"), name="web-static")
    api.add_middleware(
        SessionMiddleware,
        secret_key=key,
        session_cookie=COOKIE,
        max_age=SESSION_SECONDS,
        same_site="strict",
        https_only=api.state.web_https_only,
    )


# --- the application and the visitor ------------------------------------------------------------
def spenddown(request: Request) -> bootstrap.App:
    app = request.app.state.spenddown
    assert isinstance(app, bootstrap.App)
    return app


def vault(request: Request) -> sessions.Vault:
    store = request.app.state.web_vault
    assert isinstance(store, sessions.Vault)
    return store


def language(request: Request) -> str:
    chosen = request.query_params.get("lang")
    data = sessions.session(request)
    if chosen in i18n.LANGUAGES:
        data["lang"] = chosen
        return chosen
    stored = data.get("lang")
    if stored in i18n.LANGUAGES:
        return str(stored)
    return i18n.negotiate(request.headers.get("accept-language", ""))


def signed_in(request: Request, role: str) -> tuple[str, dict[str, str]] | None:
    """(subject, secrets) when the visitor is signed in as ``role`` with a live credential."""
    data = sessions.session(request)
    subject = data.get("subject")
    if data.get("role") != role or not isinstance(subject, str):
        return None
    held = vault(request).get(data.get("credential"), role, subject)
    if held is None:
        return None
    enter_session()  # signed in: an anonymous lockout does not stop this session
    return subject, held


def sign_in_again(request: Request, role: str, page: str) -> RedirectResponse:
    """Back to the sign-in ``page`` with a notice when a session had expired."""
    had_session = sessions.session(request).get("role") == role
    sessions.sign_out(request, vault(request))
    where = page + ("?expired=1" if had_session else "")
    return RedirectResponse(where, status_code=303)


def audit(
    request: Request, role: str, actor: str, action: str, cin: str | None, outcome: str
) -> None:
    """The pages write the same access log as the API (docs/api.md "The access log": every
    request that reads or changes member data)."""
    app = spenddown(request)
    try:
        record_access(role, actor, action, cin, outcome, app.uow(), app.env)
    except Exception:  # the page still answers; the failure is logged without data
        log.exception("access log write failed for %s", action)


# --- errors in plain words -------------------------------------------------------------------
# The API's own words for the errors a visitor meets most, so that they can be translated; any
# other error shows the use case's detail as it is (in English).
ERRORS: Mapping[str, str] = {
    "INVALID_CREDENTIALS": N_("The NPI or PIN is not correct."),
    "PIN_LOCKED": N_("Too many wrong PINs or member look-ups: this NPI is locked for 15 minutes."),
    "MEMBER_NOT_FOUND": N_("No member matches this ID and card issue date."),
    "MEMBER_NOT_FOUND_FAMILY": N_("No member matches this ID, card issue date and date of birth."),
    "MEMBER_LOCKED": N_("Too many failed look-ups: try again in 15 minutes."),
    "INVALID_TOKEN": N_("The county token is not valid."),
    "INVALID_MEMBER_ID": N_(
        "A member ID is a CIN (8 digits and a letter) or the 14-character ID on the card."
    ),
    "INVALID_NPI": N_("An NPI is 10 digits with a valid check digit."),
    "SOC_CERTIFIED_NO_REVERSAL": N_(
        "The Share of Cost for this month is certified: its clearances can no longer be reversed."
    ),
    "ALREADY_REVERSED": N_("This clearance has already been reversed."),
    "SOC_ALREADY_MET": N_("The Share of Cost for this month is already met; nothing was applied."),
    "DUPLICATE_CLEARANCE": N_(
        "This provider already cleared this service (same member, date of service and billing "
        "code): one clearance per rendered service."
    ),
    "NO_SOC_FOR_MONTH": N_("The member has no Share of Cost for this month."),
    "SERVICE_DATE_IN_FUTURE": N_("The date of service is in the future."),
    "DUPLICATE_CLAIM": N_("A claim with this claim ID was already submitted."),
    "CSRF": N_("This form has expired. Please try again."),
    "AMBIGUOUS_AMOUNT": N_(
        "This amount could be read two ways. Type it again with no thousands separator and a "
        "decimal mark only for cents, for example 1500 or 12.50."
    ),
    "SERVICE_DATE_TOO_OLD": N_(
        "The date of service is more than 12 months before this month: it cannot be verified "
        "or cleared online."
    ),
    "INVALID_SERVICE_CHARGE": N_("The charge must be more than $0.00."),
    "BUDGET_UNIT_REQUIRED": N_(
        "This person pays toward more than one budget unit this month: choose the budget unit "
        "this bill counts for."
    ),
    # The county pages (docs/web.md, "County pages").
    "FORBIDDEN_COUNTY": N_(
        "These pages need a statewide county token; a token for one county works with the API."
    ),
    "BUDGET_UNIT_NOT_FOUND": N_("This case has no budget unit by this name."),
    "OBLIGATION_NOT_FOUND": N_("This budget unit has no Share of Cost for this month."),
    "CASE_NOT_FOUND": N_("No case has this ID."),
    "RETRO_CHANGE_TOO_OLD": N_(
        "This month is too far back to change here: tick the box for the county's retroactive "
        "process if it went through it."
    ),
    "RECEIPT_IN_FUTURE": N_("The date of the receipt or bill is after today."),
    "RECEIPT_AFTER_MONTH": N_(
        "The bill is dated after this month: an expense counts only toward the month it was "
        "incurred or a later one."
    ),
    "OLD_BILL_ALREADY_PAID": N_(
        "A bill from an earlier month that was already paid cannot meet this month's Share of "
        "Cost; only an unpaid old bill can."
    ),
    "BILL_ALREADY_USED": N_("This bill has already met Share of Cost for its whole amount."),
    # A change of Share of Cost and its notice (docs/web.md, "County pages").
    "NO_SOC_FOR_MONTH_CHANGE": N_(
        "This budget unit has no Share of Cost in or before the month of the change: set its "
        "first Share of Cost on Case work."
    ),
    "FORBIDDEN_CHANGE": N_("This case is not in your county."),
    "CHANGE_REPORTED_BEFORE_IT_HAPPENED": N_(
        "The change was reported before the date it happened: check both dates."
    ),
    "REPORTED_IN_FUTURE": N_("The date the change was reported is after today."),
    "NO_CHANGE": N_("This is already the Share of Cost of the month of the change."),
    "INVALID_REASON": N_("Enter the reason for the change, at most 500 characters."),
    "REQUESTED_IN_FUTURE": N_("The date the hearing was asked for is after today."),
    "REQUESTED_BEFORE_NOTICE": N_("The hearing cannot have been asked for before the notice."),
    "HEARING_REQUEST_LATE": N_(
        "The 90 days to ask for a state hearing on this notice are over (W&I 10951)."
    ),
    "HEARING_ALREADY_REQUESTED": N_("A hearing was already requested on this notice."),
    "INSECURE_CONNECTION": N_(
        "Signing in needs a secure connection: this server sends its session cookie over "
        "https:// only. Use the https:// address, or ask whoever runs spenddown to serve it "
        "behind HTTPS."
    ),
}


def error_message(error: SpenddownError, gettext: Any, variant: str = "") -> tuple[str, str | None]:
    """(message, lang): the translated message, or the use case's detail marked as English.
    ``variant`` picks a page's own wording of a code (``_FAMILY``)."""
    known = ERRORS.get(error.code + variant) or ERRORS.get(error.code)
    if known is not None:
        return gettext(known) + _lockout_note(error, gettext), None
    return error.detail, "en"


def _lockout_note(error: SpenddownError, gettext: Any) -> str:
    """What a visitor has left in the sign-in lockout (docs/api.md "Credentials")."""
    until = error.context.get("locked_until")
    if isinstance(until, str):
        return " " + str(gettext(N_("Locked until %(time)s UTC."))) % {"time": until[11:16]}
    left = error.context.get("tries_left")
    if isinstance(left, int):
        note = str(gettext(N_("Tries left before a 15-minute lock: %(left)d.")))
        return " " + note % {"left": left}
    return ""


# --- rendering --------------------------------------------------------------------------------
def render(
    request: Request, template: str, context: Mapping[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    lang = language(request)
    gettext = i18n.gettext_for(lang)
    data = sessions.session(request)
    values: dict[str, Any] = {
        "request": request,
        "lang": lang,
        "other_lang": "es" if lang == "en" else "en",
        "_": gettext,
        "gettext": gettext,
        "csrf_token": sessions.csrf_token(request),
        "role": data.get("role") if data.get("credential") else None,
        "long_date": lambda value: i18n.long_date(value, lang),
        "english_date": lambda value: i18n.long_date(value, "en"),
        "month_name": lambda value: i18n.month_name(value, lang),
        "path": request.url.path,
        "here": page_for(request),
    }
    values.update(context or {})
    html = TEMPLATES.get_template(template).render(values)
    response = HTMLResponse(html, status_code=status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Content-Security-Policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "frame-ancestors 'none'; form-action 'self'; base-uri 'none'"
    )
    return response


# Where a form posts → the page that shows it (the language switch goes back there).
POSTED_TO_PAGE = (
    ("/provider/clearances/", "/provider/clearances"),
    ("/provider/verify", "/provider"),
    ("/provider/clear", "/provider"),
    ("/county/cases/", "/county/cases"),
    ("/county/cycle", "/county/cases"),
    ("/county/find", "/county"),
)


def page_for(request: Request) -> str:
    path = request.url.path
    if request.method == "GET":
        return path
    return next((page for prefix, page in POSTED_TO_PAGE if path.startswith(prefix)), path)


def csrf_refused(request: Request, template: str, context: Mapping[str, Any]) -> Response:
    """A form without its session: expired, or (plain http:// to a server whose cookie is
    https-only, where the browser never sends the cookie back) a connection that cannot keep a
    session at all, said as such rather than "expired" on every try."""
    gettext = i18n.gettext_for(language(request))
    insecure = request.app.state.web_https_only and request.url.scheme != "https"
    message = ERRORS["INSECURE_CONNECTION" if insecure else "CSRF"]
    return render(
        request, template, {**context, "error": gettext(message), "error_lang": None}, 403
    )


def same_site_path(target: str | None, default: str) -> str:
    """A redirect target on this site only (no scheme, no host, starting with one slash)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return default
    return target


def failure(request: Request, error: SpenddownError, variant: str = "") -> dict[str, Any]:
    """The template variables of an error: the message, its language when not the page's, and
    ``errors`` (the error summary's one item, not tied to a field: pages whose fields carry the
    ``_errors.html`` marks use ``field_failure``)."""
    message, lang = error_message(error, i18n.gettext_for(language(request)), variant)
    item = {"field": None, "id": None, "message": message, "lang": lang}
    return {"error": message, "error_lang": lang, "error_code": error.code, "errors": [item]}


# --- errors at their field (GOV.UK / USWDS pattern) --------------------------------------------
# What to do about a field, in the page's language, for the errors that are about the field's
# shape (required, not a date, not an amount, too long): never the API's "service_charge: ...".
FIELD_MESSAGES: Mapping[str, str] = {
    "npi": N_("Enter your office's 10-digit NPI."),
    "pin": N_("Enter your PIN."),
    "member_id": N_(
        "Enter the member ID: the CIN (8 digits and a letter) or the card's 14-character ID."
    ),
    "bic_issue_date": N_(
        "Enter the card issue date (printed on the card), or type the card's 14-character ID as "
        "the member ID."
    ),
    "service_date": N_("Enter the date of service as a real date, for example 2026-11-03."),
    "billing_code": N_("Enter the billing code, for example 99213 (at most 20 characters)."),
    "service_charge": N_("Enter the charge in dollars and cents, for example 120.00."),
    "payment": N_("Choose whether the member paid or promised to pay."),
    "budget_unit": N_("Choose the budget unit this bill counts for."),
    "month": N_("Enter a month, for example 2026-11."),
    "claim_id": N_("Enter the claim ID your office gave this claim."),
    "procedure_code": N_("Enter the procedure code, for example 97153."),
    "units": N_("Enter the number of units, a whole number from 1 to 999."),
    "charge": N_("Enter the charge in dollars and cents, for example 160.00."),
    "primary_allowed": N_("Enter the amount the primary insurance allowed, for example 120.00."),
    "primary_paid": N_("Enter the amount the primary insurance paid, for example 0.00."),
    "primary_deductible": N_(
        "Enter the amount the primary insurance applied to the deductible, for example 120.00."
    ),
    "payer_name": N_("Enter the name of the primary insurance."),
    "claim_number": N_("Enter the primary insurance's claim number."),
    "adjudication_date": N_("Enter the date the primary insurance processed the claim."),
    # The family pages (docs/web.md, "Families").
    "provider": N_("Choose the provider from the list, or enter the NPI printed on the bill."),
    "provider_npi": N_("Enter the provider's 10-digit NPI, printed on the bill."),
    "amount": N_("Enter the amount on the bill in dollars and cents, for example 54.00."),
    "bill_claim_id": N_("Enter the claim number printed on the bill (at most 40 characters)."),
    "service": N_("Choose the service, or enter its procedure code."),
    "hours_per_visit": N_("Enter how long each visit is, in hours, for example 1 or 1.5."),
    "visits_per_week": N_("Enter how many visits a week, a whole number from 1 to 7."),
    "weeks": N_("Enter for how many weeks, a whole number from 1 to 52."),
    "primary_allowed_per_unit": N_(
        "Enter what your insurance allows for the service, for example 30.00."
    ),
    "deductible": N_("Enter your insurance's yearly deductible, for example 1500.00."),
    "out_of_pocket_max": N_("Enter your insurance's out-of-pocket maximum, for example 6000.00."),
    "copay_per_visit": N_("Enter the copay per visit in dollars and cents, for example 30.00."),
    "coinsurance_percent": N_("Enter the coinsurance as a number from 0 to 100."),
}

# Errors whose code says which field they are about (the use case does not always name it).
CODE_FIELDS: Mapping[str, str] = {
    "INVALID_CREDENTIALS": "pin",
    "INVALID_NPI": "npi",
    "MEMBER_NOT_FOUND": "member_id",
    "INVALID_MEMBER_ID": "member_id",
    "SERVICE_DATE_IN_FUTURE": "service_date",
    "SERVICE_DATE_TOO_OLD": "service_date",
    "DUPLICATE_CLEARANCE": "billing_code",
    "BUDGET_UNIT_REQUIRED": "budget_unit",
    "DUPLICATE_CLAIM": "claim_id",
    "INVALID_SERVICE_CHARGE": "service_charge",
    "INVALID_BILLING_CODE": "billing_code",
}


def field_failure(
    request: Request,
    error: SpenddownError,
    ids: Mapping[str, str] | None = None,
    variant: str = "",
    *,
    messages: Mapping[str, str] | None = None,
    code_fields: Mapping[str, str] | None = None,
    default_field: str | None = None,
) -> dict[str, Any]:
    """An error as the GOV.UK / USWDS error pattern shows it (docs/web.md, "Errors"): the
    template variables ``errors`` (each ``{field, id, message, lang}``: the summary at the top
    links ``#id``, the field shows ``message``), ``error`` (the first message; the page title
    gets "Error:"), ``error_lang`` and ``error_code``.

    ``ids`` maps a field name to the id of its input when they differ on the page (the clear
    form's date of service is ``clear_service_date``). A known code keeps its own translated
    words; a field's shape error gets the field's words; anything else shows the use case's
    detail without the leading ``field:`` (in English, marked as such).

    A page may give its own words for its fields (``messages``, over ``FIELD_MESSAGES``), the
    field of codes that name none (``code_fields``, over ``CODE_FIELDS``), and the field of any
    error that names none (``default_field``: a one-field form)."""
    gettext = i18n.gettext_for(language(request))
    field = (
        error.context.get("field")
        or (code_fields or {}).get(error.code)
        or CODE_FIELDS.get(error.code)
        or default_field
    )
    field = field if isinstance(field, str) else None
    words = {**FIELD_MESSAGES, **(messages or {})}
    known = ERRORS.get(error.code + variant) or ERRORS.get(error.code)
    lang: str | None = None
    if known is not None:
        message = gettext(known) + _lockout_note(error, gettext)
    elif field is not None and field in words:
        message = gettext(words[field])
    else:
        message, lang = error.detail, "en"
        if field is not None and message.startswith(field + ":"):
            message = message[len(field) + 1 :].strip()
            message = message[:1].upper() + message[1:]
    target = None if field is None else (ids or {}).get(field, field)
    item = {"field": field, "id": target, "message": message, "lang": lang}
    return {"error": message, "error_lang": lang, "error_code": error.code, "errors": [item]}


def field_error(errors: Any, field: str) -> dict[str, Any] | None:
    """The error of ``field`` among a page's ``errors`` (templates: ``_errors.html``)."""
    for item in errors or ():
        if item.get("field") == field:
            return dict(item)
    return None


TEMPLATES.globals["field_error"] = field_error


# The API's table (entrypoints/api/errors.py), by the kind of error.
def status_of(error: SpenddownError) -> int:
    from spenddown.domain.errors import (
        AuthenticationFailed,
        Forbidden,
        InvalidInput,
        NotFound,
        RuleRefusal,
    )

    table: tuple[tuple[type[SpenddownError], int], ...] = (
        (InvalidInput, 422),
        (RuleRefusal, 409),
        (NotFound, 404),
        (AuthenticationFailed, 401),
        (Forbidden, 403),
    )
    return next((status for kind, status in table if isinstance(error, kind)), 400)
