"""Helpers for the REST API tests: the test world behind a ``TestClient``, tokens for every
role, and credentials headers."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any

from fastapi.testclient import TestClient
from pydantic import BaseModel

from spenddown import bootstrap
from spenddown.adapters.system import CachedPinVerifier
from spenddown.entrypoints.api.app import create_app
from spenddown.services.access import create_token
from support.world import FAST_PINS, ISSUE, FixedClock, World, base_dataset

SECRET = "test-secret-key-of-at-least-32-characters"
ISSUE_TEXT = ISSUE.isoformat()
SERVICE_DATE = "2026-11-03"


def basic(provider: tuple[str, str]) -> dict[str, str]:
    npi, pin = provider
    return {"Authorization": "Basic " + base64.b64encode(f"{npi}:{pin}".encode()).decode()}


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def member_headers(issue: str = ISSUE_TEXT, born: str = "1960-05-01") -> dict[str, str]:
    return {"X-Member-Issue-Date": issue, "X-Member-Birth-Date": born}


def assert_shape(model: type[BaseModel], data: Any) -> None:
    """The response is exactly what its documented model says (extra keys are refused)."""
    model.model_validate(data)


@dataclass
class Api:
    app: bootstrap.App
    clock: FixedClock
    world: World
    client: TestClient
    tokens: dict[str, str] = field(default_factory=dict)

    def headers(self, role: str) -> dict[str, str]:
        return bearer(self.tokens[role])

    def restart(self) -> Api:
        """A new app and client on the same database (a server restart): nothing cached."""
        pins = CachedPinVerifier(FAST_PINS, SECRET, 60)
        app = bootstrap.build(self.app.url, clock=self.clock, pins=pins)
        return Api(
            app, self.clock, World(app, self.clock), TestClient(create_app(app)), self.tokens
        )

    def close(self) -> None:
        self.client.close()
        self.app.close()

    # --- common requests ------------------------------------------------------------------
    def verify(self, cin: str, provider: tuple[str, str], **overrides: Any) -> Any:
        body = {"member_id": cin, "bic_issue_date": ISSUE_TEXT, "service_date": SERVICE_DATE}
        return self.client.post(
            "/v1/eligibility/verifications", json={**body, **overrides}, headers=basic(provider)
        )

    def clear(
        self, cin: str, provider: tuple[str, str], charge: Any = "150.00", **overrides: Any
    ) -> Any:
        body = {
            "member_id": cin,
            "bic_issue_date": ISSUE_TEXT,
            "service_date": SERVICE_DATE,
            "billing_code": "99213",
            "service_charge": charge,
            "payment": "paid",
        }
        return self.client.post(
            "/v1/soc/clearances", json={**body, **overrides}, headers=basic(provider)
        )


def make_api(url: str) -> Api:
    """The world of ``support.world`` (fixed clock 2026-11-23) with a PIN cache like
    production's, and a token per role: county, plan:HN, plan:LA, admin."""
    clock = FixedClock()
    pins = CachedPinVerifier(FAST_PINS, SECRET, 60)
    app = bootstrap.build(url, clock=clock, pins=pins)
    world = World(app, clock)
    world.load(base_dataset())
    tokens = {
        role: create_token(role, f"test {role}", app.uow(), app.env).secret
        for role in ("county", "plan:HN", "plan:LA", "admin")
    }
    return Api(app, clock, world, TestClient(create_app(app)), tokens)
