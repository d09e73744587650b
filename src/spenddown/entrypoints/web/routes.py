"""All the pages' routes (none in the OpenAPI document): home, language, sign-out, and the
three views."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from spenddown.entrypoints.web import (
    county,
    county_changes,
    county_receipts,
    family,
    i18n,
    provider,
    sessions,
)
from spenddown.entrypoints.web.app import (
    csrf_refused,
    render,
    same_site_path,
    signed_in,
    vault,
)

router = APIRouter(include_in_schema=False)


@router.api_route("/", methods=["GET", "HEAD"])
def home(request: Request) -> Response:
    return render(request, "home.html")


@router.get("/language/{code}")
def choose_language(request: Request, code: str, next: str = "/") -> Response:
    """The language switch: kept in the session, then back to the page."""
    if code in i18n.LANGUAGES:
        sessions.session(request)["lang"] = code
    return RedirectResponse(same_site_path(next, "/"), status_code=303)


@router.post("/sign-out")
def sign_out(request: Request, csrf: Annotated[str, Form(alias="csrf_token")] = "") -> Response:
    if not sessions.csrf_ok(request, csrf):
        return csrf_refused(request, "home.html", {})
    sessions.sign_out(request, vault(request))
    return RedirectResponse("/?signed_out=1", status_code=303)


@router.post("/session/keep-alive")
def keep_alive(request: Request, csrf: Annotated[str, Form(alias="csrf_token")] = "") -> Response:
    """The timeout warning's "Stay signed in": renews the session's credential (15 minutes from
    now); 401 when it has already ended."""
    role = sessions.session(request).get("role")
    if not sessions.csrf_ok(request, csrf) or not isinstance(role, str):
        return Response(status_code=401)
    return Response(status_code=204 if signed_in(request, role) else 401)


router.include_router(provider.router)
router.include_router(family.router)
router.include_router(county.router)
router.include_router(county_receipts.router)
router.include_router(county_changes.router)
