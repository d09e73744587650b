"""claims found by their claim ID alone (a county worker's look-up without the provider)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-05 12:45:00

The key (provider NPI, claim ID) of migration 0008 serves the look-ups that name the provider;
a county worker may name only the claim ID (docs/api.md), which without this index read every
stored claim.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index("ix_claims_claim_id", "claims", ["claim_id"])


def downgrade() -> None:
    op.drop_index("ix_claims_claim_id", table_name="claims")
