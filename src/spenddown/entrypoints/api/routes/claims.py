"""Medi-Cal as secondary payer (docs/rules.md §5–6): claims (provider), their adjudications
(provider: own only; county), and the balance-billing check (the family with the member's ID,
issue date and birth date; the provider with its PIN; a token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from fastapi.responses import JSONResponse

from spenddown.adapters.claim_format import ClaimIn
from spenddown.domain.cob.adjudication import adjudication_from_record
from spenddown.domain.cob.model import Claim
from spenddown.domain.errors import Forbidden, InvalidInput, NotFound
from spenddown.entrypoints import shapes
from spenddown.entrypoints.api import schemas
from spenddown.entrypoints.api.audit import audited
from spenddown.entrypoints.api.deps import (
    AccessDep,
    Anyone,
    AppDep,
    ProviderOrCounty,
    ProviderTransaction,
    county_scope,
)
from spenddown.entrypoints.api.routes import make_router, ok
from spenddown.entrypoints.api.routing import FloatJsonRoute
from spenddown.services import billing, claims
from spenddown.services.access import Role

# ``ClaimIn`` (shared with the CLI) reads JSON numbers as ``json.load`` gives them: a float
# becomes its shortest text (``repr``) before ``Money.parse``, so 150.5 is taken and 1.234 refused.
router = make_router("claims", 401, 403, 404, 409, 422, route_class=FloatJsonRoute)
checks = make_router("billing checks", 401, 404, 422)

ClaimIdParam = Annotated[
    str, Path(min_length=1, max_length=40, description="The provider's claim ID.")
]


@router.post(
    "/v1/claims",
    status_code=201,
    response_model=schemas.Adjudication,
    summary="Submit a claim (after the primary payer) and get Medi-Cal's adjudication",
    dependencies=[audited("claim.submit")],
)
def submit_claim(body: ClaimIn, caller: ProviderTransaction, app: AppDep) -> JSONResponse:
    """docs/rules.md §5: delivery system and enrollment, eligibility and SOC, bill the primary
    first, primary denials, authorization, then `max(0, min(L, A − P))` per line (no primary:
    `min(charge, A)`), the SOC on the claim, what the member owes and the write-off, each with
    its explanation. Stored: the same `claim_id` again is `DUPLICATE_CLAIM` (409). A provider
    submits under its own NPI only (`FORBIDDEN`)."""
    npi, pin = caller.credentials()
    claim = body.to_domain()
    _check_years(claim)
    cmd = claims.SubmitClaim(npi, pin, claim)
    return ok(shapes.adjudication(claims.adjudicate_claim(cmd, app.uow(), app.env)), 201)


def _check_years(claim: Claim) -> None:
    """Benefit months exist for 1900-2999 only (``BenefitMonth``); ``ClaimIn`` takes any date."""
    for index, line in enumerate(claim.lines):
        if not 1900 <= line.service_date.year <= 2999:
            field = f"lines[{index}].service_date"
            raise InvalidInput(
                "INVALID_DATE", f"{field}: the year must be between 1900 and 2999.", field=field
            )


@router.get(
    "/v1/claims/{claim_id}",
    response_model=schemas.Adjudication,
    summary="A stored adjudication (a provider sees only its own claims)",
    dependencies=[audited("claim.read")],
)
def get_claim(
    claim_id: ClaimIdParam,
    caller: ProviderOrCounty,
    app: AppDep,
    access: AccessDep,
    provider_npi: Annotated[
        schemas.NpiParam | None,
        Query(description="County: whose claim (needed when several providers used the ID)."),
    ] = None,
) -> JSONResponse:
    """Claim IDs are per provider (docs/api.md "Claims"). A provider reads its own claim of this
    ID (another provider's is `CLAIM_NOT_FOUND`, like one that does not exist); the county
    names the provider with `provider_npi`, needed only when several providers sent a claim
    of this ID (`PROVIDER_NPI_REQUIRED`, 422)."""
    if caller.role is Role.PROVIDER:
        if provider_npi is not None and provider_npi != caller.npi:
            raise NotFound("CLAIM_NOT_FOUND", f"No claim {claim_id.strip()}.")
        provider_npi = caller.npi
    stored = claims.find_claim(claim_id.strip(), app.uow(), provider_npi=provider_npi)
    access.cin = stored.cin  # the adjudication does not carry the member
    if caller.role is Role.COUNTY:
        county_scope(caller, app, cin=stored.cin)
    return ok(shapes.adjudication(adjudication_from_record(dict(stored.adjudication))))


@checks.post(
    "/v1/billing-checks",
    response_model=schemas.BillingCheck,
    summary="May this provider bill the family this amount? (docs/rules.md §6)",
    dependencies=[audited("billing.check")],
)
def billing_check(body: schemas.BillingCheckRequest, caller: Anyone, app: AppDep) -> JSONResponse:
    """Needs credentials: the family's (`birth_date` in the body with the member ID and the card
    issue date; 5 failures lock the member's look-ups, `MEMBER_LOCKED`), the provider's own
    (Basic NPI:PIN of `provider_npi`, with the PIN lockout) or a county, plan or admin token.
    Without any: 401 `AUTHENTICATION_REQUIRED`, and nothing about the member. The verdict, what
    the provider may collect, the rule it rests on, a plain explanation and what the family can
    do."""
    pin = None
    if caller is not None and caller.role is Role.PROVIDER:
        npi, pin = caller.credentials()
        if npi != body.provider_npi:
            raise Forbidden("FORBIDDEN", "A provider checks its own bills only (provider_npi).")
    cmd = billing.BillingCheckCommand(
        member_id=body.member_id,
        bic_issue_date=body.bic_issue_date,
        provider_npi=body.provider_npi,
        service_date=body.service_date,
        amount=body.amount,
        claim_id=body.claim_id,
        medicare_cost_sharing=body.medicare_cost_sharing,
        birth_date=body.birth_date if caller is None else None,
        pin=pin,
        staff=caller is not None and caller.role is not Role.PROVIDER,
    )
    return ok(shapes.billing_check(billing.billing_check(cmd, app.uow(), app.env)))
