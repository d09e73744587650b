"""Storage schema (SQLAlchemy Core). Money is integer cents; months are 'YYYY-MM' strings so
that keys sort and partition by benefit month. Ledger invariants that a row can check are
database constraints too (see ``spenddown.domain.share_of_cost.ledger``)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    UniqueConstraint,
)

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

UtcDateTime = DateTime(timezone=True)

plans = Table(
    "plans",
    metadata,
    Column("code", String(16), primary_key=True),
    Column("name", String(200), nullable=False),
)

providers = Table(
    "providers",
    metadata,
    Column("npi", String(10), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("type", String(20), nullable=False),
    Column("pin_hash", String(200), nullable=False),
    Column("medi_cal_ffs", Boolean, nullable=False),
    Column("plans", JSON, nullable=False),
    Column("primary_networks", JSON, nullable=False),
    Column("failed_attempts", Integer, nullable=False, default=0),
    Column("locked_until", UtcDateTime, nullable=True),
    CheckConstraint("failed_attempts >= 0", name="failed_attempts_nonnegative"),
)

members = Table(
    "members",
    metadata,
    Column("cin", String(9), primary_key=True),
    Column("bic_issue_date", Date, nullable=False),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("birth_date", Date, nullable=False),
    # Family look-ups (ID + issue date + birth date): 5 failures lock the member for 15 minutes,
    # so that a birth date cannot be guessed by trying them all.
    Column("failed_lookups", Integer, nullable=False, server_default="0"),
    Column("locked_until", UtcDateTime, nullable=True),
)

cases = Table(
    "cases",
    metadata,
    Column("case_id", String(40), primary_key=True),
    Column("county_code", String(2), nullable=False),
)

budget_units = Table(
    "budget_units",
    metadata,
    Column("case_id", String(40), ForeignKey("cases.case_id"), primary_key=True),
    Column("budget_unit", String(10), primary_key=True),
)

budget_unit_members = Table(
    "budget_unit_members",
    metadata,
    Column("case_id", String(40), primary_key=True),
    Column("budget_unit", String(10), primary_key=True),
    Column("cin", String(9), ForeignKey("members.cin"), primary_key=True),
    Column("role", String(10), nullable=False),
    ForeignKeyConstraint(
        ["case_id", "budget_unit"], ["budget_units.case_id", "budget_units.budget_unit"]
    ),
    CheckConstraint("role IN ('eligible', 'IE', 'RR')", name="role_known"),
    Index("ix_budget_unit_members_cin", "cin"),
)

aid_codes = Table(
    "aid_codes",
    metadata,
    Column("aid_code", String(4), primary_key=True),
    Column("soc", Boolean, nullable=False),
    Column("ltc", Boolean, nullable=False),
    Column("scope", String(12), nullable=False),
    Column("program", String(10), nullable=False),
    Column("verified", Boolean, nullable=False),
    Column("description", String(200), nullable=False, default=""),
)

eligibility = Table(
    "eligibility",
    metadata,
    Column("cin", String(9), ForeignKey("members.cin"), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("aid_code", String(4), primary_key=True),
    Column("county_code", String(2), nullable=False),
    Column("plan_code", String(16), ForeignKey("plans.code"), nullable=True),
    Column("ohc_codes", JSON, nullable=False),
    Index("ix_eligibility_plan_month", "plan_code", "month"),
)

soc_obligations = Table(
    "soc_obligations",
    metadata,
    Column("case_id", String(40), primary_key=True),
    Column("budget_unit", String(10), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("program", String(10), primary_key=True),
    Column("amount_cents", BigInteger, nullable=False),
    Column("remaining_cents", BigInteger, nullable=False),
    Column("certified_by", String(12), nullable=True),
    Column("certified_at", UtcDateTime, nullable=True),
    Column("ltc", Boolean, nullable=False, default=False),
    Column("updated_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(
        ["case_id", "budget_unit"], ["budget_units.case_id", "budget_units.budget_unit"]
    ),
    CheckConstraint(
        "remaining_cents >= 0 AND remaining_cents <= amount_cents", name="remaining_in_range"
    ),
    CheckConstraint(
        "certified_by IS NULL OR certified_by IN ('clearances', 'county', 'ltc_auto')",
        name="certified_by_known",
    ),
    CheckConstraint(
        "certified_by NOT IN ('clearances', 'county') OR remaining_cents = 0",
        name="certified_means_met",
    ),
    CheckConstraint("remaining_cents > 0 OR certified_by IS NOT NULL", name="met_means_certified"),
    CheckConstraint("(certified_by IS NULL) = (certified_at IS NULL)", name="certified_dated"),
)

soc_entries = Table(
    "soc_entries",
    metadata,
    Column("entry_id", String(40), primary_key=True),
    Column("clearance_id", String(40), nullable=False),
    Column("kind", String(24), nullable=False),
    Column("case_id", String(40), nullable=False),
    Column("budget_unit", String(10), nullable=False),
    Column("month", String(7), nullable=False),
    Column("program", String(10), nullable=False),
    Column("cin", String(9), nullable=False),
    Column("provider_npi", String(10), nullable=True),
    Column("service_date", Date, nullable=True),
    Column("billing_code", String(20), nullable=True),
    Column("service_charge_cents", BigInteger, nullable=True),
    Column("payment", String(10), nullable=True),
    Column("applied_cents", BigInteger, nullable=False),
    Column("remaining_after_cents", BigInteger, nullable=False),
    Column("idempotency_key", String(100), nullable=True),
    Column("reverses", String(40), ForeignKey("soc_entries.entry_id"), nullable=True),
    Column("evc", String(10), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    # docs/rules.md, "A Share of Cost over time" (migration 0012)
    Column("other_coverage_paid_cents", BigInteger, nullable=True),
    Column("provider_name", String(200), nullable=True),
    Column("change_id", String(40), nullable=True),
    # docs/rules.md §9.1, dates of service by service type (migration 0013)
    Column("service_type", String(10), nullable=True),
    Column("counted_date", Date, nullable=True),
    ForeignKeyConstraint(
        ["case_id", "budget_unit", "month", "program"],
        [
            "soc_obligations.case_id",
            "soc_obligations.budget_unit",
            "soc_obligations.month",
            "soc_obligations.program",
        ],
    ),
    CheckConstraint(
        "kind IN ('clearance', 'reversal', 'county_certification', 'receipt', 'credit')",
        name="kind_known",
    ),
    CheckConstraint(
        "other_coverage_paid_cents IS NULL OR (other_coverage_paid_cents >= 0"
        " AND other_coverage_paid_cents < service_charge_cents)",
        name="coverage_below_charge",
    ),
    CheckConstraint(
        "kind <> 'receipt' OR (service_charge_cents > 0 AND provider_name IS NOT NULL"
        " AND service_date IS NOT NULL AND payment IS NOT NULL"
        " AND applied_cents <= service_charge_cents)",
        name="receipt_complete",
    ),
    CheckConstraint("kind <> 'credit' OR change_id IS NOT NULL", name="credit_names_change"),
    CheckConstraint(
        "service_type IS NULL OR service_type IN ('drug', 'appliance', 'global', 'other')",
        name="service_type_known",
    ),
    CheckConstraint("applied_cents >= 0 AND remaining_after_cents >= 0", name="amounts_positive"),
    CheckConstraint(
        "kind <> 'clearance' OR (service_charge_cents > 0 AND provider_npi IS NOT NULL)",
        name="clearance_complete",
    ),
    CheckConstraint("(kind = 'reversal') = (reverses IS NOT NULL)", name="reversal_points"),
    # A clearance is reversed at most once.
    UniqueConstraint("reverses", name="uq_soc_entries_reverses"),
    # Nothing is applied twice for one idempotency key of one provider (per program).
    UniqueConstraint(
        "provider_npi", "idempotency_key", "program", "kind", name="uq_soc_entries_idempotency"
    ),
    Index("ix_soc_entries_obligation", "case_id", "budget_unit", "month", "program"),
    Index("ix_soc_entries_member_month", "cin", "month"),
    Index("ix_soc_entries_clearance", "clearance_id"),
    Index("ix_soc_entries_service", "cin", "service_date", "provider_npi", "billing_code"),
)

evcs = Table(
    "evcs",
    metadata,
    Column("evc", String(10), primary_key=True),
    Column("source", String(12), nullable=False),  # verification | clearance
    Column("provider_npi", String(10), nullable=False),
    Column("cin", String(9), nullable=False),
    Column("service_date", Date, nullable=False),
    Column("month", String(7), nullable=False),
    Column("aid_codes", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

verifications = Table(
    "verifications",
    metadata,
    Column("verification_id", String(40), primary_key=True),
    Column("provider_npi", String(10), nullable=False),
    Column("cin", String(9), nullable=False),
    Column("service_date", Date, nullable=False),
    Column("month", String(7), nullable=False),
    Column("eligible", Boolean, nullable=False),
    Column("eligibility_status", String(1), nullable=False),
    Column("evc", String(10), ForeignKey("evcs.evc"), nullable=True),
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_verifications_provider_member", "provider_npi", "cin"),
)

plan_activations = Table(
    "plan_activations",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("plan_code", String(16), nullable=False),
    Column("cin", String(9), nullable=False),
    Column("month", String(7), nullable=False),
    Column("case_id", String(40), nullable=False),
    Column("budget_unit", String(10), nullable=False),
    Column("certified_by", String(12), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    # Each member-month is activated once: the outbox row is written in the certifying
    # transaction, so an activation is never lost nor sent twice.
    UniqueConstraint("plan_code", "cin", "month", name="uq_plan_activations_member_month"),
    Index("ix_plan_activations_plan_seq", "plan_code", "seq"),
)

cycles = Table(
    "cycles",
    metadata,
    Column("month", String(7), primary_key=True),
    Column("started_at", UtcDateTime, nullable=False),
    Column("ltc_certified", Integer, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("token_id", String(40), primary_key=True),
    # SHA-256 of a 256-bit random token: a slow hash is for guessable secrets such as PINs.
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("role", String(10), nullable=False),
    Column("plan_code", String(16), nullable=True),
    Column("label", String(100), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("revoked_at", UtcDateTime, nullable=True),
    # Security (docs/operations.md "Tokens"): a token ends at ``expires_at`` (NULL: never, for
    # tokens made before expiry existed); a county token sees its county only (NULL: statewide,
    # only when created so).
    Column("expires_at", UtcDateTime, nullable=True),
    Column("county_code", String(2), nullable=True),
    CheckConstraint("role IN ('county', 'plan', 'admin')", name="role_known"),
    CheckConstraint("(role = 'plan') = (plan_code IS NOT NULL)", name="plan_has_code"),
)

access_log = Table(
    "access_log",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(40), nullable=False),  # NPI, token id, or "member"
    Column("role", String(20), nullable=False),
    Column("action", String(80), nullable=False),
    Column("cin", String(9), nullable=True),
    Column("outcome", String(40), nullable=False),  # "ok" or the error code
    Column("address", String(64), nullable=True),  # the caller's address (docs/api.md)
    Index("ix_access_log_cin", "cin"),
)

# Every failed sign-in (a wrong PIN, a failed member look-up) and every PIN checked with the slow
# hash, for the sliding-window lockout (services/common.py, docs/api.md "Credentials"). A try
# that needs the slow hash is written as a failure *before* hashing and turned into a success
# after: a success never erases other failures. ``subject`` is the NPI or CIN as sent (unknown
# ones too, so that they behave like known ones); ``address`` the caller's ('' unknown).
auth_attempts = Table(
    "auth_attempts",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("kind", String(8), nullable=False),  # npi | member
    Column("subject", String(64), nullable=False),
    Column("address", String(64), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("outcome", String(10), nullable=False),
    CheckConstraint("kind IN ('npi', 'member')", name="kind_known"),
    CheckConstraint(
        "outcome IN ('failure', 'pending', 'success', 'cleared')", name="outcome_known"
    ),
    Index("ix_auth_attempts_subject", "kind", "subject", "at"),
    Index("ix_auth_attempts_address", "address", "at"),
    Index("ix_auth_attempts_at", "at"),  # pruning
)

# The web pages' server-side credentials (docs/web.md "Sessions", migration 0014): the signed
# cookie holds a random id, the row is keyed by its SHA-256 and its secrets (a provider's PIN, a
# county worker's token, a family's card dates) are sealed with AES-GCM under a key derived from
# SPENDDOWN_SECRET_KEY (adapters/sealing.py). Shared by every server process and host.
web_credentials = Table(
    "web_credentials",
    metadata,
    Column("credential_hash", String(64), primary_key=True),
    Column("sealed", LargeBinary, nullable=False),
    Column("expires_at", UtcDateTime, nullable=False),
    Index("ix_web_credentials_expires_at", "expires_at"),  # deleting expired rows
)

ohc_policies = Table(
    "ohc_policies",
    metadata,
    Column("cin", String(9), ForeignKey("members.cin"), primary_key=True),
    Column("carrier", String(100), primary_key=True),
    Column("plan_year_start", Date, primary_key=True),
    Column("network", String(100), nullable=False),
    Column("ohc_code", String(1), nullable=False),
    Column("scopes", JSON, nullable=False),
    Column("deductible_cents", BigInteger, nullable=False),
    Column("out_of_pocket_max_cents", BigInteger, nullable=False),
    CheckConstraint(
        "deductible_cents >= 0 AND out_of_pocket_max_cents >= 0", name="amounts_positive"
    ),
)

fee_schedule = Table(
    "fee_schedule",
    metadata,
    Column("procedure_code", String(20), primary_key=True),
    Column("effective", Date, primary_key=True),
    Column("allowed_per_unit_cents", BigInteger, nullable=False),
    Column("requires_authorization", Boolean, nullable=False),
    Column("restricted_scope_ok", Boolean, nullable=False),
    CheckConstraint("allowed_per_unit_cents >= 0", name="allowed_positive"),
)

authorizations = Table(
    "authorizations",
    metadata,
    Column("authorization_id", String(40), primary_key=True),
    Column("payer", String(10), nullable=False),
    Column("cin", String(9), ForeignKey("members.cin"), nullable=False),
    Column("procedure_code", String(20), nullable=False),
    Column("start", Date, nullable=False),
    Column("end", Date, nullable=False),
    Column("units", Integer, nullable=False),
    Column("status", String(12), nullable=False),
    CheckConstraint("payer IN ('medi-cal', 'plan', 'primary')", name="payer_known"),
    CheckConstraint('units > 0 AND "start" <= "end"', name="sane"),
    Index("ix_authorizations_member_code", "cin", "procedure_code"),
)

claims = Table(
    "claims",
    metadata,
    Column("claim_id", String(40), nullable=False),
    Column("provider_npi", String(10), nullable=False),
    Column("cin", String(9), nullable=False),
    Column("status", String(16), nullable=False),
    Column("medi_cal_paid_cents", BigInteger, nullable=False),
    Column("member_owes_cents", BigInteger, nullable=False),
    Column("received_at", UtcDateTime, nullable=False),
    Column("adjudication", JSON, nullable=False),  # the Adjudication as answered
    # Claim IDs are the provider's own (migration 0008): the key is (provider_npi, claim_id).
    PrimaryKeyConstraint("provider_npi", "claim_id"),
    Index("ix_claims_member", "cin"),
    Index("ix_claims_claim_id", "claim_id"),  # a county's look-up by claim ID alone (0015)
)

# A replaced (CLM05-3 7) or voided (8) claim: its row and lines leave ``claims`` and
# ``claim_lines`` (nothing counts them any more) and are kept here as they were (docs/x12.md
# "Resends, corrected and void claims").
claim_corrections = Table(
    "claim_corrections",
    metadata,
    Column("correction_id", Integer, primary_key=True, autoincrement=True),
    Column("provider_npi", String(10), nullable=False),
    Column("claim_id", String(40), nullable=False),
    Column("kind", String(12), nullable=False),  # replacement | void
    Column("replaced_by", String(40), nullable=True),
    Column("cin", String(9), nullable=False),
    Column("original", JSON, nullable=False),  # the claim row and its lines as stored
    Column("corrected_at", UtcDateTime, nullable=False),
    Index("ix_claim_corrections_claim", "provider_npi", "claim_id"),
)

claim_lines = Table(
    "claim_lines",
    metadata,
    Column("claim_id", String(40), nullable=False),
    Column("line", Integer, nullable=False),
    Column("cin", String(9), nullable=False),
    Column("service_date", Date, nullable=False),
    Column("procedure_code", String(20), nullable=False),
    Column("units", Integer, nullable=False),
    Column("status", String(8), nullable=False),
    Column("authorization_id", String(40), nullable=True),
    Column("medi_cal_paid_cents", BigInteger, nullable=False),
    Column("soc_cents", BigInteger, nullable=False),
    Column("member_owes_cents", BigInteger, nullable=False),
    Column("primary_deductible_cents", BigInteger, nullable=False),
    Column("deductible_credit_cents", BigInteger, nullable=False),
    Column("primary_out_of_pocket_cents", BigInteger, nullable=False),
    Column("provider_npi", String(10), nullable=False),  # added by migration 0008
    PrimaryKeyConstraint("provider_npi", "claim_id", "line"),
    ForeignKeyConstraint(
        ["provider_npi", "claim_id"],
        ["claims.provider_npi", "claims.claim_id"],
    ),
    Index("ix_claim_lines_member_date", "cin", "service_date"),
    Index("ix_claim_lines_authorization", "authorization_id"),
)

# Acknowledgments trading partners send back for spenddown's own 271/835 (docs/x12.md
# "Acknowledgments received"): one row per TA1 segment or per 999 transaction set, never answered.
inbound_acknowledgments = Table(
    "inbound_acknowledgments",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("received_at", UtcDateTime, nullable=False),
    Column("provider_npi", String(10), nullable=False),  # the credentials it came with
    Column("kind", String(3), nullable=False),  # "999", "997" or "TA1"
    Column("sender_id", String(15), nullable=False),  # their ISA06
    Column("interchange_control", String(9), nullable=False),  # their ISA13
    Column("acknowledged_control", String(9), nullable=False),  # TA101, or AK102 (our GS06)
    Column("acknowledged_code", String(2), nullable=False),  # AK101 (HB, HP, ...), "" for a TA1
    Column("status", String(1), nullable=False),  # TA104 / AK901: A, E, P, R ("" unreadable)
    Column("detail", JSON, nullable=False),  # TA105, or each AK2 with its IK5 and IK3s
    CheckConstraint("kind IN ('999', '997', 'TA1')", name="kind_known"),
    Index("ix_inbound_acknowledgments_control", "sender_id", "acknowledged_control"),
)

# The inputs of the determination a budget unit's SOC was set from (docs/rules.md "Population
# what-if"): re-run under a reform by ``spenddown whatif``. One row per budget unit and month.
determination_inputs = Table(
    "determination_inputs",
    metadata,
    Column("case_id", String(40), primary_key=True),
    Column("budget_unit", String(10), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("program", String(20), nullable=False),
    Column("soc_cents", BigInteger, nullable=False),
    Column("inputs", JSON, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    ForeignKeyConstraint(
        ["case_id", "budget_unit"], ["budget_units.case_id", "budget_units.budget_unit"]
    ),
    CheckConstraint("soc_cents >= 0", name="soc_not_negative"),
    Index("ix_determination_inputs_month", "month"),
)


# --- a Share of Cost over time (docs/rules.md; migration 0012) --------------------------------
soc_changes = Table(
    "soc_changes",
    metadata,
    Column("change_id", String(40), primary_key=True),
    Column("case_id", String(40), nullable=False),
    Column("budget_unit", String(10), nullable=False),
    Column("program", String(10), nullable=False),
    Column("old_amount_cents", BigInteger, nullable=False),
    Column("new_amount_cents", BigInteger, nullable=False),
    Column("direction", String(10), nullable=False),
    Column("changed_on", Date, nullable=False),
    Column("reported_on", Date, nullable=False),
    Column("reason", String(500), nullable=False),
    Column("effective_month", String(7), nullable=False),
    Column("timely", Boolean, nullable=False),
    Column("correction", Boolean, nullable=False),
    Column("excess", String(16), nullable=True),
    Column("excess_cents", BigInteger, nullable=False),
    Column("months", JSON, nullable=False),  # the months the change set, and those it kept
    Column("status", String(16), nullable=False),  # applied | held (aid paid pending)
    Column("notice_id", String(40), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    CheckConstraint("direction IN ('increase', 'decrease')", name="direction_known"),
    CheckConstraint("status IN ('applied', 'held')", name="status_known"),
    CheckConstraint("excess_cents >= 0", name="excess_positive"),
    Index("ix_soc_changes_unit", "case_id", "budget_unit"),
)

notices = Table(
    "notices",
    metadata,
    Column("notice_id", String(40), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("case_id", String(40), nullable=False),
    Column("budget_unit", String(10), nullable=False),
    Column("change_id", String(40), nullable=True),
    Column("issued_on", Date, nullable=False),
    Column("effective_month", String(7), nullable=False),
    Column("hearing_deadline", Date, nullable=False),
    Column("content", JSON, nullable=False),  # language-independent facts (amounts, rules, steps)
    Column("created_at", UtcDateTime, nullable=False),
    Index("ix_notices_case", "case_id"),
)

hearing_requests = Table(
    "hearing_requests",
    metadata,
    Column("notice_id", String(40), ForeignKey("notices.notice_id"), primary_key=True),
    Column("requested_on", Date, nullable=False),
    Column("aid_paid_pending", Boolean, nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

# Medicare on the member-month (import `medicare`, `msp` on eligibility rows) and the Part B
# buy-in events written when a SOC month is certified (an outbox read with a cursor, like
# plan_activations).
medicare_status = Table(
    "medicare_status",
    metadata,
    Column("cin", String(9), primary_key=True),
    Column("month", String(7), primary_key=True),
    Column("part_a", Boolean, nullable=False),
    Column("part_b", Boolean, nullable=False),
    Column("msp", String(4), nullable=True),
    CheckConstraint("msp IS NULL OR msp IN ('qmb', 'slmb', 'qi')", name="msp_known"),
)

# The application behind a case: its date gives the retroactive months (docs/rules.md).
case_applications = Table(
    "case_applications",
    metadata,
    Column("case_id", String(40), ForeignKey("cases.case_id"), primary_key=True),
    Column("application_date", Date, nullable=False),
    Column("aged_or_disabled", Boolean, nullable=False),
)

part_b_buy_ins = Table(
    "part_b_buy_ins",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("cin", String(9), nullable=False),
    Column("month", String(7), nullable=False),
    Column("case_id", String(40), nullable=False),
    Column("budget_unit", String(10), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("cin", "month", name="uq_part_b_buy_ins_member_month"),
)
