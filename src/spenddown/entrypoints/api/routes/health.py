"""``GET /healthz``: the process answers and the database takes a query."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from spenddown.entrypoints.api import schemas, views
from spenddown.entrypoints.api.deps import AppDep

router = APIRouter(tags=["operations"])


@router.get(
    "/healthz",
    response_model=schemas.Health,
    responses={503: {"model": schemas.Health, "description": "The database is unavailable"}},
    summary="Liveness and database check (no credentials)",
)
def healthz(app: AppDep) -> JSONResponse:
    try:
        with app.engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        ok = True
    except SQLAlchemyError:
        ok = False
    return JSONResponse(views.health(ok), status_code=200 if ok else 503)
