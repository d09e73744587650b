"""County pages for a Share of Cost over time (docs/web.md, "County pages"): a change of
circumstance with its notice of action (the use case of ``soc change`` and
``POST /v1/soc/changes``), the notice as a page in English or Spanish and as a PDF, and a state
hearing request on it (the use case of ``notices hearing``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from spenddown.domain.errors import Forbidden, NotFound, SpenddownError
from spenddown.domain.notices import Notice
from spenddown.entrypoints import notices, over_time_shapes
from spenddown.entrypoints.taglines import TAGLINES
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
    MESSAGES,
    ROLE,
    SIGN_IN,
    Csrf,
    FormText,
    _worker,
    county_failure,
)
from spenddown.entrypoints.web.i18n import N_
from spenddown.services import soc_over_time
from spenddown.services.access import Principal, in_county
from spenddown.services.common import today
from spenddown.services.over_time_ports import HearingRecord

router = APIRouter(include_in_schema=False)
PAGE = "/county/changes"
TEMPLATE = "county_change.html"
NOTICE_TEMPLATE = "county_notice.html"
IDS: Mapping[str, str] = {
    "case_id": "c_case",
    "budget_unit": "c_unit",
    "amount": "c_amount",
    "changed": "c_changed",
    "reported": "c_reported",
    "reason": "c_reason",
}
HEARING_IDS: Mapping[str, str] = {"requested": "h_requested"}
CHANGE_MESSAGES: Mapping[str, str] = {
    **MESSAGES,
    "amount": N_("Enter the new Share of Cost in dollars and cents, for example 700.00."),
    "changed": N_("Enter the date the change happened, for example 2026-11-20."),
    "reported": N_("Enter the date the change was reported, for example 2026-11-23."),
    "reason": N_("Enter the reason for the change, at most 500 characters: it is on the notice."),
    "requested": N_("Enter the date the hearing was asked for, for example 2026-11-23."),
}
VARIANT = "_CHANGE"  # this page's words for a code (app.ERRORS "NO_SOC_FOR_MONTH_CHANGE")


def notice_link(notice_id: str) -> str:
    return "/county/notices/" + quote(notice_id, safe="")


def _in_scope(principal: Principal, request: Request, case_id: str) -> None:
    """The case must be of the worker's county (a statewide token sees every county; the API's
    ``_county_scope`` check, for the pages)."""
    if not in_county(principal, spenddown(request).uow(), case_id=case_id):
        raise Forbidden("FORBIDDEN", "This case is not in this token's county.", field="case_id")


def _context(request: Request, **extra: Any) -> dict[str, Any]:
    day = today(spenddown(request).env).isoformat()
    form = {
        "case_id": "",
        "budget_unit": "A",
        "amount": "",
        "changed": day,
        "reported": day,
        "reason": "",
    }
    return {"form": form, **extra}


@router.get(PAGE)
def change_page(request: Request, case_id: str = "", budget_unit: str = "") -> Response:
    """The form, filled from a case's page (``?case_id=…&budget_unit=…``)."""
    if _worker(request) is None:
        return sign_in_again(request, ROLE, SIGN_IN)
    context = _context(request)
    if case_id:
        context["form"].update(case_id=case_id[:40], budget_unit=budget_unit[:20] or "A")
    return render(request, TEMPLATE, context)


@router.post(PAGE)
def change(
    request: Request,
    csrf: Csrf = "",
    case_id: FormText = "",
    budget_unit: FormText = "",
    amount: FormText = "",
    changed: FormText = "",
    reported: FormText = "",
    reason: FormText = "",
) -> Response:
    principal = _worker(request)
    if principal is None:
        return sign_in_again(request, ROLE, SIGN_IN)
    context = _context(request)
    context["form"] = {
        "case_id": case_id[:40],
        "budget_unit": budget_unit[:20],
        "amount": amount[:20],
        "changed": changed[:10],
        "reported": reported[:10],
        "reason": reason[:500],
    }
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, TEMPLATE, context)
    app = spenddown(request)
    try:
        case = forms.text(case_id, "case_id", limit=40)
        _in_scope(principal, request, case)
        cmd = soc_over_time.ChangeShareOfCost(
            case_id=case,
            budget_unit=forms.text(budget_unit, "budget_unit", limit=20),
            amount=forms.required_money(amount, "amount", language(request)),
            changed=forms.day_at(changed, "changed"),
            reported=forms.day_at(reported, "reported"),
            reason=forms.text(reason, "reason", limit=500),
        )
        result = soc_over_time.change_share_of_cost(cmd, app.uow(), app.env)
    except SpenddownError as error:
        audit(request, ROLE, principal.actor, "soc.change", None, error.code)
        shown = county_failure(
            request, error, "change", IDS, messages=CHANGE_MESSAGES, variant=VARIANT
        )
        return render(request, TEMPLATE, {**context, **shown}, status_of(error))
    audit(request, ROLE, principal.actor, "soc.change", None, "OK")
    done = over_time_shapes.change(result)
    return render(
        request,
        TEMPLATE,
        {**context, "change": done, "notice_link": notice_link(done["notice_id"])},
    )


# --- the notice and its hearing request -------------------------------------------------------
def _notice(
    request: Request, principal: Principal, notice_id: str
) -> tuple[Notice, HearingRecord | None]:
    """The notice, or NOTICE_NOT_FOUND, also for a notice of another county's case (the
    worker learns nothing of it)."""
    found = soc_over_time.get_notice(
        forms.text(notice_id, "notice_id", limit=40), spenddown(request).uow()
    )
    if not in_county(principal, spenddown(request).uow(), case_id=found[0].case_id):
        raise NotFound("NOTICE_NOT_FOUND", "No such notice.")
    return found


def _notice_lang(request: Request, chosen: str) -> str:
    return chosen if chosen in notices.LANGUAGES else language(request)


def _notice_context(
    request: Request, notice: Notice, hearing: HearingRecord | None, lang: str
) -> dict[str, Any]:
    title, sections = notices.document(notice, lang, hearing)
    return {
        "notice": notice,
        "hearing": hearing,
        "facts": notice.facts,
        "notice_lang": lang,
        "notice_title": title,
        "sections": sections[:-1],  # the last one is the taglines, each in its own language
        "help_heading": sections[-1].heading,
        "taglines": TAGLINES,
        "case_link": "/county/cases/" + quote(notice.case_id, safe=""),
        "link": notice_link(notice.notice_id),
        "hearing_form": {"requested": today(spenddown(request).env).isoformat()},
    }


@router.get("/county/notices/{notice_id}.pdf")
def notice_pdf(request: Request, notice_id: str, notice_lang: str = "") -> Response:
    principal = _worker(request)
    if principal is None:
        return sign_in_again(request, ROLE, SIGN_IN)
    try:
        notice, hearing = _notice(request, principal, notice_id)
    except SpenddownError as error:
        audit(request, ROLE, principal.actor, "notice.show", None, error.code)
        return render(request, "not_found.html", status=404)
    audit(request, ROLE, principal.actor, "notice.show", None, "OK")
    lang = _notice_lang(request, notice_lang)
    name = f"notice-{notice.notice_id}-{lang}.pdf"
    return Response(
        notices.as_pdf(notice, lang, hearing),
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{quote(name)}"',
            "Cache-Control": "no-store",
            "X-Content-Type-Options": "nosniff",
        },
    )


@router.get("/county/notices/{notice_id}")
def notice_page(request: Request, notice_id: str, notice_lang: str = "") -> Response:
    """The notice in the county's layout, in ``notice_lang`` (en or es) whatever the page's
    language, with its PDF and the hearing request form."""
    principal = _worker(request)
    if principal is None:
        return sign_in_again(request, ROLE, SIGN_IN)
    try:
        notice, hearing = _notice(request, principal, notice_id)
    except SpenddownError as error:
        audit(request, ROLE, principal.actor, "notice.show", None, error.code)
        return render(request, "not_found.html", status=404)
    audit(request, ROLE, principal.actor, "notice.show", None, "OK")
    lang = _notice_lang(request, notice_lang)
    return render(request, NOTICE_TEMPLATE, _notice_context(request, notice, hearing, lang))


@router.post("/county/notices/{notice_id}/hearing")
def hearing_request(
    request: Request,
    notice_id: str,
    csrf: Csrf = "",
    requested: FormText = "",
    notice_lang: FormText = "",
) -> Response:
    """Record a state hearing request (W&I 10951); asked for before an increase's effective
    month, the old Share of Cost stays until the decision (aid paid pending)."""
    principal = _worker(request)
    if principal is None:
        return sign_in_again(request, ROLE, SIGN_IN)
    try:
        notice, hearing = _notice(request, principal, notice_id)
    except SpenddownError as error:
        audit(request, ROLE, principal.actor, "notice.hearing", None, error.code)
        return render(request, "not_found.html", status=404)
    lang = _notice_lang(request, notice_lang)
    context = _notice_context(request, notice, hearing, lang)
    context["hearing_form"] = {"requested": requested[:10]}
    context["here"] = context["link"]  # the language switch goes back to the notice
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, NOTICE_TEMPLATE, context)
    app = spenddown(request)
    try:
        result = soc_over_time.request_hearing(
            notice.notice_id, forms.day_at(requested, "requested"), app.uow(), app.env
        )
    except SpenddownError as error:
        audit(request, ROLE, principal.actor, "notice.hearing", None, error.code)
        shown = county_failure(
            request, error, "hearing", HEARING_IDS, messages=CHANGE_MESSAGES, variant=VARIANT
        )
        return render(request, NOTICE_TEMPLATE, {**context, **shown}, status_of(error))
    audit(request, ROLE, principal.actor, "notice.hearing", None, "OK")
    context = _notice_context(request, result.notice, result.hearing, lang)
    context["heard"] = over_time_shapes.hearing(result)
    context["here"] = context["link"]
    return render(request, NOTICE_TEMPLATE, context)
