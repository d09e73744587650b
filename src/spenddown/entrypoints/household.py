"""Determination bodies for every entrypoint: the API's JSON, ``soc compute --household-file``
(YAML or JSON, the same body) and the CLI's shortcut flags all become one validated
``schemas.DeterminationRequest`` and then a domain ``Household`` (docs/api.md)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from spenddown.domain.errors import InvalidInput
from spenddown.domain.share_of_cost.household_input import household_from_body, to_json
from spenddown.domain.share_of_cost.ladder import Household
from spenddown.entrypoints.api import schemas


def _field(location: tuple[Any, ...]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "body"


def validated(data: Any) -> schemas.DeterminationRequest:
    """The body checked as the API checks it; the first problem is an InvalidInput."""
    if not isinstance(data, Mapping):
        raise InvalidInput("INVALID_REQUEST", "A determination body must be a mapping.")
    try:
        return schemas.DeterminationRequest.model_validate(dict(data))
    except ValidationError as exc:
        first = exc.errors()[0]
        field = _field(tuple(first["loc"]))
        code = "INVALID_AMOUNT" if "amount" in field or "income" in field else "INVALID_REQUEST"
        raise InvalidInput(code, f"{field}: {first['msg']}", field=field) from None


def _plain(value: Any) -> Any:
    """A validated model as plain values, keeping domain objects (Money, BenefitMonth, date):
    ``model_dump`` would turn those dataclasses into dicts."""
    if isinstance(value, BaseModel):
        return {
            name: _plain(getattr(value, name))
            for name in type(value).model_fields
            if getattr(value, name) is not None
        }
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def household(body: schemas.DeterminationRequest) -> tuple[Household, str | None, dict[str, Any]]:
    """The household, the program asked for, and the body's stored (JSON) form."""
    data = _plain(body)
    data.pop("reform", None)
    found, program = household_from_body(data)
    return found, program, to_json(data)


def read_file(path: Path) -> dict[str, Any]:
    """A ``--household-file``: YAML or JSON (JSON is YAML)."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise InvalidInput(
            "INVALID_FILE", f"Cannot read {path}: {exc.strerror}.", field="--household-file"
        ) from None
    except yaml.YAMLError:
        raise InvalidInput(
            "INVALID_FILE", f"{path} is not YAML or JSON.", field="--household-file"
        ) from None
    if not isinstance(data, dict):
        raise InvalidInput(
            "INVALID_FILE", f"{path} must hold one mapping.", field="--household-file"
        )
    return data
