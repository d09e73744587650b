"""ASGI middleware: the access log line, the request log line, and the last-resort 500.

Pure ASGI (not ``BaseHTTPMiddleware``): nothing is buffered and the access line is written when
the response starts, before the client sees it (see ``audit``).

The lines are written by ``AccessLogWriter`` with a group commit: a request hands its line to
one writer thread and waits until it is committed; the thread commits every line waiting at that
moment in one transaction. Alone, a request pays one transaction as before; under load, 32
concurrent requests share a few commits instead of paying one each (issue 7, figure 2)."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, InvalidStateError

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from spenddown import bootstrap
from spenddown.config import Network
from spenddown.entrypoints.api import audit, errors
from spenddown.services.access import record_accesses
from spenddown.services.common import origin
from spenddown.services.ports import AccessRecord

log = logging.getLogger("spenddown.api")


class AccessLogWriter:
    """Group commit of access-log lines, by one thread that runs while there is work.

    ``write`` returns once the line is committed, or raises what prevented it (the request then
    fails rather than going unlogged: 503 when the database is unavailable, else 500). When a
    transaction of many lines fails, they are retried one by one, so that one bad line fails
    only its own request. The thread stops
    after ``IDLE_SECONDS`` without lines and is started again by the next one (nothing is left
    running behind an app that is no longer used)."""

    IDLE_SECONDS = 1.0
    MAX_BATCH = 500

    def __init__(self, spenddown: Callable[[], bootstrap.App]) -> None:
        self._spenddown = spenddown
        self._lines: queue.SimpleQueue[tuple[AccessRecord, Future[None]]] = queue.SimpleQueue()
        self._lock = threading.Lock()  # guards starting and stopping the thread
        self._running = False

    async def write(self, record: AccessRecord) -> None:
        committed: Future[None] = Future()
        with self._lock:
            self._lines.put((record, committed))
            if not self._running:
                self._running = True
                threading.Thread(target=self._run, name="access-log", daemon=True).start()
        # Shielded: a client that goes away does not unlog its request (the line is written).
        await asyncio.shield(asyncio.wrap_future(committed))

    def _run(self) -> None:
        try:
            self._serve()
        except BaseException as error:  # never leave a request waiting for a dead thread
            with self._lock:
                self._running = False
                while not self._lines.empty():
                    _settle(self._lines.get_nowait()[1], error)
            raise

    def _serve(self) -> None:
        while True:
            try:
                first = self._lines.get(timeout=self.IDLE_SECONDS)
            except queue.Empty:
                with self._lock:
                    if self._lines.empty():
                        self._running = False
                        return
                continue
            batch = [first]
            while len(batch) < self.MAX_BATCH:
                try:
                    batch.append(self._lines.get_nowait())
                except queue.Empty:
                    break
            self._commit(batch)

    def _commit(self, batch: list[tuple[AccessRecord, Future[None]]]) -> None:
        try:
            record_accesses([record for record, _ in batch], self._spenddown().uow())
        except Exception as error:
            if len(batch) > 1:
                for line in batch:
                    self._commit([line])
                return
            _settle(batch[0][1], error)
            return
        for _, committed in batch:
            _settle(committed, None)


def _settle(future: Future[None], error: BaseException | None) -> None:
    try:
        if error is None:
            future.set_result(None)
        else:
            future.set_exception(error)
    except InvalidStateError:  # cancelled by its waiter meanwhile
        pass


def _in(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def caller_address(scope: Scope, proxies: tuple[Network, ...]) -> str:
    """The caller's address: the peer, or, when the peer is a configured proxy
    (``SPENDDOWN_TRUSTED_PROXIES``), the nearest address in ``X-Forwarded-For`` that is not one
    of the proxies. Without configured proxies the header is ignored (anyone can send it)."""
    client = scope.get("client")
    peer = str(client[0]) if client else ""
    if not proxies or not _in(peer, proxies):
        return peer[:64]
    hops: list[str] = []
    for name, value in scope.get("headers", []):
        if name == b"x-forwarded-for":
            hops += [h.strip() for h in value.decode("latin-1").split(",") if h.strip()]
    for hop in reversed(hops):
        if not _in(hop, proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer[:64]  # a forged or broken header: the proxy is all we know
    return peer[:64]


class AccessLogMiddleware:
    def __init__(
        self,
        app: ASGIApp,
        spenddown: Callable[[], bootstrap.App],
        proxies: tuple[Network, ...] = (),
    ) -> None:
        self.app = app
        self.spenddown = spenddown
        self.proxies = proxies
        self.writer = AccessLogWriter(spenddown)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        entry = audit.AccessEntry(address=caller_address(scope, self.proxies))
        scope.setdefault("state", {})[audit.STATE_KEY] = entry
        started = time.perf_counter()
        # ``logged``: the access line was attempted (once); ``sent``: the client has a status;
        # ``replaced``: the line could not be written for want of a database, the client got a
        # 503 instead of the application's answer (whose remaining messages are dropped).
        logged = sent = replaced = False

        async def send_logged(message: Message) -> None:
            nonlocal logged, sent, replaced
            if replaced:
                return
            if message["type"] == "http.response.start":
                if not logged:
                    logged = True
                    try:
                        await self._finish(scope, entry, int(message["status"]), started)
                    except Exception as error:
                        if not errors.is_unavailable(error):
                            raise
                        log.warning("access log unavailable: %s", type(error).__name__)
                        replaced = sent = True
                        unlogged = errors.unavailable_response(errors.UNLOGGED)
                        await unlogged(scope, receive, send)
                        return
                sent = True
            await send(message)

        try:
            with origin(entry.address):  # the lockout counts failures per address too
                await self.app(scope, receive, send_logged)
        except Exception as error:
            if sent:
                if not replaced:
                    route = getattr(scope.get("route"), "path", "-")
                    errors.log_unexpected(error, scope.get("method", "-"), route)
                return  # the client has its status already; the connection just ends
            if errors.is_unavailable(error):
                entry.outcome = "DATABASE_UNAVAILABLE"
                await errors.unavailable_response()(scope, receive, send_logged)
                return
            route = getattr(scope.get("route"), "path", "-")
            errors.log_unexpected(error, scope.get("method", "-"), route)
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
        now = self.spenddown().env.clock.now()
        await self.writer.write(
            AccessRecord(
                now,
                entry.actor,
                entry.role,
                entry.action,
                entry.cin,
                outcome,
                address=entry.address or None,
            )
        )
