"""A commune contact's id is never given again (issue 21, review): on SQLite, the embedded
default, `commune_contacts` gets AUTOINCREMENT.

Without it SQLite hands a removed row's id to the next row added, so a Remove or Edit button
left open in another tab acted on another person: remove contact A (#1), add B (#1 again),
submit the old "remove #1", and B was gone. PostgreSQL's sequence never gives an id twice and
is left as it is. The table is copied into its new form with its rows, ids and index, and
its counter starts above every id given before (see `upgrade`).

Revision ID: 2026_12_06_0021
Revises: 2026_12_06_0020
Create Date: 2026-12-06
"""

import sqlalchemy as sa
from alembic import op

revision = "2026_12_06_0021"
down_revision = "2026_12_06_0020"
branch_labels = None
depends_on = None


def _autoincrement(on: bool) -> None:
    with op.batch_alter_table(
        "commune_contacts", recreate="always", table_kwargs={"sqlite_autoincrement": on}
    ):
        pass


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name != "sqlite":
        return
    _autoincrement(True)
    # Counting on from the highest id kept would give again the ids of the last contacts
    # removed before this upgrade, which a button left open may still name. Every id given so
    # far was the highest plus one, so none was above the number of contacts ever added: the
    # count of the page's "add:" audit rows.
    added = bind.execute(
        sa.text(
            "SELECT count(*) FROM audit_log WHERE action = 'commune.page' AND detail LIKE 'add:%'"
        )
    ).scalar_one()
    top = bind.execute(sa.text("SELECT coalesce(max(id), 0) FROM commune_contacts")).scalar_one()
    bind.execute(sa.text("DELETE FROM sqlite_sequence WHERE name = 'commune_contacts'"))
    bind.execute(
        sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('commune_contacts', :seq)"),
        {"seq": max(int(added), int(top))},
    )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _autoincrement(False)
