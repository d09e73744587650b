"""May this provider bill the family this amount? The balance-billing check of docs/rules.md §6.

A provider who accepted the member as a Medi-Cal patient may collect only

- the Share of Cost (paid or obligated) for the service,
- a long-term-care member's patient liability (LTC facilities), and
- Medi-Cal copayments (currently none for most services)

(W&I §14019.4; 22 CCR §51002). The member counts as accepted when the provider verified the
member's Medi-Cal (verifying is accepting, W&I §14018.2), billed Medi-Cal for the service, or is
enrolled in the member's Medi-Cal delivery system (the member's plan, or fee-for-service). The
seed adds that a provider contracted with both the family's private insurance and Medi-Cal may not
invoice the family when authorizations were in place with both. Anything the family paid above
that is refunded (W&I §14019.3).

Without that protection (never verified, never billed Medi-Cal, not enrolled) the bill is
allowed and the family may owe it: the check says so plainly.

The check is pure: the service gathers the facts (``BillingFacts``); every verdict carries the
rule it rests on, the reasons in plain words and what the family can do.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from spenddown.domain.money import Money

# The rules a verdict rests on (docs/rules.md §2, §1, §6).
NO_BALANCE_BILLING = "W&I 14019.4"
REFUND = "W&I 14019.3"
WHAT_MAY_BE_COLLECTED = "22 CCR 51002"
VERIFYING_IS_ACCEPTING = "W&I 14018.2"
SHARE_OF_COST = "22 CCR 50653"
SEED_CONTRACTED_WITH_BOTH = "Undivided, “How do I use Medi-Cal to cover copays and deductibles?”"
# A QMB member owes no Medicare cost sharing to any Medicare provider (docs/rules.md).
QMB_NO_COST_SHARING = "42 U.S.C. 1396a(n)(3)(B)"
# Where a family gets help (DHCS Office of the Ombudsman, Medi-Cal managed care).
OMBUDSMAN = "the Medi-Cal Managed Care Ombudsman at 1-888-452-8609"


@dataclass(frozen=True, slots=True)
class BillingFacts:
    """What the service found about one bill.

    ``soc_for_service`` is the Share of Cost the member paid or obligated to this provider for
    this date of service (the applied sum of the provider's active clearances), or, when
    ``claim_id`` is given, what that claim's adjudication says the member owes."""

    amount: Money  # the amount on the bill sent to the family
    service_date: date
    provider_name: str
    verified_medi_cal: bool  # the provider verified the member's Medi-Cal
    billed_medi_cal: bool  # the provider billed Medi-Cal for this date of service
    enrolled_in_delivery_system: bool  # plan contract, or FFS enrollment, that month
    plan_code: str | None  # the member's Medi-Cal plan that month; None = fee-for-service
    has_medi_cal: bool  # any Medi-Cal eligibility that month
    eligible: bool  # eligible that month: no SOC, or the SOC is met
    soc_for_service: Money
    month_soc: Money = field(default_factory=Money.zero)  # the month's SOC (zero: none)
    soc_remaining: Money = field(default_factory=Money.zero)  # the month's SOC not yet met
    claim_id: str | None = None
    ltc_patient_liability: Money = field(default_factory=Money.zero)  # LTC facility, LTC SOC
    medi_cal_copayments: Money = field(default_factory=Money.zero)
    in_primary_network: bool = False  # the provider is in the member's private insurance network
    qmb: bool = False  # a Qualified Medicare Beneficiary that month (docs/rules.md)
    medicare_cost_sharing: bool = False  # the bill is Medicare deductible or coinsurance

    @property
    def delivery_system(self) -> str:
        if self.plan_code is not None:
            return f"your Medi-Cal plan ({self.plan_code})"
        return "fee-for-service (“straight”) Medi-Cal"

    @property
    def protected(self) -> bool:
        return self.verified_medi_cal or self.billed_medi_cal or self.enrolled_in_delivery_system


@dataclass(frozen=True, slots=True)
class BillingCheck:
    """docs/api.md "Endpoints and roles": BillingCheck. ``may_collect`` is what the provider may
    collect on this bill (never more than the bill); ``protected`` says whether Medi-Cal's billing
    rules apply."""

    allowed: bool
    may_collect: Money
    rule: str
    explanation: list[str]
    what_to_do: list[str]
    protected: bool = False


def check_balance_billing(facts: BillingFacts) -> BillingCheck:
    """docs/rules.md §6: the verdict on one bill, with its rule, reasons and the family's
    options."""
    month = f"{facts.service_date:%B %Y}"
    if facts.qmb and facts.medicare_cost_sharing:
        return _qmb(facts, month)
    if not facts.protected:
        return _not_protected(facts)
    reasons = _acceptance_reasons(facts)
    if not facts.has_medi_cal:
        return BillingCheck(
            allowed=True,
            may_collect=facts.amount,
            rule=WHAT_MAY_BE_COLLECTED,
            explanation=[
                *reasons,
                f"But you had no Medi-Cal in {month}, so Medi-Cal's limits on what a provider "
                "may bill (22 CCR §51002) do not cover this visit: the provider may bill you "
                f"the {facts.amount.display()}.",
            ],
            what_to_do=[
                f"If you think you had Medi-Cal in {month}, ask your county Medi-Cal office. If "
                "coverage for that month is restored, the provider must bill Medi-Cal and refund "
                "what you paid above your Share of Cost (W&I §14019.3).",
            ],
            protected=True,
        )
    limit, parts = _collectible(facts, month)
    allowed = facts.amount <= limit
    may_collect = min(limit, facts.amount)
    explanation = [*reasons, *parts]
    explanation.append(
        f"So this provider may collect at most {limit.display()} for this service "
        "(22 CCR §51002: only the Share of Cost, an LTC resident's patient liability and "
        "Medi-Cal copayments)."
    )
    if allowed:
        explanation.append(
            f"The bill of {facts.amount.display()} is within that: the provider may collect it."
        )
        return BillingCheck(
            allowed=True,
            may_collect=may_collect,
            rule=WHAT_MAY_BE_COLLECTED,
            explanation=explanation,
            what_to_do=_allowed_steps(facts, limit),
            protected=True,
        )
    excess = facts.amount - limit
    explanation.append(
        f"The bill of {facts.amount.display()} is {excess.display()} more than that. Billing a "
        "Medi-Cal patient for covered services beyond this is balance billing, and it is not "
        "allowed (W&I §14019.4); the provider gets the rest from Medi-Cal"
        + (" after your private insurance" if facts.in_primary_network else "")
        + " or writes it off."
    )
    return BillingCheck(
        allowed=False,
        may_collect=may_collect,
        rule=NO_BALANCE_BILLING,
        explanation=explanation,
        what_to_do=_refused_steps(facts, may_collect),
        protected=True,
    )


def _acceptance_reasons(facts: BillingFacts) -> list[str]:
    name = facts.provider_name
    reasons: list[str] = []
    if facts.verified_medi_cal:
        reasons.append(
            f"{name} checked your Medi-Cal eligibility. Checking it means accepting you as a "
            "Medi-Cal patient (W&I §14018.2)."
        )
    if facts.billed_medi_cal:
        claim = f" (claim {facts.claim_id})" if facts.claim_id else ""
        reasons.append(
            f"{name} billed Medi-Cal{claim} for your visit on {facts.service_date.isoformat()}."
        )
    if facts.enrolled_in_delivery_system:
        reasons.append(f"{name} is enrolled in {facts.delivery_system} for that month.")
        if facts.in_primary_network:
            reasons.append(
                f"{name} is contracted with both your private insurance and Medi-Cal: such a "
                "provider may not invoice you for a visit when authorizations were in place "
                f"with both; that is balance billing ({SEED_CONTRACTED_WITH_BOTH})."
            )
    return reasons


def _collectible(facts: BillingFacts, month: str) -> tuple[Money, list[str]]:
    """What the provider may collect, with one sentence per part."""
    parts: list[str] = []
    if facts.claim_id is not None:
        base = facts.soc_for_service
        parts.append(
            f"Medi-Cal's decision on claim {facts.claim_id} leaves you to pay "
            f"{base.display()}" + (" (your Share of Cost)." if base.is_positive() else ": nothing.")
        )
    elif facts.eligible:
        base = facts.soc_for_service
        if base.is_positive():
            parts.append(
                f"Your Share of Cost paid or promised to this provider for this visit is "
                f"{base.display()}: the provider may collect it (22 CCR §50653)."
            )
        elif facts.month_soc.is_positive():
            parts.append(
                f"Your Share of Cost for {month} is met, and none of it was applied to this "
                "provider's visit: Medi-Cal covers it."
            )
        else:
            parts.append(f"You had Medi-Cal without a Share of Cost in {month}.")
    else:
        base = facts.soc_for_service + facts.soc_remaining
        parts.append(
            f"Your Share of Cost for {month} ({facts.month_soc.display()}) is not met yet: "
            f"{facts.soc_remaining.display()} remains. What you pay toward it is yours to pay "
            "(22 CCR §50653); once it is met, Medi-Cal covers the whole month from the 1st, and "
            "the provider must bill Medi-Cal, not you, for the rest."
        )
        if facts.soc_for_service.is_positive():
            parts.append(
                f"{facts.soc_for_service.display()} of it is already applied to this provider's "
                "visit."
            )
    if facts.ltc_patient_liability.is_positive():
        if facts.ltc_patient_liability > base:
            base = facts.ltc_patient_liability
        parts.append(
            f"As a long-term-care resident you pay the facility your monthly patient liability "
            f"(your Share of Cost), {facts.ltc_patient_liability.display()}."
        )
    copayments = facts.medi_cal_copayments
    parts.append(
        f"Medi-Cal copayments: {copayments.display()}"
        + ("." if copayments.is_positive() else " (none for this service).")
    )
    return base + copayments, parts


def _help_line(facts: BillingFacts) -> str:
    if facts.plan_code is not None:
        return (
            f"If the provider does not correct the bill, call {OMBUDSMAN}, or your plan's "
            "member services, or your county Medi-Cal office."
        )
    return (
        "If the provider does not correct the bill, call your county Medi-Cal office (or "
        f"{OMBUDSMAN})."
    )


def _refused_steps(facts: BillingFacts, may_collect: Money) -> list[str]:
    steps = [
        f"Do not pay more than {may_collect.display()} on this bill."
        if may_collect.is_positive()
        else "Do not pay this bill.",
        "Ask the provider to bill "
        + ("your private insurance first, then " if facts.in_primary_network else "")
        + facts.delivery_system
        + " for the rest, and to send you a corrected bill; mention W&I §14019.4 and "
        "22 CCR §51002.",
        f"If you already paid more than {may_collect.display()}, ask the provider to refund "
        "the difference (W&I §14019.3).",
        "The provider may not seek this payment from you, including through a collection "
        "agency (W&I §14019.4).",
        _help_line(facts),
    ]
    return steps


def _allowed_steps(facts: BillingFacts, limit: Money) -> list[str]:
    steps = [f"You may pay this bill of {facts.amount.display()}."]
    if facts.soc_for_service.is_positive() or not facts.eligible:
        steps.append(
            "Keep the receipt: it shows the Share of Cost you paid, and the county can count it "
            "toward your Share of Cost if it was not recorded."
        )
    steps.append(
        f"If the provider asks for more than {limit.display()} for this visit, do not pay the "
        "difference: ask them to bill Medi-Cal instead (W&I §14019.4). "
        + _help_line(facts).replace("does not correct the bill", "insists")
    )
    return steps


def _not_protected(facts: BillingFacts) -> BillingCheck:
    name = facts.provider_name
    explanation = [
        f"As far as the records show, {name} did not check your Medi-Cal, did not bill "
        f"Medi-Cal for this visit and is not enrolled in {facts.delivery_system}.",
        "Medi-Cal's rule against balance billing protects you only with a provider who accepted "
        "you as a Medi-Cal patient (W&I §14018.2; 22 CCR §51002). This provider did not, so the "
        f"bill is allowed: you may owe the {facts.amount.display()}.",
    ]
    if facts.in_primary_network:
        explanation.append(
            f"{name} takes your private insurance but not your Medi-Cal: your private "
            "insurance's deductible, copays and coinsurance may be yours to pay."
        )
    what_to_do = [
        "Ask the provider whether they can bill Medi-Cal: a provider enrolled in "
        f"{facts.delivery_system} that bills it may collect at most your Share of Cost. If "
        "they did check your Medi-Cal or bill it, ask them to bill Medi-Cal and correct the bill.",
        "Before the next visit, show both cards (private insurance and Medi-Cal) and choose a "
        f"provider that takes both your insurance and {facts.delivery_system}: Medi-Cal then "
        "pays the copays and deductible the insurance leaves.",
    ]
    if facts.month_soc.is_positive():
        what_to_do.append(
            "Medical bills you pay or owe still count toward your Share of Cost: take this bill "
            "to your county Medi-Cal office."
        )
    return BillingCheck(
        allowed=True,
        may_collect=facts.amount,
        rule=VERIFYING_IS_ACCEPTING,
        explanation=explanation,
        what_to_do=what_to_do,
        protected=False,
    )


def _qmb(facts: BillingFacts, month: str) -> BillingCheck:
    """42 U.S.C. 1396a(n)(3)(B): a QMB member may not be billed Medicare deductibles,
    coinsurance or copayments by any Medicare provider, whether or not it takes Medi-Cal."""
    return BillingCheck(
        allowed=False,
        may_collect=Money.zero(),
        rule=QMB_NO_COST_SHARING,
        explanation=[
            f"You were a Qualified Medicare Beneficiary (QMB) in {month}.",
            f"{facts.provider_name} billed you {facts.amount.display()} of Medicare cost "
            "sharing (a deductible, coinsurance or copayment). Federal law (42 U.S.C. "
            "§1396a(n)(3)(B)) forbids every Medicare provider to bill a QMB member for it, "
            "whether or not the provider takes Medi-Cal.",
            "So this provider may collect $0.00 of this bill from you.",
        ],
        what_to_do=[
            "Show the provider your Medicare and Medi-Cal cards and say you are in the QMB "
            "program; ask them to take the bill back and refund what you paid.",
            "If they do not, call 1-800-MEDICARE (1-800-633-4227): Medicare can tell the "
            "provider that QMB members may not be billed.",
        ],
        protected=True,
    )
