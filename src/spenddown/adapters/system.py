"""The real clock, PIN hashing (Argon2id) and identifiers (ULID, EVC)."""

from __future__ import annotations

from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from ulid import ULID

from spenddown.domain.identifiers import new_evc


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class Argon2PinHasher:
    """PINs are stored as Argon2id hashes, never in clear."""

    def __init__(self, hasher: PasswordHasher | None = None) -> None:
        self._hasher = hasher or PasswordHasher()

    def hash(self, pin: str) -> str:
        return self._hasher.hash(pin)

    def verify(self, pin_hash: str, pin: str) -> bool:
        try:
            return self._hasher.verify(pin_hash, pin)
        except (VerificationError, InvalidHashError):
            return False


class UlidIds:
    def new_id(self, prefix: str) -> str:
        return f"{prefix}{ULID()}"

    def new_evc(self) -> str:
        return new_evc()
