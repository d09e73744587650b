"""Medi-Cal as secondary payer (rules.md §5): adjudicate and store claims; look them up.

The use case gathers what the pure adjudication needs (the member's months, the provider's
enrollment, the fee schedule, authorizations and the units earlier claims used) and stores the
claim with its lines in one transaction; a repeated ``claim_id`` is refused (DUPLICATE_CLAIM)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from spenddown import rules
from spenddown.domain.cob.adjudication import (
    Adjudication,
    LineStatus,
    MemberMonth,
    ProviderEnrollment,
    adjudicate,
    adjudication_from_record,
    adjudication_to_record,
)
from spenddown.domain.cob.model import Claim, ServiceScope
from spenddown.domain.eligibility.codes import Scope
from spenddown.domain.eligibility.model import Provider
from spenddown.domain.eligibility.verification import build_verification
from spenddown.domain.errors import Forbidden, InvalidInput, NotFound, RuleRefusal
from spenddown.domain.months import BenefitMonth
from spenddown.services.common import aid_code_table, authenticate_provider, today
from spenddown.services.eligibility import own_obligations
from spenddown.services.ports import Env, StoredClaim, StoredClaimLine, UnitOfWork

MAX_LINES = 50  # a CMS-1500 has 6 service lines; an 837P allows 50


@dataclass(frozen=True, slots=True)
class SubmitClaim:
    npi: str
    pin: str
    claim: Claim


def member_month(uow: UnitOfWork, cin: str, month: BenefitMonth) -> MemberMonth:
    """The member's Medi-Cal in one month, as the adjudication needs it."""
    codes = aid_code_table(uow)
    segments = [s for s in uow.repo.segments(cin, month) if s.aid_code in codes]
    situation = build_verification(
        member_id=cin,
        service_date=month.first_day,
        segments=segments,
        aid_codes=codes,
        obligations=own_obligations(uow, cin, month),
        plans=uow.repo.plans(),
        evc=None,
    )
    ohc = {code for s in segments for code in s.ohc_codes}
    for policy in uow.repo.ohc_policies(cin):
        if policy.plan_year_start <= month.first_day:
            ohc.add(policy.ohc_code)
    coverage = rules.ohc_coverage(month.first_day)
    scopes: set[ServiceScope] = set()
    pay_and_chase = False
    for code in ohc:
        found = coverage.get(code)
        if found is None or not found.active_on(month.first_day):
            continue
        pay_and_chase = pay_and_chase or found.pay_and_chase
        if found.cost_avoidance:
            scopes.update(ServiceScope(s) for s in found.scopes)
    return MemberMonth(
        any_eligibility=bool(segments),
        eligible=situation.eligible,
        restricted_only=situation.eligible
        and all(c.scope is Scope.RESTRICTED for c in situation.aid_codes),
        plan_code=situation.plan.code if situation.plan else None,
        cost_avoidance_scopes=frozenset(scopes),
        pay_and_chase=pay_and_chase,
    )


def _check(claim: Claim, today_: date) -> None:
    if not claim.claim_id or len(claim.claim_id) > 40:
        raise InvalidInput("INVALID_CLAIM", "claim_id must be 1 to 40 characters.")
    if not 1 <= len(claim.lines) <= MAX_LINES:
        raise InvalidInput("INVALID_CLAIM", f"A claim has 1 to {MAX_LINES} lines.")
    if claim.soc_amount.amount < 0:
        raise InvalidInput("INVALID_AMOUNT", "soc_amount cannot be negative.")
    for index, line in enumerate(claim.lines):
        where = f"lines[{index}]"
        if line.units < 1 or line.units > 9999:
            raise InvalidInput("INVALID_CLAIM", f"{where}.units must be 1 to 9999.")
        if not line.charge.is_positive():
            raise InvalidInput("INVALID_CLAIM", f"{where}.charge must be more than $0.00.")
        if line.service_date > today_:
            raise InvalidInput("SERVICE_DATE_IN_FUTURE", f"{where}.service_date is in the future.")
        primary = line.primary
        if primary is not None and any(
            v.amount < 0
            for v in (
                primary.allowed,
                primary.paid,
                primary.deductible,
                primary.coinsurance,
                primary.copay,
            )
        ):
            raise InvalidInput("INVALID_CLAIM", f"{where}.primary amounts cannot be negative.")


def adjudicate_claim(cmd: SubmitClaim, uow: UnitOfWork, env: Env) -> Adjudication:
    """A provider's claim (NPI + PIN)."""
    _check(cmd.claim, today(env))
    with uow:
        provider = authenticate_provider(uow, env, cmd.npi, cmd.pin)
        if cmd.claim.provider_npi != provider.npi:
            raise Forbidden("FORBIDDEN", "A provider submits claims under its own NPI only.")
        return _adjudicate(cmd.claim, provider, uow, env)


def adjudicate_batch_claim(claim: Claim, uow: UnitOfWork, env: Env) -> Adjudication:
    """A claim from a batch the claims processor received (its submitter was authenticated
    upstream, e.g. by the clearinghouse): the provider is the claim's own."""
    _check(claim, today(env))
    with uow:
        provider = uow.repo.get_provider(claim.provider_npi)
        if provider is None:
            raise NotFound("PROVIDER_NOT_FOUND", f"No provider {claim.provider_npi}.")
        return _adjudicate(claim, provider, uow, env)


def _adjudicate(claim: Claim, provider: Provider, uow: UnitOfWork, env: Env) -> Adjudication:
    """Adjudicate and store, inside the caller's transaction (which this commits)."""
    if uow.repo.claim_exists(claim.claim_id):
        raise RuleRefusal(
            "DUPLICATE_CLAIM",
            f"Claim {claim.claim_id} was already received; it is not adjudicated twice.",
        )
    if uow.repo.get_member(claim.member_id) is None:
        raise NotFound("MEMBER_NOT_FOUND", "No member matches this ID.")
    months = {
        month: member_month(uow, claim.member_id, month)
        for month in {BenefitMonth.of(line.service_date) for line in claim.lines}
    }
    authorizations = [
        a for a in uow.repo.authorizations_of(claim.member_id) if a.status == "approved"
    ]
    used = uow.repo.units_used([a.authorization_id for a in authorizations])
    result = adjudicate(
        claim,
        months=months,
        provider=ProviderEnrollment(provider.medi_cal_ffs, frozenset(provider.plans)),
        fees=uow.repo.fee_at,
        authorizations=authorizations,
        units_used=used,
        rules=rules.cob_rules(min(line.service_date for line in claim.lines)),
    )
    now = env.clock.now()
    uow.repo.add_claim(
        StoredClaim(
            claim.claim_id,
            provider.npi,
            claim.member_id,
            str(result.status),
            result.totals.medi_cal_paid.cents,
            result.totals.member_owes.cents,
            now,
            adjudication_to_record(result),
        ),
        [
            StoredClaimLine(
                claim_id=claim.claim_id,
                line=outcome.line,
                cin=claim.member_id,
                service_date=line.service_date,
                procedure_code=line.procedure_code,
                units=line.units,
                status=str(outcome.status),
                authorization_id=outcome.authorization_id,
                medi_cal_paid_cents=outcome.medi_cal_paid.cents,
                soc_cents=outcome.soc_applied.cents,
                member_owes_cents=outcome.member_owes.cents,
                primary_deductible_cents=(
                    line.primary.deductible.cents if line.primary and outcome.has_primary else 0
                ),
                deductible_credit_cents=outcome.deductible_credit.cents,
                primary_out_of_pocket_cents=(
                    line.primary.patient_liability.cents
                    if line.primary and outcome.status is LineStatus.PAID
                    else 0
                ),
            )
            for line, outcome in zip(claim.lines, result.lines, strict=True)
        ],
    )
    uow.commit()
    return result


def get_claim(claim_id: str, uow: UnitOfWork, *, provider_npi: str | None) -> Adjudication:
    """A stored adjudication; a provider sees only its own claims (None: the county)."""
    with uow:
        stored = uow.repo.get_claim(claim_id)
    if stored is None or (provider_npi is not None and stored.provider_npi != provider_npi):
        raise NotFound("CLAIM_NOT_FOUND", f"No claim {claim_id}.")
    return adjudication_from_record(dict(stored.adjudication))
