"""The FastAPI application (docs/api.md) and ``run`` for ``spenddown serve``.

``create_app()`` without arguments reads ``Settings`` from the environment (``SPENDDOWN_*``),
migrates the database and caches verified PINs (``CachedPinVerifier``); it is also the factory
for ``uvicorn --factory spenddown.entrypoints.api.app:create_app``. ``worker_app`` is the
factory of the processes of ``spenddown serve --workers N`` (the database migrated once by
``run``). Tests pass their own
``bootstrap.App`` (fixed clock, fast hashing).
"""

from __future__ import annotations

import gc
import logging
import os
import secrets
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from spenddown import bootstrap
from spenddown.adapters.system import Argon2PinHasher, CachedPinVerifier
from spenddown.config import Settings, proxy_networks
from spenddown.domain.errors import InvalidInput
from spenddown.entrypoints.api import docs, errors
from spenddown.entrypoints.api.audit import MaskMemberIds
from spenddown.entrypoints.api.guard import InputGuard
from spenddown.entrypoints.api.middleware import AccessLogMiddleware
from spenddown.entrypoints.api.routes import (
    admin,
    cases,
    claims,
    eligibility,
    fhir,
    health,
    members,
    over_time,
    plans,
    soc,
    x12,
)
from spenddown.entrypoints.web import mount as mount_pages

DESCRIPTION = """\
Medi-Cal Share of Cost: eligibility verification, SOC clearance and reversal, county SOC
records and certification, plan rosters and activations, the family's view. Medi-Cal as
secondary payer: claim adjudication, the balance-billing check, the accumulator statement and
the savings estimate.

**Credentials.** Providers: HTTP Basic with NPI and PIN (5 wrong PINs or failed member look-ups
within 15 minutes lock the NPI for anonymous callers; a success resets nothing; answers carry
`tries_left` and `locked_until`). County, plan and admin: `Authorization: Bearer <token>`
(`spenddown tokens create --role county|admin|plan:<CODE>`; tokens expire and can be revoked).
Members: the member ID in the path with `X-Member-Issue-Date` and `X-Member-Birth-Date`, with
the same lockout per member. The balance-billing check: the family's member ID, card issue date
and `birth_date` in the body, or the provider's Basic credentials, or a token.

**Money** is a string with two decimals (`"600.00"`); inputs take a string or a number with at
most two decimals. **Errors** are RFC 9457 problem details (`application/problem+json`) with a
stable `code`. Every request that touches member data is written to the access log.
"""

ROUTERS = (
    eligibility.router,
    soc.router,
    cases.router,
    plans.router,
    members.router,
    claims.router,
    claims.checks,
    admin.router,
    health.router,
    fhir.router,
    x12.router,
    over_time.router,
)


def build_app(settings: Settings, *, migrate: bool = True) -> bootstrap.App:
    """The production wiring: Argon2 PINs behind a keyed, short-lived cache of verified ones."""
    pepper = None if settings.secret_key_generated else settings.secret_key
    pins = CachedPinVerifier(
        Argon2PinHasher(pepper=pepper), settings.secret_key, settings.pin_cache_seconds
    )
    return bootstrap.build(
        settings.database_url, migrate=migrate, pins=pins, pool_size=settings.pool_size
    )


def create_app(
    app: bootstrap.App | None = None, settings: Settings | None = None, *, owned: bool = False
) -> FastAPI:
    owned = owned or app is None
    spenddown = app if app is not None else build_app(settings or Settings())

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        if owned:
            spenddown.close()

    api = FastAPI(
        title="spenddown",
        version="1.0.0",
        summary="Medi-Cal Share of Cost service API",
        description=DESCRIPTION,
        lifespan=lifespan,
        openapi_url="/openapi.json",
        docs_url=None,  # /docs and /redoc from the package's own assets (docs.py)
        redoc_url=None,
    )
    api.state.spenddown = spenddown
    for router in ROUTERS:
        api.include_router(router)
    docs.mount(api)
    errors.install(api)
    mount_pages(api, settings)  # the web pages at / (entrypoints/web, docs/web.md)
    proxies = proxy_networks(settings.trusted_proxies) if settings is not None else ()
    api.add_middleware(AccessLogMiddleware, spenddown=lambda: spenddown, proxies=proxies)
    api.add_middleware(InputGuard)  # outermost: size, characters, JSON shape; headers
    api.openapi = lambda: _openapi(api)  # type: ignore[method-assign]
    logging.getLogger("uvicorn.access").addFilter(_MASK)
    return api


_MASK = MaskMemberIds()


def _openapi(api: FastAPI) -> dict[str, Any]:
    """FastAPI's document, with problem responses under ``application/problem+json``."""
    if api.openapi_schema is None:
        schema = get_openapi(
            title=api.title,
            version=api.version,
            summary=api.summary,
            description=api.description,
            routes=api.routes,
        )
        problem_ref = "#/components/schemas/Problem"
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                for response in operation.get("responses", {}).values():
                    content = response.get("content", {})
                    json_content = content.get("application/json")
                    if json_content and json_content.get("schema", {}).get("$ref") == problem_ref:
                        content[errors.PROBLEM_MEDIA_TYPE] = content.pop("application/json")
        api.openapi_schema = schema
    return api.openapi_schema


def log_config() -> dict[str, Any]:
    """uvicorn's logging, with our request log (route templates, no IDs) instead of its access
    log, and member IDs masked in anything uvicorn prints about a request."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "filters": {"mask": {"()": MaskMemberIds}},
        "formatters": {
            "default": {
                "format": "%(asctime)s %(levelname)s %(name)s: %(message)s",
            }
        },
        "handlers": {
            "default": {
                "class": "logging.StreamHandler",
                "formatter": "default",
                "filters": ["mask"],
                "stream": "ext://sys.stderr",
            }
        },
        "loggers": {
            "uvicorn": {"handlers": ["default"], "level": "INFO", "propagate": False},
            "uvicorn.access": {"handlers": [], "level": "WARNING", "propagate": False},
            "spenddown": {"handlers": ["default"], "level": "INFO", "propagate": False},
        },
    }


RUN_KEY = "SPENDDOWN_RUN_KEY"  # the key ``serve --workers N`` draws for its workers (config.py)
SERVE_PID = "SPENDDOWN_SERVE_PID"  # the supervisor the workers die with


def default_workers(url: str) -> int:
    """``--workers`` when not given: one per core this process may run on, on PostgreSQL;
    one on SQLite (its ledger has a single writer, one lock per process: docs/architecture.md
    "Concurrency")."""
    if is_sqlite_url(url):
        return 1
    return max(1, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1)


def is_sqlite_url(url: str) -> bool:
    return url.split(":", 1)[0].split("+", 1)[0].lower() == "sqlite"


def run(host: str, port: int, url: str | None, demo: bool, workers: int | None = None) -> None:
    """``spenddown serve``: settings from the environment (``url`` and ``demo`` override it),
    migrate, then serve with uvicorn (uvloop + httptools), in ``workers`` processes (default
    ``default_workers``). Refuses a secret key shorter than 32 characters (pydantic
    ``ValidationError`` from ``Settings``) and several workers on SQLite
    (``SQLITE_ONE_PROCESS``)."""
    import uvicorn

    overrides: dict[str, Any] = {}
    if url:
        overrides["database_url"] = url
    if demo:
        overrides["demo"] = True
    settings = Settings(**overrides)
    resolved = bootstrap.database_url(settings.database_url)
    count = default_workers(resolved) if workers is None else workers
    if count < 1:
        raise InvalidInput("INVALID_REQUEST", "--workers: at least 1.")
    if count > 1 and is_sqlite_url(resolved):
        raise InvalidInput(
            "SQLITE_ONE_PROCESS",
            f"--workers {count}: SQLite serves from one process (its ledger has one writer, "
            "locked within the process); use --workers 1, or PostgreSQL "
            "(SPENDDOWN_DATABASE_URL=postgresql+psycopg://...) for several workers.",
        )
    log = logging.getLogger("spenddown")
    if count > 1 and settings.secret_key_generated and not settings.run_key:
        log.warning(
            "SPENDDOWN_SECRET_KEY is not set: a random key was drawn for this run and handed to "
            "its %d workers through the environment, so web sessions end when this server stops; "
            "several hosts need SPENDDOWN_SECRET_KEY set (the same on each).",
            count,
        )
    elif settings.secret_key_generated and not settings.demo:
        log.warning(
            "SPENDDOWN_SECRET_KEY is not set: this process uses a random key of its own, so web "
            "sessions end when it stops; set it to keep them across restarts."
        )
    if not settings.demo and host not in ("127.0.0.1", "localhost", "::1"):
        log.warning(
            "The web pages' session cookie is sent over HTTPS only: serve %s behind a TLS proxy "
            "(docs/operations.md); over plain http:// sign-in cannot keep a session.",
            host,
        )
    if count == 1:
        api = create_app(settings=settings)
        freeze_startup_heap()
        uvicorn.run(api, host=host, port=port, **server_options())
        return
    from spenddown.adapters.db.migrate import upgrade

    upgrade(resolved)  # once, here: the workers do not migrate
    # The workers read their settings from the environment (uvicorn starts them anew).
    os.environ["SPENDDOWN_DATABASE_URL"] = resolved
    if settings.demo:
        os.environ["SPENDDOWN_DEMO"] = "1"
    if settings.secret_key_generated and not settings.run_key:
        os.environ[RUN_KEY] = secrets.token_hex(32)
    os.environ[SERVE_PID] = str(os.getpid())
    log.info("Serving with %d worker processes on %s:%d.", count, host, port)
    uvicorn.run(
        "spenddown.entrypoints.api.app:worker_app",
        factory=True,
        host=host,
        port=port,
        workers=count,
        timeout_worker_healthcheck=worker_healthcheck_seconds(count),
        **server_options(),
    )


def worker_healthcheck_seconds(workers: int) -> int:
    """How long uvicorn's supervisor waits for a worker to answer its ping before it kills and
    replaces it. uvicorn's 5 s is shorter than a worker's start (Python, then the application's
    imports) on a loaded machine, where workers were killed and restarted before they ever
    served (two workers took 56-97 s to start on 2 cores at load 20); N workers start at once
    on the same cores: 180 s, and 20 s a worker beyond 9. A hung worker is replaced after
    that."""
    return max(180, 20 * workers)


def worker_app() -> FastAPI:
    """The factory of ``spenddown serve --workers N``'s processes: settings from the
    environment (``SPENDDOWN_*``, with the run's key when no secret key is set), the database
    already migrated by ``serve``. On Linux a worker is killed with its supervisor (even by
    SIGKILL), so that no orphan keeps serving the port."""
    _die_with_supervisor()
    settings = Settings()
    api = create_app(build_app(settings, migrate=False), settings, owned=True)
    freeze_startup_heap()
    return api


def freeze_startup_heap() -> None:
    """Once a serving process has built its application: collect, then move every object
    alive into the collector's permanent generation (``gc.freeze``), so that the collector's
    full passes no longer walk the imports and the application (hundreds of thousands of
    objects that live as long as the process). Without it a full pass stopped a worker for
    80-150 ms every second or so under load, which was the p99 of every figure over HTTP,
    the bare endpoint's included (docs/performance.md "What limits each target"). Only in
    serving processes: a process that builds many applications (the tests) would keep their
    garbage for good."""
    gc.collect()
    gc.freeze()


def _die_with_supervisor() -> None:
    supervisor = os.environ.get(SERVE_PID, "")
    if not supervisor.isdigit() or not sys.platform.startswith("linux"):
        return
    import ctypes

    pr_set_pdeathsig = 1
    libc = ctypes.CDLL(None, use_errno=True)
    libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0)
    if os.getppid() != int(supervisor):  # it died before the call above
        os._exit(1)


def server_options() -> dict[str, Any]:
    """How ``spenddown serve`` runs uvicorn (each worker; the benchmarks serve their baseline
    app with the same options): uvloop and httptools when installed (``uvicorn[standard]``),
    no uvicorn access log (``AccessLogMiddleware`` logs requests without personal data)."""
    return {
        "access_log": False,
        "log_config": log_config(),
        # The caller's address is read by the application, from X-Forwarded-For only when the
        # peer is one of SPENDDOWN_TRUSTED_PROXIES (middleware.caller_address).
        "proxy_headers": False,
        "server_header": False,
        "loop": "auto",
        "http": "auto",
    }
