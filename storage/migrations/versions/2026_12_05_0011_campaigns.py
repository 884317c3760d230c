"""Campaigns (content/packs/campaigns): whether each runs in a commune or a province, who
turned it on or off; the scheduled sends claimed (a campaign message in a commune, an
officer's morning digest: once, whichever process claims it first); a broadcast names the
campaign it carries.

Revision ID: 2026_12_05_0011
Revises: 2026_12_05_0010
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_12_05_0011"
down_revision = "2026_12_05_0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "campaign_settings",
        sa.Column("campaign", sa.String(64), primary_key=True),
        sa.Column("scope", sa.String(8), primary_key=True),
        sa.Column("area_code", sa.String(5), primary_key=True),
        sa.Column("enabled", sa.Boolean, nullable=False),
        sa.Column(
            "set_by",
            sa.Integer,
            sa.ForeignKey("admin_users.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("scope IN ('commune', 'province')", name="ck_campaign_settings_scope"),
    )
    op.create_table(
        "scheduled_sends",
        sa.Column("sending_key", sa.String(160), primary_key=True),
        sa.Column("target", sa.String(16), primary_key=True),
        sa.Column(
            "broadcast_id",
            sa.String(36),
            sa.ForeignKey("broadcasts.id", ondelete="SET NULL"),
            nullable=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    with op.batch_alter_table("broadcasts") as batch:
        batch.add_column(sa.Column("campaign", sa.String(64), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("broadcasts") as batch:
        batch.drop_column("campaign")
    op.drop_table("scheduled_sends")
    op.drop_table("campaign_settings")
