"""Retroactive months from the case's application date (docs/rules.md, "Retroactive
months")."""

from __future__ import annotations

from spenddown.domain.months import BenefitMonth
from spenddown.domain.share_of_cost.changes import check_retroactive
from spenddown.rules.parameters import retroactive_months
from spenddown.services.ports import UnitOfWork


def check_retro_period(uow: UnitOfWork, case_id: str, month: BenefitMonth) -> bool:
    """Refuse a month before the application's retroactive period; True when ``month`` is a
    retroactive month (before the month of application). A case without an application date
    is not checked (False)."""
    application = uow.repo.case_application(case_id)
    if application is None:
        return False
    day, aged_or_disabled = application
    check_retroactive(month, day, retroactive_months(day, aged_or_disabled=aged_or_disabled))
    return month < BenefitMonth.of(day)
