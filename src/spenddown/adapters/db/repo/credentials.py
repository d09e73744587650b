"""The web pages' server-side credentials (table ``web_credentials``, docs/web.md "Sessions"):
rows keyed by the SHA-256 of the cookie's random id, holding sealed bytes the repository never
opens (``services.web_credentials``, ``adapters.sealing``)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, insert, select, update

from spenddown.adapters.db import tables as t
from spenddown.adapters.db.repo.base import RepositoryBase, _utc
from spenddown.services.ports import StoredCredential

_W = t.web_credentials


class CredentialsRepository(RepositoryBase):
    def add_web_credential(self, credential_hash: str, sealed: bytes, expires_at: datetime) -> None:
        self.c.execute(
            insert(_W).values(credential_hash=credential_hash, sealed=sealed, expires_at=expires_at)
        )

    def web_credential(self, credential_hash: str) -> StoredCredential | None:
        row = self.c.execute(
            select(_W.c.sealed, _W.c.expires_at).where(_W.c.credential_hash == credential_hash)
        ).first()
        if row is None:
            return None
        expires_at = _utc(row.expires_at)
        assert expires_at is not None
        return StoredCredential(bytes(row.sealed), expires_at)

    def renew_web_credential(
        self, credential_hash: str, expires_at: datetime, sealed: bytes | None = None
    ) -> None:
        values: dict[str, object] = {"expires_at": expires_at}
        if sealed is not None:
            values["sealed"] = sealed
        self.c.execute(update(_W).where(_W.c.credential_hash == credential_hash).values(**values))

    def drop_web_credential(self, credential_hash: str) -> None:
        self.c.execute(delete(_W).where(_W.c.credential_hash == credential_hash))

    def drop_expired_web_credentials(self, now: datetime) -> int:
        return self.c.execute(delete(_W).where(_W.c.expires_at <= now)).rowcount
