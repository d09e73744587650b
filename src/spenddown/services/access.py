"""Who may do what: API tokens for county, plan and admin roles; the append-only access log of
every request touching member data; the family's own view of its Share of Cost."""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum

from spenddown.domain.eligibility.model import Member
from spenddown.domain.errors import (
    AuthenticationFailed,
    Forbidden,
    InvalidInput,
    NotFound,
    mask_id,
)
from spenddown.domain.identifiers import MemberId
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.ledger import EntryKind, Obligation, Payment
from spenddown.services.common import (
    MEMBER_KIND,
    count_failure,
    current_origin,
    guard,
    note_success,
)
from spenddown.services.ports import AccessRecord, ApiToken, Env, UnitOfWork


class Role(StrEnum):
    PROVIDER = "provider"
    COUNTY = "county"
    PLAN = "plan"
    ADMIN = "admin"
    MEMBER = "member"


TOKEN_ROLES = (Role.COUNTY, Role.PLAN, Role.ADMIN)


@dataclass(frozen=True, slots=True)
class Principal:
    role: Role
    actor: str  # NPI, token id, or "member"
    plan_code: str | None = None
    county_code: str | None = None  # a county token's county (None: statewide)

    @property
    def label(self) -> str:
        return f"plan:{self.plan_code}" if self.role is Role.PLAN else str(self.role)


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: ApiToken
    secret: str  # shown once, never stored


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def parse_role(text: str) -> tuple[Role, str | None]:
    """``county``, ``admin`` or ``plan:<CODE>``."""
    name, _, code = text.partition(":")
    try:
        role = Role(name)
    except ValueError:
        role = Role.MEMBER
    if role not in TOKEN_ROLES or (role is Role.PLAN) != bool(code):
        raise InvalidInput(
            "INVALID_ROLE", f"role: {text!r}; use county, admin or plan:<CODE> (e.g. plan:HN)."
        )
    return role, code.upper() or None


TOKEN_DAYS = 90  # default lifetime of a new token
MAX_TOKEN_DAYS = 3650


def create_token(
    role_text: str,
    label: str,
    uow: UnitOfWork,
    env: Env,
    *,
    county: str | None = None,
    days: int = TOKEN_DAYS,
    from_api: bool = False,
) -> IssuedToken:
    """A new token, valid for ``days``. A county token is scoped to ``county`` (a 2-digit county
    code), statewide when None: the CLI and the API ask for one or ``statewide`` explicitly. An
    admin token is never made through the API (``from_api``): only with database access (the
    CLI), so that a stolen admin token cannot mint others silently."""
    role, plan_code = parse_role(role_text)
    if from_api and role is Role.ADMIN:
        raise Forbidden(
            "FORBIDDEN", "Admin tokens are created with the CLI only (spenddown tokens create)."
        )
    if county is not None and (role is not Role.COUNTY or not _COUNTY.fullmatch(county)):
        raise InvalidInput(
            "INVALID_REQUEST",
            "county: a county token's 2-digit county code (e.g. 19); only for role county.",
            field="county",
        )
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise InvalidInput(
            "INVALID_REQUEST", f"days: 1 to {MAX_TOKEN_DAYS} days.", field="expires_in_days"
        )
    secret = "sd_" + secrets.token_urlsafe(32)
    now = env.clock.now()
    with uow:
        if plan_code is not None and uow.repo.get_plan(plan_code) is None:
            raise NotFound("PLAN_NOT_FOUND", f"No plan {plan_code}.")
        token = ApiToken(
            env.ids.new_id("t_"),
            _digest(secret),
            str(role),
            plan_code,
            label,
            now,
            expires_at=now + timedelta(days=days),
            county_code=county,
        )
        uow.repo.add_token(token)
        uow.commit()
    return IssuedToken(token, secret)


_COUNTY = re.compile(r"[0-9]{2}", re.ASCII)


def authenticate_token(secret: str, uow: UnitOfWork, now: datetime | None = None) -> Principal:
    """The token's role; revoked and expired tokens are refused alike."""
    with uow:
        token = uow.repo.token_by_hash(_digest(secret))
    if (
        token is None
        or token.revoked_at is not None
        or (token.expires_at is not None and now is not None and token.expires_at <= now)
    ):
        raise AuthenticationFailed("INVALID_TOKEN", "The bearer token is not valid.")
    return Principal(Role(token.role), token.token_id, token.plan_code, token.county_code)


def list_tokens(uow: UnitOfWork) -> list[ApiToken]:
    """Every token (never its secret, which is not stored), oldest first."""
    with uow:
        return uow.repo.list_tokens()


def revoke_token(token_id: str, uow: UnitOfWork, env: Env) -> ApiToken:
    """Revoke a token at once (idempotent: a revoked token keeps its first revocation time)."""
    with uow:
        token = uow.repo.revoke_token(token_id, env.clock.now())
        if token is None:
            raise NotFound("TOKEN_NOT_FOUND", "No token with this id.")
        uow.commit()
    return token


def in_county(
    principal: Principal, uow: UnitOfWork, *, cin: str | None = None, case_id: str | None = None
) -> bool:
    """Whether a county token may see this member or case: a statewide token always; a county
    token when the case is of its county, or the member has a case or eligibility there (an
    unknown member is left to the use case, which answers MEMBER_NOT_FOUND)."""
    county = principal.county_code
    if principal.role is not Role.COUNTY or county is None:
        return True
    with uow:
        if case_id is not None:
            found = uow.repo.case_county(case_id)
            if found is not None and found != county:
                return False
        if cin is not None:
            counties = uow.repo.member_counties(cin)
            if counties and county not in counties:
                return False
    return True


def record_access(
    principal_role: str,
    actor: str,
    action: str,
    cin: str | None,
    outcome: str,
    uow: UnitOfWork,
    env: Env,
) -> None:
    """Append one line to the access log, in a transaction of its own so that refused requests
    are logged too."""
    address = current_origin().address or None
    record_accesses(
        [
            AccessRecord(
                env.clock.now(), actor, principal_role, action, cin, outcome, address=address
            )
        ],
        uow,
    )


def record_accesses(records: Sequence[AccessRecord], uow: UnitOfWork) -> None:
    """Append lines to the access log in one transaction of their own, in order (the API
    writes the lines of concurrent requests together: one commit for many)."""
    with uow:
        uow.repo.append_access(*records)
        uow.commit()


def access_log(
    uow: UnitOfWork, *, cin: str | None, since: int = 0, limit: int = 500
) -> list[AccessRecord]:
    if since < 0 or not 1 <= limit <= 5000:
        raise InvalidInput("INVALID_CURSOR", "since must be ≥ 0 and limit 1..5000.")
    with uow:
        return uow.repo.access_records(cin, since, limit)


# --- the family's view -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class FamilyClearance:
    provider_name: str
    service_date: date
    amount: Money
    payment: str
    reversed: bool


@dataclass(frozen=True, slots=True)
class FamilyCountyEntry:
    """What the county put on the month: a receipt or old bill the family brought (MC 177), or
    a credit carried from a Share of Cost decrease (docs/rules.md, "A Share of Cost over
    time")."""

    kind: str  # "receipt" | "credit"
    provider_name: str | None  # a receipt's provider; a credit has none
    bill_date: date | None  # a receipt's bill date; a credit has none
    amount: Money  # what counted toward this month
    paid: bool | None  # a receipt: paid or still owed


@dataclass(frozen=True, slots=True)
class FamilyObligation:
    obligation: Obligation
    clearances: tuple[FamilyClearance, ...]
    county_entries: tuple[FamilyCountyEntry, ...] = ()


@dataclass(frozen=True, slots=True)
class FamilyView:
    member_id: str
    month: BenefitMonth
    obligations: tuple[FamilyObligation, ...]


def authenticate_member(
    member_id: MemberId, bic_issue_date: date, birth_date: date, uow: UnitOfWork, env: Env
) -> str:
    """A member (or parent) proves who they are with the member ID, the card issue date and the
    date of birth; returns the CIN. One error for any mismatch, an unknown member included; 5
    failures within 15 minutes lock the member's look-ups for anonymous callers (a birth date is
    easy to guess), checked and counted in one step (``common.guard``)."""
    subject = member_id.cin
    with uow:
        guard(uow, env, MEMBER_KIND, subject)
        member = uow.repo.get_member(member_id.cin)
        if (
            member is None
            or member.bic_issue_date != bic_issue_date
            or member.birth_date != birth_date
            or not member_id.matches_issue_date(bic_issue_date)
        ):
            left = count_failure(uow, env, MEMBER_KIND, subject)
            raise NotFound(
                "MEMBER_NOT_FOUND",
                "No member matches this ID, card issue date and date of birth.",
                member=mask_id(member_id.cin),
                tries_left=left,
            )
        note_success(uow, env, MEMBER_KIND, subject)
        uow.commit()
        return member.cin


def family_view(
    member_id: MemberId,
    bic_issue_date: date,
    birth_date: date,
    month: BenefitMonth,
    uow: UnitOfWork,
    env: Env,
) -> FamilyView:
    """A member sees the SOC of each budget unit they are on, what is left, and which
    provider's bill cleared what."""
    cin = authenticate_member(member_id, bic_issue_date, birth_date, uow, env)
    with uow:
        return _family_view(cin, month, uow)


def family_view_for_county(cin: str, month: BenefitMonth, uow: UnitOfWork) -> FamilyView:
    """The family's view as a county worker sees it (no member credentials)."""
    with uow:
        if uow.repo.get_member(cin) is None:
            raise NotFound("MEMBER_NOT_FOUND", "No member with this ID.", member=mask_id(cin))
        return _family_view(cin, month, uow)


def _family_view(cin: str, month: BenefitMonth, uow: UnitOfWork) -> FamilyView:
    views = []
    names: dict[str, str] = {}
    for membership in uow.repo.memberships_of(cin):
        for obligation in uow.repo.get_obligations(
            membership.case_id, membership.budget_unit, month
        ):
            entries = uow.repo.entries_of(obligation.key)
            reversed_ids = {e.reverses for e in entries if e.kind is EntryKind.REVERSAL}
            clearances = []
            for entry in entries:
                if (
                    entry.kind is not EntryKind.CLEARANCE
                    or entry.provider_npi is None
                    or entry.service_date is None
                ):
                    continue
                if entry.provider_npi not in names:
                    provider = uow.repo.get_provider(entry.provider_npi)
                    names[entry.provider_npi] = provider.name if provider else "provider"
                clearances.append(
                    FamilyClearance(
                        names[entry.provider_npi],
                        entry.service_date,
                        entry.applied,
                        str(entry.payment),
                        entry.entry_id in reversed_ids,
                    )
                )
            county = tuple(
                FamilyCountyEntry(
                    str(entry.kind),
                    entry.provider_name,
                    entry.service_date,
                    entry.applied,
                    None if entry.payment is None else entry.payment is Payment.PAID,
                )
                for entry in entries
                if entry.kind in (EntryKind.RECEIPT, EntryKind.CREDIT)
            )
            views.append(FamilyObligation(obligation, tuple(clearances), county))
    return FamilyView(cin, month, tuple(views))


def member_profile(cin: str, uow: UnitOfWork) -> Member | None:
    """The signed-in member's name and birth date, for the deductible statement."""
    with uow:
        return uow.repo.get_member(cin)
