"""Broadcasts: neighbourhoods of a commune, the leaders who speak for them, a commune's choice
of approving leaders' notices, the broadcasts and the communes they address; a resident's
neighbourhood (a row of its own: SQLite cannot add a column with a foreign key's ON DELETE
in place); the outbox learns which broadcast a row belongs to, its priority, and two statuses
(opted out, cancelled).

Revision ID: 2026_12_05_0009
Revises: 2026_12_05_0008
Create Date: 2026-12-05

One outbox row per recipient, unique per broadcast and resident (a partial unique index), so
that queuing a broadcast twice, or again after a crash, adds no second message. Rows of a
broadcast have priority 1: they are claimed after every due row owed to one resident.
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "2026_12_05_0009"
down_revision = "2026_12_05_0008"
branch_labels = None
depends_on = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
PENDING = sa.text("status = 'pending'")
OF_A_BROADCAST = sa.text("broadcast_id IS NOT NULL")


def _user(name: str, ondelete: str) -> sa.Column[Any]:
    return sa.Column(
        name, sa.Integer, sa.ForeignKey("admin_users.id", ondelete=ondelete), nullable=True
    )


def upgrade() -> None:
    op.create_table(
        "neighbourhoods",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("commune_code", sa.String(5), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("code", sa.String(20), nullable=False, server_default=""),
        sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("commune_code", "name", name="uq_neighbourhoods_commune_name"),
        sa.CheckConstraint("length(commune_code) = 5", name="ck_neighbourhoods_commune"),
    )
    op.create_index("ix_neighbourhoods_commune_code", "neighbourhoods", ["commune_code"])
    op.create_table(
        "leader_neighbourhoods",
        sa.Column(
            "user_id",
            sa.Integer,
            sa.ForeignKey("admin_users.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "neighbourhood_id",
            sa.Integer,
            sa.ForeignKey("neighbourhoods.id", ondelete="CASCADE"),
            primary_key=True,
        ),
    )
    op.create_index(
        "ix_leader_neighbourhoods_neighbourhood_id", "leader_neighbourhoods", ["neighbourhood_id"]
    )
    op.create_table(
        "resident_neighbourhoods",
        sa.Column(
            "resident_id",
            sa.String(36),
            sa.ForeignKey("residents.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column(
            "neighbourhood_id",
            sa.Integer,
            sa.ForeignKey("neighbourhoods.id", ondelete="CASCADE"),
            nullable=False,
        ),
    )
    op.create_index(
        "ix_resident_neighbourhoods_neighbourhood_id",
        "resident_neighbourhoods",
        ["neighbourhood_id"],
    )
    op.create_table(
        "commune_settings",
        sa.Column("commune_code", sa.String(5), primary_key=True),
        sa.Column("leader_approval", sa.Boolean, nullable=False, server_default=sa.true()),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        _user("updated_by", "SET NULL"),
    )
    _broadcasts()
    _outbox()


def _broadcasts() -> None:
    op.create_table(
        "broadcasts",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("photo_ref", sa.String(200), nullable=False, server_default=""),
        sa.Column("photo_mime", sa.String(64), nullable=False, server_default=""),
        sa.Column("status", sa.String(16), nullable=False),
        _user("sender_id", "SET NULL"),
        sa.Column("sender_role", sa.String(16), nullable=False),
        sa.Column("province_code", sa.String(2), nullable=False),
        sa.Column("communes", sa.JSON, nullable=False),
        sa.Column("neighbourhoods", sa.JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _user("decided_by", "SET NULL"),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reject_reason", sa.Text, nullable=False, server_default=""),
        sa.Column("queued_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("recipients", sa.Integer, nullable=False, server_default="0"),
        sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("kind IN ('alert', 'awareness')", name="ck_broadcasts_kind"),
        sa.CheckConstraint(
            "status IN ('pending', 'rejected', 'sending', 'cancelled')",
            name="ck_broadcasts_status",
        ),
    )
    op.create_index("ix_broadcasts_sender_id", "broadcasts", ["sender_id"])
    op.create_index("ix_broadcasts_province_code", "broadcasts", ["province_code"])
    op.create_index("ix_broadcasts_created_at", "broadcasts", ["created_at"])
    op.create_index("ix_broadcasts_sender_created", "broadcasts", ["sender_id", "created_at"])
    op.create_table(
        "broadcast_communes",
        sa.Column(
            "broadcast_id",
            sa.String(36),
            sa.ForeignKey("broadcasts.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("commune_code", sa.String(5), primary_key=True),
    )
    op.create_index(
        "ix_broadcast_communes_commune_code", "broadcast_communes", ["commune_code"]
    )


def _outbox_columns(*, broadcasts: bool) -> list[sa.Column[Any] | sa.CheckConstraint]:
    """The outbox's columns as migration 0007 made them, with this migration's when
    `broadcasts`, and its status check (two more statuses for a broadcast's rows)."""
    statuses = ["pending", "sent", "failed", "unreachable"]
    columns: list[sa.Column[Any] | sa.CheckConstraint] = [
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column(
            "resident_id",
            sa.String(36),
            sa.ForeignKey("residents.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column(
            "tip_id", sa.String(36), sa.ForeignKey("tips.id", ondelete="CASCADE"), nullable=True
        ),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("payload", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False, server_default="pending"),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("channel", sa.String(16), nullable=False, server_default=""),
        sa.Column("last_error", sa.String(200), nullable=False, server_default=""),
    ]
    if broadcasts:
        statuses += ["opted_out", "cancelled"]
        columns += [_broadcast_id(), _priority()]
    listed = ", ".join(f"'{s}'" for s in statuses)
    return [*columns, sa.CheckConstraint(f"status IN ({listed})", name="ck_outbox_status")]


def _broadcast_id() -> sa.Column[Any]:
    return sa.Column(
        "broadcast_id",
        sa.String(36),
        sa.ForeignKey("broadcasts.id", ondelete="CASCADE"),
        nullable=True,
    )


def _priority() -> sa.Column[Any]:
    return sa.Column("priority", sa.SmallInteger, nullable=False, server_default="0")


OLD_COLUMNS = (
    "id, resident_id, tip_id, kind, payload, status, attempts, created_at, due_at, sent_at, "
    "channel, last_error"
)


def _rebuild_outbox(*, broadcasts: bool) -> None:
    """SQLite changes a check constraint only by building the table anew: a copy with the
    new shape, the rows, the old table dropped, the copy renamed, its indexes made again.
    Nothing references the outbox, so nothing else changes."""
    op.create_table("outbox_next", *_outbox_columns(broadcasts=broadcasts))
    op.execute(f"INSERT INTO outbox_next ({OLD_COLUMNS}) SELECT {OLD_COLUMNS} FROM outbox")
    op.drop_table("outbox")
    op.rename_table("outbox_next", "outbox")
    op.create_index("ix_outbox_pending_due", "outbox", ["due_at"], sqlite_where=PENDING)
    op.create_index("ix_outbox_resident", "outbox", ["resident_id", "status"])
    op.create_index("ix_outbox_tip_id", "outbox", ["tip_id"])


def _outbox() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_outbox(broadcasts=True)
    else:
        op.add_column("outbox", _broadcast_id())
        op.add_column("outbox", _priority())
        op.drop_constraint("ck_outbox_status", "outbox", type_="check")
        (check,) = [c for c in _outbox_columns(broadcasts=True) if isinstance(c, sa.CheckConstraint)]
        op.create_check_constraint("ck_outbox_status", "outbox", str(check.sqltext))
    op.create_index(
        "ix_outbox_pending_priority",
        "outbox",
        ["priority", "due_at"],
        postgresql_where=PENDING,
        sqlite_where=PENDING,
    )
    op.create_index(
        "uq_outbox_broadcast_resident",
        "outbox",
        ["broadcast_id", "resident_id"],
        unique=True,
        postgresql_where=OF_A_BROADCAST,
        sqlite_where=OF_A_BROADCAST,
    )


def downgrade() -> None:
    # A broadcast's rows and their two statuses go with the broadcasts.
    op.execute("DELETE FROM outbox WHERE broadcast_id IS NOT NULL")
    op.execute("DELETE FROM outbox WHERE status IN ('opted_out', 'cancelled')")
    op.drop_index("uq_outbox_broadcast_resident", table_name="outbox")
    op.drop_index("ix_outbox_pending_priority", table_name="outbox")
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_outbox(broadcasts=False)
    else:
        op.drop_constraint("ck_outbox_status", "outbox", type_="check")
        (check,) = [c for c in _outbox_columns(broadcasts=False) if isinstance(c, sa.CheckConstraint)]
        op.create_check_constraint("ck_outbox_status", "outbox", str(check.sqltext))
        op.drop_column("outbox", "priority")
        op.drop_column("outbox", "broadcast_id")
    op.drop_table("resident_neighbourhoods")
    op.drop_table("broadcast_communes")
    op.drop_table("broadcasts")
    op.drop_table("commune_settings")
    op.drop_table("leader_neighbourhoods")
    op.drop_table("neighbourhoods")
