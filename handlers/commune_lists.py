"""What a commune's named lists share: its neighbourhoods (handlers/neighbourhoods/), its
mediation teams (handlers/casework/mediation_teams.py) and its public page
(handlers/commune_page.py).

- Whose area a commune is: a province admin's if it is of their province, anyone else's if it
  is their own commune. The police of the area read a commune's list; only its own chief
  changes it.
- A typed line is kept as clean text with its runs of spaces made one.
- Two entries of one commune never share a name, case aside ("Tổ 5" and "tổ 5" are one);
  accents count ("Thôn Đông" and "Thôn Động" are two)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Protocol, TypeVar

from content import areas
from content.text import clean
from handlers.errors import Conflict, Forbidden, NotFound
from handlers.people import AdminRole, Identity


class Named(Protocol):
    """An entry of a commune's list: its id and its name."""

    @property
    def id(self) -> int: ...

    @property
    def name(self) -> str: ...


E = TypeVar("E", bound=Named)


def in_area(actor: Identity, commune_code: str) -> bool:
    if actor.role is AdminRole.PROVINCE_ADMIN:
        commune = areas.commune(commune_code)
        return commune is not None and commune.province_code == actor.province_code
    return bool(commune_code) and commune_code == actor.commune_code


# Who reads a commune's mediation teams and its page: its officers and chief, the province.
READERS = frozenset({AdminRole.OFFICER, AdminRole.CHIEF, AdminRole.PROVINCE_ADMIN})


def check_reads(actor: Identity, commune_code: str, what: str) -> None:
    """Forbidden to anyone but the police; NotFound for a commune outside their area."""
    if actor.role not in READERS:
        raise Forbidden(detail=f"only the police read {what}")
    if not in_area(actor, commune_code):
        raise NotFound(detail="no such commune in your area")


def is_chief_of(actor: Identity, commune_code: str) -> bool:
    """Whether the actor is the commune's own chief, who alone changes its lists."""
    return (
        actor.role is AdminRole.CHIEF
        and bool(commune_code)
        and (commune_code == actor.commune_code)
    )


def one_line(raw: str) -> str:
    """The text as kept: clean, on one line, its runs of spaces made one."""
    return " ".join(clean(raw).split())


def same_name(one: str, other: str) -> bool:
    return one.casefold() == other.casefold()


def check_free(
    kept: Iterable[E],
    name: str,
    taken: Callable[[E], str],
    detail: str,
    *,
    but: int | None = None,
) -> None:
    """Conflict when an entry of `kept` other than `but` has that name; its code is
    `taken(that entry)`, its params the name as kept."""
    for other in kept:
        if other.id != but and same_name(other.name, name):
            raise Conflict(taken(other), detail, name=other.name)
