"""The real clock, PIN hashing (Argon2id) and identifiers (ULID, EVC)."""

from __future__ import annotations

import hashlib
import hmac
import threading
import time
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


class CachedPinVerifier:
    """Argon2 on every request would cap a server at tens of requests a second: a PIN verified
    once is remembered for a short time under a keyed hash of (stored hash, PIN).

    - Nothing reversible is kept: the key is HMAC-SHA256(secret, stored hash + PIN).
    - The stored hash is part of the key, so a changed PIN misses the cache at once.
    - Lockout is checked by the use case before the PIN, so a cached PIN never bypasses it;
      ``forget`` drops what is remembered for a hash (e.g. on lockout).
    """

    def __init__(self, inner: Argon2PinHasher, secret: str, seconds: float = 60) -> None:
        self._inner = inner
        self._secret = secret.encode()
        self._seconds = seconds
        self._verified: dict[bytes, tuple[float, str]] = {}
        self._lock = threading.Lock()

    def _key(self, pin_hash: str, pin: str) -> bytes:
        message = pin_hash.encode() + b"\0" + pin.encode()
        return hmac.new(self._secret, message, hashlib.sha256).digest()

    def hash(self, pin: str) -> str:
        return self._inner.hash(pin)

    def verify(self, pin_hash: str, pin: str) -> bool:
        key = self._key(pin_hash, pin)
        now = time.monotonic()
        with self._lock:
            found = self._verified.get(key)
            if found is not None and found[0] > now and found[1] == pin_hash:
                return True
        if not self._inner.verify(pin_hash, pin):
            return False
        with self._lock:
            if len(self._verified) > 100_000:
                self._verified = {k: v for k, v in self._verified.items() if v[0] > now}
            self._verified[key] = (now + self._seconds, pin_hash)
        return True

    def forget(self, pin_hash: str) -> None:
        with self._lock:
            self._verified = {k: v for k, v in self._verified.items() if v[1] != pin_hash}


class UlidIds:
    def new_id(self, prefix: str) -> str:
        return f"{prefix}{ULID()}"

    def new_evc(self) -> str:
        return new_evc()
