"""An in-memory `NeighbourhoodStore` (handlers/neighbourhoods/ports.py) for the neighbourhood
use cases' tests, held to the SQL store's contract by
tests/integration/test_neighbourhoods_contract.py.

`MemoryNeighbourhoods` keeps what is committed: neighbourhoods, the commune's accounts, which
leaders and residents are bound to which neighbourhood, the communes' approval choice and the
audit rows. A `MemoryNeighbourhoodStore` is one unit of work on a copy of it: its writes are
seen by itself at once and by others after `commit()`; `changed()` tells whether it wrote
anything, so a test sees that a refusal left nothing behind.
"""

from __future__ import annotations

import copy
import itertools
from dataclasses import dataclass, field, replace
from datetime import datetime

from handlers.audit import AuditAction
from handlers.neighbourhoods.ports import Leader, Member, Neighbourhood
from handlers.people import AdminRole, Identity


@dataclass(frozen=True)
class Account:
    identity: Identity
    active: bool = True


@dataclass(frozen=True)
class Audited:
    action: AuditAction
    actor: str
    subject: str
    detail: str = ""
    ip: str = ""


@dataclass
class State:
    neighbourhoods: dict[int, Neighbourhood] = field(default_factory=dict)
    leaders: dict[int, set[int]] = field(default_factory=dict)  # user id -> neighbourhoods
    residents: dict[str, int] = field(default_factory=dict)  # resident id -> neighbourhood
    approval: dict[str, bool] = field(default_factory=dict)
    audits: list[Audited] = field(default_factory=list)


@dataclass
class MemoryNeighbourhoods:
    state: State = field(default_factory=State)
    accounts: dict[int, Account] = field(default_factory=dict)
    ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def account(
        self,
        role: AdminRole,
        commune: str,
        province: str = "01",
        *,
        active: bool = True,
        display_name: str = "",
    ) -> Identity:
        n = next(self.ids)
        local = "" if role is AdminRole.PROVINCE_ADMIN else commune
        identity = Identity(n, f"{role.value}{n}", role, local, province, display_name)
        self.accounts[n] = Account(identity, active)
        return identity

    def neighbourhood(
        self, commune: str, name: str, code: str = "", *, active: bool = True
    ) -> Neighbourhood:
        found = Neighbourhood(next(self.ids), commune, name, code, active)
        self.state.neighbourhoods[found.id] = found
        return found

    def store(self) -> MemoryNeighbourhoodStore:
        return MemoryNeighbourhoodStore(self)


class MemoryNeighbourhoodStore:
    def __init__(self, data: MemoryNeighbourhoods) -> None:
        self.data = data
        self.work = copy.deepcopy(data.state)
        self.locked: list[str] = []

    async def lock(self, commune_code: str) -> None:
        self.locked.append(commune_code)

    async def neighbourhoods(self, commune_code: str) -> list[Neighbourhood]:
        return [n for n in self.work.neighbourhoods.values() if n.commune_code == commune_code]

    async def neighbourhood(self, neighbourhood_id: int) -> Neighbourhood | None:
        return self.work.neighbourhoods.get(neighbourhood_id)

    def _taken(self, commune_code: str, name: str, but: int | None = None) -> bool:
        return any(
            n.commune_code == commune_code and n.name == name and n.id != but
            for n in self.work.neighbourhoods.values()
        )

    async def add(
        self, commune_code: str, name: str, code: str, now: datetime
    ) -> Neighbourhood | None:
        if self._taken(commune_code, name):  # the unique constraint: exact names only
            return None
        made = Neighbourhood(next(self.data.ids), commune_code, name, code)
        self.work.neighbourhoods[made.id] = made
        return made

    async def rename(self, neighbourhood_id: int, name: str, code: str) -> bool:
        found = self.work.neighbourhoods[neighbourhood_id]
        if self._taken(found.commune_code, name, but=found.id):
            return False
        self.work.neighbourhoods[found.id] = replace(found, name=name, code=code)
        return True

    async def retire(self, neighbourhood_id: int) -> None:
        found = self.work.neighbourhoods[neighbourhood_id]
        self.work.neighbourhoods[found.id] = replace(found, active=False)
        for bound in self.work.leaders.values():
            bound.discard(found.id)
        self.work.residents = {
            r: n for r, n in self.work.residents.items() if n != neighbourhood_id
        }

    async def restore(self, neighbourhood_id: int) -> None:
        found = self.work.neighbourhoods[neighbourhood_id]
        self.work.neighbourhoods[found.id] = replace(found, active=True)

    async def leaders(self, commune_code: str) -> list[Leader]:
        return [
            Leader(
                a.identity.id,
                a.identity.username,
                a.identity.display_name,
                frozenset(self.work.leaders.get(a.identity.id, set())),
            )
            for a in self.data.accounts.values()
            if a.active
            and a.identity.role is AdminRole.LEADER
            and a.identity.commune_code == commune_code
        ]

    async def member(self, commune_code: str, user_id: int) -> Member | None:
        found = self.data.accounts.get(user_id)
        if found is None or not commune_code or found.identity.commune_code != commune_code:
            return None
        who = found.identity
        return Member(who.id, who.username, who.role, found.active, who.display_name)

    async def bind(self, user_id: int, neighbourhood_ids: frozenset[int]) -> None:
        self.work.leaders[user_id] = set(neighbourhood_ids)

    async def approval(self, commune_code: str) -> bool:
        return self.work.approval.get(commune_code, True)

    async def set_approval(self, commune_code: str, required: bool, by: int, now: datetime) -> None:
        self.work.approval[commune_code] = required

    async def audit(
        self,
        actor: Identity,
        action: AuditAction,
        *,
        subject: str,
        detail: str = "",
        ip: str = "",
        now: datetime,
    ) -> None:
        self.work.audits.append(Audited(action, actor.username, subject[:64], detail[:64], ip))

    def changed(self) -> bool:
        return self.work != self.data.state

    def commit(self) -> None:
        self.data.state = self.work
        self.work = copy.deepcopy(self.work)
