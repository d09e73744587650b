"""JSON shapes that only the API answers with (the family view, the access log, an issued
token, health). Everything else comes from ``spenddown.entrypoints.shapes``; these build on it
and belong there too as soon as another entrypoint needs them."""

from __future__ import annotations

from collections.abc import Sequence

from spenddown.entrypoints import shapes
from spenddown.entrypoints.shapes import Json
from spenddown.services.access import FamilyView, IssuedToken
from spenddown.services.common import Standing
from spenddown.services.ports import AccessRecord, ApiToken


def family_view(view: FamilyView) -> Json:
    """docs/api.md "Endpoints and roles": the family's view: SOC, remaining, each clearance
    (provider name, date, amount). No provider NPI, billing code or EVC."""
    return {
        "member_id": view.member_id,
        "month": str(view.month),
        "obligations": [
            {
                **shapes.obligation(item.obligation),
                "clearances": [
                    {
                        "provider_name": c.provider_name,
                        "service_date": shapes.day(c.service_date),
                        "amount": shapes.money(c.amount),
                        "payment": c.payment,
                        "reversed": c.reversed,
                    }
                    for c in item.clearances
                ],
            }
            for item in view.obligations
        ],
    }


def access_log(records: Sequence[AccessRecord], since: int) -> Json:
    return {
        "records": [
            {
                "seq": r.seq,
                "at": shapes.timestamp(r.at),
                "actor": r.actor,
                "role": r.role,
                "action": r.action,
                "member_id": r.cin,
                "outcome": r.outcome,
                "address": r.address,
            }
            for r in records
        ],
        "cursor": str(records[-1].seq if records else since),
    }


def token(token: ApiToken) -> Json:
    return {
        "token_id": token.token_id,
        "role": token.role,
        "plan_code": token.plan_code,
        "county_code": token.county_code,
        "label": token.label,
        "created_at": shapes.timestamp(token.created_at),
        "expires_at": None if token.expires_at is None else shapes.timestamp(token.expires_at),
        "revoked_at": None if token.revoked_at is None else shapes.timestamp(token.revoked_at),
    }


def issued_token(issued: IssuedToken) -> Json:
    return {**token(issued.token), "token": issued.secret}


def lockout(kind: str, subject: str, standing: Standing, cleared: int | None = None) -> Json:
    return {
        "kind": kind,
        "subject": subject,
        "failures": standing.failures,
        "tries_left": standing.tries_left,
        "locked_until": None
        if standing.locked_until is None
        else shapes.timestamp(standing.locked_until),
        "cleared": cleared,
    }


def health(database_ok: bool) -> Json:
    return {
        "status": "ok" if database_ok else "error",
        "database": "ok" if database_ok else "unavailable",
    }
