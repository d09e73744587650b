"""inbound acknowledgments: the 999s and TA1s partners send back for spenddown's 271/835

Revision ID: 0009
Revises: 0005
Create Date: 2026-12-04 15:50:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "inbound_acknowledgments",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("provider_npi", sa.String(length=10), nullable=False),
        sa.Column("kind", sa.String(length=3), nullable=False),
        sa.Column("sender_id", sa.String(length=15), nullable=False),
        sa.Column("interchange_control", sa.String(length=9), nullable=False),
        sa.Column("acknowledged_control", sa.String(length=9), nullable=False),
        sa.Column("acknowledged_code", sa.String(length=2), nullable=False),
        sa.Column("status", sa.String(length=1), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.CheckConstraint(
            "kind IN ('999', '997', 'TA1')", name=op.f("ck_inbound_acknowledgments_kind_known")
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_inbound_acknowledgments")),
    )
    with op.batch_alter_table("inbound_acknowledgments", schema=None) as batch_op:
        batch_op.create_index(
            "ix_inbound_acknowledgments_control",
            ["sender_id", "acknowledged_control"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("inbound_acknowledgments", schema=None) as batch_op:
        batch_op.drop_index("ix_inbound_acknowledgments_control")
    op.drop_table("inbound_acknowledgments")
