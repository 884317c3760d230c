"""Leaders' chats: the one-time codes that link a chat to a leader's account (a keyed hash
each, valid 15 minutes, used once) and the link itself, one chat per leader and one leader per
chat.

Revision ID: 2026_12_05_0010
Revises: 2026_12_05_0009
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_12_05_0010"
down_revision = "2026_12_05_0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "leader_chat_codes",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("admin_users.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("code_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
    )
    op.create_index("ix_leader_chat_codes_user_id", "leader_chat_codes", ["user_id"])
    op.create_table(
        "leader_chats",
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("admin_users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "resident_id",
            sa.String(36),
            sa.ForeignKey("residents.id", ondelete="CASCADE"),
            nullable=False,
            unique=True,
        ),
        sa.Column("linked_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("leader_chats")
    op.drop_index("ix_leader_chat_codes_user_id", table_name="leader_chat_codes")
    op.drop_table("leader_chat_codes")
