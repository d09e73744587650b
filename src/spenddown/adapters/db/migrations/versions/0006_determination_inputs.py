"""determination inputs of a SOC set from a determination (population what-if)

Revision ID: 0006
Revises: 0009 (0005 on the det branch; main had 0009 → 0005 when rebased)
Create Date: 2026-12-04 15:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "determination_inputs",
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("budget_unit", sa.String(length=10), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("program", sa.String(length=20), nullable=False),
        sa.Column("soc_cents", sa.BigInteger(), nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("soc_cents >= 0", name=op.f("ck_determination_inputs_soc_not_negative")),
        sa.ForeignKeyConstraint(
            ["case_id", "budget_unit"],
            ["budget_units.case_id", "budget_units.budget_unit"],
            name=op.f("fk_determination_inputs_case_id_budget_units"),
        ),
        sa.PrimaryKeyConstraint(
            "case_id", "budget_unit", "month", name=op.f("pk_determination_inputs")
        ),
    )
    with op.batch_alter_table("determination_inputs", schema=None) as batch_op:
        batch_op.create_index("ix_determination_inputs_month", ["month"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("determination_inputs", schema=None) as batch_op:
        batch_op.drop_index("ix_determination_inputs_month")
    op.drop_table("determination_inputs")
