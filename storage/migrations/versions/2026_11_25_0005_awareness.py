"""Awareness: each resident's progress through topics and quizzes, and their subscriptions.

Revision ID: 2026_11_25_0005
Revises: 2026_11_25_0004
Create Date: 2026-11-25

A subscription is a row per opt-in; stopping sets `until`. At most one row per resident, kind
and commune is active (a partial unique index, which both PostgreSQL and SQLite support).
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_11_25_0005"
down_revision = "2026_11_25_0004"
branch_labels = None
depends_on = None

ACTIVE = sa.text("until IS NULL")


def upgrade() -> None:
    op.create_table(
        "awareness_progress",
        sa.Column(
            "resident_id",
            sa.String(36),
            sa.ForeignKey("residents.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("topic_id", sa.String(32), primary_key=True),
        sa.Column("cards_seen", sa.JSON, nullable=False),
        sa.Column("best_score", sa.Integer, nullable=True),
        sa.Column("quiz_total", sa.Integer, nullable=False, server_default="0"),
        sa.Column("last_score", sa.Integer, nullable=True),
        sa.Column("last_quiz_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "subscriptions",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "resident_id",
            sa.String(36),
            sa.ForeignKey("residents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("commune_code", sa.String(5), nullable=False, server_default=""),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
        sa.Column("until", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(kind = 'awareness' AND commune_code = '')"
            " OR (kind = 'alerts' AND length(commune_code) = 5)",
            name="ck_subscriptions_kind_commune",
        ),
        sa.CheckConstraint("until IS NULL OR until >= since", name="ck_subscriptions_until"),
    )
    op.create_index("ix_subscriptions_resident_id", "subscriptions", ["resident_id"])
    op.create_index(
        "uq_subscriptions_active",
        "subscriptions",
        ["resident_id", "kind", "commune_code"],
        unique=True,
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )
    op.create_index(
        "ix_subscriptions_active_by_commune",
        "subscriptions",
        ["kind", "commune_code"],
        sqlite_where=ACTIVE,
        postgresql_where=ACTIVE,
    )


def downgrade() -> None:
    op.drop_index("ix_subscriptions_active_by_commune", table_name="subscriptions")
    op.drop_index("uq_subscriptions_active", table_name="subscriptions")
    op.drop_index("ix_subscriptions_resident_id", table_name="subscriptions")
    op.drop_table("subscriptions")
    op.drop_table("awareness_progress")
