"""Scam checks counted per commune, Vietnam day and verdict level (handlers/ports.py
`ScamChecks`; the movement's reports read them, storage/movement.py).

A check adds one to its row with one statement in the turn's own transaction: INSERT … ON
CONFLICT DO UPDATE SET checks = checks + 1, atomic on PostgreSQL and SQLite alike, so that
two residents checking at once both count. The statement is marked `TALLY`: a count is not
a change the resident's replies depend on (storage/uow.py does not make the turn's replies
owed for it), so a check still costs no journal write. A check handled again after a crash
between its commit and its replies is counted again, as it was run again."""

from __future__ import annotations

from datetime import date
from typing import cast

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.dml import Insert

from storage.models import ScamCheckCount

COUNTS = cast(Table, ScamCheckCount.__table__)
KEY = ("commune_code", "day", "outcome")
# An execution option: the statement counts, it does not change what a resident has stored.
TALLY = "binhyen.tally"


def adding_one(session: AsyncSession, table: Table, key: tuple[str, ...], column: str) -> Insert:
    """INSERT … ON CONFLICT (key) DO UPDATE SET column = column + 1, in the session's
    dialect; the caller gives the row's values with `column` at 1."""
    insert = (
        postgresql.insert(table)
        if session.get_bind().dialect.name == "postgresql"
        else sqlite.insert(table)
    )
    return insert.on_conflict_do_update(
        index_elements=list(key), set_={column: table.c[column] + 1}
    )


class SqlScamChecks:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def count(self, commune_code: str, day: date, outcome: str) -> None:
        statement = adding_one(self.session, COUNTS, KEY, "checks").values(
            commune_code=commune_code, day=day, outcome=outcome, checks=1
        )
        await self.session.execute(statement, execution_options={TALLY: True})
