"""Scam checks counted on the in-memory unit of work (handlers/ports.py `ScamChecks`), as
storage/scam_checks.py counts them: one more per check, seen by others once committed."""

from __future__ import annotations

from datetime import date

from tests.fakes.memory_db import Tx


class MemoryScamChecks:
    def __init__(self, tx: Tx) -> None:
        self.tx = tx

    async def count(self, commune_code: str, day: date, outcome: str) -> None:
        self.tx.tallies[(commune_code, day, outcome)] += 1
