"""Administration: imports, tokens, the access log."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import Path, Query, Request
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from spenddown.adapters.dataset import parse_dataset, read_document
from spenddown.domain.errors import InvalidInput
from spenddown.domain.identifiers import parse_npi
from spenddown.entrypoints import shapes
from spenddown.entrypoints.api import schemas, views
from spenddown.entrypoints.api.audit import audited
from spenddown.entrypoints.api.deps import Admin, AppDep, CountyOrAdmin
from spenddown.entrypoints.api.routes import make_router, ok
from spenddown.services import access
from spenddown.services.common import MEMBER_KIND, NPI_KIND, lock_standing
from spenddown.services.common import unlock as unlock_subject
from spenddown.services.imports import import_dataset

router = make_router("administration", 401, 403, 404, 422)

DATASET_EXAMPLE: dict[str, Any] = {
    "plans": [{"code": "HN", "name": "Health Net"}],
    "members": [
        {
            "cin": "12345678A",
            "bic_issue_date": "2025-02-01",
            "first_name": "Ana",
            "last_name": "Lopez",
            "birth_date": "1960-05-01",
        }
    ],
}


YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml")


@router.post(
    "/v1/imports",
    response_model=schemas.ImportCounts,
    summary="Load a dataset (docs/formats.md §1, JSON or YAML): all or nothing",
    dependencies=[audited("data.import")],
    openapi_extra={
        "requestBody": {
            "required": True,
            "description": "plans, providers, cases, members, aid_codes, eligibility, soc, ... "
            "(every list optional; upsert by natural key)",
            "content": {
                "application/json": {
                    "schema": {"type": "object"},
                    "examples": {"dataset": {"value": DATASET_EXAMPLE}},
                },
                "application/yaml": {"schema": {"type": "string"}},
            },
        }
    },
)
async def import_(request: Request, caller: Admin, app: AppDep) -> JSONResponse:
    """The document as JSON, or as YAML with a YAML content type (`application/yaml`). Every
    error is reported with its path in `errors` (`IMPORT_INVALID`, 422); nothing is imported
    then."""
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    text = (await request.body()).decode("utf-8", errors="replace")
    try:
        document = read_document(text, "body", as_json=media not in YAML_TYPES)
    except InvalidInput as error:
        raise InvalidInput("INVALID_REQUEST", error.detail) from None
    if not isinstance(document, dict):
        raise InvalidInput(
            "INVALID_REQUEST", "body: a dataset is a mapping of lists (plans, members, ...)."
        )
    counts = await run_in_threadpool(
        lambda: import_dataset(parse_dataset(document), app.uow(), app.env)
    )
    return ok(shapes.import_counts(counts))


@router.post(
    "/v1/tokens",
    status_code=201,
    response_model=schemas.IssuedToken,
    summary="Create an API token for county, plan:<CODE> or admin (shown once)",
)
def create_token(body: schemas.TokenRequest, caller: Admin, app: AppDep) -> JSONResponse:
    """A county token needs `county` (its county) or `statewide: true`. Admin tokens are made
    with the CLI only (`FORBIDDEN` here). Tokens expire after `expires_in_days` (default 90)."""
    role, _ = access.parse_role(body.role)
    if role is access.Role.COUNTY and (body.county is None) == (not body.statewide):
        raise InvalidInput(
            "INVALID_REQUEST",
            'county: a county token needs its county (e.g. "19") or "statewide": true, not both.',
            field="county",
        )
    issued = access.create_token(
        body.role,
        body.label,
        app.uow(),
        app.env,
        county=body.county,
        days=body.expires_in_days,
        from_api=True,
    )
    return ok(views.issued_token(issued), 201)


@router.get(
    "/v1/tokens",
    response_model=schemas.TokenList,
    summary="Every API token (never its secret): role, county, expiry, revocation",
)
def list_tokens(caller: Admin, app: AppDep) -> JSONResponse:
    return ok({"tokens": [views.token(t) for t in access.list_tokens(app.uow())]})


@router.delete(
    "/v1/tokens/{token_id}",
    response_model=schemas.TokenOut,
    summary="Revoke a token at once (idempotent)",
)
def revoke_token(
    token_id: Annotated[str, Path(min_length=1, max_length=40)], caller: Admin, app: AppDep
) -> JSONResponse:
    return ok(views.token(access.revoke_token(token_id, app.uow(), app.env)))


LOCK_KINDS = {"providers": NPI_KIND, "members": MEMBER_KIND}
LockKind = Annotated[Literal["providers", "members"], Path(description="providers or members")]
Subject = Annotated[
    str, Path(min_length=1, max_length=20, description="The NPI, or the member ID (CIN or card ID)")
]


def _lock_subject(kind: str, subject: str) -> tuple[str, str]:
    if kind == "members":
        return MEMBER_KIND, schemas.member_id_of(subject).cin
    return NPI_KIND, parse_npi(subject, "npi")


@router.get(
    "/v1/lockouts/{kind}/{subject}",
    response_model=schemas.LockoutOut,
    summary="How an NPI or a member stands in the sign-in lockout (anonymous callers' view)",
)
def lockout(kind: LockKind, subject: Subject, caller: CountyOrAdmin, app: AppDep) -> JSONResponse:
    which, key = _lock_subject(kind, subject)
    standing = lock_standing(which, key, app.uow(), app.env)
    return ok(views.lockout(kind.removesuffix("s"), key, standing))


@router.delete(
    "/v1/lockouts/{kind}/{subject}",
    response_model=schemas.LockoutOut,
    summary="Unlock an NPI or a member: the failures counted so far stop counting",
)
def unlock(kind: LockKind, subject: Subject, caller: CountyOrAdmin, app: AppDep) -> JSONResponse:
    which, key = _lock_subject(kind, subject)
    cleared = unlock_subject(which, key, app.uow())
    standing = lock_standing(which, key, app.uow(), app.env)
    return ok(views.lockout(kind.removesuffix("s"), key, standing, cleared))


@router.get(
    "/v1/audit-log",
    response_model=schemas.AccessLog,
    summary="The access log: who read or changed which member's data, when, with what outcome",
    dependencies=[audited("audit_log.read")],
)
def audit_log(
    caller: CountyOrAdmin,
    app: AppDep,
    member_id: Annotated[schemas.MemberIdParam | None, Query()] = None,
    since: Annotated[int, Query(ge=0, le=2**62, description="The previous page's cursor")] = 0,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> JSONResponse:
    records = access.access_log(
        app.uow(),
        cin=None if member_id is None else schemas.member_id_of(member_id).cin,
        since=since,
        limit=limit,
    )
    return ok(views.access_log(records, since))
