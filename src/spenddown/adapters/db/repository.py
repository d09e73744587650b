"""SQL implementation of ``spenddown.services.ports.Repository`` (SQLAlchemy Core).

Rows are mapped to domain objects in the aggregates' modules (adapters/db/repo/: ledger,
members and eligibility, claims, access, web credentials) and nowhere else; ``SqlRepository``
is composed from them. On PostgreSQL ``lock_obligations`` takes row locks (``SELECT … FOR
UPDATE``); SQLite has one writer at a time (see engine.py)."""

from __future__ import annotations

from spenddown.adapters.db.over_time import OverTimeRepository
from spenddown.adapters.db.repo.access import COUNTED_ATTEMPTS, AccessRepository
from spenddown.adapters.db.repo.claims import ClaimsRepository
from spenddown.adapters.db.repo.credentials import CredentialsRepository
from spenddown.adapters.db.repo.ledger import LedgerRepository
from spenddown.adapters.db.repo.members import MembersRepository

__all__ = ["COUNTED_ATTEMPTS", "SqlRepository"]


class SqlRepository(
    LedgerRepository,
    MembersRepository,
    ClaimsRepository,
    AccessRepository,
    CredentialsRepository,
    OverTimeRepository,
):
    """Every aggregate's statements on one connection (one transaction: the unit of work)."""
