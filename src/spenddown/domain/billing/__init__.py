"""What a provider may bill a Medi-Cal member (docs/rules.md §6)."""

from spenddown.domain.billing.balance_billing import (
    BillingCheck,
    BillingFacts,
    check_balance_billing,
)

__all__ = ["BillingCheck", "BillingFacts", "check_balance_billing"]
