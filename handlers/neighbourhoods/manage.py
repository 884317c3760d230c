"""The use cases of a commune's neighbourhoods: list them, add, rename, retire and bring one
back; say which neighbourhoods each leader speaks for; turn the police's approval of leaders'
notices on and off. Who may is rules.py's; each change takes the commune's lock first
(`NeighbourhoodStore.lock`), checks against what is stored then, and writes its audit row in
the same unit of work. A refusal comes before any write, so it leaves nothing behind.

A change to what is already so (retiring a retired neighbourhood, saving the same choices)
writes nothing and audits nothing: a form sent twice is not two changes.

Retiring unbinds the neighbourhood's leaders and residents: nothing may address a place that
is no longer offered. Bringing it back does not bind them again; the commune binds anew."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from handlers.audit import AuditAction
from handlers.commune_lists import check_free
from handlers.errors import BadInput, Conflict, NotFound
from handlers.neighbourhoods.ports import Leader, Neighbourhood, NeighbourhoodStore
from handlers.neighbourhoods.rules import (
    by_name,
    by_username,
    check_manages,
    check_reads,
    check_reads_setting,
    checked_code,
    checked_name,
)
from handlers.people import AdminRole, Identity
from handlers.ports import utc_now

# Audit details that are codes, put in words by the audit page (admin/audit.py).
WHOLE_COMMUNE = "whole_commune"
APPROVAL_DETAIL = {True: "approval_on", False: "approval_off"}


def subject(neighbourhood: Neighbourhood) -> str:
    """A neighbourhood's audit subject: the same through renames, so that its rows read as one
    history; the detail carries the name."""
    return f"{neighbourhood.commune_code}/{neighbourhood.id}"


async def neighbourhoods(
    store: NeighbourhoodStore, actor: Identity, commune_code: str
) -> list[Neighbourhood]:
    """The commune's neighbourhoods, active and retired, in the order of their names."""
    check_reads(actor, commune_code)
    return by_name(await store.neighbourhoods(commune_code))


async def leaders(store: NeighbourhoodStore, actor: Identity, commune_code: str) -> list[Leader]:
    """The commune's active leader accounts with their neighbourhoods, for those who bind
    them."""
    check_manages(actor, commune_code)
    return by_username(await store.leaders(commune_code))


async def approval(store: NeighbourhoodStore, actor: Identity, commune_code: str) -> bool:
    """Whether the commune's police approve its leaders' notices."""
    check_reads_setting(actor, commune_code)
    return await store.approval(commune_code)


def _taken(other: Neighbourhood) -> str:
    return "neighbourhood_taken" if other.active else "neighbourhood_taken_retired"


def _check_free(kept: Iterable[Neighbourhood], name: str, *, but: int | None = None) -> None:
    check_free(kept, name, _taken, "the commune has a neighbourhood of that name", but=but)


async def add(
    store: NeighbourhoodStore,
    actor: Identity,
    commune_code: str,
    name: str,
    code: str = "",
    *,
    ip: str = "",
    now: datetime | None = None,
) -> Neighbourhood:
    check_manages(actor, commune_code)
    name, code = checked_name(name), checked_code(code)
    await store.lock(commune_code)
    _check_free(await store.neighbourhoods(commune_code), name)
    now = now or utc_now()
    made = await store.add(commune_code, name, code, now)
    if made is None:  # the unique constraint, behind the lock: a store that holds nothing
        raise Conflict("neighbourhood_taken", "the name was taken meanwhile", name=name)
    await store.audit(
        actor, AuditAction.NEIGHBOURHOOD_ADD, subject=subject(made), detail=name, ip=ip, now=now
    )
    return made


async def _held(store: NeighbourhoodStore, actor: Identity, neighbourhood_id: int) -> Neighbourhood:
    """The neighbourhood to change, read again once its commune is held."""
    found = await store.neighbourhood(neighbourhood_id)
    if found is None:
        raise NotFound(detail="no such neighbourhood")
    check_manages(actor, found.commune_code)
    await store.lock(found.commune_code)
    again = await store.neighbourhood(neighbourhood_id)
    if again is None:  # pragma: no cover - neighbourhoods are never deleted
        raise NotFound(detail="no such neighbourhood")
    return again


async def rename(
    store: NeighbourhoodStore,
    actor: Identity,
    neighbourhood_id: int,
    name: str,
    code: str = "",
    *,
    ip: str = "",
    now: datetime | None = None,
) -> Neighbourhood:
    """A new name and code (a retired neighbourhood too, before it is brought back)."""
    found = await _held(store, actor, neighbourhood_id)
    name, code = checked_name(name), checked_code(code)
    if (name, code) == (found.name, found.code):
        return found
    _check_free(await store.neighbourhoods(found.commune_code), name, but=found.id)
    if not await store.rename(found.id, name, code):
        raise Conflict("neighbourhood_taken", "the name was taken meanwhile", name=name)
    now = now or utc_now()
    await store.audit(
        actor, AuditAction.NEIGHBOURHOOD_RENAME, subject=subject(found), detail=name, ip=ip, now=now
    )
    return Neighbourhood(found.id, found.commune_code, name, code, found.active)


async def retire(
    store: NeighbourhoodStore,
    actor: Identity,
    neighbourhood_id: int,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> Neighbourhood:
    """No longer offered to residents or leaders; whoever was bound to it is not any more."""
    return await _set_active(store, actor, neighbourhood_id, False, ip=ip, now=now)


async def restore(
    store: NeighbourhoodStore,
    actor: Identity,
    neighbourhood_id: int,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> Neighbourhood:
    return await _set_active(store, actor, neighbourhood_id, True, ip=ip, now=now)


async def _set_active(
    store: NeighbourhoodStore,
    actor: Identity,
    neighbourhood_id: int,
    active: bool,
    *,
    ip: str,
    now: datetime | None,
) -> Neighbourhood:
    found = await _held(store, actor, neighbourhood_id)
    if found.active is active:
        return found
    if active:
        await store.restore(found.id)
        action = AuditAction.NEIGHBOURHOOD_RESTORE
    else:
        await store.retire(found.id)
        action = AuditAction.NEIGHBOURHOOD_RETIRE
    await store.audit(
        actor, action, subject=subject(found), detail=found.name, ip=ip, now=now or utc_now()
    )
    return Neighbourhood(found.id, found.commune_code, found.name, found.code, active)


async def bind(
    store: NeighbourhoodStore,
    actor: Identity,
    commune_code: str,
    leader_id: int,
    neighbourhood_ids: Iterable[int],
    *,
    ip: str = "",
    now: datetime | None = None,
) -> Leader:
    """Make these the active neighbourhoods of the commune the leader speaks for (none: the
    whole commune). An account outside the commune is NotFound; one of it that is not an
    active leader, "not_leader"."""
    check_manages(actor, commune_code)
    wanted = frozenset(neighbourhood_ids)
    await store.lock(commune_code)
    member = await store.member(commune_code, leader_id)
    if member is None:
        raise NotFound(detail="no such account in this commune")
    if member.role is not AdminRole.LEADER or not member.active:
        raise BadInput("not_leader", "only an active leader account speaks for neighbourhoods")
    kept = {n.id: n for n in await store.neighbourhoods(commune_code)}
    if any(n not in kept for n in wanted):
        raise NotFound(detail="no such neighbourhood in this commune")
    if any(not kept[n].active for n in wanted):
        raise Conflict("neighbourhood_retired", "a retired neighbourhood is offered to nobody")
    leader = Leader(member.id, member.username, member.display_name, wanted)
    if leader in await store.leaders(commune_code):
        return leader
    await store.bind(leader_id, wanted)
    names = ", ".join(n.name for n in by_name(kept[n] for n in wanted))
    await store.audit(
        actor,
        AuditAction.LEADER_AREAS,
        subject=member.username,
        detail=names or WHOLE_COMMUNE,
        ip=ip,
        now=now or utc_now(),
    )
    return leader


async def set_approval(
    store: NeighbourhoodStore,
    actor: Identity,
    commune_code: str,
    required: bool,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> bool:
    """Whether the commune's police approve its leaders' notices from now on (notices
    already waiting still wait for a decision)."""
    check_manages(actor, commune_code)
    await store.lock(commune_code)
    if await store.approval(commune_code) is required:
        return required
    now = now or utc_now()
    await store.set_approval(commune_code, required, actor.id, now)
    await store.audit(
        actor,
        AuditAction.COMMUNE_APPROVAL,
        subject=commune_code,
        detail=APPROVAL_DETAIL[required],
        ip=ip,
        now=now,
    )
    return required
