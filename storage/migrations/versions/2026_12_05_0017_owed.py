"""Messages owed to a resident wait for them, and a turn's replies are owed durably
(issue 19).

- The outbox's status check gains `waiting`: a message the police owe a resident who cannot
  be reached now (blocked the bot, or a Zalo OA chat outside its 7-day window) waits for
  them to come back instead of ending `unreachable` (bot/outbox.py).
- `owed_replies`: the replies one turn of a chat produced, written in the turn's own
  transaction and deleted once sent, so that a process killed between its commit and its
  sends leaves them to be sent by another (bot/owed.py). Whom to and what are sealed
  (`sealed`); `event_ref` is a digest of the platform's event id, to find a redelivered
  event's replies; `sent` counts the replies that went out (one by one: a kill between a
  receipt and the menu after it sends the menu only); `due_at` is the sending process's
  lease.

- An inactive account's API tokens are revoked: deactivating now revokes them (issue 19),
  and tokens of accounts deactivated before it would otherwise come back with the account.

SQLite changes a check only by building the table anew, as migration 0016 does for the tips.

Revision ID: 2026_12_05_0017
Revises: 2026_12_05_0016
Create Date: 2026-12-05
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "2026_12_05_0017"
down_revision = "2026_12_05_0016"
branch_labels = None
depends_on = None

NAME = "ck_outbox_status"
OLD = "status IN ('pending', 'sent', 'failed', 'unreachable', 'opted_out', 'cancelled')"
NEW = (
    "status IN ('pending', 'sent', 'failed', 'unreachable', 'opted_out', 'cancelled', "
    "'waiting')"
)
BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _check(before: str, after: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(NAME, "outbox", type_="check")
        op.create_check_constraint(NAME, "outbox", after)
        return
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("rebuilding the outbox needs SQLite's foreign keys off")
    table = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'outbox'"
    ).scalar_one()
    others = [
        row[0]
        for row in bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'outbox'"
            " AND type IN ('index', 'trigger') AND sql IS NOT NULL"
        )
    ]
    found = f"CONSTRAINT {NAME} CHECK ({before})"
    if table.count(found) != 1:
        raise RuntimeError(f"the outbox's check {NAME} is not as the migrations left it")
    made = table.replace(found, f"CONSTRAINT {NAME} CHECK ({after})")
    made = re.sub(r"^CREATE TABLE \"?outbox\"?", "CREATE TABLE outbox_next", made)
    op.execute(made)
    op.execute("INSERT INTO outbox_next SELECT * FROM outbox")
    op.execute("DROP TABLE outbox")
    op.execute("ALTER TABLE outbox_next RENAME TO outbox")
    for sql in others:
        op.execute(sql)


def upgrade() -> None:
    _check(OLD, NEW)
    op.execute(
        sa.text(
            "UPDATE api_tokens SET revoked_at = CURRENT_TIMESTAMP WHERE revoked_at IS NULL "
            "AND user_id IN (SELECT id FROM admin_users WHERE NOT active)"
        )
    )
    op.create_table(
        "owed_replies",
        sa.Column("id", BIG_ID, primary_key=True, autoincrement=True),
        sa.Column("event_ref", sa.String(64), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("account", sa.String(64), nullable=False),
        sa.Column("sealed", sa.Text, nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("sent", sa.Integer, nullable=False, server_default="0"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_owed_replies_event", "owed_replies", ["event_ref"])
    op.create_index("ix_owed_replies_due", "owed_replies", ["due_at"])


def downgrade() -> None:
    op.drop_table("owed_replies")
    # A waiting message is still owed: it goes out (or ends unreachable) as before.
    op.execute("UPDATE outbox SET status = 'pending' WHERE status = 'waiting'")
    _check(NEW, OLD)
