"""``POST /v1/eligibility/verifications`` (provider)."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from spenddown.entrypoints import shapes
from spenddown.entrypoints.api import schemas
from spenddown.entrypoints.api.audit import audited
from spenddown.entrypoints.api.deps import AppDep, ProviderTransaction
from spenddown.entrypoints.api.routes import make_router, ok
from spenddown.services import eligibility

router = make_router("eligibility")


@router.post(
    "/v1/eligibility/verifications",
    response_model=schemas.Verification,
    summary="Verify a member's eligibility for a date of service",
    dependencies=[audited("eligibility.verify")],
)
def verify(
    body: schemas.VerificationRequest, caller: ProviderTransaction, app: AppDep
) -> JSONResponse:
    """Every call is recorded; an eligible answer carries a new EVC. An unknown member ID or a
    wrong card issue date is `MEMBER_NOT_FOUND` and counts toward the NPI's lockout."""
    npi, pin = caller.credentials()
    cmd = eligibility.VerifyEligibility(
        npi, pin, body.member_id, body.bic_issue_date, body.service_date
    )
    return ok(shapes.verification(eligibility.verify(cmd, app.uow(), app.env)))
