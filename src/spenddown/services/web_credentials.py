"""The web pages' server-side credentials, in the database (docs/web.md "Sessions").

The signed session cookie holds only a random id. What a signed-in page needs again on each
action (a provider's PIN, a county worker's token, a family's card dates) is kept in the table
``web_credentials``, so that every server process and every host behind the proxy sees the same
sessions:

- the row's key is the SHA-256 of the id: a database dump gives no cookie;
- the secrets, with the role and subject they belong to, are sealed (``Sealer``: AES-GCM under a
  key derived from ``SPENDDOWN_SECRET_KEY``) with the row's key as associated data: a dump holds
  no PIN, and a row changed or copied under another key is refused (and deleted);
- the expiry slides: 15 minutes after the last use, renewed at most once a minute (a page view
  is a read, not a write, most of the time); expired rows are deleted when someone signs in.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from spenddown.services.ports import Clock, Sealer, UnitOfWork

CREDENTIAL_SECONDS = 15 * 60
RENEW_AFTER_SECONDS = 60  # a live credential's expiry is written again at most this often


def _row_key(credential: str) -> str:
    return hashlib.sha256(credential.encode("utf-8", "replace")).hexdigest()


@dataclass
class CredentialStore:
    """Short-lived credentials keyed by a random id, shared through the database."""

    uow: Callable[[], UnitOfWork]
    sealer: Sealer
    clock: Clock
    seconds: float = CREDENTIAL_SECONDS

    def put(self, role: str, subject: str, values: dict[str, str]) -> str:
        """A new credential for ``role``/``subject``; its id (for the signed cookie)."""
        credential = secrets.token_urlsafe(32)
        key = _row_key(credential)
        plain = json.dumps({"role": role, "subject": subject, "secrets": dict(values)})
        now = self.clock.now()
        with self.uow() as uow:
            uow.repo.drop_expired_web_credentials(now)
            uow.repo.add_web_credential(
                key,
                self.sealer.seal(plain.encode(), key.encode()),
                now + timedelta(seconds=self.seconds),
            )
            uow.commit()
        return credential

    def get(self, credential: str | None, role: str, subject: str) -> dict[str, str] | None:
        """The secrets of a live credential of this role and subject (its expiry renewed);
        None when it is missing, expired, of someone else, or does not open (then deleted)."""
        if not credential:
            return None
        key = _row_key(credential)
        now = self.clock.now()
        with self.uow() as uow:
            stored = uow.repo.web_credential(key)
            if stored is None:
                return None
            opened = self._open(stored.sealed, key)
            if (
                opened is None
                or stored.expires_at <= now
                or opened.get("role") != role
                or opened.get("subject") != subject
            ):
                uow.repo.drop_web_credential(key)
                uow.commit()
                return None
            renewed = now + timedelta(seconds=self.seconds)
            if renewed - stored.expires_at >= timedelta(seconds=RENEW_AFTER_SECONDS):
                uow.repo.renew_web_credential(key, renewed)
                uow.commit()
        held = opened.get("secrets")
        return {str(k): str(v) for k, v in held.items()} if isinstance(held, dict) else {}

    def update(self, credential: str | None, values: dict[str, str]) -> None:
        """Add ``values`` to a live credential's secrets (the desk's last verification, shown
        again when a clearance is refused); nothing when it is gone."""
        if not credential:
            return
        key = _row_key(credential)
        now = self.clock.now()
        with self.uow() as uow:
            stored = uow.repo.web_credential(key)
            if stored is None or stored.expires_at <= now:
                return
            opened = self._open(stored.sealed, key)
            held = None if opened is None else opened.get("secrets")
            if opened is None or not isinstance(held, dict):
                return
            held.update(values)
            sealed = self.sealer.seal(json.dumps(opened).encode(), key.encode())
            uow.repo.renew_web_credential(key, now + timedelta(seconds=self.seconds), sealed)
            uow.commit()

    def drop(self, credential: str | None) -> None:
        if credential:
            with self.uow() as uow:
                uow.repo.drop_web_credential(_row_key(credential))
                uow.commit()

    def _open(self, sealed: bytes, key: str) -> dict[str, object] | None:
        plain = self.sealer.open(sealed, key.encode())
        if plain is None:
            return None
        try:
            opened = json.loads(plain)
        except ValueError:
            return None
        return opened if isinstance(opened, dict) else None
