"""What both mappings need: the request envelope, references, money and dates.

Input errors are ``InvalidInput`` whose ``field`` is a FHIRPath expression
(``Claim.item[0].net``), of three kinds (docs/fhir.md "Errors: OperationOutcome"):

- ``INVALID_RESOURCE`` (``invalid``): the body is not a valid resource of the expected type:
  not JSON, wrong ``resourceType``, or refused by the FHIR model (HTTP 400, issue ``structure``,
  every problem in ``errors``);
- ``required``: a valid resource that lacks an element spenddown needs (the date of service,
  the card issue date, the provider's NPI, ...): HTTP 422, issue ``required``;
- ``refused``: an element spenddown cannot accept (another currency, an unknown payer type, a
  reference it cannot resolve) and the domain's own codes (``INVALID_AMOUNT``,
  ``INVALID_MEMBER_ID``, ...): HTTP 422, issue ``invalid``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Generic, TypeVar

from spenddown.adapters.fhir import codes, release
from spenddown.domain.errors import InvalidInput
from spenddown.domain.money import Money

Json = dict[str, Any]
INVALID_RESOURCE = "INVALID_RESOURCE"
INVALID_REQUEST = "INVALID_REQUEST"
ISSUE_REQUIRED = "required"
M = TypeVar("M", bound=release.FHIRAbstractModel)
BUNDLE_TYPES = ("collection", "transaction", "batch")
V2_0203 = "http://terminology.hl7.org/CodeSystem/v2-0203"


def invalid(where: str, message: str, code: str = INVALID_RESOURCE) -> InvalidInput:
    """Structural garbage (``INVALID_RESOURCE``, 400), or a domain code (422 ``invalid``)."""
    return InvalidInput(code, f"{where}: {message}", field=where)


def required(where: str, message: str, code: str = INVALID_REQUEST) -> InvalidInput:
    """A valid resource without an element spenddown needs (422, issue ``required``)."""
    return InvalidInput(code, f"{where}: {message}", field=where, issue=ISSUE_REQUIRED)


def refused(where: str, message: str, code: str = INVALID_REQUEST) -> InvalidInput:
    """An element spenddown cannot accept (422, issue ``invalid``)."""
    return InvalidInput(code, f"{where}: {message}", field=where)


def _expression(resource_type: str, location: Iterable[Any]) -> str:
    text = resource_type
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else f".{part}"
    return text


@dataclass(frozen=True, slots=True)
class Submitted(Generic[M]):
    """The resource a ``$submit`` carries, and the Bundle's other entries it may reference."""

    resource: M
    bundle: dict[str, Any] = field(default_factory=dict)  # fullUrl and "Type/id" → resource


def parse_resource(model: type[M], resource_type: str, document: Any) -> M:
    """The resource itself (see ``read_submitted`` for the envelopes)."""
    return read_submitted(model, resource_type, document).resource


def read_submitted(model: type[M], resource_type: str, document: Any) -> Submitted[M]:
    """The body of ``$submit``: the resource itself, a ``Parameters`` with a parameter
    ``resource`` holding it (FHIR operations accept both), or a Bundle (``collection``,
    ``transaction`` or ``batch``, bare or in that parameter) with exactly one entry of the
    resource type; the Bundle's other entries resolve its references. Every validation problem
    is reported (``errors``), the first one in ``detail``."""
    if isinstance(document, dict) and document.get("resourceType") == "Parameters":
        document = _from_parameters(document, resource_type)
    if isinstance(document, dict) and document.get("resourceType") == "Bundle":
        return _from_bundle(model, resource_type, document)
    if not isinstance(document, dict):
        raise invalid(resource_type, "the body must be a JSON object (a FHIR resource).")
    found = document.get("resourceType")
    if found != resource_type:
        raise invalid(
            f"{resource_type}.resourceType",
            f"expected a {resource_type} (or a Bundle holding one), got {str(found)[:40]!r}.",
        )
    return Submitted(_validated(model, resource_type, document))


def _validated(model: type[M], path: str, document: Json) -> M:
    try:
        return release.build(model, document)
    except release.ValidationError as error:
        problems = [
            (
                _expression(path, item.get("loc", ())),
                str(item.get("msg", "invalid")).removeprefix("Value error, "),
            )
            for item in error.errors(include_url=False)
        ]
        where, message = problems[0] if problems else (path, "invalid")
        refusal = invalid(where, message)
        refusal.context["errors"] = problems
        raise refusal from None
    except (TypeError, KeyError, AttributeError, ValueError):
        # fhir.resources raises these (not a ValidationError) for some malformed input, e.g. a
        # contained resource whose resourceType is not a string or not a FHIR resource type.
        raise invalid(path, "not a valid FHIR resource.") from None


def _from_bundle(model: type[M], resource_type: str, document: Json) -> Submitted[M]:
    bundle = _validated(release.Bundle, "Bundle", document)
    if bundle.type not in BUNDLE_TYPES:
        raise refused(
            "Bundle.type",
            f"a Bundle of type {', '.join(BUNDLE_TYPES)} holding one {resource_type} is "
            f"accepted, not {str(bundle.type)[:20]!r}.",
        )
    index: dict[str, Any] = {}
    chosen: list[tuple[int, Any]] = []
    for n, entry in enumerate(bundle.entry or []):
        resource = entry.resource
        if resource is None:
            continue
        kind = resource.get_resource_type()
        if kind == resource_type:
            chosen.append((n, resource))
        if entry.fullUrl:
            index[str(entry.fullUrl)] = resource
        if resource.id:
            index[f"{kind}/{resource.id}"] = resource
    if len(chosen) != 1:
        raise refused(
            "Bundle.entry", f"exactly one entry is a {resource_type} (found {len(chosen)})."
        )
    n, resource = chosen[0]
    # The Bundle's model validated the entry as a resource of its own type.
    if not isinstance(resource, model):
        raise invalid(f"Bundle.entry[{n}].resource", f"not a valid {resource_type}.")
    return Submitted(resource, index)


def _from_parameters(document: Json, resource_type: str) -> Any:
    parameters = document.get("parameter") or []
    if not isinstance(parameters, list):
        raise invalid("Parameters.parameter", "must be an array of parameters.")
    for parameter in parameters:
        if isinstance(parameter, dict) and parameter.get("name") == "resource":
            return parameter.get("resource")
    raise required("Parameters.parameter", f"no parameter 'resource' with the {resource_type}.")


# --- references and identifiers ---------------------------------------------------------------
def resolve(submitted: Submitted[Any], reference: Any) -> Any | None:
    """The resource a Reference names, when spenddown can see it: a contained resource
    (``#id``) or another entry of the submitted Bundle (its ``fullUrl``, or ``Type/id``). None
    for a logical reference (``Reference.identifier``) or a resource only the sender holds."""
    target = str(getattr(reference, "reference", None) or "")
    if not target:
        return None
    if target.startswith("#"):
        for contained in getattr(submitted.resource, "contained", None) or []:
            if getattr(contained, "id", None) == target[1:]:
                return contained
        return None
    if target in submitted.bundle:
        return submitted.bundle[target]
    # An absolute URL of a resource in the Bundle whose entry has another base.
    parts = target.rstrip("/").split("/")
    if len(parts) >= 2:
        return submitted.bundle.get(f"{parts[-2]}/{parts[-1]}")
    return None


def referenced_identifiers(
    submitted: Submitted[Any], reference: Any, where: str
) -> tuple[list[Any], str]:
    """The identifiers a Reference points to: its own ``identifier`` (a logical reference), or
    those of the resource it names, contained (``#id``) or in the Bundle. Returns them with
    their FHIRPath."""
    if reference is None:
        raise required(where, "is required.")
    if reference.identifier is not None:
        return [reference.identifier], f"{where}.identifier"
    target = resolve(submitted, reference)
    if target is not None:
        return list(getattr(target, "identifier", None) or []), path_of(submitted, target)
    raise refused(
        f"{where}.reference" if reference.reference else where,
        "give the identifier (Reference.identifier), a contained resource ('#id') or a "
        "resource in the same Bundle; spenddown cannot read resources stored elsewhere.",
    )


def path_of(submitted: Submitted[Any], target: Any, element: str = "identifier") -> str:
    """The FHIRPath of an element of a contained or bundled resource."""
    resource = submitted.resource
    for index, contained in enumerate(getattr(resource, "contained", None) or []):
        if contained is target:
            return f"{resource.get_resource_type()}.contained[{index}].{element}"
    return f"{target.get_resource_type()}/{target.id}.{element}"


def identifier_with(identifiers: list[Any], system: str, where: str) -> Any:
    for identifier in identifiers:
        if identifier.system == system and identifier.value:
            return identifier
    raise required(where, f"an identifier with system {system} and a value is required.")


def has_type(identifier: Any, code: str, system: str = V2_0203) -> bool:
    """``Identifier.type`` has this code (v2-0203: ``MB`` member number, ``NPI``, ...)."""
    for c in getattr(getattr(identifier, "type", None), "coding", None) or []:
        if c.code == code and c.system in (system, None):
            return True
    return False


def npi_of(submitted: Submitted[Any], reference: Any, where: str) -> str | None:
    """The NPI of a provider reference (a logical one, or a contained or bundled
    Practitioner or Organization), when it carries one."""
    if reference is None:
        return None
    try:
        identifiers, _ = referenced_identifiers(submitted, reference, where)
    except InvalidInput:
        return None
    found = [
        i.value for i in identifiers if (i.system == codes.NPI or has_type(i, "NPI")) and i.value
    ]
    return str(found[0]).strip() if found else None


# --- scalars ------------------------------------------------------------------------------
def as_date(value: Any, where: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None:
        raise required(where, "is required.")
    raise refused(where, f"{value!s:.20} is not a full date (YYYY-MM-DD).")


def money_in(value: Any, where: str) -> Money:
    """A FHIR Money (US dollars) as a domain ``Money``: whole cents, never a float."""
    if value is None or value.value is None:
        raise required(f"{where}.value", "is required.")
    if value.currency not in (None, "USD"):
        raise refused(f"{where}.currency", "amounts are in US dollars (USD).")
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
