"""County case work: the SOC record of a budget unit, county certification, month start."""

from __future__ import annotations

from typing import Annotated

from fastapi import Path
from fastapi.responses import JSONResponse

from spenddown.domain.eligibility.codes import Program
from spenddown.domain.errors import InvalidInput
from spenddown.entrypoints import household, shapes
from spenddown.entrypoints.api import schemas
from spenddown.entrypoints.api.audit import audited
from spenddown.entrypoints.api.deps import AppDep, County, CountyOrAdmin
from spenddown.entrypoints.api.routes import make_router, ok
from spenddown.services import determination, share_of_cost, whatif

router = make_router("county", 401, 403, 404, 409, 422)

CaseId = Annotated[str, Path(min_length=1, max_length=40, examples=["C-1001"])]
BudgetUnit = Annotated[str, Path(min_length=1, max_length=20, examples=["A"])]
SOC_PATH = "/v1/cases/{case_id}/budget-units/{budget_unit}/soc/{month}"


@router.put(
    SOC_PATH,
    response_model=schemas.Obligation,
    summary="Record or change a budget unit's SOC for a month (retro rules apply)",
    dependencies=[audited("soc.set")],
)
def set_share_of_cost(
    case_id: CaseId,
    budget_unit: BudgetUnit,
    month: schemas.MonthParam,
    body: schemas.ShareOfCostRequest,
    caller: County,
    app: AppDep,
) -> JSONResponse:
    benefit_month = schemas.month_of(month)
    if body.determination is not None:
        if body.determination.month != benefit_month:
            raise InvalidInput(
                "PARAMETERS_MONTH_MISMATCH",
                f"determination.month {body.determination.month} is not the month {month}.",
                field="determination.month",
            )
        found, program_, inputs = household.household(body.determination)
        result = determination.determine_household(found, program_)
        if body.amount is not None and body.amount != result.soc:
            raise InvalidInput(
                "AMOUNT_MISMATCH",
                f"amount {body.amount} is not the determination's SOC {result.soc}.",
                field="amount",
            )
        _, view = determination.set_from_determination(
            case_id.strip(),
            budget_unit.strip(),
            inputs,
            app.uow(),
            app.env,
            retro_override=body.retro_override,
            program=Program(body.program),
        )
        return ok(shapes.obligation_group([view]))
    if body.amount is None:
        raise InvalidInput(
            "INVALID_REQUEST", "amount (or determination) is required.", field="amount"
        )
    cmd = share_of_cost.SetShareOfCost(
        case_id=case_id.strip(),
        budget_unit=budget_unit.strip(),
        month=benefit_month,
        amount=body.amount,
        program=Program(body.program),
        retro_override=body.retro_override,
    )
    view = share_of_cost.set_share_of_cost(cmd, app.uow(), app.env)
    return ok(shapes.obligation_group([view]))


@router.post(
    SOC_PATH + "/certification",
    response_model=schemas.Obligation,
    summary="County certification of the month from the receipts the member brought in",
    dependencies=[audited("soc.certify")],
)
def certify(
    case_id: CaseId,
    budget_unit: BudgetUnit,
    month: schemas.MonthParam,
    caller: County,
    app: AppDep,
    body: schemas.EmptyRequest | None = None,
) -> JSONResponse:
    cmd = share_of_cost.CertifyByCounty(
        case_id.strip(), budget_unit.strip(), schemas.month_of(month)
    )
    views = share_of_cost.certify_by_county(cmd, app.uow(), app.env)
    return ok(shapes.obligation_group(views))


@router.post(
    "/v1/cycles/{month}/start",
    response_model=schemas.Cycle,
    summary="Start a month: certify every long-term-care SOC automatically (idempotent)",
    dependencies=[audited("cycle.start")],
)
def start_month(
    month: schemas.MonthParam,
    caller: CountyOrAdmin,
    app: AppDep,
    body: schemas.EmptyRequest | None = None,
) -> JSONResponse:
    return ok(shapes.cycle(share_of_cost.start_month(schemas.month_of(month), app.uow(), app.env)))


@router.post(
    "/v1/soc/whatif",
    response_model=schemas.WhatIf,
    summary="Re-run the stored determinations of a month under a reform (nothing is stored)",
)
def run_whatif(body: schemas.WhatIfRequest, caller: County, app: AppDep) -> JSONResponse:
    """Units moving to no SOC or a lower SOC, total monthly SOC before and after, by county and
    amount band (docs/rules.md "Population what-if")."""
    report = whatif.run_whatif(body.month, body.reform, body.overrides, app.uow())
    return ok(shapes.whatif(report))
