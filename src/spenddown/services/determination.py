"""SOC determination for a county worker or an analyst (rules.md §1): no storage."""

from __future__ import annotations

from spenddown import rules
from spenddown.domain.share_of_cost.determination import (
    Determination,
    DeterminationRequest,
    determine_share_of_cost,
)


def determine(request: DeterminationRequest, reform: str | None = None) -> Determination:
    """The SOC of one budget unit for one month, every step explained and cited. ``reform``
    names a what-if (e.g. ``mnl_138_fpl``); current law when None."""
    return determine_share_of_cost(request, rules.determination_parameters(request.month, reform))
