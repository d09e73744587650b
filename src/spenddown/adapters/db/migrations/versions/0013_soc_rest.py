"""a clearance's service type and the date it counts on (22 CCR 50657)

Revision ID: 0013
Revises: 0007 (assigned; the coordinator chains it at the merge)
Create Date: 2026-12-04 18:30:00

Entries written before this revision keep ``service_type`` and ``counted_date`` NULL: they
counted on their date of service (docs/rules.md §9.1).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("soc_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("service_type", sa.String(length=10), nullable=True))
        batch_op.add_column(sa.Column("counted_date", sa.Date(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_soc_entries_service_type_known"),
            "service_type IS NULL OR service_type IN ('drug', 'appliance', 'global', 'other')",
        )


def downgrade() -> None:
    with op.batch_alter_table("soc_entries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_soc_entries_service_type_known"), type_="check")
        batch_op.drop_column("counted_date")
        batch_op.drop_column("service_type")
