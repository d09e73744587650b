"""Errors as RFC 9457 problem details (``application/problem+json``), from ONE table.

| error class            | HTTP | examples of ``code``                                   |
|------------------------|------|--------------------------------------------------------|
| ImportErrors           | 422  | IMPORT_INVALID (with ``errors``: every path)           |
| InvalidInput           | 422  | INVALID_AMOUNT, INVALID_MEMBER_ID, INVALID_REQUEST     |
| RuleRefusal            | 409  | SOC_ALREADY_MET, DUPLICATE_CLEARANCE, ALREADY_REVERSED |
| NotFound               | 404  | MEMBER_NOT_FOUND, CLEARANCE_NOT_FOUND, NOT_FOUND       |
| AuthenticationFailed   | 401  | AUTHENTICATION_REQUIRED, INVALID_CREDENTIALS, PIN_LOCKED |
| Forbidden              | 403  | FORBIDDEN                                              |
| (database unavailable) | 503  | DATABASE_UNAVAILABLE                                   |
| anything else          | 500  | INTERNAL_ERROR (no details; logged without data)       |

Malformed requests (FastAPI's validation) are 422 ``INVALID_REQUEST`` with the ``field`` path,
or the domain's own code when a domain value was refused (``INVALID_AMOUNT`` for
``incomes[0].amount``), and ``errors`` listing every field.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from sqlalchemy.exc import DataError, DBAPIError, InterfaceError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from spenddown.domain.errors import (
    AuthenticationFailed,
    Forbidden,
    ImportErrors,
    InvalidInput,
    NotFound,
    RuleRefusal,
    SpenddownError,
)
from spenddown.entrypoints import shapes
from spenddown.entrypoints.api import audit

log = logging.getLogger("spenddown.api")

PROBLEM_MEDIA_TYPE = "application/problem+json"

# The one translation table: error class → HTTP status (first match wins).
HTTP_STATUS: tuple[tuple[type[SpenddownError], int], ...] = (
    (ImportErrors, 422),
    (InvalidInput, 422),
    (RuleRefusal, 409),
    (NotFound, 404),
    (AuthenticationFailed, 401),
    (Forbidden, 403),
)
# Basic for providers (NPI:PIN), Bearer for county, plan and admin tokens.
CHALLENGE = 'Basic realm="spenddown", Bearer realm="spenddown"'


def status_of(error: SpenddownError) -> int:
    return next((status for kind, status in HTTP_STATUS if isinstance(error, kind)), 400)


def problem_response(
    body: dict[str, Any], status: int, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


def _simple(code: str, title: str, status: int, detail: str) -> dict[str, Any]:
    return {
        "type": shapes.problem_type(code),
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }


def _record(request: Request, code: str) -> None:
    audit.current(request).outcome = code


async def spenddown_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, SpenddownError)
    status = status_of(error)
    _record(request, error.code)
    headers = {"WWW-Authenticate": CHALLENGE} if status == 401 else None
    return problem_response(shapes.problem(error, status), status, headers)


def _field(location: Sequence[Any]) -> tuple[str, str]:
    """``("body", "incomes", 0, "amount")`` → (``"incomes[0].amount"``, ``"body"``)."""
    where = str(location[0]) if location else "body"
    parts = list(location[1:]) if where in ("body", "query", "path", "header") else list(location)
    text = ""
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += ("." if text else "") + str(part)
    return text or where, where


def _code(kind: str) -> str:
    # Our field validators use the domain code as the error type (schemas.py).
    return kind if kind.isupper() and kind.replace("_", "").isalnum() else "INVALID_REQUEST"


async def validation_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, RequestValidationError)
    errors = []
    for item in error.errors():
        field, where = _field(item.get("loc", ()))
        message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
        if item.get("type") == "json_invalid":
            field, message = "body", "the body is not valid JSON."
        errors.append(
            {
                "field": field,
                "location": where,
                "code": _code(str(item.get("type", ""))),
                "message": message,
            }
        )
    first = errors[0] if errors else {"field": "body", "code": "INVALID_REQUEST", "message": ""}
    code = first["code"]
    _record(request, code)
    body = _simple(code, "Invalid input", 422, f"{first['field']}: {first['message']}")
    body["field"] = first["field"]
    body["errors"] = errors
    return problem_response(body, 422)


# Addresses of the machine interfaces: a 404 there is problem+json whatever the client accepts.
MACHINE_PREFIXES = ("/v1/", "/fhir", "/x12", "/openapi", "/docs", "/redoc", "/healthz")


def wants_page(request: Request) -> bool:
    """A browser asking for a page (not an API client): an HTML 404 in the page's language."""
    return "text/html" in request.headers.get("accept", "") and not request.url.path.startswith(
        MACHINE_PREFIXES
    )


async def http_error(request: Request, error: Exception) -> Response:
    assert isinstance(error, StarletteHTTPException)
    status = error.status_code
    if status == 404 and wants_page(request):
        from spenddown.entrypoints.web.app import render

        _record(request, "NOT_FOUND")
        return render(request, "not_found.html", status=404)
    code, title = {
        404: ("NOT_FOUND", "Not found"),
        405: ("METHOD_NOT_ALLOWED", "Method not allowed"),
        401: ("AUTHENTICATION_REQUIRED", "Authentication failed"),
        403: ("FORBIDDEN", "Forbidden"),
    }.get(status, (f"HTTP_{status}", "Error"))
    detail = {
        404: "There is nothing at this address.",
        405: "This address does not accept this method.",
    }.get(status, str(error.detail))
    _record(request, code)
    headers = dict(error.headers or {})
    if status == 401:
        headers["WWW-Authenticate"] = CHALLENGE
    return problem_response(_simple(code, title, status, detail), status, headers or None)


def is_unavailable(error: BaseException) -> bool:
    """The database cannot be reached or used right now (connection refused or lost, server
    shutting down, pool exhausted, SQLite locked): the client should retry."""
    if isinstance(error, PoolTimeout):
        return True
    return isinstance(error, DBAPIError) and (
        error.connection_invalidated or isinstance(error, OperationalError | InterfaceError)
    )


UNAVAILABLE = "The database is not available at the moment; nothing was changed. Try again."
# When the access line cannot be written the use case may have committed already.
UNLOGGED = (
    "The database is not available at the moment and this request could not be written to the "
    "access log. Try again (a clearance sent again with its idempotency key is applied once)."
)


def unavailable_response(detail: str = UNAVAILABLE) -> JSONResponse:
    body = _simple("DATABASE_UNAVAILABLE", "Service unavailable", 503, detail)
    return problem_response(body, 503, {"Retry-After": "1"})


async def database_error(request: Request, error: Exception) -> JSONResponse:
    """A lost connection or a locked database: tell the client to retry; no SQL, no values.
    A value the database refuses (``DataError``: too long, not representable) is bad input."""
    if isinstance(error, DataError):
        _record(request, "INVALID_REQUEST")
        body = _simple(
            "INVALID_REQUEST",
            "Invalid input",
            422,
            "A value is too long or cannot be stored; nothing was changed.",
        )
        return problem_response(body, 422)
    if not is_unavailable(error):
        return await unexpected_error(request, error)
    orig = getattr(error, "orig", None) or error
    log.warning("database unavailable: %s", type(orig).__name__)
    _record(request, "DATABASE_UNAVAILABLE")
    return unavailable_response()


def log_unexpected(error: BaseException, method: str, route: str) -> None:
    """The log names the exception class and where it was raised, never its message (a
    database error's message carries the statement's values)."""
    frames = traceback.extract_tb(error.__traceback__)
    where = " < ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.name}:{f.lineno}" for f in frames[-8:])
    log.error("unexpected %s on %s %s at %s", type(error).__name__, method, route, where)


def internal_error_response() -> JSONResponse:
    body = _simple(
        "INTERNAL_ERROR",
        "Internal error",
        500,
        "Something went wrong on our side; it has been logged without your data.",
    )
    return problem_response(body, 500)


async def unexpected_error(request: Request, error: Exception) -> JSONResponse:
    route = getattr(request.scope.get("route"), "path", "-")
    log_unexpected(error, request.method, route)
    _record(request, "INTERNAL_ERROR")
    return internal_error_response()


def install(app: FastAPI) -> None:
    app.add_exception_handler(SpenddownError, spenddown_error)
    app.add_exception_handler(RequestValidationError, validation_error)
    app.add_exception_handler(StarletteHTTPException, http_error)
    app.add_exception_handler(DBAPIError, database_error)
    app.add_exception_handler(PoolTimeout, database_error)
    # Any other exception is answered by ``middleware.AccessLogMiddleware`` (never re-raised to
    # the server, whose log would print the exception's message).
