"""Share of Cost: clearances (provider), obligations (county, provider after a verification),
determinations (county)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path, Query
from fastapi.responses import JSONResponse

from spenddown.domain.errors import Forbidden, InvalidInput
from spenddown.domain.share_of_cost.ledger import Payment
from spenddown.domain.share_of_cost.service_dates import ServiceType
from spenddown.entrypoints import household, shapes
from spenddown.entrypoints.api import schemas
from spenddown.entrypoints.api.audit import audited
from spenddown.entrypoints.api.deps import (
    AccessDep,
    AppDep,
    County,
    ProviderOrCounty,
    ProviderTransaction,
)
from spenddown.entrypoints.api.routes import make_router, ok
from spenddown.services import determination, providers, share_of_cost
from spenddown.services.access import Role

router = make_router("share of cost", 401, 403, 404, 409, 422)


@router.post(
    "/v1/soc/clearances",
    status_code=201,
    response_model=schemas.Clearance,
    summary="Clear Share of Cost with a service the member paid or obligated",
    dependencies=[audited("soc.clear")],
)
def clear(body: schemas.ClearanceRequest, caller: ProviderTransaction, app: AppDep) -> JSONResponse:
    """Applies min(charge, remaining) to the budget unit's SOC for the month of service.

    With an `idempotency_key`, a retry returns the first result (also after a restart), with
    the same status 201; the same key for a different service is `IDEMPOTENCY_KEY_REUSED`."""
    npi, pin = caller.credentials()
    cmd = share_of_cost.ClearShareOfCost(
        npi=npi,
        pin=pin,
        member_id=body.member_id,
        bic_issue_date=body.bic_issue_date,
        service_date=body.service_date,
        billing_code=body.billing_code,
        service_charge=body.service_charge,
        payment=Payment(body.payment),
        idempotency_key=body.idempotency_key,
        budget_unit=body.budget_unit,
        other_coverage_paid=body.other_coverage_paid,
        service_type=ServiceType(body.service_type),
        counted_date=body.counted_date,
        month=body.month,
    )
    result = share_of_cost.clear_share_of_cost(cmd, app.uow(), app.env)
    return ok(shapes.clearance(result), 201)


@router.post(
    "/v1/soc/clearances/{clearance_id}/reversal",
    response_model=schemas.Clearance,
    summary="Reverse a clearance made in error (its provider only, before certification)",
    dependencies=[audited("soc.reverse")],
)
def reverse(
    clearance_id: Annotated[str, Path(min_length=1, max_length=64)],
    caller: ProviderTransaction,
    app: AppDep,
    access: AccessDep,
    body: schemas.EmptyRequest | None = None,
) -> JSONResponse:
    npi, pin = caller.credentials()
    cmd = share_of_cost.ReverseClearance(npi, pin, clearance_id.strip())
    result = share_of_cost.reverse_clearance(cmd, app.uow(), app.env)
    access.cin = result.member_id
    return ok(shapes.clearance(result))


@router.get(
    "/v1/soc/clearances",
    response_model=list[schemas.Clearance],
    summary="Clearances by member and month (a provider sees only its own)",
    dependencies=[audited("soc.clearances")],
)
def list_clearances(
    caller: ProviderOrCounty,
    app: AppDep,
    member_id: Annotated[schemas.MemberIdParam | None, Query()] = None,
    month: Annotated[schemas.MonthParam | None, Query()] = None,
) -> JSONResponse:
    if member_id is None and month is None:
        raise InvalidInput(
            "INVALID_REQUEST", "member_id: give a member_id, a month, or both.", field="member_id"
        )
    results = share_of_cost.list_clearances(
        app.uow(),
        cin=None if member_id is None else schemas.member_id_of(member_id).cin,
        month=None if month is None else schemas.month_of(month),
        provider_npi=caller.npi if caller.role is Role.PROVIDER else None,
    )
    return ok(shapes.clearances(results))


def _redact_other_providers(shaped: dict[str, Any], npi: str) -> dict[str, Any]:
    """A provider sees the amounts of other providers' clearances (the remaining SOC depends on
    them) but not who billed what: minimum necessary."""
    for obligation in [shaped, *shaped.get("other_obligations", [])]:
        for entry in obligation.get("ledger", []):
            if entry["provider_npi"] not in (None, npi):
                entry.update(provider_npi=None, billing_code=None, evc=None)
            if entry.get("provider_name"):  # a receipt's provider (docs/rules.md)
                entry["provider_name"] = None
    return shaped


@router.get(
    "/v1/soc/obligations/{member_id}/{month}",
    response_model=schemas.ObligationWithLedger,
    summary="A member's Share of Cost for a month, with its ledger",
    dependencies=[audited("soc.obligation")],
)
def obligation(
    member_id: schemas.MemberIdParam,
    month: schemas.MonthParam,
    caller: ProviderOrCounty,
    app: AppDep,
) -> JSONResponse:
    """County: any member. Provider: only a member it has verified (else `FORBIDDEN`); other
    providers' entries show their amounts, not their NPI, billing code or EVC."""
    cin = schemas.member_id_of(member_id).cin
    if caller.role is Role.PROVIDER and not providers.provider_has_verified(
        caller.npi, cin, app.uow()
    ):
        raise Forbidden(
            "FORBIDDEN", "A provider sees a member's Share of Cost only after verifying them."
        )
    views = share_of_cost.member_obligations(cin, schemas.month_of(month), app.uow())
    shaped = shapes.obligation_group(views, with_ledger=True)
    if caller.role is Role.PROVIDER:
        shaped = _redact_other_providers(shaped, caller.npi)
    return ok(shaped)


@router.post(
    "/v1/soc/determinations",
    response_model=schemas.Determination,
    summary="Compute a monthly Share of Cost with every step cited (nothing is stored)",
)
def determine(body: schemas.DeterminationRequest, caller: County) -> JSONResponse:
    """The program ladder (free programs first), then the Medically Needy SOC; ``program``
    computes one program directly. Nothing is stored (docs/rules.md)."""
    found, program, _ = household.household(body)
    return ok(shapes.ladder(determination.determine_household(found, program, body.reform)))
