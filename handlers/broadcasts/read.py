"""Reading broadcasts: one with what became of its messages, and a list, each scoped to the
reader (police: what reaches their area; a leader: what they sent)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from handlers.broadcasts.area import visible
from handlers.broadcasts.ports import Broadcast, BroadcastStore, Listing
from handlers.broadcasts.words import BroadcastStatus, Counts
from handlers.errors import BadInput
from handlers.people import AdminRole, Identity

MAX_LIST = 100


@dataclass(frozen=True)
class Progress:
    broadcast: Broadcast
    counts: Counts

    @property
    def shown_status(self) -> str:
        """The status as users read it: a broadcast with nothing left to send is done."""
        if self.broadcast.status is BroadcastStatus.SENDING and self.counts.queued == 0:
            return "done"
        return self.broadcast.status.value


async def progress(store: BroadcastStore, actor: Identity, broadcast_id: str) -> Progress:
    broadcast = await visible(store, actor, broadcast_id)
    return Progress(broadcast, await store.counts(broadcast.id))


async def listing(
    store: BroadcastStore,
    actor: Identity,
    *,
    status: str = "",
    before: str = "",
    limit: int = 50,
) -> list[Broadcast]:
    """The reader's broadcasts, newest first; `status` filters ("" all)."""
    if status and status not in set(BroadcastStatus):
        raise BadInput("status", "no such status")
    wanted = BroadcastStatus(status) if status else None
    query = Listing(status=wanted, before=before.strip()[:36], limit=max(1, min(limit, MAX_LIST)))
    if actor.role is AdminRole.PROVINCE_ADMIN:
        query = replace(query, province=actor.province_code)
    elif actor.role in (AdminRole.OFFICER, AdminRole.CHIEF):
        query = replace(query, communes=(actor.commune_code,))
    else:
        query = replace(query, sender_id=actor.id)
    return await store.listing(query)
