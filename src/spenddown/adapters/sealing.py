"""Sealing the web sessions' server-side secrets: AES-256-GCM (``cryptography``) under a key
derived with HKDF-SHA256 from ``SPENDDOWN_SECRET_KEY`` (docs/decisions.md "Web sessions").

A sealed value is ``version byte || 12-byte random nonce || ciphertext and tag``; the context
(the row's key) is authenticated as associated data, so a sealed value copied to another row,
a changed byte or another secret key opens to nothing."""

from __future__ import annotations

import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

VERSION = b"\x01"
NONCE_BYTES = 12


class AesGcmSealer:
    """``services.ports.Sealer`` with AES-256-GCM; the key never leaves the process."""

    def __init__(self, secret: str, label: bytes = b"spenddown web credentials") -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=label).derive(
            secret.encode()
        )
        self._aead = AESGCM(key)

    def seal(self, plain: bytes, context: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return VERSION + nonce + self._aead.encrypt(nonce, plain, context)

    def open(self, sealed: bytes, context: bytes) -> bytes | None:
        if len(sealed) < 1 + NONCE_BYTES + 16 or sealed[:1] != VERSION:
            return None
        nonce, body = sealed[1 : 1 + NONCE_BYTES], sealed[1 + NONCE_BYTES :]
        try:
            return self._aead.decrypt(nonce, body, context)
        except InvalidTag:
            return None
