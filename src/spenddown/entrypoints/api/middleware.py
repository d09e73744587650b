"""ASGI middleware: the access log line, the request log line, and the last-resort 500.

Pure ASGI (not ``BaseHTTPMiddleware``): nothing is buffered and the access line is written when
the response starts, before the client sees it (see ``audit``)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import anyio
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spenddown import bootstrap
from spenddown.entrypoints.api import audit, errors
from spenddown.services.access import record_access

log = logging.getLogger("spenddown.api")


class AccessLogMiddleware:
    def __init__(self, app: ASGIApp, spenddown: Callable[[], bootstrap.App]) -> None:
        self.app = app
        self.spenddown = spenddown

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        entry = audit.AccessEntry()
        scope.setdefault("state", {})[audit.STATE_KEY] = entry
        started = time.perf_counter()
        # ``logged``: the access line was attempted (once); ``sent``: the client has a status.
        logged = sent = False

        async def send_logged(message: Message) -> None:
            nonlocal logged, sent
            if message["type"] == "http.response.start":
                if not logged:
                    logged = True
                    await self._finish(scope, entry, int(message["status"]), started)
                sent = True
            await send(message)

        try:
            await self.app(scope, receive, send_logged)
        except Exception as error:
            route = getattr(scope.get("route"), "path", "-")
            errors.log_unexpected(error, scope.get("method", "-"), route)
            if sent:
                return  # the client has its status already; the connection just ends
            entry.outcome = entry.outcome or "INTERNAL_ERROR"
            await errors.internal_error_response()(scope, receive, send_logged)

    async def _finish(
        self, scope: Scope, entry: audit.AccessEntry, status: int, started: float
    ) -> None:
        route = getattr(scope.get("route"), "path", None) or "-"
        log.info(
            "%s %s %d %.1fms",
            scope.get("method", "-"),
            route,
            status,
            (time.perf_counter() - started) * 1000,
        )
        if entry.action is None:
            return
        outcome = entry.outcome or ("OK" if status < 400 else f"HTTP_{status}")
        app = self.spenddown()
        action = entry.action

        def write() -> None:
            record_access(entry.role, entry.actor, action, entry.cin, outcome, app.uow(), app.env)

        await anyio.to_thread.run_sync(write)
