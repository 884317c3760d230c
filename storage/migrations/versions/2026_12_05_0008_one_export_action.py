"""One spelling for the export audit action: `binhyen tips export` wrote "tips_export", the
panel "tips.export"; the rows the command wrote are renamed to the panel's spelling.

Revision ID: 2026_12_05_0008
Revises: 2026_11_25_0007
Create Date: 2026-12-05

The audit log is append-only (migration 0002's triggers). This one vocabulary change lifts the
UPDATE guard inside the migration's transaction and puts it back before it ends. Only the
command writes an export row without an actor id, which is how a downgrade finds its rows.
"""

from alembic import op

revision = "2026_12_05_0008"
down_revision = "2026_11_25_0007"
branch_labels = None
depends_on = None

OLD, NEW = "tips_export", "tips.export"
PG_TRIGGER = "audit_log_no_change"
SQLITE_TRIGGER = "audit_log_no_update"
SQLITE_TRIGGER_SQL = (
    f"CREATE TRIGGER {SQLITE_TRIGGER} BEFORE UPDATE ON audit_log "
    "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
)


def _rename(where: str, action: str) -> None:
    update = f"UPDATE audit_log SET action = '{action}' WHERE {where}"
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"ALTER TABLE audit_log DISABLE TRIGGER {PG_TRIGGER}")
        op.execute(update)
        op.execute(f"ALTER TABLE audit_log ENABLE TRIGGER {PG_TRIGGER}")
    else:
        op.execute(f"DROP TRIGGER {SQLITE_TRIGGER}")
        op.execute(update)
        op.execute(SQLITE_TRIGGER_SQL)


def upgrade() -> None:
    _rename(f"action = '{OLD}'", NEW)


def downgrade() -> None:
    _rename(f"action = '{NEW}' AND actor_id IS NULL", OLD)
