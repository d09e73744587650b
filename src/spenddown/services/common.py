"""Helpers shared by the use cases: today's date, aid code attributes, member look-up,
provider authentication with lockout."""

from __future__ import annotations

import functools
import hashlib
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from time import monotonic, sleep
from typing import ParamSpec, TypeVar
from zoneinfo import ZoneInfo

from spenddown import rules
from spenddown.domain.eligibility.codes import AidCode
from spenddown.domain.eligibility.model import Member, Provider
from spenddown.domain.errors import AuthenticationFailed, NotFound, mask_id
from spenddown.domain.identifiers import MemberId
from spenddown.services.ports import Env, SignIn, UnitOfWork

# Medi-Cal's day is California's day.
CALIFORNIA = ZoneInfo("America/Los_Angeles")
# The sign-in lockout (docs/api.md "Credentials"): failures are counted in a sliding window that
# a success does not reset. 5 failures of one NPI (or member) within 15 minutes lock it for
# anonymous callers until the oldest of them is 15 minutes old; a caller the NPI or member knows
# (a signed-in web session, or an address that signed in with the right PIN or dates within
# TRUST_PERIOD) is counted on its own, so that guesses from elsewhere do not lock an office or a
# family out. 20 failures from one address, whatever the NPI or member, lock that address.
LOCK_WINDOW = timedelta(minutes=15)
SUBJECT_FAILURES = 5
ADDRESS_FAILURES = 20
TRUST_PERIOD = timedelta(hours=12)
KEEP_ATTEMPTS = timedelta(days=2)  # older attempts are pruned (they no longer count)
PIN_ATTEMPTS_BEFORE_LOCK = SUBJECT_FAILURES  # names used before the sliding window
PIN_LOCK = LOCK_WINDOW
NPI_KIND = "npi"
MEMBER_KIND = "member"


def today(env: Env) -> date:
    return env.clock.now().astimezone(CALIFORNIA).date()


def aid_code_table(uow: UnitOfWork) -> dict[str, AidCode]:
    """The shipped code list, overridden and extended by imported aid codes."""
    table = dict(rules.aid_codes())
    table.update(uow.repo.stored_aid_codes())
    return table


# --- the lockout -------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Origin:
    """Where a sign-in comes from: the caller's address ('' unknown, e.g. the CLI) and whether
    it is a signed-in web session (its PIN or dates were checked when it signed in)."""

    address: str = ""
    session: bool = False


_ORIGIN: ContextVar[Origin] = ContextVar("sign_in_origin", default=Origin())  # noqa: B039 (frozen)


@contextmanager
def origin(address: str | None, *, session: bool = False) -> Iterator[None]:
    """Run the use cases inside with this origin (the API and the web pages set it)."""
    token = _ORIGIN.set(Origin((address or "")[:64], session))
    try:
        yield
    finally:
        _ORIGIN.reset(token)


def current_origin() -> Origin:
    return _ORIGIN.get()


def enter_session() -> None:
    """A signed-in web session is acting (its PIN or dates were right at sign-in): for the rest
    of this request its failures are counted apart from anonymous ones, so that an anonymous
    lockout does not stop it. Called by the web pages in the request's own context."""
    _ORIGIN.set(Origin(_ORIGIN.get().address, session=True))


@dataclass(frozen=True, slots=True)
class Standing:
    """How a subject (NPI or CIN) stands for the current caller."""

    failures: int
    locked_until: datetime | None

    @property
    def tries_left(self) -> int:
        return 0 if self.locked_until else max(0, SUBJECT_FAILURES - self.failures)


def _until(times: list[datetime], limit: int) -> datetime | None:
    """``times`` newest first: locked until the ``limit``-th newest leaves the window."""
    return times[limit - 1] + LOCK_WINDOW if len(times) >= limit else None


def standing(uow: UnitOfWork, env: Env, kind: str, subject: str) -> Standing:
    """The failures that count against the current caller, and the end of its lock if any."""
    here = _ORIGIN.get()
    now = env.clock.now()
    since = now - LOCK_WINDOW
    repo = uow.repo
    known = here.session or (
        bool(here.address) and repo.auth_succeeded(kind, subject, here.address, now - TRUST_PERIOD)
    )
    times = repo.auth_failures(kind, subject, since, here.address if known else None)
    until = _until(times, SUBJECT_FAILURES)
    if not known and here.address:
        by_address = _until(repo.address_failures(here.address, since), ADDRESS_FAILURES)
        if by_address is not None and (until is None or by_address > until):
            until = by_address
    return Standing(len(times), until)


def _locked(kind: str, until: datetime) -> AuthenticationFailed:
    what = "wrong PINs or member look-ups: this NPI" if kind == NPI_KIND else "failed look-ups"
    at = until.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return AuthenticationFailed(
        "PIN_LOCKED" if kind == NPI_KIND else "MEMBER_LOCKED",
        f"Too many {what} is locked until {at}"
        if kind == NPI_KIND
        else f"Too many {what}: this member's look-ups are locked until {at}.",
        tries_left=0,
        locked_until=at,
    )


def guard(uow: UnitOfWork, env: Env, kind: str, subject: str) -> Standing:
    """Inside the caller's transaction: serialize the attempts on ``subject`` and refuse a
    locked one before any work (no hashing). The caller then writes its attempt in the same
    transaction, so that checking and counting are one step."""
    uow.repo.lock_auth_subject(kind, subject)
    now_standing = standing(uow, env, kind, subject)
    if now_standing.locked_until is not None:
        raise _locked(kind, now_standing.locked_until)
    return now_standing


def count_failure(uow: UnitOfWork, env: Env, kind: str, subject: str) -> int:
    """Write a failure (committed: it must outlive the refused request); the tries left."""
    here = _ORIGIN.get()
    now = env.clock.now()
    uow.repo.add_auth_attempt(kind, subject[:64], here.address, now, "failure")
    uow.repo.prune_auth_attempts(now - KEEP_ATTEMPTS)
    left = standing(uow, env, kind, subject[:64]).tries_left
    uow.commit()
    return left


def note_success(uow: UnitOfWork, env: Env, kind: str, subject: str) -> None:
    """Remember that this address signed in rightly (once per TRUST_PERIOD is enough)."""
    here = _ORIGIN.get()
    now = env.clock.now()
    if here.address and not uow.repo.auth_succeeded(
        kind, subject, here.address, now - TRUST_PERIOD / 2
    ):
        uow.repo.add_auth_attempt(kind, subject[:64], here.address, now, "success")


def unlock(kind: str, subject: str, uow: UnitOfWork) -> int:
    """An admin or county unlock: the failures counted so far stop counting (kept, marked
    ``cleared``). Returns how many were cleared."""
    with uow:
        cleared = uow.repo.clear_auth_failures(kind, subject[:64])
        uow.commit()
    return cleared


def lock_standing(kind: str, subject: str, uow: UnitOfWork, env: Env) -> Standing:
    """How the subject stands for anonymous callers (the admin's and county's view)."""
    token = _ORIGIN.set(Origin())
    try:
        with uow:
            return standing(uow, env, kind, subject[:64])
    finally:
        _ORIGIN.reset(token)


def _wrong(tries_left: int) -> AuthenticationFailed:
    return AuthenticationFailed(
        "INVALID_CREDENTIALS",
        "The NPI or PIN is not correct.",  # the same words each time; tries_left says more
        tries_left=tries_left,
    )


@dataclass(frozen=True, slots=True)
class _Checked:
    npi: str
    pin_hash: str  # the stored hash the PIN was found right against


class PinCheckNeeded(Exception):
    """Raised by ``authenticate_provider`` (before anything is read or written) when this
    request's PIN has not been checked yet: ``pin_checked_outside`` checks it (``check_pin``)
    and runs the use case again."""

    def __init__(self, npi: str, pin: str, uow: UnitOfWork, env: Env) -> None:
        super().__init__("the PIN is checked before the use case")
        self.npi, self.pin, self.uow, self.env = npi, pin, uow, env


_CHECKED: ContextVar[_Checked | None] = ContextVar("pin_checked", default=None)
P = ParamSpec("P")
R = TypeVar("R")


_NPI_SHAPE = re.compile(r"[0-9]{10}", re.ASCII)
_PRINTABLE = re.compile(r"[\x21-\x7e]{1,64}", re.ASCII)


def _subject(text: str) -> str:
    """The key an attempt is counted under: the NPI as sent, or a digest of anything that is
    not short printable ASCII (stored text never holds control characters)."""
    if _PRINTABLE.fullmatch(text):
        return text
    return "sha256:" + hashlib.sha256(text.encode("utf-8", "replace")).hexdigest()[:56]


# How many times a PIN is checked again when the stored hash changes between the check and the
# use case (two processes replacing the same old hash on its first use: one of them wins, the
# other checks the PIN against the winner's hash instead of refusing a right PIN).
PIN_RECHECKS = 4

# How long a PIN check waits for concurrent checks of the same NPI that hold its last tries
# (an office's burst of first requests), before it is refused as locked.
PENDING_WAIT_SECONDS = 5.0


def check_pin(npi: str, pin: str, uow: UnitOfWork, env: Env) -> _Checked:
    """NPI + PIN, with the lockout, before the use case's own transaction.

    1. One short transaction: lock the NPI's attempts, refuse a locked NPI (no hashing), and
       answer from the keyed cache when it knows the verdict (a wrong one is counted); else
       write this try as ``pending`` *before* hashing and commit. A pending try counts toward
       the lock like a failure, so concurrent guesses never get more hashes than tries left,
       and nothing a success does lifts a lock.
    2. Argon2 (peppered) with no connection held; an unknown NPI costs the same (dummy hash).
    3. The try is settled: a right PIN a success (an old hash is replaced by a new one), a
       wrong one a failure.

    A check that finds the NPI locked only while other checks of it are pending (an office
    sending several first requests at once) waits for them to settle, up to
    ``PENDING_WAIT_SECONDS``, instead of refusing the office."""
    subject = _subject(npi)
    deadline = monotonic() + PENDING_WAIT_SECONDS
    while True:
        started = _start_pin_check(npi, pin, subject, uow, env, deadline)
        if started is not None:
            break
        sleep(0.02)
    if isinstance(started, _Checked):
        return started
    provider, pin_hash, seq = started
    right = env.pins.verify(pin_hash, pin) and provider is not None
    new_hash = env.pins.hash(pin) if right and env.pins.needs_rehash(pin_hash) else None
    with uow:
        uow.repo.settle_auth_attempt(seq, "success" if right else "failure")
        if not right:
            left = standing(uow, env, NPI_KIND, subject).tries_left
            uow.commit()
            raise _wrong(left)
        uow.repo.prune_auth_attempts(env.clock.now() - KEEP_ATTEMPTS)
        assert provider is not None
        if new_hash is not None and uow.repo.replace_pin_hash(provider.npi, pin_hash, new_hash):
            pin_hash = new_hash
            env.pins.remember(new_hash, pin)  # the next request needs no Argon2 for it
        uow.commit()
    return _Checked(provider.npi, pin_hash)


def _start_pin_check(
    npi: str, pin: str, subject: str, uow: UnitOfWork, env: Env, deadline: float
) -> _Checked | tuple[Provider | None, str, int] | None:
    """Step 1 of ``check_pin``: the verdict from the cache, or (provider, hash, pending try) to
    hash outside, or None to wait for pending checks of the NPI."""
    with uow:
        try:
            guard(uow, env, NPI_KIND, subject)
        except AuthenticationFailed:
            since = env.clock.now() - LOCK_WINDOW
            if monotonic() < deadline and uow.repo.auth_pending(NPI_KIND, subject, since):
                return None
            raise
        # Only an NPI's shape is looked up (a NUL byte or any other text never reaches the
        # database); anything else is an unknown NPI, checked against the dummy hash alike.
        provider = uow.repo.get_provider(npi) if _NPI_SHAPE.fullmatch(npi) else None
        pin_hash = provider.pin_hash if provider is not None else env.pins.dummy_hash()
        known = env.pins.known(pin_hash, pin)
        if known is True and provider is not None:
            return _Checked(provider.npi, pin_hash)
        if known is False:
            raise _wrong(count_failure(uow, env, NPI_KIND, subject))
        here = _ORIGIN.get()
        seq = uow.repo.add_auth_attempt(NPI_KIND, subject, here.address, env.clock.now(), "pending")
        uow.commit()
    return provider, pin_hash, seq


def pin_checked_outside(use_case: Callable[P, R]) -> Callable[P, R]:
    """For a use case that starts with ``authenticate_provider``: the PIN is checked first, with
    the lockout, and Argon2 (tens of milliseconds) is never paid inside the use case's
    transaction, where it would hold a connection and, on SQLite, the one writer lock."""

    @functools.wraps(use_case)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return use_case(*args, **kwargs)
        except PinCheckNeeded as needed:
            wanted = needed
        for _ in range(PIN_RECHECKS):
            checked = check_pin(wanted.npi, wanted.pin, wanted.uow, wanted.env)
            token = _CHECKED.set(checked)
            try:
                return use_case(*args, **kwargs)
            except PinCheckNeeded as again:  # the stored hash changed since the check
                wanted = again
            finally:
                _CHECKED.reset(token)
        raise AuthenticationFailed("INVALID_CREDENTIALS", "The NPI or PIN is not correct.")

    return run


def authenticate_provider(
    uow: UnitOfWork, env: Env, npi: str, pin: str, *, member_lookup_follows: bool = False
) -> Provider:
    """NPI + PIN (``check_pin``: the same error for an unknown NPI and a wrong PIN, a locked NPI
    stays locked whatever PIN is tried, a success resets nothing). A member look-up that follows
    counts its failures to the NPI (``find_member``); ``member_lookup_follows`` is kept for the
    callers and changes nothing since the sliding window.

    Called first in its transaction, by a use case wrapped in ``pin_checked_outside``. A PIN this
    process already found right against the stored hash (the keyed cache) signs in with one
    statement, the provider and its NPI's standing read together (``provider_sign_in``): the
    stored hash and the lockout are read on every request, so a changed PIN or a lock made by
    another process counts at once. Anything else is checked first (``check_pin``)."""
    del member_lookup_follows
    return _sign_in(uow, env, npi, pin, None)[0]


def authenticate_provider_reading_member(
    uow: UnitOfWork, env: Env, npi: str, pin: str, cin: str
) -> tuple[Provider, MemberRead]:
    """``authenticate_provider`` for a use case that looks the member of ``cin`` up next
    (``find_member``): the member is read in the sign-in's statement when there is one (one
    round trip fewer, docs/performance.md "Round trips per use case"). Nothing else changes:
    the member is only used by ``find_member``, after whatever the use case checks between."""
    return _sign_in(uow, env, npi, pin, cin)


# The member read with the sign-in: ``(member,)`` (``member`` None for an unknown CIN), or None
# when it was not read (a PIN checked in this request signs in without the member).
MemberRead = tuple[Member | None] | None


def _sign_in(
    uow: UnitOfWork, env: Env, npi: str, pin: str, cin: str | None
) -> tuple[Provider, MemberRead]:
    checked = _CHECKED.get()
    if checked is not None and checked.npi == npi:
        provider = uow.repo.get_provider(npi)
        if provider is None or provider.pin_hash != checked.pin_hash:
            # The stored hash changed since the check (a new PIN, or another process replaced
            # an old hash on its first use): checked again against the new one.
            raise PinCheckNeeded(npi, pin, uow, env)
        return provider, None
    if _NPI_SHAPE.fullmatch(npi):
        here = _ORIGIN.get()
        now = env.clock.now()
        found = uow.repo.provider_sign_in(
            npi,
            here.address,
            now - LOCK_WINDOW,
            now - TRUST_PERIOD,
            (SUBJECT_FAILURES, ADDRESS_FAILURES),
            cin,
        )
        if (
            found is not None
            and _sign_in_standing(found, here).locked_until is None
            and env.pins.known(found.provider.pin_hash, pin) is True
        ):
            return found.provider, (found.member,) if found.member_read else None
    raise PinCheckNeeded(npi, pin, uow, env)


def _sign_in_standing(found: SignIn, here: Origin) -> Standing:
    """``standing`` for an NPI, from what ``provider_sign_in`` read in one statement."""
    known = here.session or (bool(here.address) and found.known)
    failures, lock_from = (
        (found.failures_here, found.lock_from_here) if known else (found.failures, found.lock_from)
    )
    until = None if lock_from is None else lock_from + LOCK_WINDOW
    if not known and here.address and found.address_lock_from is not None:
        by_address = found.address_lock_from + LOCK_WINDOW
        if until is None or by_address > until:
            until = by_address
    return Standing(failures, until)


def find_member(
    uow: UnitOfWork,
    env: Env,
    member_id: MemberId,
    bic_issue_date: date,
    provider: Provider | None,
    read: MemberRead = None,
) -> Member:
    """docs/rules.md §2: an unknown ID and a wrong issue date give the same error, so IDs cannot be
    probed; both count toward the provider's lockout. ``read``: the member already read with
    the sign-in (``authenticate_provider_reading_member``), else it is read here."""
    member = uow.repo.get_member(member_id.cin) if read is None else read[0]
    if not member_matches(member, member_id, bic_issue_date):
        raise member_not_found(uow, env, member_id, provider)
    assert member is not None
    return member


def member_matches(member: Member | None, member_id: MemberId, bic_issue_date: date) -> bool:
    """The member found by ``member_id`` is the one the card's issue date names."""
    return (
        member is not None
        and member.bic_issue_date == bic_issue_date
        and member_id.matches_issue_date(bic_issue_date)
    )


def member_not_found(
    uow: UnitOfWork, env: Env, member_id: MemberId, provider: Provider | None
) -> NotFound:
    """The refusal of a failed member look-up, its failure counted (committed) toward the
    provider's lockout when there is one."""
    left = None
    if provider is not None:
        left = count_failure(uow, env, NPI_KIND, provider.npi)
    return NotFound(
        "MEMBER_NOT_FOUND",
        "No member matches this ID and card issue date.",
        member=mask_id(member_id.cin),
        **({} if left is None else {"tries_left": left}),
    )


def npi_lock(uow: UnitOfWork, env: Env, npi: str) -> AuthenticationFailed | None:
    """The refusal a sign-in of ``npi`` would get now if the NPI is locked (for the current
    caller), else None: what a batch asks after counting a failure."""
    found = standing(uow, env, NPI_KIND, _subject(npi))
    return None if found.locked_until is None else _locked(NPI_KIND, found.locked_until)
