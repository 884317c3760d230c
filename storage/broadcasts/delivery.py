"""Whether a resident's queued copy of a broadcast still goes out, asked just before it is
sent (bot/outbox.py) or handed to the web chat: a broadcast may be cancelled, and a resident
may stop their subscription or move, after the copies were queued and before theirs comes up.

"Still addressed" is the fan-out's own question (fanout.recipients) asked of one resident, so
the rule for who gets a broadcast is written once: an alert needs an active alerts
subscription for one of its communes, an awareness message an active awareness subscription
and a home in one of them, and a broadcast to some neighbourhoods a resident of one of them.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.broadcasts.message import Copy
from handlers.broadcasts.words import BroadcastStatus, MessageState
from storage.broadcasts.fanout import recipients
from storage.broadcasts.store import SqlBroadcastStore
from storage.models import Neighbourhood, Subscription


async def copy_for(
    session: AsyncSession, broadcast_id: str, resident_id: str
) -> Copy | MessageState:
    """What the resident is to be sent, or why nothing: MessageState.CANCELLED (the broadcast
    is cancelled, or gone) or MessageState.OPTED_OUT (no longer among its recipients)."""
    broadcast = await SqlBroadcastStore(session).get(broadcast_id)
    if broadcast is None or broadcast.status is not BroadcastStatus.SENDING:
        return MessageState.CANCELLED
    still = recipients(broadcast).where(Subscription.resident_id == resident_id).limit(1)
    if await session.scalar(still) is None:
        return MessageState.OPTED_OUT
    return Copy(broadcast, await _names(session, broadcast.neighbourhoods))


async def _names(session: AsyncSession, ids: tuple[int, ...]) -> tuple[str, ...]:
    """The names of the neighbourhoods it addresses, in the order the sender chose them; one
    since removed is left out (the commune still names the place)."""
    if not ids:
        return ()
    query = select(Neighbourhood.id, Neighbourhood.name).where(Neighbourhood.id.in_(ids))
    found = {n: name for n, name in (await session.execute(query)).all()}
    return tuple(found[n] for n in ids if n in found)
