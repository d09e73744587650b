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

    def known(self, pin_hash: str, pin: str) -> bool | None:
        """Nothing is remembered: the check is made here (``PinHasher.known``)."""
        return self.verify(pin_hash, pin)


class CachedPinVerifier:
    """Argon2 on every request would cap a server at tens of requests a second: a PIN checked
    once is remembered for a short time under a keyed hash of (stored hash, PIN), right or wrong.

    - Nothing reversible is kept: the key is HMAC-SHA256(secret, stored hash + PIN).
    - The stored hash is part of the key, so a changed PIN misses the cache at once.
    - Lockout is checked by the use case before the PIN, so a cached PIN never bypasses it, and
      every wrong try is still counted; ``forget`` drops what is remembered for a hash.
    - ``known`` answers from memory only (None when it would take Argon2): the use case then
      has the check made outside its transaction (``services.common.pin_checked_outside``).
    """

    def __init__(self, inner: Argon2PinHasher, secret: str, seconds: float = 60) -> None:
        self._inner = inner
        self._secret = secret.encode()
        self._seconds = seconds
        self._verified: dict[bytes, tuple[float, str, bool]] = {}  # key: (until, hash, right)
        self._lock = threading.Lock()

    def _key(self, pin_hash: str, pin: str) -> bytes:
        message = pin_hash.encode() + b"\0" + pin.encode()
        return hmac.new(self._secret, message, hashlib.sha256).digest()

    def hash(self, pin: str) -> str:
        return self._inner.hash(pin)

    def known(self, pin_hash: str, pin: str) -> bool | None:
        if self._seconds <= 0:  # nothing is remembered: check here, as without a cache
            return self._inner.verify(pin_hash, pin)
        with self._lock:
            found = self._verified.get(self._key(pin_hash, pin))
        if found is not None and found[0] > time.monotonic() and found[1] == pin_hash:
            return found[2]
        return None

    def verify(self, pin_hash: str, pin: str) -> bool:
        verdict = self.known(pin_hash, pin) if self._seconds > 0 else None
        if verdict is not None:
            return verdict
        right = self._inner.verify(pin_hash, pin)
        now = time.monotonic()
        with self._lock:
            if len(self._verified) > 100_000:
                self._verified = {k: v for k, v in self._verified.items() if v[0] > now}
            self._verified[self._key(pin_hash, pin)] = (now + self._seconds, pin_hash, right)
        return right

    def forget(self, pin_hash: str) -> None:
        with self._lock:
            self._verified = {k: v for k, v in self._verified.items() if v[1] != pin_hash}


class UlidIds:
    def new_id(self, prefix: str) -> str:
        return f"{prefix}{ULID()}"

    def new_evc(self) -> str:
        return new_evc()
