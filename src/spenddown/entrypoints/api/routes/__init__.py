"""Thin routers: parse the request into a command, call one use case, answer with its shape."""

from __future__ import annotations

from typing import Any

import orjson
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from spenddown.entrypoints.api.routing import DecimalJsonRoute
from spenddown.entrypoints.api.schemas import Problem

_DESCRIPTIONS = {
    401: "No credentials, wrong ones, or a locked NPI (`PIN_LOCKED`)",
    403: "These credentials may not do this (`FORBIDDEN`)",
    404: "Not found (`MEMBER_NOT_FOUND`, `CLEARANCE_NOT_FOUND`, `CLAIM_NOT_FOUND`, ...)",
    409: "Refused by a rule; nothing changed (`SOC_ALREADY_MET`, ...)",
    422: "Malformed request, with the `field` path (`INVALID_REQUEST`, `INVALID_AMOUNT`, ...)",
    503: "The database is unavailable; retry (`DATABASE_UNAVAILABLE`)",
    500: "Unexpected error (`INTERNAL_ERROR`)",
}


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Documented problem responses (``app.py`` moves them to ``application/problem+json``)."""
    return {s: {"model": Problem, "description": _DESCRIPTIONS[s]} for s in statuses}


def make_router(
    tag: str, *statuses: int, route_class: type[DecimalJsonRoute] = DecimalJsonRoute
) -> APIRouter:
    return APIRouter(
        tags=[tag],
        route_class=route_class,
        responses=problems(*(statuses or (401, 403, 404, 422)), 500, 503),
    )


class OrjsonResponse(JSONResponse):
    """The same bytes as Starlette's ``JSONResponse`` (compact, UTF-8, keys in order; money is
    already text in the shapes, never a float) made by orjson, several times faster on the
    answers of the hot paths. Anything Starlette's encoder refuses (a ``Decimal``, a date) orjson
    refuses too, or writes as the shapes would (a date as ISO text)."""

    def render(self, content: Any) -> bytes:
        return orjson.dumps(content)


def ok(body: Any, status: int = 200) -> JSONResponse:
    return OrjsonResponse(body, status_code=status)
