"""Retention may empty a named tip's contact details (issue 18).

`ck_tips_contact_when_named` (migration 0003) held a named tip to always keep its sealed
contact details. Retention (storage/retention.py) removes them from a tip closed longer ago
than BINHYEN_RETENTION_CLOSED_TIP_DAYS and records when in `personal_data_purged_at`
(migration 0015); the check now allows that: anonymous, or contact details, or purged.

PostgreSQL alters the constraint. SQLite changes a check only by building the table anew, as
migration 0014 does: the same CREATE TABLE with the new check, the rows copied, the old table
dropped, the copy renamed, the indexes and triggers made again from their own SQL (the
migrations' connection has SQLite's foreign keys off, so no child row is touched).

A downgrade puts the old check back only while no named tip has been purged: their contact
details are gone for good, and the old check would refuse those rows.

Revision ID: 2026_12_05_0016
Revises: 2026_12_05_0015
Create Date: 2026-12-05
"""

import re

import sqlalchemy as sa
from alembic import op

revision = "2026_12_05_0016"
down_revision = "2026_12_05_0015"
branch_labels = None
depends_on = None

NAME = "ck_tips_contact_when_named"
OLD = "anonymous OR contact_sealed <> ''"
NEW = "anonymous OR contact_sealed <> '' OR personal_data_purged_at IS NOT NULL"


def _check(before: str, after: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        op.drop_constraint(NAME, "tips", type_="check")
        op.create_check_constraint(NAME, "tips", after)
        return
    if bind.exec_driver_sql("PRAGMA foreign_keys").scalar():
        raise RuntimeError("rebuilding tips needs SQLite's foreign keys off")
    table = bind.exec_driver_sql(
        "SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'tips'"
    ).scalar_one()
    others = [
        row[0]
        for row in bind.exec_driver_sql(
            "SELECT sql FROM sqlite_master WHERE tbl_name = 'tips' AND type IN ('index', 'trigger')"
            " AND sql IS NOT NULL"
        )
    ]
    found = f"CONSTRAINT {NAME} CHECK ({before})"
    if table.count(found) != 1:
        raise RuntimeError(f"the tips' check {NAME} is not as the migrations left it")
    made = table.replace(found, f"CONSTRAINT {NAME} CHECK ({after})")
    made = re.sub(r"^CREATE TABLE \"?tips\"?", "CREATE TABLE tips_next", made)
    op.execute(made)
    op.execute("INSERT INTO tips_next SELECT * FROM tips")
    op.execute("DROP TABLE tips")
    op.execute("ALTER TABLE tips_next RENAME TO tips")
    for sql in others:
        op.execute(sql)


def upgrade() -> None:
    _check(OLD, NEW)


def downgrade() -> None:
    purged = op.get_bind().execute(
        sa.text(
            "SELECT count(*) FROM tips WHERE NOT anonymous AND contact_sealed = '' "
            "AND personal_data_purged_at IS NOT NULL"
        )
    )
    if purged.scalar_one():
        raise RuntimeError(
            "named tips whose contact details retention removed cannot go back to a schema "
            "that requires them"
        )
    _check(NEW, OLD)
