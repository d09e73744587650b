"""The family's own view of its Share of Cost."""

from __future__ import annotations

from typing import Annotated

from fastapi import Header
from fastapi.responses import JSONResponse

from spenddown.domain.errors import AuthenticationFailed
from spenddown.entrypoints.api import schemas, views
from spenddown.entrypoints.api.audit import audited
from spenddown.entrypoints.api.deps import AppDep, MemberOrCounty
from spenddown.entrypoints.api.routes import make_router, ok
from spenddown.services import access

router = make_router("members", 401, 403, 404, 422)


@router.get(
    "/v1/members/{member_id}/soc/{month}",
    response_model=schemas.FamilyView,
    summary="The family's view: SOC, remaining, and each clearance (provider, date, amount)",
    dependencies=[audited("member.soc")],
)
def family_view(
    member_id: schemas.MemberIdParam,
    month: schemas.MonthParam,
    caller: MemberOrCounty,
    app: AppDep,
    issue_date: Annotated[
        schemas.DateIn | None,
        Header(alias="X-Member-Issue-Date", description="The card's issue date (member)."),
    ] = None,
    birth_date: Annotated[
        schemas.DateIn | None,
        Header(alias="X-Member-Birth-Date", description="The member's date of birth (member)."),
    ] = None,
) -> JSONResponse:
    """A member authenticates with the member ID (path), the card issue date and the date of
    birth (headers); a wrong one is `MEMBER_NOT_FOUND`. A county token needs no headers."""
    if caller is None:
        if issue_date is None or birth_date is None:
            raise AuthenticationFailed(
                "AUTHENTICATION_REQUIRED",
                "Send X-Member-Issue-Date and X-Member-Birth-Date (or a county token).",
            )
        view = access.family_view(
            schemas.member_id_of(member_id),
            issue_date,
            birth_date,
            schemas.month_of(month),
            app.uow(),
            app.env,
        )
    else:
        view = access.family_view_for_county(
            schemas.member_id_of(member_id).cin, schemas.month_of(month), app.uow()
        )
    return ok(views.family_view(view))
