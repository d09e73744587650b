"""Load the dated, cited parameter files under ``rules/parameters`` (OpenFisca style).

One YAML file per parameter; its path below ``parameters/`` without ``.yaml`` is its name
(``medi_cal/share_of_cost/maintenance_need_level``). Each file::

    description: what it is
    unit: currency-USD | /1 | bool | code-list | day
    period: month            # optional
    metadata:
      citation: 22 CCR 50603 # optional short citation shown in determination steps
      reference: [{title: ..., href: https://...}]   # at least one
      unverified: true       # when the source is secondary
      notes: ...
    values:
      1989-07-01: <value>    # effective dates, ascending

Invariants: every file passes ``validate_document`` (else loading fails and names every
problem); values contain no float (decimals are quoted strings, so they stay exact); lookup
returns the value of the latest effective date on or before the day asked, and refuses a day
before the first one (``PARAMETER_NOT_IN_FORCE``).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from spenddown.domain.errors import RuleRefusal

PARAMETERS_DIR = Path(__file__).resolve().parent / "parameters"

TOP_LEVEL_KEYS = frozenset({"description", "unit", "period", "metadata", "values"})
REQUIRED_KEYS = ("description", "unit", "metadata", "values")
METADATA_KEYS = frozenset({"citation", "reference", "unverified", "notes"})
UNITS = frozenset({"currency-USD", "/1", "bool", "code-list", "day"})
PERIODS = frozenset({"month", "year"})


@dataclass(frozen=True, slots=True)
class Reference:
    title: str
    href: str


@dataclass(frozen=True, slots=True)
class Parameter:
    name: str
    description: str
    unit: str
    period: str | None
    citation: str | None
    references: tuple[Reference, ...]
    unverified: bool
    notes: str | None
    values: tuple[tuple[date, Any], ...]  # ascending effective dates

    def value_at(self, on: date) -> Any:
        """The value in force on ``on``: that of the latest effective date ≤ ``on``."""
        found: tuple[date, Any] | None = None
        for effective, value in self.values:
            if effective <= on:
                found = (effective, value)
            else:
                break
        if found is None:
            raise RuleRefusal(
                "PARAMETER_NOT_IN_FORCE",
                f"{self.name} has no value in force on {on.isoformat()}: its first effective "
                f"date is {self.values[0][0].isoformat()}.",
                parameter=self.name,
                on=on.isoformat(),
            )
        return found[1]

    def effective_date_at(self, on: date) -> date:
        """The effective date of the value in force on ``on``."""
        self.value_at(on)
        return max(effective for effective, _ in self.values if effective <= on)

    @property
    def latest(self) -> Any:
        return self.values[-1][1]


class ParameterTree:
    """Every parameter by name; ``get(name, on)`` is the lookup others code against."""

    def __init__(self, parameters: Mapping[str, Parameter]) -> None:
        self._parameters = dict(parameters)

    def get(self, path: str, on: date) -> Any:
        return self.parameter(path).value_at(on)

    def parameter(self, path: str) -> Parameter:
        try:
            return self._parameters[_normalize(path)]
        except KeyError:
            raise RuleRefusal(
                "PARAMETER_UNKNOWN", f"No parameter named {path!r}.", parameter=path
            ) from None

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and _normalize(path) in self._parameters

    def __iter__(self) -> Iterator[Parameter]:
        return iter(self._parameters[name] for name in sorted(self._parameters))

    def __len__(self) -> int:
        return len(self._parameters)

    def names(self) -> list[str]:
        return sorted(self._parameters)


def _normalize(path: str) -> str:
    """``a/b/c``, ``a.b.c`` and ``a/b/c.yaml`` name the same parameter."""
    return path.strip("/").removesuffix(".yaml").replace(".", "/")


# --- validation (every problem at once, beancount style) -----------------------------------
def _as_date(key: Any) -> date | None:
    if isinstance(key, date):
        return key
    if isinstance(key, str):
        try:
            return date.fromisoformat(key)
        except ValueError:
            return None
    return None


def _floats(value: Any, where: str) -> Iterator[str]:
    if isinstance(value, float):
        yield f"{where}: {value!r} is a float; write decimals as quoted strings"
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _floats(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _floats(item, f"{where}[{index}]")


def validate_document(document: Any, name: str = "<document>") -> list[str]:
    """Every structural problem of one parameter file (empty list: the file is sound)."""
    if not isinstance(document, dict):
        return [f"{name}: a parameter file must be a mapping"]
    errors: list[str] = []
    for key in document:
        if key not in TOP_LEVEL_KEYS:
            errors.append(f"{name}: unknown top-level key {key!r}")
    for key in REQUIRED_KEYS:
        if key not in document:
            errors.append(f"{name}: missing {key}")
    description = document.get("description")
    if "description" in document and (not isinstance(description, str) or not description):
        errors.append(f"{name}: description must be a non-empty string")
    if "unit" in document and document["unit"] not in UNITS:
        errors.append(f"{name}: unit {document['unit']!r} is not one of {sorted(UNITS)}")
    if "period" in document and document["period"] not in PERIODS:
        errors.append(f"{name}: period {document['period']!r} is not one of {sorted(PERIODS)}")

    metadata = document.get("metadata")
    if "metadata" in document:
        if not isinstance(metadata, dict):
            errors.append(f"{name}: metadata must be a mapping")
        else:
            for key in metadata:
                if key not in METADATA_KEYS:
                    errors.append(f"{name}: unknown metadata key {key!r}")
            references = metadata.get("reference")
            if not isinstance(references, list) or not references:
                errors.append(f"{name}: metadata.reference must list at least one source")
            else:
                for index, reference in enumerate(references):
                    if (
                        not isinstance(reference, dict)
                        or set(reference) != {"title", "href"}
                        or not all(isinstance(v, str) and v for v in reference.values())
                    ):
                        errors.append(
                            f"{name}: metadata.reference[{index}] needs exactly a title and an href"
                        )
                    elif not reference["href"].startswith("https://"):
                        errors.append(f"{name}: metadata.reference[{index}].href is not https")
            if "unverified" in metadata and not isinstance(metadata["unverified"], bool):
                errors.append(f"{name}: metadata.unverified must be true or false")
            for key in ("citation", "notes"):
                if key in metadata and not isinstance(metadata[key], str):
                    errors.append(f"{name}: metadata.{key} must be a string")

    values = document.get("values")
    if "values" in document:
        if not isinstance(values, dict) or not values:
            errors.append(f"{name}: values must map effective dates to values")
        else:
            dates: list[date] = []
            for key in values:
                effective = _as_date(key)
                if effective is None:
                    errors.append(f"{name}: values key {key!r} is not an ISO date")
                else:
                    dates.append(effective)
            if dates != sorted(dates) or len(set(dates)) != len(dates):
                errors.append(f"{name}: effective dates are not sorted ascending and unique")
            for key, value in values.items():
                errors.extend(_floats(value, f"{name}: values.{key}"))
    return errors


def parse_document(document: Any, name: str) -> Parameter:
    errors = validate_document(document, name)
    if errors:
        raise ValueError("; ".join(errors))
    metadata = document["metadata"]
    pairs: list[tuple[date, Any]] = []
    for key, value in document["values"].items():
        effective = _as_date(key)
        assert effective is not None  # validated above
        pairs.append((effective, value))
    pairs.sort(key=lambda pair: pair[0])
    return Parameter(
        name=name,
        description=document["description"],
        unit=document["unit"],
        period=document.get("period"),
        citation=metadata.get("citation"),
        references=tuple(Reference(r["title"], r["href"]) for r in metadata["reference"]),
        unverified=bool(metadata.get("unverified", False)),
        notes=metadata.get("notes"),
        values=tuple(pairs),
    )


def parameter_files(root: Path = PARAMETERS_DIR) -> list[Path]:
    return sorted(root.rglob("*.yaml"))


def parameter_name(path: Path, root: Path = PARAMETERS_DIR) -> str:
    return path.relative_to(root).with_suffix("").as_posix()


def read_document(path: Path) -> Any:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle)


def load_tree(root: Path = PARAMETERS_DIR) -> ParameterTree:
    """Load every file under ``root``; fail listing every invalid file."""
    parameters: dict[str, Parameter] = {}
    errors: list[str] = []
    for path in parameter_files(root):
        name = parameter_name(path, root)
        try:
            document = read_document(path)
        except yaml.YAMLError as exc:
            errors.append(f"{name}: not valid YAML: {exc}")
            continue
        problems = validate_document(document, name)
        if problems:
            errors.extend(problems)
            continue
        parameters[name] = parse_document(document, name)
    if errors:
        raise ValueError("Invalid parameter files:\n" + "\n".join(errors))
    if not parameters:
        raise ValueError(f"No parameter files under {root}")
    return ParameterTree(parameters)


@cache
def load_parameters() -> ParameterTree:
    """The parameter tree of the installed package, loaded once per process."""
    return load_tree(PARAMETERS_DIR)
