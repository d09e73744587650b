"""claim IDs per provider

A claim ID is the provider's own (docs/api.md "Claims"): the same claim ID from two providers is
two claims. ``claims`` is keyed by (provider_npi, claim_id); ``claim_lines`` gains
``provider_npi`` (filled from its claim) and refers to its claim by both columns.

Revision ID: 0008
Revises: 0010 (assigned "0005"; chained after main's 0005 → 0009 → 0006 → 0010 when rebased onto it)
Create Date: 2026-12-04 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("claim_lines", schema=None) as batch_op:
        batch_op.drop_constraint("fk_claim_lines_claim_id_claims", type_="foreignkey")
        batch_op.add_column(sa.Column("provider_npi", sa.String(length=10), nullable=True))
    op.execute(
        "UPDATE claim_lines SET provider_npi = "
        "(SELECT claims.provider_npi FROM claims WHERE claims.claim_id = claim_lines.claim_id)"
    )
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_constraint("pk_claims", type_="primary")
        batch_op.create_primary_key("pk_claims", ["provider_npi", "claim_id"])
    with op.batch_alter_table("claim_lines", schema=None) as batch_op:
        batch_op.alter_column("provider_npi", existing_type=sa.String(length=10), nullable=False)
        batch_op.drop_constraint("pk_claim_lines", type_="primary")
        batch_op.create_primary_key("pk_claim_lines", ["provider_npi", "claim_id", "line"])
        batch_op.create_foreign_key(
            op.f("fk_claim_lines_provider_npi_claims"),
            "claims",
            ["provider_npi", "claim_id"],
            ["provider_npi", "claim_id"],
        )


def downgrade() -> None:
    # Only possible while no claim ID is used by two providers (the old key is the ID alone).
    with op.batch_alter_table("claim_lines", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("fk_claim_lines_provider_npi_claims"), type_="foreignkey")
        batch_op.drop_constraint("pk_claim_lines", type_="primary")
        batch_op.create_primary_key("pk_claim_lines", ["claim_id", "line"])
        batch_op.drop_column("provider_npi")
    with op.batch_alter_table("claims", schema=None) as batch_op:
        batch_op.drop_constraint("pk_claims", type_="primary")
        batch_op.create_primary_key("pk_claims", ["claim_id"])
    with op.batch_alter_table("claim_lines", schema=None) as batch_op:
        batch_op.create_foreign_key(
            "fk_claim_lines_claim_id_claims", "claims", ["claim_id"], ["claim_id"]
        )
