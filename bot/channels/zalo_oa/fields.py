"""Lenient readers for the fields of Zalo's JSON: a value of the wrong type reads as empty, and
so does a forged string (issue 19)."""

from __future__ import annotations

import math
import re
from typing import Any

# No JSON encoder of real text writes a lone surrogate (which no database can store), and
# PostgreSQL refuses NUL in text: a string holding one is forged.
_FORGED = re.compile("[\x00\ud800-\udfff]")


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _str(value: Any) -> str:
    if isinstance(value, str):
        return "" if _FORGED.search(value) else value
    return str(value) if isinstance(value, int) and not isinstance(value, bool) else ""


def _number(value: Any) -> float | None:
    try:
        number = float(value) if isinstance(value, str | int | float) else math.nan
    except ValueError:
        return None
    return number if math.isfinite(number) else None
