"""Managed-care plans: roster and activations; a plan sees only its own members."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path, Query
from fastapi.responses import JSONResponse

from spenddown.domain.errors import Forbidden
from spenddown.domain.months import BenefitMonth
from spenddown.entrypoints import shapes
from spenddown.entrypoints.api import schemas
from spenddown.entrypoints.api.audit import audited
from spenddown.entrypoints.api.deps import AppDep, Caller, PlanOrCounty
from spenddown.entrypoints.api.routes import make_router, ok
from spenddown.services import plans
from spenddown.services.access import Role
from spenddown.services.common import today

router = make_router("plans", 401, 403, 404, 422)

PlanCode = Annotated[str, Path(min_length=1, max_length=20, examples=["HN"])]


def _own_plan(code: str, caller: Caller) -> str:
    plan_code = code.strip().upper()
    if caller.role is Role.PLAN and caller.principal.plan_code != plan_code:
        raise Forbidden("FORBIDDEN", "A plan sees only its own members.")
    return plan_code


@router.get(
    "/v1/plans/{code}/members",
    response_model=schemas.Roster,
    summary="The plan's members in a month with their plan status (01 enrolled, 55 held)",
    dependencies=[audited("plan.roster")],
)
def roster(
    code: PlanCode,
    caller: PlanOrCounty,
    app: AppDep,
    month: Annotated[
        schemas.MonthParam | None, Query(description="Default: the current month (California).")
    ] = None,
) -> JSONResponse:
    plan_code = _own_plan(code, caller)
    benefit_month = BenefitMonth.of(today(app.env)) if month is None else schemas.month_of(month)
    entries = plans.plan_roster(plan_code, benefit_month, app.uow())
    return ok(shapes.roster(plan_code, benefit_month, entries))


@router.get(
    "/v1/plans/{code}/activations",
    response_model=schemas.Activations,
    summary="Activations (SOC met: 55 → 01) in order, each once, with a cursor",
    dependencies=[audited("plan.activations")],
)
def activations(
    code: PlanCode,
    caller: PlanOrCounty,
    app: AppDep,
    since: Annotated[
        str | None,
        Query(max_length=20, description="The `cursor` of the previous page; none: from the start"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> JSONResponse:
    """Activations are written in the certifying transaction (outbox), so none is lost if the
    server dies right after a certification; read until a page comes back empty."""
    plan_code = _own_plan(code, caller)
    page = plans.activations_since(plan_code, since, app.uow(), limit)
    return ok(shapes.activations(page))
