"""The timeliness due date, computed once per service date (``due_date`` is cached), is the
last day of the ``months``-th month after the month of service (docs/rules.md, "Claim
timeliness"), for any date and number of months (Hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta

from hypothesis import given
from hypothesis import strategies as st

from spenddown.domain.claims_timeliness import due_date


@given(
    st.dates(min_value=date(1990, 1, 1), max_value=date(2900, 12, 31)),
    st.integers(min_value=0, max_value=36),
)
def test_the_cached_due_date_is_the_last_day_of_the_month(day: date, months: int) -> None:
    for _ in range(2):  # computed, then from the cache
        due = due_date(day, months)
        assert (due + timedelta(days=1)).day == 1
        assert (due.year * 12 + due.month) - (day.year * 12 + day.month) == months
