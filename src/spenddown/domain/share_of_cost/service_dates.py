"""The date a service counts on for a Share of Cost, by service type (docs/rules.md §9.1).

22 CCR 50657(a)(4)(A): a service counts toward the SOC of the month its *date of service* is
in, and the regulation says which date that is for each kind of service:

- a global billing agreement: the date of the last service under the agreement (the date of
  delivery when the global bill is for pregnancy and delivery);
- dental prostheses, prosthetic and orthotic appliances and eye appliances: the date the item
  was ordered from the fabricating laboratory;
- prescription drugs: the date the drug was received;
- every other service: the date it was rendered.

A clearance keeps the date the provider bills (``service_date``, the claim's date of service)
and, for the first three types, the date the rule counts (``counted_date``); the SOC month is
the month of the counted date.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from spenddown.domain.errors import InvalidInput
from spenddown.domain.months import BenefitMonth


class ServiceType(StrEnum):
    DRUG = "drug"  # prescription drug: counts on the date received
    APPLIANCE = "appliance"  # dental prosthesis, prosthetic/orthotic or eye appliance: ordered
    GLOBAL = "global"  # global billing agreement: the last service (or the delivery)
    OTHER = "other"  # every other service: the date rendered


# What the counted date is for each type, for messages and docs.
COUNTED_DATE_MEANING: dict[ServiceType, str] = {
    ServiceType.DRUG: "the date the member received the drug",
    ServiceType.APPLIANCE: "the date the appliance was ordered from the fabricating laboratory",
    ServiceType.GLOBAL: (
        "the date of the last service under the global billing agreement (the date of delivery "
        "for pregnancy and delivery)"
    ),
    ServiceType.OTHER: "the date of service",
}


def parse_service_type(text: str) -> ServiceType:
    try:
        return ServiceType(text.strip().lower())
    except ValueError:
        raise InvalidInput(
            "INVALID_SERVICE_TYPE",
            "service_type: one of " + ", ".join(t.value for t in ServiceType) + ".",
            field="service_type",
        ) from None


def counted_date(service_type: ServiceType, service_date: date, given: date | None) -> date:
    """The date 22 CCR 50657(a)(4)(A) counts the service on (docs/rules.md §9.1).

    ``given`` is the type's date (drug received, appliance ordered, last service of a global
    agreement); it is required for those types and refused for ``other``, whose date is the
    date of service itself. A drug is received on or after it is dispensed, an appliance is
    ordered on or before it is delivered, and a global agreement's last service is on or after
    its first (the billed date of service)."""
    if service_type is ServiceType.OTHER:
        if given is not None and given != service_date:
            raise InvalidInput(
                "COUNTED_DATE_NOT_FOR_SERVICE_TYPE",
                "counted_date: only a drug, an appliance or a global fee counts on a date other "
                "than the date of service; leave it out (service_type other).",
                field="counted_date",
            )
        return service_date
    meaning = COUNTED_DATE_MEANING[service_type]
    if given is None:
        raise InvalidInput(
            "COUNTED_DATE_REQUIRED",
            f"counted_date: a {service_type} service counts on {meaning} (22 CCR 50657); "
            "give that date.",
            field="counted_date",
        )
    if service_type is ServiceType.APPLIANCE:
        if given > service_date:
            raise InvalidInput(
                "INVALID_COUNTED_DATE",
                f"counted_date: {meaning} ({given}) cannot be after the date of service "
                f"({service_date}, the delivery).",
                field="counted_date",
            )
    elif given < service_date:
        raise InvalidInput(
            "INVALID_COUNTED_DATE",
            f"counted_date: {meaning} ({given}) cannot be before the date of service "
            f"({service_date}).",
            field="counted_date",
        )
    return given


def check_in_month(service_type: ServiceType, counted: date, month: BenefitMonth | None) -> None:
    """A clearance that names the SOC month it clears (the MC 177S month) is refused when the
    date the rule counts is outside that month: the service counts toward another month."""
    if month is None or BenefitMonth.of(counted) == month:
        return
    field = "service_date" if service_type is ServiceType.OTHER else "counted_date"
    raise InvalidInput(
        "SERVICE_OUTSIDE_MONTH",
        f"{field}: a {service_type} service counts on {COUNTED_DATE_MEANING[service_type]}, "
        f"{counted}, which is in {BenefitMonth.of(counted)}, not {month} (22 CCR 50657): it "
        f"counts toward the Share of Cost of {BenefitMonth.of(counted)}.",
        field=field,
    )
