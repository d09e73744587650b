"""What the use cases need from the outside world. Adapters implement these protocols."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import date, datetime
from types import TracebackType
from typing import Any, Protocol, Self

from spenddown.domain.cob.model import Authorization, FeeScheduleEntry, OhcPolicy
from spenddown.domain.eligibility.codes import AidCode
from spenddown.domain.eligibility.model import (
    BudgetUnitRole,
    EligibilitySegment,
    Member,
    Membership,
    Plan,
    Provider,
)
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.ledger import LedgerEntry, Obligation, ObligationKey
from spenddown.services.over_time_ports import MedicareStore, OverTimeStore


@dataclass(frozen=True, slots=True)
class Activation:
    seq: int
    plan_code: str
    cin: str
    month: BenefitMonth
    case_id: str
    budget_unit: str
    certified_by: str
    created_at: datetime


@dataclass(frozen=True, slots=True)
class StoredDetermination:
    """The inputs of the determination a budget unit's SOC was set from (JSON body)."""

    case_id: str
    budget_unit: str
    month: BenefitMonth
    program: str
    soc: Money
    inputs: dict[str, Any]
    county_code: str = ""


@dataclass(frozen=True, slots=True)
class EvcRecord:
    evc: str
    source: str  # "verification" | "clearance"
    provider_npi: str
    cin: str
    service_date: date
    month: BenefitMonth
    aid_codes: tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True, slots=True)
class VerificationRecord:
    verification_id: str
    provider_npi: str
    cin: str
    service_date: date
    month: BenefitMonth
    eligible: bool
    eligibility_status: str
    evc: str | None
    created_at: datetime


@dataclass(frozen=True, slots=True)
class ApiToken:
    token_id: str
    token_hash: str
    role: str  # county | plan | admin
    plan_code: str | None
    label: str
    created_at: datetime
    revoked_at: datetime | None = None
    expires_at: datetime | None = None  # None: no expiry (tokens made before expiry existed)
    county_code: str | None = None  # a county token's county; None: statewide


@dataclass(frozen=True, slots=True)
class AccessRecord:
    at: datetime
    actor: str
    role: str
    action: str
    cin: str | None
    outcome: str
    seq: int = 0
    address: str | None = None  # the caller's address, when known


@dataclass(frozen=True, slots=True)
class StoredClaimLine:
    claim_id: str
    line: int
    cin: str
    service_date: date
    procedure_code: str
    units: int
    status: str
    authorization_id: str | None
    medi_cal_paid_cents: int
    soc_cents: int
    member_owes_cents: int
    primary_deductible_cents: int
    deductible_credit_cents: int
    primary_out_of_pocket_cents: int
    provider_npi: str = ""  # with ``claim_id`` the claim's key (claim IDs are per provider)


@dataclass(frozen=True, slots=True)
class StoredClaim:
    claim_id: str
    provider_npi: str
    cin: str
    status: str
    medi_cal_paid_cents: int
    member_owes_cents: int
    received_at: datetime
    adjudication: dict[str, object]


@dataclass(frozen=True, slots=True)
class InboundAcknowledgment:
    """A TA1 or a 999 a trading partner sent about an interchange spenddown answered with."""

    received_at: datetime
    provider_npi: str
    kind: str  # "999" | "997" | "TA1"
    sender_id: str  # ISA06 of the interchange carrying it
    interchange_control: str  # its ISA13
    acknowledged_control: str  # TA101 (our ISA13) or AK102 (our GS06)
    acknowledged_code: str  # AK101 (HB, HP, ...), "" for a TA1
    status: str  # TA104 / AK901
    detail: dict[str, object]
    seq: int = 0


@dataclass(frozen=True, slots=True)
class ClaimCorrection:
    """A stored claim replaced or voided: the original row and lines, as they were."""

    provider_npi: str
    claim_id: str
    kind: str  # "replacement" | "void"
    replaced_by: str | None
    cin: str
    original: dict[str, object]
    corrected_at: datetime


@dataclass(frozen=True, slots=True)
class SignIn:
    """A provider and how its NPI stands, read in one statement (``provider_sign_in``): whether
    the caller's address signed in rightly within the trust period (``known``), the failures
    counted against the NPI since the window's start and the time of the oldest one that makes
    a lock (None: too few), from anywhere and from the address alone, and the same for the
    address whatever the NPI. When asked for (``member_read``), the member of a CIN read in the
    same statement (``member``, None for an unknown CIN)."""

    provider: Provider
    known: bool
    failures: int
    lock_from: datetime | None
    failures_here: int
    lock_from_here: datetime | None
    address_lock_from: datetime | None
    member: Member | None = None
    member_read: bool = False


@dataclass(frozen=True, slots=True)
class StoredCredential:
    """A web session's server-side credential as stored: sealed bytes (``Sealer``) and when it
    ends (docs/web.md "Sessions")."""

    sealed: bytes
    expires_at: datetime


class StoredMeanwhile(Exception):
    """A row the transaction inserts was stored by another transaction since it looked (a
    unique key taken): the transaction is rolled back and may be run again."""


class Repository(OverTimeStore, MedicareStore, Protocol):
    # --- reference data ------------------------------------------------------------------
    def get_member(self, cin: str) -> Member | None: ...
    def members_born_on(self, birth_date: date) -> list[Member]: ...
    def get_provider(self, npi: str) -> Provider | None: ...
    def get_plan(self, code: str) -> Plan | None: ...
    def plans(self) -> dict[str, Plan]: ...
    def stored_aid_codes(self) -> dict[str, AidCode]: ...
    def case_exists(self, case_id: str) -> bool: ...
    def case_ids_starting(self, prefix: str, limit: int) -> list[str]: ...
    def budget_unit_exists(self, case_id: str, budget_unit: str) -> bool: ...
    def memberships_of(self, cin: str) -> list[Membership]: ...
    def members_of_budget_unit(self, case_id: str, budget_unit: str) -> list[Membership]: ...
    def segments(self, cin: str, month: BenefitMonth) -> list[EligibilitySegment]: ...
    def plan_segments(self, plan_code: str, month: BenefitMonth) -> list[EligibilitySegment]: ...

    # --- sign-in attempts (the sliding-window lockout, services/common.py) -------------------
    # Serializes the attempts on one NPI or CIN until the transaction ends (PostgreSQL).
    def lock_auth_subject(self, kind: str, subject: str) -> None: ...
    # Times of the failures since ``since``, newest first (from ``address`` only when given).
    def auth_failures(
        self, kind: str, subject: str, since: datetime, address: str | None = None
    ) -> list[datetime]: ...
    def address_failures(self, address: str, since: datetime) -> list[datetime]: ...
    # Whether a PIN check on the subject is under way (written "pending" before hashing).
    def auth_pending(self, kind: str, subject: str, since: datetime) -> bool: ...
    def auth_succeeded(self, kind: str, subject: str, address: str, since: datetime) -> bool: ...
    def add_auth_attempt(
        self, kind: str, subject: str, address: str, at: datetime, outcome: str
    ) -> int: ...
    def settle_auth_attempt(self, seq: int, outcome: str) -> None: ...
    def clear_auth_failures(self, kind: str, subject: str) -> int: ...
    def prune_auth_attempts(self, before: datetime) -> None: ...
    # The provider and its NPI's standing in one statement (``limits``: the failures that
    # lock an NPI, an address), with the member of ``cin`` when given; None for an unknown NPI.
    def provider_sign_in(
        self,
        npi: str,
        address: str,
        since: datetime,
        trusted_since: datetime,
        limits: tuple[int, int],
        cin: str | None = None,
    ) -> SignIn | None: ...

    # --- PIN lockout (before revision 0007; no longer used) -----------------------------------
    def count_pin_failure(self, npi: str) -> int: ...
    def lock_provider(self, npi: str, until: datetime) -> None: ...
    def reset_pin_failures(self, npi: str) -> None: ...
    def member_locked_until(self, cin: str) -> datetime | None: ...
    def count_member_failure(self, cin: str) -> int: ...
    def lock_member(self, cin: str, until: datetime) -> None: ...
    def reset_member_failures(self, cin: str) -> None: ...

    # --- SOC ledger ----------------------------------------------------------------------
    def lock_obligations(
        self, case_id: str, budget_unit: str, month: BenefitMonth
    ) -> list[Obligation]: ...
    def get_obligations(
        self, case_id: str, budget_unit: str, month: BenefitMonth
    ) -> list[Obligation]: ...
    def save_obligation(self, obligation: Obligation, now: datetime) -> None: ...
    def add_entry(self, entry: LedgerEntry) -> None: ...
    # A stored, locked obligation's new state with the entry that made it (one round trip on
    # PostgreSQL).
    def save_obligation_and_entry(
        self, obligation: Obligation, entry: LedgerEntry, now: datetime
    ) -> None: ...
    def entries_of(self, key: ObligationKey) -> list[LedgerEntry]: ...
    def entries_of_clearance(self, clearance_id: str) -> list[LedgerEntry]: ...
    def member_entries(self, cin: str | None, month: BenefitMonth | None) -> list[LedgerEntry]: ...
    def reversed_entry_ids(self, entry_ids: list[str]) -> set[str]: ...
    def unit_obligations(
        self, cin: str, month: BenefitMonth, *, lock: bool
    ) -> list[tuple[Membership, list[Obligation]]]:
        """Each budget unit the member is on with its obligations for the month (units without
        one are left out), in key order; locked like ``lock_obligations`` when ``lock``."""
        ...

    def lock_idempotency_key(self, npi: str, key: str) -> None: ...
    def clearance_precheck(
        self, provider_npi: str, key: str | None, cin: str, service_date: date, billing_code: str
    ) -> tuple[str | None, bool]:
        """(the clearance this provider's idempotency key already made, whether an active
        clearance of this service by this provider exists), in one round trip."""
        ...

    def uncertified_obligations(self, month: BenefitMonth) -> list[ObligationKey]: ...
    def iter_obligations(self) -> Iterator[Obligation]: ...

    # --- EVCs, verifications, activations, cycles ------------------------------------------
    def evc_exists(self, evc: str) -> bool: ...
    def add_evc(self, record: EvcRecord) -> None: ...
    def add_verification(self, record: VerificationRecord) -> None: ...
    # Stores the EVC unless its code is taken (False: draw another).
    def add_evc_if_new(self, record: EvcRecord) -> bool: ...
    # The verification and its EVC if any (one round trip where the database allows); False,
    # nothing written, when the EVC's code is taken.
    def record_verification(
        self, verification: VerificationRecord, evc: EvcRecord | None
    ) -> bool: ...
    # A chunk's verifications and EVCs (two statements); returns the EVC codes found taken
    # (their verifications are not written).
    def record_verifications(
        self, records: list[tuple[VerificationRecord, EvcRecord | None]]
    ) -> set[str]: ...
    def has_verified(
        self, provider_npi: str, cin: str, month: BenefitMonth | None = None
    ) -> bool: ...
    def providers_in_networks(self, networks: list[str]) -> list[Provider]: ...
    def provider_directory(self) -> list[tuple[str, str]]: ...
    def add_activation(
        self, plan_code: str, cin: str, key: ObligationKey, certified_by: str, now: datetime
    ) -> bool: ...
    def activations_since(self, plan_code: str, after_seq: int, limit: int) -> list[Activation]: ...
    def activation_count(self, plan_code: str, cin: str, month: BenefitMonth) -> int: ...
    def cycle_started(self, month: BenefitMonth) -> bool: ...
    # determination inputs (population what-if)
    def save_determination_inputs(self, record: StoredDetermination, now: datetime) -> None: ...
    def save_determination_inputs_many(
        self, records: list[StoredDetermination], now: datetime
    ) -> None: ...
    def determination_inputs(self, month: BenefitMonth) -> list[StoredDetermination]: ...
    def record_cycle(self, month: BenefitMonth, ltc_certified: int, now: datetime) -> None: ...

    # --- API tokens and the access log ------------------------------------------------------
    def add_token(self, token: ApiToken) -> None: ...
    def token_by_hash(self, token_hash: str) -> ApiToken | None: ...
    def list_tokens(self) -> list[ApiToken]: ...
    def revoke_token(self, token_id: str, at: datetime) -> ApiToken | None: ...
    # web credentials (services.web_credentials), keyed by the SHA-256 of the cookie's id
    def add_web_credential(
        self, credential_hash: str, sealed: bytes, expires_at: datetime
    ) -> None: ...
    def web_credential(self, credential_hash: str) -> StoredCredential | None: ...
    def renew_web_credential(
        self, credential_hash: str, expires_at: datetime, sealed: bytes | None = None
    ) -> None: ...
    def drop_web_credential(self, credential_hash: str) -> None: ...
    def drop_expired_web_credentials(self, now: datetime) -> int: ...
    def member_counties(self, cin: str) -> set[str]: ...
    def case_county(self, case_id: str) -> str | None: ...
    def append_access(self, *records: AccessRecord) -> None: ...
    def access_records(self, cin: str | None, after_seq: int, limit: int) -> list[AccessRecord]: ...

    # --- acknowledgments received (TA1, 999) ---------------------------------------------------
    def add_inbound_acknowledgments(self, records: list[InboundAcknowledgment]) -> None: ...
    def inbound_acknowledgments(
        self, after_seq: int, limit: int
    ) -> list[InboundAcknowledgment]: ...

    # --- claims, fee schedule, authorizations, other coverage ---------------------------------
    def ohc_policies(self, cin: str) -> list[OhcPolicy]: ...
    def fee_at(self, procedure_code: str, on: date) -> FeeScheduleEntry | None: ...
    def authorizations_of(self, cin: str) -> list[Authorization]: ...
    def units_used(self, authorization_ids: list[str]) -> dict[str, int]: ...
    # Claims of one member are decided one after the other: a claim's transaction (one claim or
    # a batch's chunk) first locks its members, in one statement.
    def lock_members(self, cins: list[str]) -> set[str]: ...
    # One claim also locks its ID (then answers whether it is stored); a chunk reads which of
    # its IDs are stored, and ``add_claims`` raises ``StoredMeanwhile`` if another transaction
    # stored one of them since (the chunk is then run again).
    # Claim IDs are the provider's own: a claim is keyed by (provider NPI, claim ID); every
    # look-up of one claim goes through ``get_claim(provider_npi, claim_id)``.
    def lock_claim_id(self, provider_npi: str, claim_id: str) -> bool: ...
    def add_claim(self, claim: StoredClaim, lines: list[StoredClaimLine]) -> None: ...
    # ``add_claims`` consumes ``claims`` to its end; they may be produced as they are stored
    # (a batch's chunk streams its claims to COPY as it adjudicates them).
    def add_claims(self, claims: Iterable[tuple[StoredClaim, list[StoredClaimLine]]]) -> None: ...
    def get_claim(self, provider_npi: str, claim_id: str) -> StoredClaim | None: ...
    def claims_with_id(self, claim_id: str) -> list[StoredClaim]: ...
    def claim_lines_of(self, cin: str, start: date, end: date) -> list[StoredClaimLine]: ...
    def claims_of_provider(self, provider_npi: str, cin: str) -> list[StoredClaim]: ...
    # Corrections: the original leaves claims/claim_lines and is kept in claim_corrections.
    def claim_lines_of_claim(self, provider_npi: str, claim_id: str) -> list[StoredClaimLine]: ...
    def correct_claim(self, correction: ClaimCorrection) -> None: ...
    def corrections_of(self, provider_npi: str, claim_id: str) -> list[ClaimCorrection]: ...

    # --- bulk reads for batch adjudication (one query per kind for a chunk of claims) -----
    def providers_by_npi(self, npis: list[str]) -> dict[str, Provider]: ...
    def stored_claim_ids(self, keys: list[tuple[str, str]]) -> set[tuple[str, str]]: ...
    def segments_of(
        self, cins: list[str], months: list[BenefitMonth]
    ) -> list[EligibilitySegment]: ...
    def memberships_of_members(self, cins: list[str]) -> list[Membership]: ...
    def members_by_cin(self, cins: list[str]) -> dict[str, Member]: ...
    def units_obligations_of(
        self, cins: list[str], months: list[BenefitMonth]
    ) -> dict[tuple[str, BenefitMonth], list[tuple[Membership, list[Obligation]]]]: ...
    def obligations_of_cases_in(
        self, case_ids: list[str], months: list[BenefitMonth]
    ) -> list[Obligation]: ...
    def ohc_policies_of(self, cins: list[str]) -> list[OhcPolicy]: ...
    def authorizations_of_members(self, cins: list[str]) -> list[Authorization]: ...
    def fee_schedule(self) -> list[FeeScheduleEntry]: ...

    # --- import: bulk upserts by natural key (within a list the last row of a key wins) ------
    def existing_members(self, cins: set[str]) -> set[str]: ...
    def existing_budget_units(self, case_ids: set[str]) -> set[tuple[str, str]]: ...
    def obligations_of_cases(self, case_ids: set[str]) -> list[Obligation]: ...
    def budget_unit_months_with_aid_codes(
        self, case_ids: set[str], aid_codes: set[str], role: BudgetUnitRole
    ) -> set[tuple[str, str, BenefitMonth]]: ...
    def budget_unit_plan_members(
        self, case_ids: set[str], role: BudgetUnitRole
    ) -> list[tuple[Membership, EligibilitySegment]]: ...
    def add_activations(
        self, activations: list[tuple[str, str, ObligationKey, str]], now: datetime
    ) -> None: ...
    def save_obligations(self, obligations: list[Obligation], now: datetime) -> None: ...
    def upsert_plans(self, plans: list[Plan]) -> None: ...
    def replace_pin_hash(self, npi: str, old: str, new: str) -> bool: ...
    def upsert_providers(self, providers: list[Provider], *, keep_pin: bool) -> None: ...
    def upsert_members(self, members: list[Member]) -> None: ...
    def upsert_cases(self, cases: list[tuple[str, str]]) -> None: ...
    def upsert_memberships(self, memberships: list[Membership]) -> None: ...
    def upsert_aid_codes(self, aid_codes: list[AidCode]) -> None: ...
    def upsert_segments(self, segments: list[EligibilitySegment]) -> None: ...
    def upsert_ohc_policies(self, policies: list[OhcPolicy]) -> None: ...
    def upsert_fees(self, entries: list[FeeScheduleEntry]) -> None: ...
    def upsert_authorizations(self, authorizations: list[Authorization]) -> None: ...


class UnitOfWork(Protocol):
    """One transaction per use case: rolled back unless ``commit`` is called.

    On entry the adapter takes what the engine needs for correct concurrent writes (PostgreSQL:
    row locks in ``lock_obligations``; SQLite: one writer)."""

    @property
    def repo(self) -> Repository: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...
    # The same, each statement committing alone where the database allows (no BEGIN/COMMIT
    # round trips): only for reads that need no common snapshot and writes of one statement.
    def autocommit(self) -> AbstractContextManager[Self]: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


class PinHasher(Protocol):
    def hash(self, pin: str) -> str: ...
    def verify(self, pin_hash: str, pin: str) -> bool: ...
    # The verdict when it is cheap (remembered, or a hasher without memory that checks at
    # once); None when it would take the slow hash, to be made outside the transaction.
    def known(self, pin_hash: str, pin: str) -> bool | None: ...
    # Whether a right PIN's stored hash should be replaced (not peppered, older parameters).
    def needs_rehash(self, pin_hash: str) -> bool: ...
    # A hash no PIN matches: an unknown NPI is checked against it (the same time as a known one).
    def dummy_hash(self) -> str: ...
    # A hash this process just made of a right PIN (a re-hash): remembered as right, if the
    # hasher remembers anything.
    def remember(self, pin_hash: str, pin: str) -> None: ...


class Sealer(Protocol):
    """Authenticated encryption of small secrets (``adapters.sealing``): ``open`` gives back
    what ``seal`` was given with the same ``context``, and None for anything else (another key,
    another context, a changed byte)."""

    def seal(self, plain: bytes, context: bytes) -> bytes: ...
    def open(self, sealed: bytes, context: bytes) -> bytes | None: ...


class IdSource(Protocol):
    def new_id(self, prefix: str) -> str: ...
    def new_evc(self) -> str: ...


@dataclass(frozen=True, slots=True)
class Env:
    """The outside world a use case may touch besides its unit of work."""

    clock: Clock
    pins: PinHasher
    ids: IdSource
