"""A commune contact's id is never given again (issue 21, review): on SQLite, the embedded
default, `commune_contacts` gets AUTOINCREMENT.

Without it SQLite hands a removed row's id to the next row added, so a Remove or Edit button
left open in another tab acted on another person: remove contact A (#1), add B (#1 again),
submit the old "remove #1", and B was gone. PostgreSQL's sequence never gives an id twice and
is left as it is. The table is copied into its new form with its rows, ids and index.

Revision ID: 2026_12_06_0021
Revises: 2026_12_06_0020
Create Date: 2026-12-06
"""

from alembic import op

revision = "2026_12_06_0021"
down_revision = "2026_12_06_0020"
branch_labels = None
depends_on = None


def _autoincrement(on: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    with op.batch_alter_table(
        "commune_contacts", recreate="always", table_kwargs={"sqlite_autoincrement": on}
    ):
        pass


def upgrade() -> None:
    _autoincrement(True)


def downgrade() -> None:
    _autoincrement(False)
