"""Determination for a county worker or an analyst (docs/rules.md): the program ladder, then the
Medically Needy budget; no storage."""

from __future__ import annotations

from spenddown import rules
from spenddown.domain.share_of_cost.determination import (
    Determination,
    DeterminationRequest,
    determine_share_of_cost,
)
from spenddown.domain.share_of_cost.ladder import Household, LadderResult
from spenddown.domain.share_of_cost.ladder import determine as ladder_determine


def determine(request: DeterminationRequest, reform: str | None = None) -> Determination:
    """The Medically Needy SOC of one budget unit for one month, every step explained and cited.
    ``reform`` names a what-if (e.g. ``mnl_138_fpl``); current law when None."""
    return determine_share_of_cost(request, rules.determination_parameters(request.month, reform))


def determine_household(
    household: Household, program: str | None = None, reform: str | None = None
) -> LadderResult:
    """The program ladder of one household for one month (free programs first, then the
    Medically Needy SOC); ``program`` computes one program's budget directly."""
    return ladder_determine(
        household,
        rules.determination_parameters(household.month, reform),
        rules.ladder_parameters(household.month),
        program,
    )
