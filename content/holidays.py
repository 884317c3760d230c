"""Public holidays, from a data file plus any dates a deployment adds."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

import yaml

_PATH = Path(__file__).parent / "packs" / "holidays.yaml"
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Holiday:
    day: date
    name_vi: str
    name_en: str
    lunar: bool = False
    in_lieu: bool = False


def _name(entry: dict[str, Any], key: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise ValueError(f"holidays.yaml: {entry.get('date')}: {key} is missing")
    if unicodedata.normalize("NFC", value) != value:
        raise ValueError(f"holidays.yaml: {entry.get('date')}: {key} is not NFC")
    return value


def _flag(entry: dict[str, Any], key: str) -> bool:
    value = entry.get(key, False)
    if not isinstance(value, bool):
        raise ValueError(f"holidays.yaml: {entry['date']}: {key} must be true or false")
    return value


def _holiday(entry: Any) -> Holiday:
    day = entry.get("date") if isinstance(entry, dict) else None
    # YAML reads an unquoted 2026-01-01 as a date; a time of day would make it a datetime.
    if not isinstance(day, date) or isinstance(day, datetime):
        raise ValueError(f"holidays.yaml: entry without a YYYY-MM-DD date: {entry!r}")
    return Holiday(
        day=day,
        name_vi=_name(entry, "name_vi"),
        name_en=_name(entry, "name_en"),
        lunar=_flag(entry, "lunar"),
        in_lieu=_flag(entry, "in_lieu"),
    )


def parse_pack(text: str) -> tuple[Holiday, ...]:
    """The holidays of a pack, validated: version 1, dated entries named in both languages."""
    raw = yaml.safe_load(text)
    if not isinstance(raw, dict) or raw.get("version") != 1:
        raise ValueError("holidays.yaml: expected version: 1")
    found = tuple(_holiday(entry) for entry in raw.get("holidays") or [])
    days = [h.day for h in found]
    if len(set(days)) != len(days):
        raise ValueError("holidays.yaml: a date is listed twice")
    return found


@cache
def entries() -> tuple[Holiday, ...]:
    return parse_pack(_PATH.read_text(encoding="utf-8"))


def holidays(extra: Iterable[date] = ()) -> frozenset[date]:
    """Every known holiday plus `extra` (dates a deployment adds, e.g. from settings)."""
    return frozenset(h.day for h in entries()) | frozenset(extra)


def parse_dates(text: str) -> list[date]:
    """'2026-09-03, 2027-02-12' → two dates; empty entries are skipped."""
    found: list[date] = []
    for item in text.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            if not _ISO_DATE.fullmatch(item):
                raise ValueError
            found.append(date.fromisoformat(item))
        except ValueError:
            raise ValueError(
                f"holiday {item!r} is not a date written YYYY-MM-DD (e.g. 2026-09-03)"
            ) from None
    return found
