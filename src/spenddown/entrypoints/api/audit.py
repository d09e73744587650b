"""The access log of the API, and the application's request log without personal data.

docs/api.md "The access log": every request that reads or changes member data is written to an
append-only log
(who, role, what, which member, when, outcome), refused requests included. Each route that
touches member data names its action with ``audited("...")``; authentication fills in who; the
member comes from the path, the query or the body (``member_id``) or from the route (a reversal
learns it from the clearance); the outcome is ``OK`` or the problem's ``code``.

The line is written when the response starts, before the client sees it: a request whose access
could not be logged fails rather than going unlogged (503 `DATABASE_UNAVAILABLE` with
``Retry-After`` when the database is unavailable, else 500).

The request log (logger ``spenddown.api``) shows the method, the route *template*
(``/v1/soc/obligations/{member_id}/{month}``), the status and the time: never a member ID, a
token or a PIN.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import Any

from fastapi import Depends, Request

from spenddown.domain.errors import InvalidInput
from spenddown.domain.identifiers import parse_member_id

STATE_KEY = "spenddown_access"


@dataclass
class AccessEntry:
    action: str | None = None
    role: str = "anonymous"
    actor: str = "-"
    cin: str | None = None
    outcome: str | None = None
    address: str = ""  # the caller's address (``middleware.caller_address``)


def current(request: Request) -> AccessEntry:
    """The access entry of this request (created by the middleware)."""
    entry = request.scope.setdefault("state", {}).get(STATE_KEY)
    if entry is None:  # outside the middleware (never in the app)
        entry = AccessEntry()
        request.scope["state"][STATE_KEY] = entry
    assert isinstance(entry, AccessEntry)
    return entry


def _cin(value: Any) -> str | None:
    if not isinstance(value, str) or len(value) > 40:
        return None
    try:
        return parse_member_id(value).cin
    except InvalidInput:
        return None


def audited(action: str) -> Any:
    """Route dependency: this route touches member data; log it as ``action``."""

    async def name_action(request: Request) -> None:
        entry = current(request)
        entry.action = action
        cin = _cin(request.path_params.get("member_id")) or _cin(
            request.query_params.get("member_id")
        )
        body = getattr(request, "_json", None)  # parsed by FastAPI before the dependencies
        if cin is None and isinstance(body, dict):
            cin = _cin(body.get("member_id"))
        entry.cin = cin

    return Depends(name_action)


# uvicorn's own access log prints the raw path. It is switched off by ``app.run``; if someone
# runs uvicorn directly, this filter masks member IDs (CIN or card ID) to their last 4 characters.
_MEMBER_ID = re.compile(r"\b(\d{8}[A-Za-z](?:\d{5})?)\b")
_SECRETS = re.compile(r"(?i)((?:token|pin|key)=)[^&\s]+")


def mask_text(text: str) -> str:
    text = _MEMBER_ID.sub(lambda m: "*" * (len(m.group(1)) - 4) + m.group(1)[-4:], text)
    return _SECRETS.sub(r"\1***", text)


class MaskMemberIds(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(mask_text(a) if isinstance(a, str) else a for a in record.args)
        if isinstance(record.msg, str):
            record.msg = mask_text(record.msg)
        return True
