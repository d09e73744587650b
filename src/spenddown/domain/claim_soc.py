"""The SOC on a claim against the ledger (docs/rules.md, "What counts toward a Share of
Cost"): a service used for a Share of Cost carries that SOC on its claim (837P AMT*F5, the
claim's ``soc_amount``); adjudication compares it with what the provider's clearances applied
for the claim's dates of service and flags a difference. The flag is an explanation line: the
payment still follows the claim (the county or the provider corrects one or the other)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import date

from spenddown.domain.cob.adjudication import Adjudication
from spenddown.domain.cob.model import Claim
from spenddown.domain.money import Money

SOC_MISMATCH = "SOC MISMATCH"


def cleared_for_claim(claim: Claim, cleared: Mapping[tuple[str, str, date], Money]) -> Money:
    """What this provider's active clearances applied for this member on the claim's dates."""
    days = {line.service_date for line in claim.lines}
    found = Money.zero()
    for day in sorted(days):
        found = found + cleared.get((claim.provider_npi, claim.member_id, day), Money.zero())
    return found


def flag_soc_mismatch(
    claim: Claim, result: Adjudication, cleared: Mapping[tuple[str, str, date], Money]
) -> Adjudication:
    ledger = cleared_for_claim(claim, cleared)
    if ledger == claim.soc_amount:
        return result
    note = (
        f"{SOC_MISMATCH}: the claim reports a Share of Cost of ${claim.soc_amount}, but this "
        f"provider's clearances for these dates of service applied ${ledger}."
    )
    return replace(result, explanation=(*result.explanation, note))
