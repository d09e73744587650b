"""SOC determination (rules.md §1): the county's computation, with every step shown.

Nothing is stored: the result is a what-if until the county records it (``soc set``)."""

from __future__ import annotations

from spenddown import rules
from spenddown.domain.share_of_cost.determination import (
    Determination,
    DeterminationRequest,
    determine_share_of_cost,
)


def determine(request: DeterminationRequest, reform: str | None = None) -> Determination:
    """The monthly SOC of one budget unit under the parameters in force that month (or under a
    named reform, for a simulation)."""
    return determine_share_of_cost(request, rules.determination_parameters(request.month, reform))
