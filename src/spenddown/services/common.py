"""Helpers shared by the use cases: today's date, aid code attributes, member look-up,
provider authentication with lockout."""

from __future__ import annotations

import functools
from collections.abc import Callable
from contextvars import ContextVar
from datetime import date, timedelta
from typing import ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from spenddown import rules
from spenddown.domain.eligibility.codes import AidCode
from spenddown.domain.eligibility.model import Member, Provider
from spenddown.domain.errors import AuthenticationFailed, NotFound, mask_id
from spenddown.domain.identifiers import MemberId
from spenddown.services.ports import Env, UnitOfWork

# Medi-Cal's day is California's day.
CALIFORNIA = ZoneInfo("America/Los_Angeles")
# interfaces.md: 5 consecutive wrong PINs lock the NPI for 15 minutes.
PIN_ATTEMPTS_BEFORE_LOCK = 5
PIN_LOCK = timedelta(minutes=15)


def today(env: Env) -> date:
    return env.clock.now().astimezone(CALIFORNIA).date()


def aid_code_table(uow: UnitOfWork) -> dict[str, AidCode]:
    """The shipped code list, overridden and extended by imported aid codes."""
    table = dict(rules.aid_codes())
    table.update(uow.repo.stored_aid_codes())
    return table


def _count_failure(uow: UnitOfWork, env: Env, npi: str) -> None:
    if uow.repo.count_pin_failure(npi) >= PIN_ATTEMPTS_BEFORE_LOCK:
        uow.repo.lock_provider(npi, env.clock.now() + PIN_LOCK)
    # The failure must outlive the refused request.
    uow.commit()


class PinCheckNeeded(Exception):
    """Raised by ``authenticate_provider`` (before anything is written) when the PIN's verdict
    would take the slow hash: ``pin_checked_outside`` makes the check outside the transaction
    (the hasher remembers it) and runs the use case again."""

    def __init__(self, env: Env, pin_hash: str, pin: str) -> None:
        super().__init__("the PIN is checked outside the transaction")
        self.check = functools.partial(env.pins.verify, pin_hash, pin)


_CHECKED_OUTSIDE: ContextVar[bool] = ContextVar("pin_checked_outside", default=False)
P = ParamSpec("P")
R = TypeVar("R")


def pin_checked_outside(use_case: Callable[P, R]) -> Callable[P, R]:
    """For a use case that starts with ``authenticate_provider``: Argon2 (tens of milliseconds)
    is never paid inside its transaction, where it would hold a connection and, on SQLite, the
    one writer lock that every other request waits for."""

    @functools.wraps(use_case)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return use_case(*args, **kwargs)
        except PinCheckNeeded as needed:
            needed.check()  # no transaction open here; the verdict is remembered
        token = _CHECKED_OUTSIDE.set(True)
        try:
            return use_case(*args, **kwargs)
        finally:
            _CHECKED_OUTSIDE.reset(token)

    return run


def authenticate_provider(
    uow: UnitOfWork, env: Env, npi: str, pin: str, *, member_lookup_follows: bool = False
) -> Provider:
    """NPI + PIN. The same error for an unknown NPI and a wrong PIN; a locked NPI stays locked
    whatever PIN is tried; a success resets the count. When a member look-up follows, only a
    found member is a success (failed look-ups count too), so ``find_member`` resets it.

    Called first in its transaction, by a use case wrapped in ``pin_checked_outside``."""
    provider = uow.repo.get_provider(npi)
    now = env.clock.now()
    if provider is not None and provider.locked_until is not None and provider.locked_until > now:
        raise AuthenticationFailed(
            "PIN_LOCKED",
            "Too many wrong PINs or member look-ups: this NPI is locked for 15 minutes.",
        )
    right = False
    if provider is not None:
        known = env.pins.known(provider.pin_hash, pin)
        if known is None and not _CHECKED_OUTSIDE.get():
            raise PinCheckNeeded(env, provider.pin_hash, pin)
        # Checked outside already, yet forgotten meanwhile (a full cache): check here.
        right = env.pins.verify(provider.pin_hash, pin) if known is None else known
    if provider is None or not right:
        if provider is not None:
            _count_failure(uow, env, npi)
        raise AuthenticationFailed("INVALID_CREDENTIALS", "The NPI or PIN is not correct.")
    if provider.failed_attempts and not member_lookup_follows:
        uow.repo.reset_pin_failures(npi)
    return provider


def find_member(
    uow: UnitOfWork, env: Env, member_id: MemberId, bic_issue_date: date, provider: Provider | None
) -> Member:
    """rules.md §2: an unknown ID and a wrong issue date give the same error, so IDs cannot be
    probed; both count toward the provider's lockout."""
    member = uow.repo.get_member(member_id.cin)
    if (
        member is None
        or member.bic_issue_date != bic_issue_date
        or not member_id.matches_issue_date(bic_issue_date)
    ):
        if provider is not None:
            _count_failure(uow, env, provider.npi)
        raise NotFound(
            "MEMBER_NOT_FOUND",
            "No member matches this ID and card issue date.",
            member=mask_id(member_id.cin),
        )
    if provider is not None and provider.failed_attempts:
        uow.repo.reset_pin_failures(provider.npi)
    return member
