"""What a family sees by itself: its Share of Cost, the accumulator statement for its private
insurance, and the savings estimate with Medi-Cal as secondary payer.

A member authenticates with the member ID (path), the card issue date and the date of birth
(headers ``X-Member-Issue-Date``, ``X-Member-Birth-Date``; for the family view also a JSON body
``{"bic_issue_date", "birth_date"}``); a wrong one is `MEMBER_NOT_FOUND`, and
5 failures within 15 minutes lock the member's look-ups for anonymous callers (docs/api.md "The
lockout"). A county token needs no headers."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated

from fastapi import Depends, Header, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError

from spenddown import bootstrap
from spenddown.domain.cob.estimate import PrimaryCostSharing, ServicePattern
from spenddown.domain.errors import AuthenticationFailed, InvalidInput
from spenddown.entrypoints import shapes
from spenddown.entrypoints.api import schemas, views
from spenddown.entrypoints.api.audit import audited
from spenddown.entrypoints.api.deps import AppDep, Caller, MemberOrCounty
from spenddown.entrypoints.api.routes import make_router, ok
from spenddown.services import access, billing
from spenddown.services.common import today

router = make_router("members", 401, 403, 404, 422)
LAST_YEAR = 2999  # benefit months exist for 1900-2999 (``BenefitMonth``)

IssueDateHeader = Annotated[
    schemas.DateIn | None,
    Header(alias="X-Member-Issue-Date", description="The card's issue date (member)."),
]
BirthDateHeader = Annotated[
    schemas.DateIn | None,
    Header(alias="X-Member-Birth-Date", description="The member's date of birth (member)."),
]


def _member_dates(
    issue_date: date | None, birth_date: date | None, *, in_body: bool = False
) -> tuple[date, date]:
    """Both dates, or AUTHENTICATION_REQUIRED saying where they go (``in_body``: the family
    view also takes them in its body)."""
    if issue_date is None or birth_date is None:
        body = ", or bic_issue_date and birth_date in the body" if in_body else ""
        raise AuthenticationFailed(
            "AUTHENTICATION_REQUIRED",
            f"Send X-Member-Issue-Date and X-Member-Birth-Date{body} (or a county token).",
        )
    return issue_date, birth_date


def _member_cin(
    member_id: str,
    caller: Caller | None,
    issue_date: date | None,
    birth_date: date | None,
    app: bootstrap.App,
) -> str:
    """The CIN of the member the request is about: the county names any member; a member proves
    who it is with the headers (with the look-up lockout)."""
    parsed = schemas.member_id_of(member_id)
    if caller is not None:
        return parsed.cin
    issue, born = _member_dates(issue_date, birth_date)
    return access.authenticate_member(parsed, issue, born, app.uow(), app.env)


async def _proof_in_body(
    request: Request,
    issue_date: IssueDateHeader = None,
    birth_date: BirthDateHeader = None,
) -> tuple[date | None, date | None]:
    """The member's issue date and birth date: from the headers, else from a JSON body
    ``{"bic_issue_date", "birth_date"}`` (docs/api.md "Credentials": in headers or body)."""
    if issue_date is not None or birth_date is not None:
        return issue_date, birth_date
    raw = await request.body()
    if not raw.strip():
        return None, None
    try:
        proof = schemas.MemberProof.model_validate_json(raw)
    except ValidationError as error:
        raise RequestValidationError(
            [{**e, "loc": ("body", *e["loc"])} for e in error.errors(include_url=False)]
        ) from None
    return proof.bic_issue_date, proof.birth_date


MemberProof = Annotated[tuple[date | None, date | None], Depends(_proof_in_body)]
PROOF_BODY = {
    "requestBody": {
        "required": False,
        "description": "Instead of the headers: the card issue date and the date of birth.",
        "content": {"application/json": {"schema": schemas.MemberProof.model_json_schema()}},
    }
}


FAMILY_VIEW = "/v1/members/{member_id}/soc/{month}"
FAMILY_VIEW_SUMMARY = (
    "The family's view: SOC, remaining, and each clearance (provider, date, amount)"
)


@router.post(
    FAMILY_VIEW,
    response_model=schemas.FamilyView,
    summary=FAMILY_VIEW_SUMMARY + " (the member's dates in the body)",
    dependencies=[audited("member.soc")],
    openapi_extra=PROOF_BODY,
    operation_id="family_view_post",
)
@router.get(
    FAMILY_VIEW,
    response_model=schemas.FamilyView,
    summary=FAMILY_VIEW_SUMMARY,
    dependencies=[audited("member.soc")],
    openapi_extra=PROOF_BODY,
    operation_id="family_view_get",
)
def family_view(
    member_id: schemas.MemberIdParam,
    month: schemas.MonthParam,
    caller: MemberOrCounty,
    app: AppDep,
    proof: MemberProof,
) -> JSONResponse:
    """A member authenticates with the member ID (path), the card issue date and the date of
    birth: in the headers `X-Member-Issue-Date` and `X-Member-Birth-Date`, or in a JSON body
    `{"bic_issue_date", "birth_date"}` (GET or POST, for clients that do not send a body with
    a GET); a wrong one is `MEMBER_NOT_FOUND`. A county token needs neither."""
    if caller is None:
        issue, born = _member_dates(*proof, in_body=True)
        view = access.family_view(
            schemas.member_id_of(member_id),
            issue,
            born,
            schemas.month_of(month),
            app.uow(),
            app.env,
        )
    else:
        view = access.family_view_for_county(
            schemas.member_id_of(member_id).cin, schemas.month_of(month), app.uow()
        )
    return ok(views.family_view(view))


@router.get(
    "/v1/members/{member_id}/accumulators",
    response_model=list[schemas.AccumulatorStatement],
    summary="What counts toward the private insurance's deductible and out-of-pocket maximum",
    dependencies=[audited("member.accumulators")],
)
def accumulators(
    member_id: schemas.MemberIdParam,
    caller: MemberOrCounty,
    app: AppDep,
    plan_year: Annotated[
        schemas.DateIn | None,
        Query(
            description="Only the policies whose plan year contains this date (its start or "
            "any day of it); default: every policy."
        ),
    ] = None,
    issue_date: IssueDateHeader = None,
    birth_date: BirthDateHeader = None,
) -> JSONResponse:
    """One statement per other-health-coverage policy and plan year: the deductible applied by
    the primary and who paid it (Medi-Cal, the member, written off), the out-of-pocket costs,
    and a statement the family can send to the insurance's coordination-of-benefits department.
    No policy with a plan year on `plan_year`: `OHC_POLICY_NOT_FOUND`."""
    cin = _member_cin(member_id, caller, issue_date, birth_date, app)
    return ok(shapes.accumulators(billing.accumulators(cin, plan_year, app.uow())))


@router.post(
    "/v1/members/{member_id}/estimates",
    response_model=schemas.Estimate,
    summary="A year of a service with and without Medi-Cal as secondary, and which providers "
    "take both",
    dependencies=[audited("member.estimate")],
)
def estimate(
    member_id: schemas.MemberIdParam,
    body: schemas.EstimateRequest,
    caller: MemberOrCounty,
    app: AppDep,
    issue_date: IssueDateHeader = None,
    birth_date: BirthDateHeader = None,
) -> JSONResponse:
    """From the insurance's cost sharing (deductible, copay or coinsurance, out-of-pocket
    maximum), a service pattern (e.g. 97153, 4 units, 5 visits a week) and the Medi-Cal fee
    schedule today (`FEE_NOT_FOUND` when the code is not on it): what the family pays in the
    year without and with Medi-Cal, month by month, and which providers qualify. Nothing is
    stored."""
    if body.start is not None and (body.start + timedelta(weeks=body.weeks)).year > LAST_YEAR:
        raise InvalidInput(
            "INVALID_DATE", f"start: the visits must end by {LAST_YEAR}-12-31.", field="start"
        )
    cin = _member_cin(member_id, caller, issue_date, birth_date, app)
    cmd = billing.EstimateCommand(
        cin=cin,
        pattern=ServicePattern(
            body.procedure_code.strip().upper(),
            body.units_per_visit,
            body.visits_per_week,
            body.weeks,
        ),
        cost_sharing=PrimaryCostSharing(
            body.deductible,
            body.out_of_pocket_max,
            body.copay_per_visit,
            body.coinsurance_percent,
        ),
        primary_allowed_per_unit=body.primary_allowed_per_unit,
        as_of=today(app.env),
        start=body.start,
        provider_npis=tuple(body.provider_npis),
    )
    return ok(shapes.estimate(billing.estimate(cmd, app.uow())))
