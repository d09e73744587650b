"""Helpers shared by the use cases: today's date, aid code attributes, member look-up,
provider authentication with lockout."""

from __future__ import annotations

from datetime import date, timedelta
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


def authenticate_provider(
    uow: UnitOfWork, env: Env, npi: str, pin: str, *, member_lookup_follows: bool = False
) -> Provider:
    """NPI + PIN. The same error for an unknown NPI and a wrong PIN; a locked NPI stays locked
    whatever PIN is tried; a success resets the count. When a member look-up follows, only a
    found member is a success (failed look-ups count too), so ``find_member`` resets it."""
    provider = uow.repo.get_provider(npi)
    now = env.clock.now()
    if provider is not None and provider.locked_until is not None and provider.locked_until > now:
        raise AuthenticationFailed(
            "PIN_LOCKED",
            "Too many wrong PINs or member look-ups: this NPI is locked for 15 minutes.",
        )
    if provider is None or not env.pins.verify(provider.pin_hash, pin):
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
