"""Who is signed in, and the credentials the use cases need.

The session is a signed cookie (Starlette's ``SessionMiddleware``, keyed from the settings'
secret) holding only: the role, the provider's NPI / the member's CIN / the county token's id,
the id of a server-side credential, the CSRF token and the language. It never holds a PIN, a
token, a card issue date or a birth date.

Those secrets live in the database (``services.web_credentials.CredentialStore``, table
``web_credentials``): keyed by the SHA-256 of a random id, sealed with AES-GCM, each expiring 15
minutes after its last use (sliding). A provider's PIN is kept there because every provider use
case (verify, clear, reverse, claims) checks NPI + PIN itself, with the lockout; a family's card
issue date for the balance-billing check; a county worker's bearer token, re-checked on each
action (a revoked token stops working at once). Every server process and host shares them
(docs/operations.md "Several workers and hosts"); when the credential has expired the visitor
signs in again.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from starlette.requests import Request

from spenddown.services.web_credentials import CredentialStore

Vault = CredentialStore  # the pages' name for it


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
