"""An in-memory `MovementFigures` (handlers/movement/ports.py) for the report's use-case tests:
the figures a test sets for an area and a range of days, and every range asked for, so that a
test sees which days the report counted. Ranges nobody set count nothing."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from handlers.movement.ports import Figures
from handlers.movement.scope import Area


@dataclass
class MemoryMovementFigures:
    known: dict[tuple[Area, date, date], Figures] = field(default_factory=dict)
    asked: list[tuple[Area, date, date, datetime]] = field(default_factory=list)

    def set(self, area: Area, start: date, end: date, figures: Figures) -> None:
        self.known[(area, start, end)] = figures

    async def figures(self, area: Area, start: date, end: date, now: datetime) -> Figures:
        self.asked.append((area, start, end, now))
        return self.known.get((area, start, end), Figures())
