"""Recording the acknowledgments (TA1, 999) trading partners send back for spenddown's own
271/835 (docs/x12.md "Acknowledgments received"). An acknowledgment is never acknowledged: the
use case stores what it says and answers nothing."""

from __future__ import annotations

from spenddown.services.common import authenticate_provider, pin_checked_outside
from spenddown.services.ports import Env, InboundAcknowledgment, UnitOfWork


@pin_checked_outside
def record(
    npi: str, pin: str, records: list[InboundAcknowledgment], uow: UnitOfWork, env: Env
) -> int:
    """Stores ``records`` (sent with the provider's credentials) in one transaction; returns
    how many. ``AuthenticationFailed`` when the NPI/PIN is refused: nothing is stored."""
    with uow:
        authenticate_provider(uow, env, npi, pin)
        uow.repo.add_inbound_acknowledgments(records)
        uow.commit()
    return len(records)
