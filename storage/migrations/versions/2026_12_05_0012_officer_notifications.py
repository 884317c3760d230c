"""Officers' notification choices: for each panel account that linked a chat, whether it
wants a new urgent tip at once, a reporter's answer at once and the morning digest. No row
means all three (the default once linked).

Revision ID: 2026_12_05_0012
Revises: 2026_12_05_0011
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_12_05_0012"
down_revision = "2026_12_05_0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "officer_notification_prefs",
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("admin_users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("urgent_tips", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("answers", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("digest", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("officer_notification_prefs")
