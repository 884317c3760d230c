"""Residents and their channel identities.

Revision ID: 2026_11_25_0001
Revises:
Create Date: 2026-11-25
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_11_25_0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "residents",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("lang", sa.String(8), nullable=False, server_default=""),
        sa.Column("province_code", sa.String(2), nullable=False, server_default=""),
        sa.Column("commune_code", sa.String(5), nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
    )
    op.create_index("ix_residents_commune_code", "residents", ["commune_code"])
    op.create_table(
        "channel_identities",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("platform_user_id", sa.String(128), nullable=False),
        sa.Column(
            "resident_id",
            sa.String(36),
            sa.ForeignKey("residents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("reachable", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()),
        sa.UniqueConstraint("channel", "account", "platform_user_id", name="uq_channel_identity"),
    )
    op.create_index("ix_channel_identities_resident_id", "channel_identities", ["resident_id"])


def downgrade() -> None:
    op.drop_table("channel_identities")
    op.drop_table("residents")
