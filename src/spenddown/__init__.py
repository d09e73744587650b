"""spenddown: Medi-Cal Share of Cost and Medi-Cal as secondary payer."""

__version__ = "0.1.0"
