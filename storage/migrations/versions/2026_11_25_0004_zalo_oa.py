"""Zalo Official Account: the OAuth tokens and each user's last interaction.

Revision ID: 2026_11_25_0004
Revises: 2026_11_25_0003
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_11_25_0004"
down_revision = "2026_11_25_0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "zalo_oa_tokens",
        sa.Column("app_id", sa.String(32), primary_key=True),
        sa.Column("tokens_sealed", sa.Text, nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("seed_digest", sa.String(64), nullable=False, server_default=""),
        sa.Column("refreshes", sa.Integer, nullable=False, server_default="0"),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "zalo_oa_interactions",
        sa.Column("app_id", sa.String(32), primary_key=True),
        sa.Column("user_id", sa.String(64), primary_key=True),
        sa.Column("last_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("zalo_oa_interactions")
    op.drop_table("zalo_oa_tokens")
