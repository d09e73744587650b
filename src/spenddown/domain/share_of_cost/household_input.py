"""A determination body (the API's JSON, a ``--household-file``, stored inputs) → ``Household``.

One body, two ways to describe the household (docs/rules.md "The program ladder"):
- ``persons``: each person with a birth date, aged/blind/disabled status, relationship, Medicare;
  ``incomes[].person`` says whose income it is;
- the shortcuts of the CLI and of earlier clients: ``household_size``, ``adults`` (default all),
  ``budget`` (``abd``: the adults are aged, blind or disabled; ``family``: parent/caretaker
  linked), ``aged``/``blind``/``disabled``/``medicare`` (every adult), ``ltc`` (person 1 in care
  the whole month), ``spouse_income`` (a spouse at home), ``home_upkeep``.

Values may be domain objects (``Money``, ``BenefitMonth``, ``date``) or their JSON text, so the
same function reads a validated API body and the stored JSON. ``to_json`` gives the stored form.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from spenddown.domain.errors import InvalidInput
from spenddown.domain.money import Money
from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.determination import ChildrenOnly, DependentCareCost
from spenddown.domain.share_of_cost.ladder import CareMonth, Household, HouseholdIncome, Person


def _money(value: Any, field: str) -> Money:
    if isinstance(value, Money):
        return value
    if isinstance(value, int | Decimal) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, float):
        raise InvalidInput("INVALID_AMOUNT", f"{field} must be written as text.", field=field)
    amount = Money.parse(value, field)
    if amount.amount < 0:
        raise InvalidInput("INVALID_AMOUNT", f"{field} must not be negative.", field=field)
    return amount


def _date(value: Any, field: str) -> date | None:
    if value is None or isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        raise InvalidInput(
            "INVALID_DATE", f"{field} must be a date YYYY-MM-DD, got {value!r}.", field=field
        ) from None


def _month(value: Any) -> BenefitMonth:
    if isinstance(value, BenefitMonth):
        return value
    return BenefitMonth.parse(str(value), "month")


def _flag(body: Mapping[str, Any], name: str) -> bool:
    return bool(body.get(name) or False)


def _persons_from_shortcuts(body: Mapping[str, Any]) -> list[Person]:
    size = body.get("household_size")
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise InvalidInput(
            "INVALID_HOUSEHOLD_SIZE",
            "household_size (a whole number, at least 1) or persons is required.",
            field="household_size",
        )
    adults = body.get("adults")
    if adults is None:
        adults = size
    children_only = body.get("children_only")
    if children_only is not None and body.get("adults") is None:
        # a child-only unit: the children, then the parents in the home (if counted)
        adults = size - int(children_only["children"])
    if isinstance(adults, bool) or not isinstance(adults, int) or not 0 <= adults <= size:
        raise InvalidInput(
            "INVALID_ADULTS",
            f"adults must be a whole number from 0 to household_size ({size}).",
            field="adults",
        )
    budget = body.get("budget") or "abd"
    if budget not in ("abd", "family"):
        raise InvalidInput(
            "INVALID_BUDGET", f"budget must be 'abd' or 'family', got {budget!r}.", field="budget"
        )
    aged, blind, disabled = _flag(body, "aged"), _flag(body, "blind"), _flag(body, "disabled")
    stated = aged or blind or disabled
    adult = Person(
        adult=True,
        aged=aged,
        blind=blind,
        disabled=disabled,
        abd=budget == "abd" and not stated,
        caretaker=budget == "family",
        medicare=_flag(body, "medicare"),
    )
    persons: list[Person] = []
    if children_only is not None:
        persons += [Person(adult=False, relationship="child")] * int(children_only["children"])
        persons += [Person(adult=True, caretaker=True, relationship="parent")] * adults
        return persons
    for index in range(size):
        if index < adults:
            relationship = "self" if index == 0 else ("spouse" if index == 1 else "other")
            persons.append(Person(**{**_fields(adult), "relationship": relationship}))
        else:
            persons.append(Person(adult=False, relationship="child"))
    return persons


def _fields(person: Person) -> dict[str, Any]:
    return {name: getattr(person, name) for name in Person.__slots__}


def _person(raw: Mapping[str, Any], index: int) -> Person:
    return Person(
        birth_date=_date(raw.get("birth_date"), f"persons[{index}].birth_date"),
        adult=raw.get("adult"),
        aged=_flag(raw, "aged"),
        blind=_flag(raw, "blind"),
        disabled=_flag(raw, "disabled"),
        caretaker=_flag(raw, "caretaker"),
        pregnant=_flag(raw, "pregnant"),
        medicare=_flag(raw, "medicare"),
        relationship=str(raw.get("relationship") or ("self" if index == 0 else "other")),
    )


def household_from_body(body: Mapping[str, Any]) -> tuple[Household, str | None]:
    """The household and the program asked for (None: the whole ladder)."""
    month = _month(body.get("month"))
    raw_persons = body.get("persons")
    if raw_persons:
        persons = [_person(p, i) for i, p in enumerate(raw_persons)]
    else:
        persons = _persons_from_shortcuts(body)
    incomes = [
        HouseholdIncome(
            amount=_money(item.get("amount"), f"incomes[{index}].amount"),
            kind=item.get("kind"),
            person=int(item.get("person") or 0),
            disability_benefit=_flag(item, "disability_benefit"),
        )
        for index, item in enumerate(body.get("incomes") or [])
    ]
    for index, income in enumerate(incomes):
        if income.kind not in ("earned", "unearned"):
            raise InvalidInput(
                "INVALID_INCOME_KIND",
                f"incomes[{index}].kind must be 'earned' or 'unearned'.",
                field=f"incomes[{index}].kind",
            )
    premiums = [_money(p, f"premiums[{i}]") for i, p in enumerate(body.get("premiums") or [])]
    care_raw = body.get("care")
    care: CareMonth | None = None
    if care_raw is not None:
        care = CareMonth(
            resident=int(care_raw.get("resident") or 0),
            whole_month=care_raw.get("whole_month"),
            setting=care_raw.get("setting") or "facility",
            home_upkeep=_flag(care_raw, "home_upkeep"),
        )
    elif _flag(body, "ltc"):
        care = CareMonth(resident=0, whole_month=True, home_upkeep=_flag(body, "home_upkeep"))
    spouse_income = body.get("spouse_income")
    if spouse_income is not None:
        if care is None:
            raise InvalidInput(
                "INVALID_LTC_HOUSEHOLD",
                "spouse_income describes a spouse at home of a person in long-term care: it "
                "goes with ltc.",
                field="spouse_income",
            )
        amount = _money(spouse_income, "spouse_income")
        spouses = [i for i, p in enumerate(persons) if p.relationship == "spouse"]
        if not spouses:
            persons.append(Person(adult=True, relationship="spouse"))
            spouses = [len(persons) - 1]
        incomes.append(HouseholdIncome(amount, "unearned", spouses[0]))
    if body.get("home_upkeep") and care is None:
        raise InvalidInput(
            "INVALID_LTC_HOUSEHOLD", "home_upkeep goes with ltc.", field="home_upkeep"
        )
    children_only = body.get("children_only")
    care_costs = [
        DependentCareCost(
            amount=_money(item.get("amount"), f"dependent_care[{index}].amount"),
            under_2=_flag(item, "under_2"),
            incapacitated=_flag(item, "incapacitated"),
        )
        for index, item in enumerate(body.get("dependent_care") or [])
    ]
    support = body.get("support_paid")
    household = Household(
        month=month,
        persons=tuple(persons),
        incomes=tuple(incomes),
        premiums=tuple(premiums),
        dependent_care=tuple(care_costs),
        support_paid=Money.zero() if support is None else _money(support, "support_paid"),
        ltc=care,
        children_only=None
        if children_only is None
        else ChildrenOnly(
            int(children_only["children"]), int(children_only.get("parents_in_home") or 0)
        ),
    )
    program = body.get("program")
    return household, None if program is None else str(program)


def to_json(value: Any) -> Any:
    """The stored (JSON) form of a body: amounts, months and dates as text."""
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, Money | BenefitMonth):
        return str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value
