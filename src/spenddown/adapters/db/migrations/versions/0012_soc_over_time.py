"""a Share of Cost over time: other coverage paid, receipts and credits, changes, notices

Revision ID: 0012
Revises: 0008 (assigned 0005; follows main's head after the rebase)
Create Date: 2026-12-04 16:00:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OLD_KINDS = "kind IN ('clearance', 'reversal', 'county_certification')"
NEW_KINDS = "kind IN ('clearance', 'reversal', 'county_certification', 'receipt', 'credit')"


def upgrade() -> None:
    with op.batch_alter_table("soc_entries", schema=None) as batch_op:
        batch_op.add_column(sa.Column("other_coverage_paid_cents", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("provider_name", sa.String(length=200), nullable=True))
        batch_op.add_column(sa.Column("change_id", sa.String(length=40), nullable=True))
        batch_op.drop_constraint(op.f("ck_soc_entries_kind_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_soc_entries_kind_known"), NEW_KINDS)
        batch_op.create_check_constraint(
            op.f("ck_soc_entries_coverage_below_charge"),
            "other_coverage_paid_cents IS NULL OR (other_coverage_paid_cents >= 0"
            " AND other_coverage_paid_cents < service_charge_cents)",
        )
        batch_op.create_check_constraint(
            op.f("ck_soc_entries_receipt_complete"),
            "kind <> 'receipt' OR (service_charge_cents > 0 AND provider_name IS NOT NULL"
            " AND service_date IS NOT NULL AND payment IS NOT NULL"
            " AND applied_cents <= service_charge_cents)",
        )
        batch_op.create_check_constraint(
            op.f("ck_soc_entries_credit_names_change"), "kind <> 'credit' OR change_id IS NOT NULL"
        )
    op.create_table(
        "soc_changes",
        sa.Column("change_id", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("budget_unit", sa.String(length=10), nullable=False),
        sa.Column("program", sa.String(length=10), nullable=False),
        sa.Column("old_amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("new_amount_cents", sa.BigInteger(), nullable=False),
        sa.Column("direction", sa.String(length=10), nullable=False),
        sa.Column("changed_on", sa.Date(), nullable=False),
        sa.Column("reported_on", sa.Date(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("effective_month", sa.String(length=7), nullable=False),
        sa.Column("timely", sa.Boolean(), nullable=False),
        sa.Column("correction", sa.Boolean(), nullable=False),
        sa.Column("excess", sa.String(length=16), nullable=True),
        sa.Column("excess_cents", sa.BigInteger(), nullable=False),
        sa.Column("months", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("notice_id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "direction IN ('increase', 'decrease')", name=op.f("ck_soc_changes_direction_known")
        ),
        sa.CheckConstraint(
            "status IN ('applied', 'held')", name=op.f("ck_soc_changes_status_known")
        ),
        sa.CheckConstraint("excess_cents >= 0", name=op.f("ck_soc_changes_excess_positive")),
        sa.PrimaryKeyConstraint("change_id", name=op.f("pk_soc_changes")),
    )
    with op.batch_alter_table("soc_changes", schema=None) as batch_op:
        batch_op.create_index("ix_soc_changes_unit", ["case_id", "budget_unit"], unique=False)
    op.create_table(
        "notices",
        sa.Column("notice_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("budget_unit", sa.String(length=10), nullable=False),
        sa.Column("change_id", sa.String(length=40), nullable=True),
        sa.Column("issued_on", sa.Date(), nullable=False),
        sa.Column("effective_month", sa.String(length=7), nullable=False),
        sa.Column("hearing_deadline", sa.Date(), nullable=False),
        sa.Column("content", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("notice_id", name=op.f("pk_notices")),
    )
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.create_index("ix_notices_case", ["case_id"], unique=False)
    op.create_table(
        "hearing_requests",
        sa.Column("notice_id", sa.String(length=40), nullable=False),
        sa.Column("requested_on", sa.Date(), nullable=False),
        sa.Column("aid_paid_pending", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["notice_id"],
            ["notices.notice_id"],
            name=op.f("fk_hearing_requests_notice_id_notices"),
        ),
        sa.PrimaryKeyConstraint("notice_id", name=op.f("pk_hearing_requests")),
    )
    op.create_table(
        "medicare_status",
        sa.Column("cin", sa.String(length=9), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("part_a", sa.Boolean(), nullable=False),
        sa.Column("part_b", sa.Boolean(), nullable=False),
        sa.Column("msp", sa.String(length=4), nullable=True),
        sa.CheckConstraint(
            "msp IS NULL OR msp IN ('qmb', 'slmb', 'qi')",
            name=op.f("ck_medicare_status_msp_known"),
        ),
        sa.PrimaryKeyConstraint("cin", "month", name=op.f("pk_medicare_status")),
    )
    op.create_table(
        "case_applications",
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("application_date", sa.Date(), nullable=False),
        sa.Column("aged_or_disabled", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases.case_id"], name=op.f("fk_case_applications_case_id_cases")
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_case_applications")),
    )
    op.create_table(
        "part_b_buy_ins",
        sa.Column(
            "seq",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("cin", sa.String(length=9), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("case_id", sa.String(length=40), nullable=False),
        sa.Column("budget_unit", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_part_b_buy_ins")),
        sa.UniqueConstraint("cin", "month", name="uq_part_b_buy_ins_member_month"),
    )


def downgrade() -> None:
    op.drop_table("part_b_buy_ins")
    op.drop_table("case_applications")
    op.drop_table("medicare_status")
    op.drop_table("hearing_requests")
    with op.batch_alter_table("notices", schema=None) as batch_op:
        batch_op.drop_index("ix_notices_case")
    op.drop_table("notices")
    with op.batch_alter_table("soc_changes", schema=None) as batch_op:
        batch_op.drop_index("ix_soc_changes_unit")
    op.drop_table("soc_changes")
    with op.batch_alter_table("soc_entries", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_soc_entries_credit_names_change"), type_="check")
        batch_op.drop_constraint(op.f("ck_soc_entries_receipt_complete"), type_="check")
        batch_op.drop_constraint(op.f("ck_soc_entries_coverage_below_charge"), type_="check")
        batch_op.drop_constraint(op.f("ck_soc_entries_kind_known"), type_="check")
        batch_op.create_check_constraint(op.f("ck_soc_entries_kind_known"), OLD_KINDS)
        batch_op.drop_column("change_id")
        batch_op.drop_column("provider_name")
        batch_op.drop_column("other_coverage_paid_cents")
