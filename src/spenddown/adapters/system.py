"""The real clock, PIN hashing (Argon2id) and identifiers (ULID, EVC)."""

from __future__ import annotations

import hashlib
import hmac
import secrets
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


PEPPERED = "sdp1"  # marks a peppered hash: ``sdp1:<key id>:<Argon2 hash>``


class Argon2PinHasher:
    """PINs are stored as Argon2id hashes, never in clear.

    With a pepper (the server's secret key, ``SPENDDOWN_SECRET_KEY``), Argon2 hashes
    HMAC-SHA256(pepper, PIN) and the stored value is ``sdp1:<key id>:<Argon2 hash>``: a database
    dump alone cannot be cracked, since the 10,000 four-digit PINs are no longer enough to try.
    The key id (8 hex characters of an HMAC of the pepper) says which key made a hash; a hash
    made with another key never verifies. A plain Argon2 hash (made before peppering, or without
    a secret key) still verifies and ``needs_rehash`` asks for it to be replaced (docs/operations.md
    "PINs")."""

    def __init__(self, hasher: PasswordHasher | None = None, pepper: str | None = None) -> None:
        self._hasher = hasher or PasswordHasher()
        self._pepper = pepper.encode() if pepper else None
        self._kid = (
            hmac.new(self._pepper, b"spenddown PIN pepper id", hashlib.sha256).hexdigest()[:8]
            if self._pepper
            else ""
        )
        self._dummy: str | None = None

    def _peppered(self, pin: str) -> str:
        assert self._pepper is not None
        return hmac.new(self._pepper, pin.encode(), hashlib.sha256).hexdigest()

    def hash(self, pin: str) -> str:
        if self._pepper is None:
            return self._hasher.hash(pin)
        return f"{PEPPERED}:{self._kid}:{self._hasher.hash(self._peppered(pin))}"

    def verify(self, pin_hash: str, pin: str) -> bool:
        try:
            if pin_hash.startswith(PEPPERED + ":"):
                _, kid, inner = pin_hash.split(":", 2)
                if self._pepper is None or not hmac.compare_digest(kid, self._kid):
                    return False  # made with another secret key
                return self._hasher.verify(inner, self._peppered(pin))
            return self._hasher.verify(pin_hash, pin)
        except (VerificationError, InvalidHashError, ValueError):
            return False

    def needs_rehash(self, pin_hash: str) -> bool:
        """Whether a right PIN's stored hash should be replaced: not peppered with this key
        (when there is one), or made with other Argon2 parameters."""
        inner = pin_hash
        if self._pepper is not None:
            prefix = f"{PEPPERED}:{self._kid}:"
            if not pin_hash.startswith(prefix):
                return True
            inner = pin_hash[len(prefix) :]
        try:
            return bool(self._hasher.check_needs_rehash(inner))
        except (InvalidHashError, ValueError):
            return True

    def dummy_hash(self) -> str:
        """A hash no PIN matches, checked for an unknown NPI so that it costs what a known one
        costs."""
        if self._dummy is None:
            self._dummy = self.hash(secrets.token_hex(16))
        return self._dummy

    def known(self, pin_hash: str, pin: str) -> bool | None:
        """Nothing is remembered: None (the caller checks with ``verify``, outside its
        transaction)."""
        return None

    def remember(self, pin_hash: str, pin: str) -> None:
        """Nothing is remembered."""


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

    def needs_rehash(self, pin_hash: str) -> bool:
        return self._inner.needs_rehash(pin_hash)

    def dummy_hash(self) -> str:
        return self._inner.dummy_hash()

    def known(self, pin_hash: str, pin: str) -> bool | None:
        if self._seconds <= 0:  # nothing is remembered
            return None
        key = self._key(pin_hash, pin)
        with self._lock:
            found = self._verified.get(key)
            now = time.monotonic()
            if found is None or found[0] <= now or found[1] != pin_hash:
                return None
            if found[2]:  # a right PIN in use stays remembered (a wrong one is not refreshed)
                self._verified[key] = (now + self._seconds, pin_hash, True)
            return found[2]

    def verify(self, pin_hash: str, pin: str) -> bool:
        verdict = self.known(pin_hash, pin) if self._seconds > 0 else None
        if verdict is not None:
            return verdict
        right = self._inner.verify(pin_hash, pin)
        self._note(pin_hash, pin, right)
        return right

    def remember(self, pin_hash: str, pin: str) -> None:
        """A hash just made of a right PIN (a re-hash) is right without Argon2."""
        if self._seconds > 0:
            self._note(pin_hash, pin, True)

    def _note(self, pin_hash: str, pin: str, right: bool) -> None:
        now = time.monotonic()
        with self._lock:
            if len(self._verified) > 100_000:
                self._verified = {k: v for k, v in self._verified.items() if v[0] > now}
            self._verified[self._key(pin_hash, pin)] = (now + self._seconds, pin_hash, right)

    def forget(self, pin_hash: str) -> None:
        with self._lock:
            self._verified = {k: v for k, v in self._verified.items() if v[1] != pin_hash}


class UlidIds:
    def new_id(self, prefix: str) -> str:
        return f"{prefix}{ULID()}"

    def new_evc(self) -> str:
        return new_evc()
