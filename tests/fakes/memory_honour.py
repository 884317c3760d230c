"""The 19/8 honour list on the in-memory unit of work (handlers/ports.py `Honour`), as
storage/honour.py's SqlHonour keeps it: one sealed name per thanked tip."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from handlers.deadlines import local_date
from handlers.honour_year import list_year
from handlers.ports import HeldHonour, HonourStanding
from storage.honour import FIELD
from storage.sealing import Sealer, SealError
from tests.fakes.memory_db import StoredHonour, Tx


class MemoryHonour:
    def __init__(self, tx: Tx, sealer: Sealer) -> None:
        self.tx = tx
        self._sealer = sealer

    async def standing(self, tip_id: str) -> HonourStanding:
        tip = self.tx.tips.get(tip_id)
        thanked = tip is not None and tip.thanked_at is not None
        return HonourStanding(thanked=thanked, named=self.tx.honour.get(tip_id) is not None)

    async def name(self, tip_id: str, name: str, now: datetime) -> bool:
        tip = self.tx.tips.get(tip_id)
        if tip is None or tip.thanked_at is None:
            return False
        sealed = self._sealer.seal({FIELD: name})
        kept = self.tx.honour.get(tip_id)  # a corrected name keeps its place, as in SQL
        given = kept.opted_in_at if kept is not None else now
        self.tx.honour.put(tip_id, StoredHonour(tip_id, tip.commune_code, sealed, given))
        return True

    async def withdraw(self, tip_id: str) -> bool:
        return self.tx.honour.delete(tip_id)

    async def given(self, tip_ids: Sequence[str]) -> list[HeldHonour]:
        held = []
        for entry in sorted(self.tx.honour.all(), key=lambda e: e.opted_in_at):
            if entry.tip_id not in tip_ids:
                continue
            try:
                name = self._sealer.open(entry.name_sealed)[FIELD]
            except SealError:
                continue
            year = list_year(local_date(entry.opted_in_at))
            held.append(HeldHonour(entry.tip_id, name, year, entry.opted_in_at))
        return held
