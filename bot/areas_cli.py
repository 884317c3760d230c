"""`binhyen areas search TEXT [--province P]`: a commune's 5-digit code, from its name.

For the operator who creates panel accounts (`binhyen admin create --commune CODE`) or reads
a tip's commune code. The search is the bot's own (content/area_search.py): names now and
before 2025, accents and case ignored. One line per commune, tab-free and aligned:

    00004  Phường Ba Đình  Thành phố Hà Nội
    00008  Phường Ngọc Hà  Thành phố Hà Nội  before 2025: Quận Ba Đình

Exit 0 with matches, 1 when nothing matches (the nearest names, if any, go to stderr; text
of punctuation only is such a search), 2 on a usage error (no text, an unknown --province).
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from content import area_search, areas
from content.area_search import Match, Near

PROG = "binhyen areas search"
EXIT_NOTHING = 1
EXIT_USAGE = 2


class UsageError(ValueError):
    """Bad arguments; the message is meant for the operator."""


def province_code(text: str) -> str | None:
    """The province asked for: a code (zeros optional) or a name matching one province."""
    if not text.strip():
        return None
    by_code = area_search.province_by_code(text)
    if by_code is not None:
        return by_code.code
    found = areas.find_provinces(text)
    if len(found) != 1:
        raise UsageError(f"--province {text!r} is not one province: give its 2-digit code")
    return found[0].code


def _table(rows: Sequence[tuple[str, ...]], out: TextIO) -> None:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row)]
        print("  ".join(cells).rstrip(), file=out)


def _match_row(match: Match) -> tuple[str, ...]:
    before = f"before 2025: {match.before.place}" if match.before else ""
    return (match.commune.code, match.commune.name, match.province, before)


def _near_row(near: Near) -> tuple[str, ...]:
    if isinstance(near.unit, areas.Commune):
        return (near.unit.code, near.unit.name, near.province, "")
    went = ", ".join(f"{c.code} {c.name}" for c in areas.communes_from(near.unit))
    return ("", near.unit.place, near.province, f"before 2025, now: {went}")


def run(text: str, province: str = "", out: TextIO | None = None) -> int:
    out = out or sys.stdout
    try:
        if not text.strip():
            raise UsageError("give a commune's name (or code) to search for")
        where = province_code(province)
    except UsageError as exc:
        print(f"{PROG}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    found = area_search.search(text, where)
    if found.matches:
        _table([_match_row(m) for m in found.matches], out)
        return 0
    shown = " ".join(text.split())[:80]
    print(f"{PROG}: no commune matches {shown!r}", file=sys.stderr)
    if found.nearest:
        print("nearest names:", file=sys.stderr)
        _table([_near_row(n) for n in found.nearest], sys.stderr)
    return EXIT_NOTHING
