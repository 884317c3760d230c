"""Who may address which residents, and who may see a broadcast.

- A leader addresses their own commune: the neighbourhoods they speak for, or the whole
  commune while they speak for none (a commune that has not entered its neighbourhoods).
- An officer or a chief addresses their commune, whole or some of its neighbourhoods.
- A province admin addresses any communes of their province, whole or in part.

An area outside the sender's is `NotFound`, as a tip outside it is: whether a commune or a
neighbourhood exists elsewhere is none of their business."""

from __future__ import annotations

from collections.abc import Sequence

from content import areas
from handlers.broadcasts.ports import Broadcast, BroadcastStore, Neighbourhood
from handlers.errors import BadInput, NotFound
from handlers.people import AdminRole, Identity

MAX_COMMUNES = 200


def province_of(commune_code: str) -> str:
    commune = areas.commune(commune_code)
    return commune.province_code if commune else ""


def _communes(actor: Identity, asked: Sequence[str]) -> tuple[str, ...]:
    wanted = tuple(dict.fromkeys(c.strip() for c in asked if c.strip()))
    if len(wanted) > MAX_COMMUNES:
        raise BadInput("communes", f"at most {MAX_COMMUNES} communes at once")
    if actor.role is AdminRole.PROVINCE_ADMIN:
        if not wanted:
            raise BadInput("communes", "choose the communes to address")
        if any(province_of(c) != actor.province_code for c in wanted):
            raise NotFound(detail="no such commune in your area")
        return wanted
    if any(c != actor.commune_code for c in wanted):
        raise NotFound(detail="no such commune in your area")
    return (actor.commune_code,)


async def addressed(
    store: BroadcastStore, actor: Identity, communes: Sequence[str], neighbourhoods: Sequence[int]
) -> tuple[tuple[str, ...], tuple[int, ...]]:
    """The communes and neighbourhoods a broadcast of `actor` goes to, checked against what
    they may address; no neighbourhood means the whole communes."""
    chosen = _communes(actor, communes)
    asked = tuple(dict.fromkeys(neighbourhoods))
    offered = await offered_neighbourhoods(store, actor, chosen)
    known = {n.id for n in offered}
    if any(n not in known for n in asked):
        raise NotFound(detail="no such neighbourhood in your area")
    if actor.role is AdminRole.LEADER and offered and not asked:
        bound = await store.leader_neighbourhoods(actor.id)
        return chosen, tuple(n.id for n in bound)  # a leader's "everyone": their own
    return chosen, asked


async def offered_neighbourhoods(
    store: BroadcastStore, actor: Identity, communes: tuple[str, ...]
) -> list[Neighbourhood]:
    """The neighbourhoods the actor may choose among for these communes."""
    if actor.role is AdminRole.LEADER:
        bound = await store.leader_neighbourhoods(actor.id)
        if bound:
            return [n for n in bound if n.commune_code in communes]
    return await store.neighbourhoods(communes)


def sees(actor: Identity, broadcast: Broadcast) -> bool:
    """Police see what reaches their area; a leader sees what they sent."""
    if actor.role is AdminRole.PROVINCE_ADMIN:
        return broadcast.province_code == actor.province_code
    if actor.role in (AdminRole.OFFICER, AdminRole.CHIEF):
        return actor.commune_code in broadcast.communes
    return broadcast.sender_id == actor.id


async def visible(
    store: BroadcastStore, actor: Identity, broadcast_id: str, *, for_update: bool = False
) -> Broadcast:
    """The broadcast if the actor may see it; locked until the unit of work ends when it is
    about to be decided on (a reader's poll locks nothing)."""
    found = await store.get(broadcast_id.strip()[:36], for_update=for_update)
    if found is None or not sees(actor, found):
        raise NotFound(detail="no such broadcast")
    return found
