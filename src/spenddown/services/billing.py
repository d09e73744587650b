"""Family-facing Medi-Cal-as-secondary use cases: the balance-billing check (docs/rules.md §6), the
accumulator statement for the primary's coordination-of-benefits department, and the savings
estimate (issue 4). Each gathers facts in one read-only transaction and calls the pure domain.

The balance-billing check reads a member's data, so it needs credentials (docs/api.md
"Credentials"): the family's (member ID, card issue date and date of birth, with the member
lockout), the provider's own (NPI + PIN, with the PIN lockout; failed member look-ups count to
it), or a county, plan or admin token checked by the caller (``staff``). An unknown member and a
wrong date give the same MEMBER_NOT_FOUND."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from spenddown.domain.billing import BillingCheck, BillingFacts, check_balance_billing
from spenddown.domain.cob.accumulators import (
    AccumulatorLine,
    AccumulatorStatement,
    accumulate,
    plan_year_end,
    policies_in_force,
)
from spenddown.domain.cob.estimate import (
    Estimate,
    PrimaryCostSharing,
    ProviderFit,
    ServicePattern,
    estimate_savings,
    provider_fit,
    with_providers,
)
from spenddown.domain.eligibility.codes import Program
from spenddown.domain.eligibility.model import Provider, ProviderType
from spenddown.domain.errors import AuthenticationFailed, InvalidInput, NotFound, mask_id
from spenddown.domain.identifiers import MemberId, parse_billing_code
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.ledger import EntryKind, Obligation
from spenddown.services.access import authenticate_member
from spenddown.services.claims import member_month
from spenddown.services.common import (
    aid_code_table,
    authenticate_provider,
    find_member,
    pin_checked_outside,
    today,
)
from spenddown.services.eligibility import own_obligations
from spenddown.services.medicare import is_qmb
from spenddown.services.ports import Env, UnitOfWork


@dataclass(frozen=True, slots=True)
class BillingCheckCommand:
    member_id: MemberId
    bic_issue_date: date
    provider_npi: str
    service_date: date
    amount: Money  # the amount on the bill sent to the family
    claim_id: str | None = None
    # The bill is Medicare cost sharing (deductible, coinsurance, copayment) from a Medicare
    # provider: a QMB member owes none of it (docs/rules.md).
    medicare_cost_sharing: bool = False
    birth_date: date | None = None  # the family's proof, with the card issue date
    pin: str | None = None  # the provider's proof: the PIN of ``provider_npi``
    staff: bool = False  # a county, plan or admin token, checked by the caller


@dataclass(frozen=True, slots=True)
class EstimateCommand:
    cin: str
    pattern: ServicePattern
    cost_sharing: PrimaryCostSharing
    primary_allowed_per_unit: Money
    as_of: date  # today: the fee schedule and the SOC month are read on this date
    start: date | None = None  # default: the start of the member's current plan year, or as_of
    provider_npis: tuple[str, ...] = ()  # the providers to check (see Estimate.providers)


def _provider(uow: UnitOfWork, npi: str) -> Provider:
    provider = uow.repo.get_provider(npi)
    if provider is None:
        raise NotFound("PROVIDER_NOT_FOUND", f"No provider with NPI {npi}.")
    return provider


def _soc_obligation(uow: UnitOfWork, cin: str, month: BenefitMonth) -> Obligation | None:
    obligations = own_obligations(uow, cin, month)
    return obligations.get(Program.MEDI_CAL) or next(iter(obligations.values()), None)


def _soc_cleared_by(uow: UnitOfWork, cin: str, provider_npi: str, service_date: date) -> Money:
    """The SOC the member paid or obligated to this provider for this date of service: the
    active (not reversed) clearances. One expense that cleared two programs (CMSP and
    Medi-Cal) is one payment: the larger applied amount counts once."""
    entries = uow.repo.member_entries(cin, BenefitMonth.of(service_date))
    reversed_ids = {e.reverses for e in entries if e.kind is EntryKind.REVERSAL}
    per_clearance: dict[str, Money] = {}
    for entry in entries:
        if (
            entry.kind is not EntryKind.CLEARANCE
            or entry.entry_id in reversed_ids
            or entry.provider_npi != provider_npi
            or entry.service_date != service_date
        ):
            continue
        per_clearance[entry.clearance_id] = max(
            per_clearance.get(entry.clearance_id, Money.zero()), entry.applied
        )
    result = Money.zero()
    for applied in per_clearance.values():
        result = result + applied
    return result


def _billed_medi_cal(uow: UnitOfWork, provider_npi: str, cin: str, service_date: date) -> bool:
    lines = uow.repo.claim_lines_of(cin, service_date, service_date)
    return any(line.provider_npi == provider_npi for line in lines)


def _has_ltc_soc(uow: UnitOfWork, cin: str, month: BenefitMonth) -> bool:
    codes = aid_code_table(uow)
    for segment in uow.repo.segments(cin, month):
        attributes = codes.get(segment.aid_code)
        if attributes is not None and attributes.ltc and attributes.soc:
            return True
    return False


@pin_checked_outside
def billing_check(cmd: BillingCheckCommand, uow: UnitOfWork, env: Env) -> BillingCheck:
    """docs/rules.md §6: may this provider bill the family this amount for this date of service?"""
    if not cmd.amount.is_positive():
        raise InvalidInput("INVALID_AMOUNT", "amount: the bill must be more than $0.00.")
    if cmd.service_date > today(env):
        raise InvalidInput("SERVICE_DATE_IN_FUTURE", "service_date is in the future.")
    if cmd.pin is None and cmd.birth_date is not None and not cmd.staff:
        authenticate_member(cmd.member_id, cmd.bic_issue_date, cmd.birth_date, uow, env)
    elif cmd.pin is None and not cmd.staff:
        raise AuthenticationFailed(
            "AUTHENTICATION_REQUIRED",
            "The balance-billing check needs the member's date of birth (with the member ID and "
            "card issue date), or the provider's NPI and PIN, or a token.",
        )
    with uow:
        checker = None
        if cmd.pin is not None:
            checker = authenticate_provider(uow, env, cmd.provider_npi, cmd.pin)
        member = find_member(uow, env, cmd.member_id, cmd.bic_issue_date, checker)
        provider = _provider(uow, cmd.provider_npi)
        cin, day = member.cin, cmd.service_date
        month = BenefitMonth.of(day)
        situation = member_month(uow, cin, month)
        if situation.plan_code is not None:
            enrolled = situation.plan_code in provider.plans
        else:
            enrolled = provider.medi_cal_ffs
        obligation = _soc_obligation(uow, cin, month)
        if cmd.claim_id is not None:
            stored = uow.repo.get_claim(provider.npi, cmd.claim_id)
            if stored is None or stored.cin != cin:
                raise NotFound(
                    "CLAIM_NOT_FOUND",
                    f"No claim {cmd.claim_id} from this provider for member {mask_id(cin)}.",
                )
            # What the claim leaves the member to pay for this date of service (its lines on it).
            lines = [
                line
                for line in uow.repo.claim_lines_of(cin, day, day)
                if line.claim_id == stored.claim_id and line.provider_npi == stored.provider_npi
            ]
            if not lines:
                raise InvalidInput(
                    "SERVICE_DATE_NOT_ON_CLAIM",
                    f"Claim {cmd.claim_id} has no service on {day.isoformat()}.",
                    field="service_date",
                )
            soc_for_service = Money.from_cents(sum(line.member_owes_cents for line in lines))
            billed = True
        else:
            soc_for_service = _soc_cleared_by(uow, cin, provider.npi, day)
            billed = _billed_medi_cal(uow, provider.npi, cin, day)
        ltc_liability = Money.zero()
        if (
            provider.type is ProviderType.LTC_FACILITY
            and obligation is not None
            and (obligation.ltc or _has_ltc_soc(uow, cin, month))
        ):
            ltc_liability = obligation.amount
        networks = {p.network for p in policies_in_force(uow.repo.ohc_policies(cin), day)}
        facts = BillingFacts(
            amount=cmd.amount,
            service_date=day,
            provider_name=provider.name,
            verified_medi_cal=uow.repo.has_verified(
                provider.npi, cin, BenefitMonth.of(cmd.service_date)
            ),
            billed_medi_cal=billed,
            enrolled_in_delivery_system=enrolled,
            plan_code=situation.plan_code,
            has_medi_cal=situation.any_eligibility,
            eligible=situation.eligible,
            soc_for_service=soc_for_service,
            month_soc=obligation.amount if obligation is not None else Money.zero(),
            soc_remaining=(
                obligation.remaining
                if obligation is not None and not obligation.certified
                else Money.zero()
            ),
            claim_id=cmd.claim_id,
            ltc_patient_liability=ltc_liability,
            medi_cal_copayments=Money.zero(),  # docs/rules.md §6: currently none
            in_primary_network=bool(networks & set(provider.primary_networks)),
            qmb=is_qmb(uow, cin, month),
            medicare_cost_sharing=cmd.medicare_cost_sharing,
        )
        return check_balance_billing(facts)


def accumulators(
    cin: str, plan_year_start: date | None, uow: UnitOfWork
) -> list[AccumulatorStatement]:
    """Every OHC policy of the member with its plan year's accumulators; with a date, only the
    policies whose plan year contains it (its start, or any day of it)."""
    with uow:
        if uow.repo.get_member(cin) is None:
            raise NotFound("MEMBER_NOT_FOUND", "No member matches this ID.", member=mask_id(cin))
        policies = uow.repo.ohc_policies(cin)
        if plan_year_start is not None:
            policies = policies_in_force(policies, plan_year_start)
            if not policies:
                raise NotFound(
                    "OHC_POLICY_NOT_FOUND",
                    f"No other health coverage of member {mask_id(cin)} has a plan year on "
                    f"{plan_year_start.isoformat()}.",
                )
        statements = []
        for policy in policies:
            stored = uow.repo.claim_lines_of(
                cin, policy.plan_year_start, plan_year_end(policy.plan_year_start)
            )
            lines = [
                AccumulatorLine(
                    claim_id=s.claim_id,
                    line=s.line,
                    service_date=s.service_date,
                    procedure_code=s.procedure_code,
                    primary_deductible=Money.from_cents(s.primary_deductible_cents),
                    medi_cal_paid=Money.from_cents(s.medi_cal_paid_cents),
                    member_owes=Money.from_cents(s.member_owes_cents),
                    primary_out_of_pocket=Money.from_cents(s.primary_out_of_pocket_cents),
                )
                for s in stored
            ]
            statements.append(accumulate(policy, lines))
        return statements


def estimate(cmd: EstimateCommand, uow: UnitOfWork) -> Estimate:
    """The year with and without Medi-Cal as secondary, and which of the named providers take
    both the member's private insurance and the member's Medi-Cal delivery system."""
    parse_billing_code(cmd.pattern.procedure_code, "procedure_code")
    with uow:
        if uow.repo.get_member(cmd.cin) is None:
            raise NotFound(
                "MEMBER_NOT_FOUND", "No member matches this ID.", member=mask_id(cmd.cin)
            )
        fee = uow.repo.fee_at(cmd.pattern.procedure_code, cmd.as_of)
        if fee is None:
            raise NotFound(
                "FEE_NOT_FOUND",
                f"{cmd.pattern.procedure_code} is not on the Medi-Cal fee schedule on "
                f"{cmd.as_of.isoformat()}.",
            )
        month = BenefitMonth.of(cmd.as_of)
        obligation = _soc_obligation(uow, cmd.cin, month)
        policies = policies_in_force(uow.repo.ohc_policies(cmd.cin), cmd.as_of)
        start = cmd.start
        if start is None:
            start = min((p.plan_year_start for p in policies), default=cmd.as_of)
        result = estimate_savings(
            cmd.cost_sharing,
            cmd.pattern,
            primary_allowed_per_unit=cmd.primary_allowed_per_unit,
            medi_cal_allowed_per_unit=fee.allowed_per_unit,
            monthly_soc=obligation.amount if obligation is not None else Money.zero(),
            start=start,
        )
        situation = member_month(uow, cmd.cin, month)
        fits: list[ProviderFit] = []
        networks = [p.network for p in policies if p.network]
        candidates = (
            [_provider(uow, npi) for npi in dict.fromkeys(cmd.provider_npis)]
            if cmd.provider_npis
            else uow.repo.providers_in_networks(networks)
        )
        for provider in candidates:
            fits.append(
                provider_fit(
                    npi=provider.npi,
                    name=provider.name,
                    primary_networks=provider.primary_networks,
                    medi_cal_ffs=provider.medi_cal_ffs,
                    plans=provider.plans,
                    member_networks=[p.network for p in policies],
                    member_plan=situation.plan_code,
                )
            )
        return with_providers(result, fits)
