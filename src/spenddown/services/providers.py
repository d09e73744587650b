"""Provider authentication for transactions that have no use case of their own (listing
clearances, reading an obligation): NPI + PIN with the lockout of ``common.authenticate_provider``,
checked before the use case (``common.check_pin``) so that a failure is kept."""

from __future__ import annotations

from spenddown.domain.eligibility.model import Provider
from spenddown.services.common import authenticate_provider, pin_checked_outside
from spenddown.services.ports import Env, UnitOfWork


@pin_checked_outside
def authenticate(npi: str, pin: str, uow: UnitOfWork, env: Env) -> Provider:
    """The provider, or ``AuthenticationFailed`` (``INVALID_CREDENTIALS`` / ``PIN_LOCKED``).

    A wrong PIN is counted (and committed) before the error; a success resets nothing."""
    with uow:
        provider = authenticate_provider(uow, env, npi, pin)
        uow.commit()
    return provider


def provider_has_verified(npi: str, cin: str, uow: UnitOfWork) -> bool:
    """Whether this provider has verified this member's eligibility at least once: a provider
    sees a member's obligation only after a verification (docs/api.md "Endpoints and roles")."""
    with uow:
        return uow.repo.has_verified(npi, cin)


def directory(uow: UnitOfWork) -> list[tuple[str, str]]:
    """Every provider's (NPI, name), by name: what a family chooses from (docs/web.md)."""
    with uow:
        return uow.repo.provider_directory()
