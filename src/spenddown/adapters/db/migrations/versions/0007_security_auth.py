"""security: sliding-window lockout, token expiry and county scope, caller address

Revision ID: 0007
Revises: 0012 (chained after main's head at the rebase; assigned: 0005)
Create Date: 2026-12-04 15:45:00

Tokens made before this revision keep ``expires_at`` NULL (no expiry) and a county token's
``county_code`` NULL (statewide): revoke and re-create them to get both (docs/operations.md).
The old lockout counters (``providers.failed_attempts``/``locked_until``,
``members.failed_lookups``/``locked_until``) are no longer read; they stay for a downgrade.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "auth_attempts",
        sa.Column("seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.Column("subject", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.CheckConstraint("kind IN ('npi', 'member')", name=op.f("ck_auth_attempts_kind_known")),
        sa.CheckConstraint(
            "outcome IN ('failure', 'pending', 'success', 'cleared')",
            name=op.f("ck_auth_attempts_outcome_known"),
        ),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_auth_attempts")),
    )
    with op.batch_alter_table("auth_attempts", schema=None) as batch_op:
        batch_op.create_index("ix_auth_attempts_address", ["address", "at"], unique=False)
        batch_op.create_index("ix_auth_attempts_at", ["at"], unique=False)
        batch_op.create_index("ix_auth_attempts_subject", ["kind", "subject", "at"], unique=False)
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("county_code", sa.String(length=2), nullable=True))
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.add_column(sa.Column("address", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.drop_column("address")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_column("county_code")
        batch_op.drop_column("expires_at")
    with op.batch_alter_table("auth_attempts", schema=None) as batch_op:
        batch_op.drop_index("ix_auth_attempts_subject")
        batch_op.drop_index("ix_auth_attempts_at")
        batch_op.drop_index("ix_auth_attempts_address")
    op.drop_table("auth_attempts")
