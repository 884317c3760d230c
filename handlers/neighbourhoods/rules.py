"""Who may read and change a commune's neighbourhoods, and what a name and a code must be.

- A chief manages their own commune; a province admin every commune of their province.
- An officer reads the commune's list and its approval choice; a leader reads the list.
- Anyone else, and anyone about a commune outside their area, gets `NotFound`: whether a
  commune has neighbourhoods, or exists at all, is none of their business.

Names are compared without regard to case ("Tổ 5" and "tổ 5" are one neighbourhood), not
without regard to accents: "Thôn Đông" and "Thôn Động" are two villages."""

from __future__ import annotations

import re
from collections.abc import Iterable

from content.text import fold
from handlers.commune_lists import in_area, one_line
from handlers.errors import BadInput, Forbidden, NotFound
from handlers.neighbourhoods.ports import Leader, Neighbourhood
from handlers.people import AdminRole, Identity

MIN_NAME = 2
MAX_NAME = 100  # the column's length
MAX_CODE = 20
MANAGERS = frozenset({AdminRole.CHIEF, AdminRole.PROVINCE_ADMIN})
_DIGITS = re.compile(r"(\d+)")


def check_reads(actor: Identity, commune_code: str) -> None:
    """Every role reads its own area's list."""
    if not in_area(actor, commune_code):
        raise NotFound(detail="no such commune in your area")


def check_reads_setting(actor: Identity, commune_code: str) -> None:
    """The police read the approval choice; it is not the leaders' to know."""
    check_reads(actor, commune_code)
    if actor.role is AdminRole.LEADER:
        raise Forbidden(detail="leaders do not read the approval choice")


def check_manages(actor: Identity, commune_code: str) -> None:
    check_reads(actor, commune_code)
    if actor.role not in MANAGERS:
        raise Forbidden(detail="only a chief or a province admin changes neighbourhoods")


def checked_name(raw: str) -> str:
    """The name as kept: clean text with its runs of spaces made one."""
    name = one_line(raw)
    if not MIN_NAME <= len(name) <= MAX_NAME:
        raise BadInput(
            "neighbourhood_name",
            f"a name has {MIN_NAME}-{MAX_NAME} characters",
            min=MIN_NAME,
            max=MAX_NAME,
        )
    return name


def checked_code(raw: str) -> str:
    code = one_line(raw)
    if len(code) > MAX_CODE:
        raise BadInput("neighbourhood_code", f"a code has at most {MAX_CODE}", max=MAX_CODE)
    return code


def _natural(name: str) -> tuple[str | int, ...]:
    """ "Tổ 2" before "Tổ 10": the numbers in a name compare as numbers (the parts alternate
    text and digits, so each position holds one type)."""
    parts = _DIGITS.split(fold(name))
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


def by_name(found: Iterable[Neighbourhood]) -> list[Neighbourhood]:
    return sorted(found, key=lambda n: (_natural(n.name), n.name, n.id))


def by_username(found: Iterable[Leader]) -> list[Leader]:
    return sorted(found, key=lambda leader: leader.username)
