"""web credentials in the database: the pages' sessions shared by every process and host

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-05 07:40:00

Before this revision the credentials behind a web session lived in the memory of the one server
process (sessions ended with it); after it, visitors signed in before the upgrade sign in again.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_credentials",
        sa.Column("credential_hash", sa.String(length=64), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("credential_hash", name=op.f("pk_web_credentials")),
    )
    with op.batch_alter_table("web_credentials", schema=None) as batch_op:
        batch_op.create_index("ix_web_credentials_expires_at", ["expires_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("web_credentials", schema=None) as batch_op:
        batch_op.drop_index("ix_web_credentials_expires_at")
    op.drop_table("web_credentials")
