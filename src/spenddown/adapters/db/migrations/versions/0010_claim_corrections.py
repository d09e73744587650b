"""claim corrections: replacement (CLM05-3 7) and void (8) of a stored claim

Revision ID: 0010
Revises: 0006
Create Date: 2026-12-04 15:45:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "claim_corrections",
        sa.Column("correction_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("provider_npi", sa.String(length=10), nullable=False),
        sa.Column("claim_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("replaced_by", sa.String(length=40), nullable=True),
        sa.Column("cin", sa.String(length=9), nullable=False),
        sa.Column("original", sa.JSON(), nullable=False),
        sa.Column("corrected_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("correction_id"),
    )
    with op.batch_alter_table("claim_corrections", schema=None) as batch_op:
        batch_op.create_index(
            "ix_claim_corrections_claim", ["provider_npi", "claim_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("claim_corrections", schema=None) as batch_op:
        batch_op.drop_index("ix_claim_corrections_claim")
    op.drop_table("claim_corrections")
