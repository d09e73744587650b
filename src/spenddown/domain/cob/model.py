"""Claims with the primary payer's adjudication, the Medi-Cal fee schedule, authorizations and
other-health-coverage policies (docs/rules.md §5; docs/formats.md §2)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from spenddown.domain.money import Money


class PayerType(StrEnum):
    COMMERCIAL = "commercial"
    MEDICARE = "medicare"
    MEDICARE_ADVANTAGE = "medicare_advantage"


class AuthorizationPayer(StrEnum):
    MEDI_CAL = "medi-cal"  # a Treatment Authorization Request (TAR), fee-for-service
    PLAN = "plan"  # the Medi-Cal managed-care plan's authorization
    PRIMARY = "primary"  # the primary insurer's preauthorization


class ServiceScope(StrEnum):
    MEDICAL = "medical"
    DENTAL = "dental"
    VISION = "vision"
    PHARMACY = "pharmacy"


@dataclass(frozen=True, slots=True)
class PrimaryLine:
    """What the primary payer decided on one line."""

    allowed: Money
    paid: Money
    deductible: Money = field(default_factory=Money.zero)
    coinsurance: Money = field(default_factory=Money.zero)
    copay: Money = field(default_factory=Money.zero)
    denial_carc: str | None = None

    @property
    def patient_liability(self) -> Money:
        """L: what the primary left the member to pay (deductible + coinsurance + copay)."""
        return self.deductible + self.coinsurance + self.copay


@dataclass(frozen=True, slots=True)
class ClaimPrimary:
    payer_type: PayerType
    payer_name: str
    claim_number: str
    adjudication_date: date


@dataclass(frozen=True, slots=True)
class ClaimLine:
    service_date: date
    procedure_code: str
    units: int
    charge: Money
    primary: PrimaryLine | None = None
    medi_cal_authorization: str | None = None
    primary_authorization: str | None = None
    scope: ServiceScope = ServiceScope.MEDICAL

    def with_primary(
        self, primary: PrimaryLine | None, primary_authorization: str | None
    ) -> ClaimLine:
        """This line with what the prior payers decided on it: ``dataclasses.replace`` as a
        direct constructor call (once per line of every claim an 837P carries; the tests hold
        the two equal field by field)."""
        return ClaimLine(
            self.service_date,
            self.procedure_code,
            self.units,
            self.charge,
            primary,
            self.medi_cal_authorization,
            primary_authorization,
            self.scope,
        )


@dataclass(frozen=True, slots=True)
class Claim:
    claim_id: str
    provider_npi: str
    member_id: str
    soc_amount: Money
    primary: ClaimPrimary | None
    lines: tuple[ClaimLine, ...]
    # The payers after the primary that adjudicated the claim before Medi-Cal (e.g. Medicare
    # as secondary behind a commercial primary: Medi-Cal is then the third payer). The lines'
    # ``primary`` holds what all of them decided together (domain.cob.prior).
    other_payers: tuple[ClaimPrimary, ...] = ()

    # Late filing (docs/rules.md, "Claim timeliness"): X12 CLM20, and the county's letter.
    delay_reason_code: str | None = None
    county_authorization: bool = False

    def with_payers(
        self,
        primary: ClaimPrimary | None,
        other_payers: tuple[ClaimPrimary, ...],
        lines: tuple[ClaimLine, ...],
    ) -> Claim:
        """This claim with its prior payers and its lines as they decided them
        (``domain.cob.prior.with_prior_payers``): ``dataclasses.replace`` as a direct
        constructor call, as ``ClaimLine.with_primary`` (once per claim an 837P carries; the
        tests hold the two equal field by field)."""
        return Claim(
            self.claim_id,
            self.provider_npi,
            self.member_id,
            self.soc_amount,
            primary,
            lines,
            other_payers,
            self.delay_reason_code,
            self.county_authorization,
        )

    @property
    def is_medicare_crossover(self) -> bool:
        return any(
            p.payer_type is PayerType.MEDICARE
            for p in (self.primary, *self.other_payers)
            if p is not None
        )


@dataclass(frozen=True, slots=True)
class FeeScheduleEntry:
    procedure_code: str
    effective: date
    allowed_per_unit: Money
    requires_authorization: bool = False
    restricted_scope_ok: bool = False


@dataclass(frozen=True, slots=True)
class Authorization:
    authorization_id: str
    payer: AuthorizationPayer
    cin: str
    procedure_code: str
    start: date
    end: date
    units: int
    status: str = "approved"

    def covers(self, cin: str, procedure_code: str, on: date) -> bool:
        return (
            self.status == "approved"
            and self.cin == cin
            and self.procedure_code == procedure_code
            and self.start <= on <= self.end
        )


@dataclass(frozen=True, slots=True)
class OhcPolicy:
    cin: str
    carrier: str
    network: str
    ohc_code: str
    scopes: tuple[ServiceScope, ...]
    plan_year_start: date
    deductible: Money
    out_of_pocket_max: Money
