"""A new broadcast: checked text, an area the sender may address, the leaders' daily limit;
then a leader's notice waits for the police where the commune asks for approval, and
anything else is queued at once, one outbox message per recipient, in the same unit of work
as the broadcast itself."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, time

from content.text import clean
from handlers.audit import AuditAction
from handlers.broadcasts.area import addressed
from handlers.broadcasts.ports import Broadcast, BroadcastStore
from handlers.broadcasts.words import (
    LEADER_DAILY_LIMIT,
    MAX_TEXT,
    BroadcastKind,
    BroadcastStatus,
)
from handlers.deadlines import LOCAL_TZ, local_date
from handlers.errors import BadInput, Conflict
from handlers.people import AdminRole, Identity
from handlers.ports import utc_now


@dataclass(frozen=True)
class Draft:
    text: str
    kind: str = BroadcastKind.ALERT.value
    communes: Sequence[str] = ()
    neighbourhoods: Sequence[int] = ()
    photo_ref: str = ""
    photo_mime: str = ""
    campaign: str = ""  # a campaign's message (handlers/campaigns.py), else a written notice


@dataclass(frozen=True)
class Limits:
    leader_per_day: int = LEADER_DAILY_LIMIT


def checked_text(text: str) -> str:
    value = clean(text)
    if not value:
        raise BadInput("text", "the notice is empty")
    if len(value) > MAX_TEXT:
        raise BadInput("text_length", f"a notice has at most {MAX_TEXT} characters", limit=MAX_TEXT)
    return value


def checked_kind(kind: str) -> BroadcastKind:
    if kind not in set(BroadcastKind):
        raise BadInput("kind", "the kind is alert or awareness")
    return BroadcastKind(kind)


async def _check_daily_limit(
    store: BroadcastStore, actor: Identity, limit: int, now: datetime
) -> None:
    if actor.role is not AdminRole.LEADER:
        return
    midnight = datetime.combine(local_date(now), time(), LOCAL_TZ)
    if await store.sent_since(actor.id, midnight) >= limit:
        raise Conflict("daily_limit", f"at most {limit} notices a day", limit=limit)


async def compose(
    store: BroadcastStore,
    actor: Identity,
    draft: Draft,
    *,
    limits: Limits = Limits(),
    ip: str = "",
    now: datetime | None = None,
) -> Broadcast:
    """Make the broadcast; queued at once unless a leader's notice awaits approval. Every
    role of the panel may address its own area (area.py)."""
    text, kind = checked_text(draft.text), checked_kind(draft.kind)
    communes, neighbourhoods = await addressed(store, actor, draft.communes, draft.neighbourhoods)
    now = now or utc_now()
    await _check_daily_limit(store, actor, limits.leader_per_day, now)
    waits = actor.role is AdminRole.LEADER and await store.leader_approval(actor.commune_code)
    broadcast = Broadcast(
        id=str(uuid.uuid4()),
        kind=kind,
        text=text,
        status=BroadcastStatus.PENDING if waits else BroadcastStatus.SENDING,
        sender_id=actor.id,
        sender_role=actor.role,
        province_code=actor.province_code,
        communes=communes,
        neighbourhoods=neighbourhoods,
        created_at=now,
        photo_ref=draft.photo_ref,
        photo_mime=draft.photo_mime,
        campaign=draft.campaign,
    )
    await store.add(broadcast)
    await store.audit(actor, AuditAction.BROADCAST_CREATE, broadcast, ip=ip, now=now)
    if not waits:
        await queue(store, broadcast, now)
    return broadcast


async def queue(store: BroadcastStore, broadcast: Broadcast, now: datetime) -> None:
    """Queue its messages and keep how many there are."""
    broadcast.recipients = await store.fan_out(broadcast, now)
    broadcast.queued_at = now
    await store.move(broadcast, broadcast.status)
