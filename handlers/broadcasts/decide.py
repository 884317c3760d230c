"""The police's decision on a leader's notice, and cancelling a broadcast.

Approving or rejecting is for the police of the addressed area; a leader never decides,
their own notice least of all. Two decisions racing on one notice (approve twice, approve
and cancel) end in exactly one outcome: the status moves only from the one it was read in,
and the loser is told it came too late (a Conflict). The leader is told the decision in the
chat they linked (handlers/chat_links.py), in the same unit of work."""

from __future__ import annotations

from datetime import datetime

from content.text import clean
from handlers.audit import AuditAction
from handlers.broadcasts.area import visible
from handlers.broadcasts.compose import queue
from handlers.broadcasts.ports import Broadcast, BroadcastStore
from handlers.broadcasts.words import MAX_REASON, MIN_REASON, TRANSITIONS, BroadcastStatus
from handlers.errors import BadInput, Conflict, Forbidden
from handlers.notices import Notice, excerpt
from handlers.people import AdminRole, Identity, check_sees_tips
from handlers.ports import utc_now


def _check_decides(actor: Identity, broadcast: Broadcast) -> None:
    check_sees_tips(actor)  # the police roles: a leader is Forbidden
    if broadcast.sender_id == actor.id:
        raise Forbidden(detail="nobody decides on their own notice")


async def _move(
    store: BroadcastStore, broadcast: Broadcast, target: BroadcastStatus
) -> BroadcastStatus:
    was = broadcast.status
    if target not in TRANSITIONS[was]:
        raise Conflict(f"broadcast_{was.value}", f"the broadcast is {was.value}")
    broadcast.status = target
    if not await store.move(broadcast, was):
        raise Conflict("broadcast_decided", "someone else decided first")
    return was


async def approve(
    store: BroadcastStore,
    actor: Identity,
    broadcast_id: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> Broadcast:
    """Let a leader's notice go out: its messages are queued now."""
    broadcast = await visible(store, actor, broadcast_id, for_update=True)
    _check_decides(actor, broadcast)
    now = now or utc_now()
    broadcast.decided_by, broadcast.decided_at = actor.id, now
    await _move(store, broadcast, BroadcastStatus.SENDING)
    await queue(store, broadcast, now)
    await store.audit(actor, AuditAction.BROADCAST_APPROVE, broadcast, ip=ip, now=now)
    await store.tell_sender(
        broadcast, Notice.BROADCAST_APPROVED, {"excerpt": excerpt(broadcast.text)}, now
    )
    return broadcast


async def reject(
    store: BroadcastStore,
    actor: Identity,
    broadcast_id: str,
    reason: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> Broadcast:
    """Refuse a leader's notice, saying why (the leader reads the reason)."""
    broadcast = await visible(store, actor, broadcast_id, for_update=True)
    _check_decides(actor, broadcast)
    reason = clean(reason)
    if len(reason) < MIN_REASON:
        raise BadInput("reason", f"a reason of at least {MIN_REASON} characters is needed")
    now = now or utc_now()
    broadcast.decided_by, broadcast.decided_at = actor.id, now
    broadcast.reject_reason = reason[:MAX_REASON]
    await _move(store, broadcast, BroadcastStatus.REJECTED)
    await store.audit(
        actor, AuditAction.BROADCAST_REJECT, broadcast, reason=reason[:MAX_REASON], ip=ip, now=now
    )
    said = {"excerpt": excerpt(broadcast.text), "reason": broadcast.reject_reason}
    await store.tell_sender(broadcast, Notice.BROADCAST_REJECTED, said, now)
    return broadcast


async def cancel(
    store: BroadcastStore,
    actor: Identity,
    broadcast_id: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> Broadcast:
    """Stop a broadcast: the sender, or the police of its area. What is sent stays sent;
    nothing more goes out."""
    broadcast = await visible(store, actor, broadcast_id, for_update=True)
    if actor.role is AdminRole.LEADER and broadcast.sender_id != actor.id:
        raise Forbidden(detail="a leader cancels only their own notices")
    now = now or utc_now()
    broadcast.cancelled_at = now
    await _move(store, broadcast, BroadcastStatus.CANCELLED)
    taken = await store.cancel_queued(broadcast.id, now)
    await store.audit(
        actor, AuditAction.BROADCAST_CANCEL, broadcast, detail=f"{taken} queued", ip=ip, now=now
    )
    return broadcast
