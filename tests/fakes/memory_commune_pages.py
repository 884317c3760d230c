"""The communes' own pages on the in-memory unit of work (handlers/ports.py `commune_pages`),
as storage/commune_page.py reads them: written by the panel (a test sets
MemoryDatabase.commune_pages), only read by residents."""

from __future__ import annotations

from handlers.commune_page import PublicPage, UnitPage, in_order
from tests.fakes.memory_db import MemoryDatabase


class MemoryCommunePages:
    def __init__(self, db: MemoryDatabase) -> None:
        self.db = db

    async def public(self, commune_code: str) -> PublicPage:
        found = self.db.commune_pages.get(commune_code)
        if found is None:
            return PublicPage(UnitPage(commune_code))
        return PublicPage(found.page, in_order(found.contacts))
