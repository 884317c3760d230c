"""The accounts' clock: every default "now" of this package reads `clock.now()`, so a test can
set the time for all of its modules in one place."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)
