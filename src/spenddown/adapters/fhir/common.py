"""What both mappings need: the request envelope, references to identifiers, money and dates.

Input errors are ``InvalidInput`` whose ``field`` is a FHIRPath expression
(``Claim.item[0].net``): ``INVALID_RESOURCE`` when the JSON is not a valid resource of the
expected type (HTTP 400, with every problem in ``errors``), the domain's own codes otherwise
(``INVALID_AMOUNT``, ``INVALID_MEMBER_ID``, ...; HTTP 422).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeVar

from spenddown.adapters.fhir import codes, release
from spenddown.domain.errors import InvalidInput
from spenddown.domain.money import Money

Json = dict[str, Any]
INVALID_RESOURCE = "INVALID_RESOURCE"
M = TypeVar("M", bound=release.FHIRAbstractModel)


def invalid(where: str, message: str, code: str = INVALID_RESOURCE) -> InvalidInput:
    return InvalidInput(code, f"{where}: {message}", field=where)


def _expression(resource_type: str, location: Iterable[Any]) -> str:
    text = resource_type
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


def parse_resource(model: type[M], resource_type: str, document: Any) -> M:
    """The body of ``$submit``: the resource itself, or a ``Parameters`` with a parameter
    ``resource`` holding it (FHIR operations accept both). Every validation problem is reported
    (``errors``), the first one in ``detail``."""
    if isinstance(document, dict) and document.get("resourceType") == "Parameters":
        document = _from_parameters(document, resource_type)
    if not isinstance(document, dict):
        raise invalid(resource_type, "the body must be a JSON object (a FHIR resource).")
    found = document.get("resourceType")
    if found != resource_type:
        raise invalid(
            f"{resource_type}.resourceType",
            f"expected a {resource_type} resource, got {str(found)[:40]!r}.",
        )
    try:
        return release.build(model, document)
    except release.ValidationError as error:
        problems = [
            (
                _expression(resource_type, item.get("loc", ())),
                str(item.get("msg", "invalid")).removeprefix("Value error, "),
            )
            for item in error.errors(include_url=False)
        ]
        where, message = problems[0] if problems else (resource_type, "invalid")
        refusal = invalid(where, message)
        refusal.context["errors"] = problems
        raise refusal from None
    except (TypeError, KeyError, AttributeError, ValueError):
        # fhir.resources raises these (not a ValidationError) for some malformed input, e.g. a
        # contained resource whose resourceType is not a string or not a FHIR resource type.
        raise invalid(resource_type, "not a valid FHIR resource.") from None


def _from_parameters(document: Json, resource_type: str) -> Any:
    for parameter in document.get("parameter") or []:
        if isinstance(parameter, dict) and parameter.get("name") == "resource":
            return parameter.get("resource")
    raise invalid("Parameters.parameter", f"no parameter 'resource' with the {resource_type}.")


# --- references and identifiers ---------------------------------------------------------------
def referenced_identifiers(resource: Any, reference: Any, where: str) -> tuple[list[Any], str]:
    """The identifiers a Reference points to: its own ``identifier`` (a logical reference), or
    those of the contained resource it names (``#id``). Returns them with their FHIRPath."""
    if reference is None:
        raise invalid(where, "is required.")
    if reference.identifier is not None:
        return [reference.identifier], f"{where}.identifier"
    target = reference.reference or ""
    if target.startswith("#"):
        for index, contained in enumerate(resource.contained or []):
            if getattr(contained, "id", None) == target[1:]:
                return list(getattr(contained, "identifier", None) or []), (
                    f"{resource.get_resource_type()}.contained[{index}].identifier"
                )
        raise invalid(f"{where}.reference", f"no contained resource {target!r}.")
    raise invalid(
        where,
        "give the identifier (Reference.identifier) or a contained resource ('#id'); "
        "references to stored resources are not supported.",
    )


def identifier_with(identifiers: list[Any], system: str, where: str) -> Any:
    for identifier in identifiers:
        if identifier.system == system and identifier.value:
            return identifier
    raise invalid(where, f"an identifier with system {system} and a value is required.")


def npi_of(resource: Any, reference: Any, where: str) -> str | None:
    """The NPI of a provider reference, when the reference carries one."""
    if reference is None:
        return None
    try:
        identifiers, _ = referenced_identifiers(resource, reference, where)
    except InvalidInput:
        return None
    found = [i.value for i in identifiers if i.system == codes.NPI and i.value]
    return str(found[0]).strip() if found else None


# --- scalars ------------------------------------------------------------------------------
def as_date(value: Any, where: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None:
        raise invalid(where, "is required.")
    raise invalid(where, f"{value!s:.20} is not a full date (YYYY-MM-DD).")


def money_in(value: Any, where: str) -> Money:
    """A FHIR Money (US dollars) as a domain ``Money``: whole cents, never a float."""
    if value is None or value.value is None:
        raise invalid(f"{where}.value", "is required.")
    if value.currency not in (None, "USD"):
        raise invalid(f"{where}.currency", "amounts are in US dollars (USD).")
    amount = value.value
    text = format(amount, "f") if isinstance(amount, Decimal) else str(amount)
    return Money.parse(text, f"{where}.value")


def money(value: Money) -> Json:
    return {"value": value.amount, "currency": "USD"}


def coding(system: str, code: str, display: str | None = None) -> Json:
    found: Json = {"system": system, "code": code}
    if display:
        found["display"] = display
    return found


def concept(system: str, code: str, display: str | None = None) -> Json:
    return {"coding": [coding(system, code, display)]}


def extension(url: str, **value: Any) -> Json:
    """``extension(URL, valueCode="55")``."""
    return {"url": url, **value}


def timestamp(value: datetime) -> str:
    return value.isoformat()
