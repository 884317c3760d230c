"""A commune's neighbourhoods (handlers/neighbourhoods/) on the in-memory store: who may read
and change them, names and duplicates, retiring and bringing back, which leaders speak for
which neighbourhoods, the approval choice, the audit rows, and that a refusal leaves nothing
behind. The same store answers as the SQL one (tests/integration/
test_neighbourhoods_contract.py)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from handlers.audit import AuditAction
from handlers.errors import BadInput, Conflict, DomainError, Forbidden, NotFound
from handlers.neighbourhoods import manage
from handlers.neighbourhoods.ports import Leader, Neighbourhood
from handlers.neighbourhoods.rules import MAX_CODE, MAX_NAME
from handlers.people import AdminRole, Identity
from tests.fakes.memory_neighbourhoods import (
    Audited,
    MemoryNeighbourhoods,
    MemoryNeighbourhoodStore,
)

BA_DINH, BACH_MAI, AN_DONG = "00004", "00277", "27316"  # Hà Nội, Hà Nội, TP. Hồ Chí Minh
NOW = datetime(2026, 12, 5, 2, 0, tzinfo=UTC)


class World:
    def __init__(self) -> None:
        self.data = MemoryNeighbourhoods()
        account = self.data.account
        self.officer = account(AdminRole.OFFICER, BA_DINH)
        self.chief = account(AdminRole.CHIEF, BA_DINH)
        self.leader = account(AdminRole.LEADER, BA_DINH, display_name="Bà Lan")
        self.leader2 = account(AdminRole.LEADER, BA_DINH)
        self.gone = account(AdminRole.LEADER, BA_DINH, active=False)
        self.chief_b = account(AdminRole.CHIEF, BACH_MAI)
        self.leader_b = account(AdminRole.LEADER, BACH_MAI)
        self.admin_01 = account(AdminRole.PROVINCE_ADMIN, "", "01")
        self.admin_79 = account(AdminRole.PROVINCE_ADMIN, "", "79")
        self.tdp5 = self.data.neighbourhood(BA_DINH, "Tổ dân phố số 5")
        self.tdp10 = self.data.neighbourhood(BA_DINH, "Tổ dân phố số 10", "TDP10")
        self.old = self.data.neighbourhood(BA_DINH, "Tổ dân phố cũ", active=False)
        self.other = self.data.neighbourhood(BACH_MAI, "Tổ dân phố số 1")

    async def run(self, use_case: Callable[..., Awaitable[Any]], *args: Any, **kw: Any) -> Any:
        store = self.data.store()
        answer = await use_case(store, *args, now=NOW, **kw)
        store.commit()
        return answer

    async def read(self, use_case: Callable[..., Awaitable[Any]], *args: Any) -> Any:
        return await use_case(self.data.store(), *args)

    async def refused(
        self, kind: type[DomainError], use_case: Callable[..., Awaitable[Any]], *args: Any
    ) -> DomainError:
        """The refusal, after checking that it wrote nothing, not even in its own unit."""
        store = self.data.store()
        with pytest.raises(kind) as caught:
            await use_case(store, *args, now=NOW)
        assert not store.changed()
        return caught.value

    @property
    def audits(self) -> list[Audited]:
        return self.data.state.audits


@pytest.fixture
def world() -> World:
    return World()


def names(found: list[Any]) -> list[str]:
    return [n.name for n in found]


# --- reading ---------------------------------------------------------------------------------


async def test_everyone_of_the_commune_reads_its_list_in_natural_order(world: World) -> None:
    for actor in (world.officer, world.chief, world.leader, world.admin_01):
        found = await world.read(manage.neighbourhoods, actor, BA_DINH)
        # "số 5" before "số 10"; "cũ" (retired) is listed too, for those who keep the list.
        assert names(found) == ["Tổ dân phố cũ", "Tổ dân phố số 5", "Tổ dân phố số 10"]
        assert [n.active for n in found] == [False, True, True]


async def test_nobody_outside_the_area_learns_anything(world: World) -> None:
    outside: list[tuple[Identity, str]] = [
        (world.officer, BACH_MAI),
        (world.chief_b, BA_DINH),
        (world.leader_b, BA_DINH),
        (world.admin_79, BA_DINH),
        (world.admin_01, AN_DONG),
        (world.admin_01, "99999"),  # no such commune
        (world.admin_01, ""),
    ]
    for actor, commune in outside:
        for use_case in (manage.neighbourhoods, manage.approval, manage.leaders):
            with pytest.raises(NotFound):
                await world.read(use_case, actor, commune)
        await world.refused(NotFound, manage.add, actor, commune, "Tổ dân phố số 9")
        await world.refused(NotFound, manage.set_approval, actor, commune, False)
        await world.refused(NotFound, manage.bind, actor, commune, world.leader.id, [])
    for actor in (world.chief, world.admin_79, world.leader):
        await world.refused(NotFound, manage.rename, actor, world.other.id, "Tổ mới")
        await world.refused(NotFound, manage.retire, actor, world.other.id)
    await world.refused(NotFound, manage.restore, world.chief, 9999)


async def test_officers_read_the_approval_choice_and_leaders_do_not(world: World) -> None:
    assert await world.read(manage.approval, world.officer, BA_DINH) is True  # the default
    assert await world.read(manage.approval, world.admin_01, BA_DINH) is True
    with pytest.raises(Forbidden):
        await world.read(manage.approval, world.leader, BA_DINH)


@pytest.mark.parametrize("role", ["officer", "leader"])
async def test_only_a_chief_or_a_province_admin_changes_anything(world: World, role: str) -> None:
    actor = getattr(world, role)
    tdp5 = world.tdp5.id
    with pytest.raises(Forbidden):
        await world.read(manage.leaders, actor, BA_DINH)
    await world.refused(Forbidden, manage.add, actor, BA_DINH, "Tổ dân phố số 9")
    await world.refused(Forbidden, manage.rename, actor, tdp5, "Tổ 5")
    await world.refused(Forbidden, manage.retire, actor, tdp5)
    await world.refused(Forbidden, manage.restore, actor, world.old.id)
    await world.refused(Forbidden, manage.bind, actor, BA_DINH, world.leader.id, [tdp5])
    await world.refused(Forbidden, manage.set_approval, actor, BA_DINH, False)
    assert world.audits == []


# --- adding and renaming ---------------------------------------------------------------------


async def test_a_chief_adds_a_neighbourhood_with_a_clean_name(world: World) -> None:
    made = await world.run(manage.add, world.chief, BA_DINH, "  Thôn\u00a0 Đông\n", " T01 ")
    assert (made.name, made.code, made.active) == ("Thôn Đông", "T01", True)
    assert made in await world.read(manage.neighbourhoods, world.leader, BA_DINH)
    assert world.audits == [
        Audited(
            AuditAction.NEIGHBOURHOOD_ADD, world.chief.username, f"{BA_DINH}/{made.id}", made.name
        )
    ]


async def test_a_province_admin_manages_the_communes_of_their_province(world: World) -> None:
    made = await world.run(manage.add, world.admin_01, BACH_MAI, "Tổ dân phố số 2")
    assert made.commune_code == BACH_MAI
    await world.run(manage.set_approval, world.admin_01, BACH_MAI, False)
    assert await world.read(manage.approval, world.chief_b, BACH_MAI) is False
    assert await world.read(manage.approval, world.officer, BA_DINH) is True


async def test_a_name_is_kept_decomposed_or_not_as_one(world: World) -> None:
    decomposed = (
        "To\u0302\u0309 da\u0302n pho\u0302\u0301 so\u0302\u0301 5"  # NFD of "Tổ dân phố số 5"
    )
    error = await world.refused(Conflict, manage.add, world.chief, BA_DINH, decomposed)
    assert error.code == "neighbourhood_taken"


@pytest.mark.parametrize("name", ["", " ", "A", "\u200b5\u200b", "x" * (MAX_NAME + 1)])
async def test_a_name_has_2_to_100_characters(world: World, name: str) -> None:
    error = await world.refused(BadInput, manage.add, world.chief, BA_DINH, name)
    assert error.code == "neighbourhood_name" and error.params == {"min": 2, "max": MAX_NAME}
    assert (await world.run(manage.add, world.chief, BA_DINH, "x" * MAX_NAME)).name


async def test_a_code_has_at_most_20_characters(world: World) -> None:
    error = await world.refused(BadInput, manage.add, world.chief, BA_DINH, "Thôn 1", "x" * 21)
    assert error.code == "neighbourhood_code" and error.params == {"max": MAX_CODE}


async def test_a_duplicate_name_is_refused_whatever_its_case(world: World) -> None:
    error = await world.refused(Conflict, manage.add, world.chief, BA_DINH, "TỔ DÂN PHỐ SỐ 5")
    assert error.code == "neighbourhood_taken" and error.params == {"name": "Tổ dân phố số 5"}
    retired = await world.refused(Conflict, manage.add, world.chief, BA_DINH, "tổ dân phố cũ")
    assert retired.code == "neighbourhood_taken_retired"
    # Another commune's name, and a name that differs by its accents, are no duplicates.
    await world.run(manage.add, world.chief, BA_DINH, "Tổ dân phố số 1")
    await world.run(manage.add, world.chief, BA_DINH, "To dan pho so 5")
    assert [a.action for a in world.audits] == [AuditAction.NEIGHBOURHOOD_ADD] * 2


async def test_renaming_checks_the_other_names(world: World) -> None:
    renamed = await world.run(manage.rename, world.chief, world.tdp5.id, "tổ dân phố số 5", "T5")
    assert (renamed.name, renamed.code) == ("tổ dân phố số 5", "T5")  # its own name, recased
    error = await world.refused(
        Conflict, manage.rename, world.chief, world.tdp5.id, "Tổ Dân Phố Số 10"
    )
    assert error.code == "neighbourhood_taken"
    await world.refused(BadInput, manage.rename, world.chief, world.tdp5.id, "5")
    # A retired one may be renamed before it is brought back.
    await world.run(manage.rename, world.chief, world.old.id, "Tổ dân phố số 11")
    assert [(a.action, a.subject, a.detail) for a in world.audits] == [
        (AuditAction.NEIGHBOURHOOD_RENAME, f"{BA_DINH}/{world.tdp5.id}", "tổ dân phố số 5"),
        (AuditAction.NEIGHBOURHOOD_RENAME, f"{BA_DINH}/{world.old.id}", "Tổ dân phố số 11"),
    ]


async def test_saving_the_same_name_writes_nothing(world: World) -> None:
    store = world.data.store()
    same = await manage.rename(store, world.chief, world.tdp10.id, " Tổ dân phố số 10 ", "TDP10")
    assert same == world.tdp10 and not store.changed()


# --- retiring and bringing back --------------------------------------------------------------


async def test_retiring_unbinds_its_leaders_and_residents(world: World) -> None:
    world.data.state.leaders[world.leader.id] = {world.tdp5.id, world.tdp10.id}
    world.data.state.residents.update({"r5": world.tdp5.id, "r10": world.tdp10.id})
    retired = await world.run(manage.retire, world.chief, world.tdp5.id)
    assert retired.active is False
    assert world.data.state.leaders[world.leader.id] == {world.tdp10.id}
    assert world.data.state.residents == {"r10": world.tdp10.id}
    restored = await world.run(manage.restore, world.admin_01, world.tdp5.id)
    assert restored.active is True
    assert world.data.state.leaders[world.leader.id] == {world.tdp10.id}  # not bound again
    subject = f"{BA_DINH}/{world.tdp5.id}"
    assert [(a.action, a.actor, a.subject) for a in world.audits] == [
        (AuditAction.NEIGHBOURHOOD_RETIRE, world.chief.username, subject),
        (AuditAction.NEIGHBOURHOOD_RESTORE, world.admin_01.username, subject),
    ]


async def test_retiring_twice_is_one_change(world: World) -> None:
    store = world.data.store()
    assert (await manage.retire(store, world.chief, world.old.id)) == world.old
    assert (await manage.restore(store, world.chief, world.tdp5.id)) == world.tdp5
    assert not store.changed()


async def test_every_change_holds_the_commune_first(world: World) -> None:
    store = world.data.store()
    await manage.add(store, world.chief, BA_DINH, "Thôn Tây")
    await manage.retire(store, world.chief, world.tdp5.id)
    await manage.bind(store, world.chief, BA_DINH, world.leader.id, [world.tdp10.id])
    await manage.set_approval(store, world.chief, BA_DINH, False)
    assert store.locked == [BA_DINH] * 4


# --- leaders ---------------------------------------------------------------------------------


async def test_a_chief_chooses_a_leaders_neighbourhoods(world: World) -> None:
    wanted = [world.tdp10.id, world.tdp5.id, world.tdp5.id]
    bound = await world.run(manage.bind, world.chief, BA_DINH, world.leader.id, wanted)
    assert bound == Leader(
        world.leader.id, world.leader.username, "Bà Lan", frozenset({world.tdp5.id, world.tdp10.id})
    )
    assert await world.read(manage.leaders, world.chief, BA_DINH) == [
        bound,
        Leader(world.leader2.id, world.leader2.username),
    ]  # the inactive leader is not listed
    # Replacing the set; none at all makes the leader speak for the whole commune.
    await world.run(manage.bind, world.admin_01, BA_DINH, world.leader.id, [world.tdp10.id])
    assert world.data.state.leaders[world.leader.id] == {world.tdp10.id}
    await world.run(manage.bind, world.chief, BA_DINH, world.leader.id, [])
    assert world.data.state.leaders[world.leader.id] == set()
    assert [(a.action, a.subject, a.detail) for a in world.audits] == [
        (AuditAction.LEADER_AREAS, world.leader.username, "Tổ dân phố số 5, Tổ dân phố số 10"),
        (AuditAction.LEADER_AREAS, world.leader.username, "Tổ dân phố số 10"),
        (AuditAction.LEADER_AREAS, world.leader.username, manage.WHOLE_COMMUNE),
    ]


async def test_saving_the_same_neighbourhoods_writes_nothing(world: World) -> None:
    world.data.state.leaders[world.leader.id] = {world.tdp5.id}
    store = world.data.store()
    await manage.bind(store, world.chief, BA_DINH, world.leader.id, [world.tdp5.id])
    await manage.bind(store, world.chief, BA_DINH, world.leader2.id, [])
    assert not store.changed()


async def test_only_the_communes_active_leaders_are_bound(world: World) -> None:
    tdp5 = [world.tdp5.id]
    # A leader of another commune, a province admin, an unknown id: not of this commune.
    for account_id in (world.leader_b.id, world.admin_01.id, 9999):
        await world.refused(NotFound, manage.bind, world.chief, BA_DINH, account_id, tdp5)
    await world.refused(NotFound, manage.bind, world.admin_01, BACH_MAI, world.leader.id, tdp5)
    for account in (world.officer, world.chief, world.gone):
        error = await world.refused(BadInput, manage.bind, world.chief, BA_DINH, account.id, tdp5)
        assert error.code == "not_leader"


async def test_only_the_communes_active_neighbourhoods_are_bound(world: World) -> None:
    leader = world.leader.id
    for ids in ([world.other.id], [world.tdp5.id, 9999]):
        await world.refused(NotFound, manage.bind, world.chief, BA_DINH, leader, ids)
    error = await world.refused(
        Conflict, manage.bind, world.chief, BA_DINH, leader, [world.tdp5.id, world.old.id]
    )
    assert error.code == "neighbourhood_retired"


# --- the approval choice ---------------------------------------------------------------------


async def test_a_chief_turns_the_approval_off_and_on(world: World) -> None:
    assert await world.run(manage.set_approval, world.chief, BA_DINH, False) is False
    assert await world.read(manage.approval, world.officer, BA_DINH) is False
    assert await world.run(manage.set_approval, world.chief, BA_DINH, False) is False  # no change
    assert await world.run(manage.set_approval, world.chief, BA_DINH, True) is True
    assert [(a.action, a.subject, a.detail) for a in world.audits] == [
        (AuditAction.COMMUNE_APPROVAL, BA_DINH, "approval_off"),
        (AuditAction.COMMUNE_APPROVAL, BA_DINH, "approval_on"),
    ]


class Unheld(MemoryNeighbourhoodStore):
    """A store whose reads miss a name another unit of work has just added: what a store
    without the commune's lock would read in a race."""

    async def neighbourhoods(self, commune_code: str) -> list[Neighbourhood]:
        return []


async def test_a_name_taken_meanwhile_is_still_refused(world: World) -> None:
    store = Unheld(world.data)
    with pytest.raises(Conflict) as added:
        await manage.add(store, world.chief, BA_DINH, "Tổ dân phố số 5")
    with pytest.raises(Conflict) as renamed:
        await manage.rename(store, world.chief, world.tdp10.id, "Tổ dân phố số 5")
    assert added.value.code == renamed.value.code == "neighbourhood_taken"
    assert not store.changed()
