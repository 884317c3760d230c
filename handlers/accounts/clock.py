"""The accounts' clock: every default "now" of the account use cases and of sign-in
(storage/admin_users/) reads `clock.now()`, so a test sets the time for all of them in one
place, as a TOTP code depends on it."""

from __future__ import annotations

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def now_or(given: datetime | None) -> datetime:
    return given or now()
