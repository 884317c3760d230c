"""What the neighbourhood use cases need from storage, and the plain data they pass through
it. storage/neighbourhoods.py is the SQL store, tests/fakes/memory_neighbourhoods.py the
in-memory one; tests/integration/test_neighbourhoods_contract.py holds both to one contract.

The store answers in no particular order: the use cases sort what people read (rules.py), so
that PostgreSQL's and SQLite's collations never decide which neighbourhood comes first."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from handlers.audit import AuditAction
from handlers.people import AdminRole, Identity


@dataclass(frozen=True)
class Neighbourhood:
    """A neighbourhood as the people who keep the list see it, retired ones included (a
    retired one is offered to nobody, and nothing addresses it)."""

    id: int
    commune_code: str
    name: str
    code: str = ""
    active: bool = True


@dataclass(frozen=True)
class Member:
    """A panel account of a commune, whatever its role, as binding a leader checks it."""

    id: int
    username: str
    role: AdminRole
    active: bool
    display_name: str = ""


@dataclass(frozen=True)
class Leader:
    """An active leader account of a commune and the neighbourhoods it speaks for, by id
    (none: the whole commune, handlers/broadcasts/area.py)."""

    id: int
    username: str
    display_name: str = ""
    neighbourhoods: frozenset[int] = frozenset()


class NeighbourhoodStore(Protocol):
    async def lock(self, commune_code: str) -> None:
        """Hold the commune's neighbourhoods, leaders' neighbourhoods and approval choice until
        the unit of work ends, so that two changes of one commune check and write one after
        the other (two chiefs adding "Tổ 5" and "tổ 5" at once get one of them)."""
        ...

    async def neighbourhoods(self, commune_code: str) -> list[Neighbourhood]:
        """Every neighbourhood of the commune, active and retired."""
        ...

    async def neighbourhood(self, neighbourhood_id: int) -> Neighbourhood | None: ...

    async def add(
        self, commune_code: str, name: str, code: str, now: datetime
    ) -> Neighbourhood | None:
        """A new active neighbourhood; None when the commune has one of exactly that name."""
        ...

    async def rename(self, neighbourhood_id: int, name: str, code: str) -> bool:
        """Give it a new name and code; False when the commune has another of that name."""
        ...

    async def retire(self, neighbourhood_id: int) -> None:
        """Make it inactive, and unbind every leader and resident from it."""
        ...

    async def restore(self, neighbourhood_id: int) -> None:
        """Make it active again (with nobody bound to it)."""
        ...

    async def leaders(self, commune_code: str) -> list[Leader]:
        """The active leader accounts of the commune, each with its neighbourhoods."""
        ...

    async def member(self, commune_code: str, user_id: int) -> Member | None:
        """The account if it belongs to the commune (a province admin belongs to none)."""
        ...

    async def bind(self, user_id: int, neighbourhood_ids: frozenset[int]) -> None:
        """Make these the neighbourhoods the account speaks for, and no others."""
        ...

    async def approval(self, commune_code: str) -> bool:
        """Whether the commune's police approve its leaders' notices (the default: yes)."""
        ...

    async def set_approval(
        self, commune_code: str, required: bool, by: int, now: datetime
    ) -> None: ...

    async def audit(
        self,
        actor: Identity,
        action: AuditAction,
        *,
        subject: str,
        detail: str = "",
        ip: str = "",
        now: datetime,
    ) -> None: ...
