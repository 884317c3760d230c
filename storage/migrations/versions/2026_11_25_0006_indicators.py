"""Scam indicators: phone numbers, domains, URLs and bank accounts with their reports.

Revision ID: 2026_11_25_0006
Revises: 2026_11_25_0005
Create Date: 2026-11-25

One row per (kind, normalised value), which the scam check looks up by its unique index;
`indicator_tips` links the tips that reported an indicator (a tip counts once, a resident
once per indicator).
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_11_25_0006"
down_revision = "2026_11_25_0005"
branch_labels = None
depends_on = None

KINDS = ("phone", "domain", "url", "account")
STATUSES = ("reported", "confirmed", "rejected")
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


def upgrade() -> None:
    op.create_table(
        "indicators",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("value", sa.String(500), nullable=False),
        sa.Column("bank", sa.String(16), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False, server_default="reported"),
        sa.Column("source", sa.String(200), nullable=False, server_default=""),
        sa.Column("reports", sa.Integer, nullable=False, server_default="0"),
        sa.Column("first_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by", sa.String(64), nullable=False, server_default=""),
        sa.UniqueConstraint("kind", "value", name="uq_indicators_kind_value"),
        sa.CheckConstraint(_one_of("kind", KINDS), name="ck_indicators_kind"),
        sa.CheckConstraint(_one_of("status", STATUSES), name="ck_indicators_status"),
        sa.CheckConstraint("reports >= 0", name="ck_indicators_reports"),
        sa.CheckConstraint("kind = 'account' OR bank = ''", name="ck_indicators_bank"),
    )
    op.create_index("ix_indicators_status_last_seen", "indicators", ["status", "last_seen"])
    op.create_table(
        "indicator_tips",
        sa.Column(
            "indicator_id",
            BIG_ID,
            sa.ForeignKey("indicators.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "tip_id",
            sa.String(36),
            sa.ForeignKey("tips.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_indicator_tips_tip_id", "indicator_tips", ["tip_id"])


def downgrade() -> None:
    op.drop_index("ix_indicator_tips_tip_id", table_name="indicator_tips")
    op.drop_table("indicator_tips")
    op.drop_index("ix_indicators_status_last_seen", table_name="indicators")
    op.drop_table("indicators")
