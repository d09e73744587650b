"""Dependencies: the application, and who is calling (``Annotated`` aliases for the routes).

Credentials (docs/api.md "Credentials"):
- providers: HTTP Basic, user = NPI, password = PIN. For the transactions whose use case takes
  the NPI and PIN (verify, clear, reverse) the use case checks them, with the lockout; for the
  others (``providers.authenticate``) they are checked here.
- county, plan:<CODE>, admin: ``Authorization: Bearer <token>``.
- a member: ``X-Member-Issue-Date`` and ``X-Member-Birth-Date`` with the member ID in the path
  (checked by the family-view use case).
- the balance-billing check: the family's member ID, card issue date and date of birth in the
  body, or a provider's Basic credentials, or any token (docs/api.md "Credentials").

No credentials, or wrong ones: 401. Valid credentials of a role the endpoint does not serve:
403 ``FORBIDDEN`` (Basic credentials sent to an endpoint that no provider may use are refused with
403 without checking the PIN, so that they neither cost an Argon2 hash nor count to a lockout).
"""

from __future__ import annotations

import base64
import binascii
import inspect
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request, Security
from fastapi.security import HTTPBasic, HTTPBearer
from starlette.concurrency import run_in_threadpool

from spenddown import bootstrap
from spenddown.domain.errors import AuthenticationFailed, Forbidden
from spenddown.entrypoints.api import audit
from spenddown.entrypoints.api.guard import has_control
from spenddown.services import providers
from spenddown.services.access import Principal, Role, authenticate_token, in_county

MAX_CREDENTIAL = 512  # longer user names, PINs or tokens are refused before any work


def _app(request: Request) -> bootstrap.App:
    app = request.app.state.spenddown
    assert isinstance(app, bootstrap.App)
    return app


async def get_app(request: Request) -> bootstrap.App:
    """``async``: it does no I/O, and a plain ``def`` dependency costs a hop to the threadpool
    on every request (docs/performance.md "What limits each target")."""
    return _app(request)


AppDep = Annotated[bootstrap.App, Depends(get_app)]
AccessDep = Annotated[audit.AccessEntry, Depends(audit.current)]


# --- OpenAPI security schemes (documentation only: the header is read by ``_credentials``) -----
class _DocBasic(HTTPBasic):
    async def __call__(self, request: Request) -> None:  # type: ignore[override]
        return None


class _DocBearer(HTTPBearer):
    async def __call__(self, request: Request) -> None:  # type: ignore[override]
        return None


PROVIDER_BASIC = _DocBasic(
    scheme_name="providerBasic",
    description="Providers: user = NPI, password = PIN. 5 wrong PINs or failed member look-ups "
    "within 15 minutes lock the NPI for anonymous callers (docs/api.md).",
    auto_error=False,
)
TOKEN_BEARER = _DocBearer(
    scheme_name="tokenBearer",
    description="county, plan:<CODE> and admin tokens (`spenddown tokens create --role`).",
    auto_error=False,
)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who is calling. ``pin`` is set for a provider (still unchecked when ``checked`` is
    False: the use case checks it)."""

    principal: Principal
    pin: str | None = None
    checked: bool = True

    @property
    def role(self) -> Role:
        return self.principal.role

    @property
    def npi(self) -> str:
        return self.principal.actor

    def credentials(self) -> tuple[str, str]:
        assert self.role is Role.PROVIDER
        assert self.pin is not None
        return self.principal.actor, self.pin


def _required(detail: str) -> AuthenticationFailed:
    return AuthenticationFailed("AUTHENTICATION_REQUIRED", detail)


def _basic(param: str) -> tuple[str, str]:
    try:
        user, sep, pin = base64.b64decode(param, validate=True).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise AuthenticationFailed(
            "INVALID_CREDENTIALS", "The Basic credentials are not base64 of NPI:PIN."
        ) from None
    if not sep or not user:
        raise AuthenticationFailed("INVALID_CREDENTIALS", "Basic credentials are NPI:PIN.")
    if has_control(user) or has_control(pin):  # a NUL would reach the database (docs/api.md)
        raise AuthenticationFailed(
            "INVALID_CREDENTIALS", "The Basic credentials contain control characters."
        )
    return user.strip(), pin


def _resolve(request: Request, allowed: frozenset[Role], check_pin: bool) -> Caller:
    entry = audit.current(request)
    header = request.headers.get("authorization", "")
    scheme, _, param = header.strip().partition(" ")
    scheme, param = scheme.lower(), param.strip()
    if len(param) > MAX_CREDENTIAL:
        raise AuthenticationFailed("INVALID_CREDENTIALS", "The credentials are too long.")
    if scheme == "basic" and param:
        npi, pin = _basic(param)
        entry.role, entry.actor = str(Role.PROVIDER), npi[:20]
        if Role.PROVIDER not in allowed:
            raise Forbidden("FORBIDDEN", "Providers may not use this endpoint.")
        principal = Principal(Role.PROVIDER, npi)
        if not check_pin:
            return Caller(principal, pin, checked=False)
        app = _app(request)
        provider = providers.authenticate(npi, pin, app.uow(), app.env)
        return Caller(Principal(Role.PROVIDER, provider.npi), pin)
    if scheme == "bearer" and param:
        app = _app(request)
        principal = authenticate_token(param, app.uow(), app.env.clock.now())
        entry.role, entry.actor = principal.label, principal.actor
        if principal.role not in allowed:
            raise Forbidden("FORBIDDEN", f"The {principal.label} role may not use this endpoint.")
        _county_scope(request, principal, app)
        return Caller(principal)
    if header:
        raise AuthenticationFailed(
            "INVALID_CREDENTIALS", "Use Basic (providers) or Bearer (tokens) authorization."
        )
    raise _required("This endpoint needs credentials: Basic NPI:PIN or a Bearer token.")


def _is_basic(request: Request) -> bool:
    scheme, _, param = request.headers.get("authorization", "").strip().partition(" ")
    return scheme.lower() == "basic" and bool(param.strip())


# Endpoints a county-scoped token may use without naming a member or a case: they read no
# member's data (determinations) or check the member themselves (a claim names its member).
_NO_MEMBER_ROUTES = frozenset({"/v1/soc/determinations", "/v1/claims/{claim_id}"})


def _county_scope(request: Request, principal: Principal, app: bootstrap.App) -> None:
    """A county token made for one county (``spenddown tokens create --county``) reads and
    changes that county's members and cases only; what spans the state (a month's clearances,
    a plan's roster, the monthly cycle, the whole access log) needs a statewide token."""
    if principal.role is not Role.COUNTY or principal.county_code is None:
        return
    case_id = request.path_params.get("case_id")
    cin = audit.current(request).cin
    if case_id is None and cin is None:
        route = getattr(request.scope.get("route"), "path", "")
        if route in _NO_MEMBER_ROUTES:
            return
        raise Forbidden(
            "FORBIDDEN", "This county token is for one county: name a member of that county."
        )
    if not in_county(principal, app.uow(), cin=cin, case_id=case_id):
        raise Forbidden("FORBIDDEN", "This member or case is not in this token's county.")


def county_scope(caller: Caller, app: bootstrap.App, *, cin: str) -> None:
    """The same check, for a route that learns the member after authentication."""
    if not in_county(caller.principal, app.uow(), cin=cin):
        raise Forbidden("FORBIDDEN", "This member is not in this token's county.")


def requires(*roles: Role, check_pin: bool = True) -> Callable[..., Awaitable[Caller]]:
    """A dependency that lets only ``roles`` in. Its signature names the matching OpenAPI
    security schemes, so that ``/docs`` shows which credentials each endpoint takes."""
    allowed = frozenset(roles)

    async def dependency(request: Request, **_: Any) -> Caller:
        if not check_pin and _is_basic(request):
            # A provider's NPI and PIN taken as sent (the use case checks them): no I/O, so
            # not worth the threadpool's hop (docs/performance.md "What limits each target").
            return _resolve(request, allowed, check_pin)
        # A PIN or a token checked against the database: off the event loop.
        return await run_in_threadpool(_resolve, request, allowed, check_pin)

    parameters = [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request)
    ]
    if Role.PROVIDER in allowed:
        parameters.append(
            inspect.Parameter(
                "provider_basic",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[None, Security(PROVIDER_BASIC)],
            )
        )
    if allowed & {Role.COUNTY, Role.PLAN, Role.ADMIN}:
        parameters.append(
            inspect.Parameter(
                "token_bearer",
                inspect.Parameter.KEYWORD_ONLY,
                annotation=Annotated[None, Security(TOKEN_BEARER)],
            )
        )
    dependency.__signature__ = inspect.Signature(parameters)  # type: ignore[attr-defined]
    return dependency


# Aliases used by the routes.
ProviderTransaction = Annotated[Caller, Depends(requires(Role.PROVIDER, check_pin=False))]
ProviderOrCounty = Annotated[Caller, Depends(requires(Role.PROVIDER, Role.COUNTY))]
County = Annotated[Caller, Depends(requires(Role.COUNTY))]
CountyOrAdmin = Annotated[Caller, Depends(requires(Role.COUNTY, Role.ADMIN))]
PlanOrCounty = Annotated[Caller, Depends(requires(Role.PLAN, Role.COUNTY))]
Admin = Annotated[Caller, Depends(requires(Role.ADMIN))]


def member_or_county(request: Request, **_: Any) -> Caller | None:
    """The family view: a county token, or nothing here (the member's headers are checked with
    the member ID by the use case); any other credentials are refused."""
    if request.headers.get("authorization"):
        return _resolve(request, frozenset({Role.COUNTY}), True)
    entry = audit.current(request)
    entry.role, entry.actor = str(Role.MEMBER), str(Role.MEMBER)
    return None


member_or_county.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter(
            "token_bearer",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[None, Security(TOKEN_BEARER)],
        ),
    ]
)
MemberOrCounty = Annotated[Caller | None, Depends(member_or_county)]


ALL_ROLES = frozenset(Role)


def member_or_anyone_with_credentials(request: Request, **_: Any) -> Caller | None:
    """The balance-billing check: without an ``Authorization`` header the caller is the family
    (the member ID, card issue date and date of birth in the body are checked by the use case,
    with the member lockout); a provider's Basic credentials are checked by the use case too
    (with the PIN lockout); a token is checked here (any token role)."""
    if request.headers.get("authorization"):
        return _resolve(request, ALL_ROLES - {Role.MEMBER}, False)
    entry = audit.current(request)
    entry.role, entry.actor = str(Role.MEMBER), str(Role.MEMBER)
    return None


member_or_anyone_with_credentials.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
    [
        inspect.Parameter("request", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=Request),
        inspect.Parameter(
            "provider_basic",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[None, Security(PROVIDER_BASIC)],
        ),
        inspect.Parameter(
            "token_bearer",
            inspect.Parameter.KEYWORD_ONLY,
            annotation=Annotated[None, Security(TOKEN_BEARER)],
        ),
    ]
)
Anyone = Annotated[Caller | None, Depends(member_or_anyone_with_credentials)]
