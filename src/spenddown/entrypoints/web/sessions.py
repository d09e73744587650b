"""Who is signed in, and the credentials the use cases need.

The session is a signed cookie (Starlette's ``SessionMiddleware``, keyed from the settings'
secret) holding only: the role, the provider's NPI / the member's CIN / the county token's id,
the id of a server-side credential, the CSRF token and the language. It never holds a PIN, a
token, a card issue date or a birth date.

Those secrets live in ``Vault``: an in-memory dict keyed by a random id, each entry expiring 15
minutes after its last use (sliding). A provider's PIN is kept there because every provider use
case (verify, clear, reverse, claims) checks NPI + PIN itself, with the lockout; a family's card
issue date for the balance-billing check; a county worker's bearer token, re-checked on each
action (a revoked token stops working at once). When the entry has expired, or the server was
restarted, the visitor signs in again. One server process holds the vault: several worker
processes would need sticky sessions (docs/web.md).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

CREDENTIAL_SECONDS = 15 * 60
MAX_ENTRIES = 100_000  # a bound on memory; the oldest entries go first


@dataclass
class _Entry:
    role: str
    subject: str
    secrets: dict[str, str]
    expires: float


@dataclass
class Vault:
    """Server-side, short-lived credentials keyed by a random id (thread-safe)."""

    seconds: float = CREDENTIAL_SECONDS
    clock: Callable[[], float] = time.monotonic
    _entries: dict[str, _Entry] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, role: str, subject: str, values: dict[str, str]) -> str:
        key = secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            self._purge(now)
            if len(self._entries) >= MAX_ENTRIES:
                oldest = min(self._entries, key=lambda k: self._entries[k].expires)
                del self._entries[oldest]
            self._entries[key] = _Entry(role, subject, dict(values), now + self.seconds)
        return key

    def get(self, key: str | None, role: str, subject: str) -> dict[str, str] | None:
        """The secrets of a live entry for this role and subject (and its expiry renewed)."""
        if not key:
            return None
        now = self.clock()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry.expires <= now or entry.role != role or entry.subject != subject:
                del self._entries[key]
                return None
            entry.expires = now + self.seconds
            return dict(entry.secrets)

    def update(self, key: str | None, values: dict[str, str]) -> None:
        """Add ``values`` to a live entry's secrets (the desk's last verification, shown again
        when a clearance is refused); nothing when the entry is gone."""
        if not key:
            return
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                entry.secrets.update(values)

    def drop(self, key: str | None) -> None:
        if key:
            with self._lock:
                self._entries.pop(key, None)

    def _purge(self, now: float) -> None:
        for key in [k for k, e in self._entries.items() if e.expires <= now]:
            del self._entries[key]


# --- the session cookie ------------------------------------------------------------------------
CSRF_KEY = "csrf"


def session(request: Request) -> dict[str, Any]:
    data: dict[str, Any] = request.session
    return data


def csrf_token(request: Request) -> str:
    """This session's CSRF token (created on first use)."""
    data = session(request)
    token = data.get(CSRF_KEY)
    if not isinstance(token, str) or not token:
        token = secrets.token_urlsafe(32)
        data[CSRF_KEY] = token
    return token


def csrf_ok(request: Request, sent: str | None) -> bool:
    expected = session(request).get(CSRF_KEY)
    return (
        isinstance(expected, str)
        and bool(expected)
        and isinstance(sent, str)
        and hmac.compare_digest(expected.encode(), sent.encode())
    )


def sign_in(request: Request, role: str, subject: str, credential: str) -> None:
    """A new session for a signed-in user: a fresh CSRF token, the language kept."""
    data = session(request)
    language = data.get("lang")
    data.clear()
    data.update(role=role, subject=subject, credential=credential)
    if language:
        data["lang"] = language
    csrf_token(request)


def sign_out(request: Request, vault: Vault) -> None:
    data = session(request)
    vault.drop(data.get("credential"))
    language = data.get("lang")
    data.clear()
    if language:
        data["lang"] = language
