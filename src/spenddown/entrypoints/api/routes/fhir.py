"""FHIR R4 (4.0.1) endpoints (issues 5 and 13; docs/fhir.md):
``POST /fhir/CoverageEligibilityRequest/$submit`` and ``POST /fhir/Claim/$submit`` (provider
HTTP Basic), ``GET /fhir/metadata``.

Thin like every router: ``adapters.fhir`` maps the resource to the use case's input and its
result back to a resource. Every error under ``/fhir`` is an OperationOutcome
(``application/fhir+json``; ``adapters.fhir.outcome`` has the table), never problem+json: the
route class catches what the routes and their dependencies raise, and a catch-all route answers
unknown FHIR paths and methods.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any

from fastapi import APIRouter, Body, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from spenddown import __version__
from spenddown.adapters.fhir import capability, outcome, release
from spenddown.adapters.fhir import claims as fhir_claims
from spenddown.adapters.fhir import eligibility as fhir_eligibility
from spenddown.adapters.fhir.common import INVALID_RESOURCE
from spenddown.domain.errors import Forbidden, InvalidInput, SpenddownError
from spenddown.entrypoints.api import audit, errors
from spenddown.entrypoints.api.audit import audited
from spenddown.entrypoints.api.deps import AccessDep, AppDep, ProviderTransaction
from spenddown.services import claims, eligibility, providers

MAX_BODY = 1_000_000  # bytes; a 50-line claim is far below
ELIGIBILITY_SUBMIT = "/fhir/CoverageEligibilityRequest/$submit"
CLAIM_SUBMIT = "/fhir/Claim/$submit"
METADATA = "/fhir/metadata"
OPERATIONS = {ELIGIBILITY_SUBMIT: "POST", CLAIM_SUBMIT: "POST", METADATA: "GET"}


class FhirResponse(Response):
    media_type = release.MEDIA_TYPE


def fhir_response(resource: release.FHIRAbstractModel, status: int = 200) -> Response:
    return FhirResponse(release.to_json(resource), status_code=status)


def _outcome_response(
    request: Request, status: int, body: release.OperationOutcome, code: str
) -> Response:
    audit.current(request).outcome = code
    headers = {"WWW-Authenticate": errors.CHALLENGE} if status == 401 else None
    response = fhir_response(body, status)
    if headers:
        response.headers.update(headers)
    return response


def error_response(request: Request, error: Exception) -> Response:
    """Any exception of a FHIR route as an OperationOutcome (the one translation)."""
    if isinstance(error, RequestValidationError):
        problems = []
        for item in error.errors():
            message = str(item.get("msg", "invalid")).removeprefix("Value error, ")
            if item.get("type") == "json_invalid":
                message = "the body is not valid JSON."
            elif item.get("type") in ("dict_type", "missing"):
                message = "the body must be a JSON object (a FHIR resource)."
            problems.append(("body", message))
        first = problems[0][1] if problems else "invalid"
        error = InvalidInput(INVALID_RESOURCE, first, field="body")
        error.context["errors"] = problems
    if isinstance(error, SpenddownError):
        status, body = outcome.from_error(error)
        return _outcome_response(request, status, body, error.code)
    if isinstance(error, StarletteHTTPException):
        code = {404: "NOT_FOUND", 405: "METHOD_NOT_ALLOWED"}.get(
            error.status_code, f"HTTP_{error.status_code}"
        )
        body = outcome.simple(error.status_code, "not-supported", code, str(error.detail))
        return _outcome_response(request, error.status_code, body, code)
    if isinstance(error, DataError):  # a value the database cannot store: bad input
        body = outcome.simple(422, "invalid", "INVALID_REQUEST", "A value cannot be stored.")
        return _outcome_response(request, 422, body, "INVALID_REQUEST")
    if errors.is_unavailable(error):
        body = outcome.simple(
            503,
            "transient",
            "DATABASE_UNAVAILABLE",
            "The database is not available at the moment; nothing was changed. Try again.",
        )
        response = _outcome_response(request, 503, body, "DATABASE_UNAVAILABLE")
        response.headers["Retry-After"] = "1"
        return response
    route = getattr(request.scope.get("route"), "path", "-")
    errors.log_unexpected(error, request.method, route)
    body = outcome.simple(
        500,
        "exception",
        "INTERNAL_ERROR",
        "Something went wrong on our side; it has been logged without your data.",
    )
    return _outcome_response(request, 500, body, "INTERNAL_ERROR")


def _refuse_body(request: Request) -> Response | None:
    if request.method != "POST":
        return None
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media and media != "application/json" and not media.endswith("+json"):
        code, text = "UNSUPPORTED_MEDIA_TYPE", "Send FHIR JSON (application/fhir+json)."
        return _outcome_response(
            request, 415, outcome.simple(415, "not-supported", code, text), code
        )
    length = request.headers.get("content-length", "0")
    if not length.isdigit() or int(length) > MAX_BODY:
        code, text = "BODY_TOO_LARGE", f"The body is limited to {MAX_BODY} bytes."
        return _outcome_response(request, 413, outcome.simple(413, "too-costly", code, text), code)
    return None


class FhirRoute(APIRoute):
    """Answers every error of the route (validation, authentication, the use case) with an
    OperationOutcome instead of the REST API's problem+json."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route_handler(request: Request) -> Response:
            refused = _refuse_body(request)
            if refused is not None:
                return refused
            try:
                return await handler(request)
            except Exception as error:
                return error_response(request, error)

        return route_handler


_OUTCOME_SCHEMA = {
    "type": "object",
    "required": ["resourceType", "issue"],
    "properties": {"resourceType": {"const": "OperationOutcome"}, "issue": {"type": "array"}},
}
_RESOURCE_SCHEMA = {"type": "object", "required": ["resourceType"]}


def _responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    described = {
        400: "Not a valid resource of the expected type (`INVALID_RESOURCE`, issue `structure`)",
        401: "No credentials, wrong ones, or a locked NPI (`PIN_LOCKED`)",
        403: "These credentials may not do this (`FORBIDDEN`)",
        404: "Not found (`MEMBER_NOT_FOUND`, ...)",
        409: "Refused by a rule (`DUPLICATE_CLAIM`)",
        413: "The body is too large",
        415: "Not FHIR JSON",
        422: "An element spenddown needs is missing (`INVALID_REQUEST`, issue `required`), or a "
        "value is refused (`INVALID_REQUEST`, `INVALID_AMOUNT`, `SERVICE_DATE_IN_FUTURE`, ..., "
        "issue `invalid`)",
        500: "Unexpected error",
        503: "The database is unavailable; retry",
    }
    return {
        s: {
            "description": f"OperationOutcome: {described[s]}",
            "content": {release.MEDIA_TYPE: {"schema": _OUTCOME_SCHEMA}},
        }
        for s in statuses
    }


def _ok(description: str) -> dict[int | str, dict[str, Any]]:
    return {
        200: {
            "description": description,
            "content": {release.MEDIA_TYPE: {"schema": _RESOURCE_SCHEMA}},
        }
    }


router = APIRouter(tags=["FHIR"], route_class=FhirRoute, default_response_class=FhirResponse)
FhirBody = Annotated[
    dict[str, Any],
    Body(
        media_type=release.MEDIA_TYPE,
        description="The resource itself, a Bundle (collection, transaction or batch) holding it "
        "and the resources it references, or either in a Parameters with a parameter `resource`.",
    ),
]
_SUBMIT_ERRORS = _responses(400, 401, 403, 404, 409, 413, 415, 422, 500, 503)


@router.get(
    METADATA,
    summary="FHIR CapabilityStatement",
    responses={**_ok("CapabilityStatement"), **_responses(500)},
)
def metadata(request: Request, app: AppDep) -> Response:
    base = str(request.base_url).rstrip("/") + "/fhir"
    return fhir_response(capability.capability_statement(__version__, base, app.env.clock.now()))


@router.post(
    ELIGIBILITY_SUBMIT,
    summary="FHIR: verify eligibility (CoverageEligibilityRequest → CoverageEligibilityResponse)",
    responses={**_ok("CoverageEligibilityResponse"), **_SUBMIT_ERRORS},
    dependencies=[audited("eligibility.verify")],
)
def submit_eligibility(
    body: FhirBody, caller: ProviderTransaction, app: AppDep, access: AccessDep
) -> Response:
    """The same verification as `POST /v1/eligibility/verifications`: the Share of Cost as a
    benefit, the EVC as the response's identifier and `preAuthRef`, the plan and other coverage
    as insurance entries (docs/fhir.md). The body is the request, a Bundle holding it (its
    Patient and Coverage), or either in a Parameters. A request whose member cannot be found
    in it is answered with `outcome` = error."""
    inquiry = fhir_eligibility.read_request(body)
    npi, pin = caller.credentials()
    if inquiry.provider_npi is not None and inquiry.provider_npi != npi:
        raise Forbidden("FORBIDDEN", "The request's provider must be the authenticated NPI.")
    if isinstance(inquiry, fhir_eligibility.MemberNotIdentified):
        # No member look-up happened: the provider is authenticated, nothing else is read.
        providers.authenticate(npi, pin, app.uow(), app.env)
        access.outcome = fhir_eligibility.MEMBER_NOT_FOUND
        return fhir_response(
            fhir_eligibility.build_error_response(
                inquiry, provider_npi=npi, created=app.env.clock.now()
            )
        )
    access.cin = inquiry.member_id.cin
    cmd = eligibility.VerifyEligibility(
        npi, pin, inquiry.member_id, inquiry.bic_issue_date, inquiry.service_date
    )
    result = eligibility.verify(cmd, app.uow(), app.env)
    return fhir_response(
        fhir_eligibility.build_response(
            result, inquiry, provider_npi=npi, created=app.env.clock.now()
        )
    )


@router.post(
    CLAIM_SUBMIT,
    summary="FHIR: adjudicate a claim after the primary payer (Claim → ClaimResponse)",
    responses={**_ok("ClaimResponse"), **_SUBMIT_ERRORS},
    dependencies=[audited("claim.submit")],
)
def submit_claim(
    body: FhirBody, caller: ProviderTransaction, app: AppDep, access: AccessDep
) -> Response:
    """The same adjudication as `POST /v1/claims` (stored; the same claim ID twice is
    `DUPLICATE_CLAIM`), answered with CARIN Blue Button adjudication amounts (docs/fhir.md)."""
    submission = fhir_claims.read_claim(body)
    access.cin = submission.claim.member_id
    npi, pin = caller.credentials()
    result = claims.adjudicate_claim(
        claims.SubmitClaim(npi, pin, submission.claim), app.uow(), app.env
    )
    return fhir_response(
        fhir_claims.build_response(result, submission, created=app.env.clock.now())
    )


@router.api_route(
    "/fhir/{rest:path}",
    methods=["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
    include_in_schema=False,
)
def not_supported(request: Request) -> Response:
    """Anything else under /fhir: an OperationOutcome, not the REST API's problem."""
    path = request.url.path.rstrip("/")
    if path in OPERATIONS:
        raise StarletteHTTPException(405, f"{path} accepts {OPERATIONS[path]} only.")
    raise StarletteHTTPException(
        404,
        "This FHIR server supports GET /fhir/metadata, "
        "POST /fhir/CoverageEligibilityRequest/$submit and POST /fhir/Claim/$submit.",
    )
