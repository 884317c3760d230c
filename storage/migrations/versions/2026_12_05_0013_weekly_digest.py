"""The weekly digest of scams (issue 15, "Scam of the week"): a subscription of kind
`weekly`, nationwide like awareness (commune_code ""), the province read from the resident's
profile when the digest is queued. Only the subscriptions' check constraint changes.

Revision ID: 2026_12_05_0013
Revises: 2026_12_05_0012
Create Date: 2026-12-05
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_12_05_0013"
down_revision = "2026_12_05_0012"
branch_labels = None
depends_on = None

ACTIVE = sa.text("until IS NULL")
CHECK = "ck_subscriptions_kind_commune"
BEFORE = (
    "(kind = 'awareness' AND commune_code = '') OR (kind = 'alerts' AND length(commune_code) = 5)"
)
AFTER = (
    "(kind IN ('awareness', 'weekly') AND commune_code = '')"
    " OR (kind = 'alerts' AND length(commune_code) = 5)"
)
COLUMNS = "id, resident_id, kind, commune_code, since, until"


def _rebuild(check: str) -> None:
    """SQLite changes a check constraint only by building the table anew (as 0009 does for
    the outbox): a copy with the new shape, the rows, the old table dropped, the copy renamed,
    its indexes made again. Nothing references the subscriptions."""
    op.create_table(
        "subscriptions_next",
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
        sa.CheckConstraint(check, name=CHECK),
        sa.CheckConstraint("until IS NULL OR until >= since", name="ck_subscriptions_until"),
    )
    op.execute(f"INSERT INTO subscriptions_next ({COLUMNS}) SELECT {COLUMNS} FROM subscriptions")
    op.drop_table("subscriptions")
    op.rename_table("subscriptions_next", "subscriptions")
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


def _change(check: str) -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild(check)
    else:
        op.drop_constraint(CHECK, "subscriptions", type_="check")
        op.create_check_constraint(CHECK, "subscriptions", check)


def upgrade() -> None:
    _change(AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM subscriptions WHERE kind = 'weekly'")
    _change(BEFORE)
