"""One typed hierarchy of errors, each with a stable UPPER_SNAKE ``code``.

Entrypoints translate the *class* (the kind of failure) into an HTTP status or a CLI exit code
with one table each; the ``code`` tells callers exactly what happened and never changes.
``detail`` is a sentence a person understands; it carries no personal data beyond what the caller
sent (at most the last 4 characters of a member ID).
"""

from __future__ import annotations

from typing import Any


class SpenddownError(Exception):
    """Base of every error a user can see."""

    def __init__(self, code: str, detail: str, **context: Any) -> None:
        super().__init__(f"{code}: {detail}")
        self.code = code
        self.detail = detail
        self.context = context


class InvalidInput(SpenddownError):
    """The request itself is malformed or out of range (CLI exit 2, HTTP 422)."""


class RuleRefusal(SpenddownError):
    """A rule refuses the operation; nothing was changed (CLI exit 3, HTTP 409)."""


class NotFound(SpenddownError):
    """The thing asked for does not exist, or may not be revealed (CLI exit 3, HTTP 404)."""


class AuthenticationFailed(SpenddownError):
    """Wrong or locked credentials (CLI exit 4, HTTP 401)."""


class Forbidden(SpenddownError):
    """Authenticated, but this role may not do this (CLI exit 4, HTTP 403)."""


class ImportErrors(InvalidInput):
    """A dataset with one or more errors; ``errors`` lists every one with its path."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__(
            "IMPORT_INVALID",
            f"The dataset has {len(errors)} error(s); nothing was imported.",
        )
        self.errors = errors


def mask_id(value: str) -> str:
    """Only the last 4 characters of an identifier may appear in logs and messages."""
    return "*" * max(0, len(value) - 4) + value[-4:]
