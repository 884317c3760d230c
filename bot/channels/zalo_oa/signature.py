"""The webhook's `X-ZEvent-Signature` and the body's timestamp: is it Zalo's, and is it fresh."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta
from typing import Any

STALE_AFTER = timedelta(hours=12)
AHEAD_AT_MOST = timedelta(minutes=10)


def signature(app_id: str, body: bytes, timestamp: str, secret: str) -> str:
    """The hex digest Zalo puts after "mac=": plain SHA-256 of the concatenation, no HMAC."""
    return hashlib.sha256(app_id.encode() + body + timestamp.encode() + secret.encode()).hexdigest()


def verify(header: str | None, app_id: str, body: bytes, timestamp: str, secret: str) -> bool:
    given = (header or "").strip()
    if given[:4].lower() == "mac=":
        given = given[4:]
    expected = signature(app_id, body, timestamp, secret)
    return bool(given) and hmac.compare_digest(given.lower().encode(), expected.encode())


def event_time(data: dict[str, Any]) -> datetime | None:
    """The body's timestamp (epoch milliseconds, as a string), or None."""
    try:
        value = int(str(data.get("timestamp", "")).strip())
    except ValueError:
        return None
    seconds = value / 1000 if value > 10**11 else value  # tolerate seconds
    try:
        return datetime.fromtimestamp(seconds, UTC)
    except (OverflowError, OSError, ValueError):
        return None


def is_fresh(at: datetime | None, now: datetime) -> bool:
    return at is not None and now - STALE_AFTER <= at <= now + AHEAD_AT_MOST
