"""Determination for a county worker or an analyst (docs/rules.md): the program ladder, then the
Medically Needy budget; no storage."""

from __future__ import annotations

from typing import Any

from spenddown import rules
from spenddown.domain.eligibility.codes import Program
from spenddown.domain.share_of_cost.determination import (
    Determination,
    DeterminationRequest,
    determine_share_of_cost,
)
from spenddown.domain.share_of_cost.household_input import household_from_body, to_json
from spenddown.domain.share_of_cost.ladder import Household, LadderResult
from spenddown.domain.share_of_cost.ladder import determine as ladder_determine
from spenddown.services import share_of_cost
from spenddown.services.ports import Env, StoredDetermination, UnitOfWork
from spenddown.services.share_of_cost import ObligationView


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


def set_from_determination(
    case_id: str,
    budget_unit: str,
    inputs: dict[str, Any],
    uow: UnitOfWork,
    env: Env,
    *,
    retro_override: bool = False,
    reform: str | None = None,
    program: Program = Program.MEDI_CAL,
) -> tuple[LadderResult, ObligationView]:
    """Set a budget unit's SOC from a determination (the county page's "Set SOC"): the ladder's
    SOC for the month, with the determination's inputs stored beside it for the what-if.
    ``inputs`` is the JSON body of the determination; nothing is stored when it is refused."""
    found, asked = household_from_body(inputs)
    result = determine_household(found, asked, reform)
    cmd = share_of_cost.SetShareOfCost(
        case_id=case_id,
        budget_unit=budget_unit,
        month=found.month,
        amount=result.soc,
        program=program,
        retro_override=retro_override,
        determination=StoredDetermination(
            case_id=case_id,
            budget_unit=budget_unit,
            month=found.month,
            program=result.program,
            soc=result.soc,
            inputs=to_json(dict(inputs)),
        ),
    )
    return result, share_of_cost.set_share_of_cost(cmd, uow, env)
