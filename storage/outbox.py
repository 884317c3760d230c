"""The outbox: durable messages from the police to a resident.

A row is written in the transaction of the action that causes it (an acknowledgement, a
question, an outcome), so a message is never lost and never sent for an action that was
rolled back. The payload holds the tip code and parameters only; the text
(handlers/notices.py) is rendered in the resident's language when the worker (bot/outbox.py)
sends it, or when the web chat fetches it (GET /chat/api/inbox).

A broadcast (storage/broadcasts/fanout.py) queues one row per recipient at priority 1, and
what is owed to one resident (a tip's notice) is priority 0: claiming takes due rows by
priority first, so a reporter's answer is never stuck behind 100,000 messages of a
broadcast. A broadcast's row may end as opted_out (the resident stopped its subscription
before it went out) or cancelled (the broadcast was); storage/broadcasts/delivery.py decides.

Claiming is one UPDATE … RETURNING that moves the rows' due time a lease ahead, so a row is
handled by one worker at a time, in any number of processes (PostgreSQL: the inner SELECT
takes FOR UPDATE SKIP LOCKED; SQLite runs one write at a time anyway). A worker that dies
mid-send leaves its rows to be claimed again when the lease ends. A tip's notice then goes
out again (at least once: the law wants the reporter told). A broadcast's copy is marked
SENDING in a committed transaction of its own just before its push; a row claimed again with
that mark is one whose push may or may not have reached the platform when its worker died,
and it is never pushed again but counted as failed, "unknown after a crash" (at most once:
at most one copy per dead worker is in doubt, and it is reported, not repeated).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Select, Table, and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notices import Notice
from storage.models import ChannelIdentity, OutboxMessage, Resident

__all__ = [
    "Due",
    "Notice",
    "OutboxStatus",
    "Recipient",
    "claim_due",
    "mark_sending",
    "notify_reporter",
    "recipient",
    "resident_of",
    "settle",
    "settle_taken",
    "take_for_chat",
]

OUTBOX = cast(Table, OutboxMessage.__table__)
WEB = "web"
MAX_ERROR = 200
# last_error of a broadcast's copy while its push is under way; still there when the row is
# claimed again, its worker died with the outcome unknown.
SENDING = "sending"
UNKNOWN_AFTER_CRASH = "unknown after a crash"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENT = "sent"
    FAILED = "failed"
    UNREACHABLE = "unreachable"
    OPTED_OUT = "opted_out"  # a broadcast's row: the resident stopped the subscription first
    CANCELLED = "cancelled"  # a broadcast's row: the broadcast was cancelled first


async def notify_reporter(
    session: AsyncSession,
    *,
    tip_id: str,
    resident_id: str | None,
    code: str,
    notice: Notice,
    params: dict[str, str],
    now: datetime,
) -> int | None:
    """Queue `notice` for the tip's reporter; returns the row id, or None for a tip with no
    resident to tell (an anonymous or imported one)."""
    if resident_id is None:
        return None
    now = now.astimezone(UTC)  # SQLite compares timestamps as text: one zone for all
    row = OutboxMessage(
        resident_id=resident_id,
        tip_id=tip_id,
        kind=str(notice),
        payload={"code": code, "params": dict(params)},
        status=OutboxStatus.PENDING.value,
        attempts=0,
        created_at=now,
        due_at=now,
        sent_at=None,
        channel="",
        last_error="",
    )
    session.add(row)
    await session.flush()
    return row.id


@dataclass(frozen=True)
class Due:
    """One message to send: whom to, which notice, its payload, the tries so far, and the
    broadcast it is a copy of (None for a notice)."""

    id: int
    resident_id: str
    kind: str
    payload: dict[str, Any]
    attempts: int
    broadcast_id: str | None = None
    in_doubt: bool = False  # a copy whose previous push's outcome is unknown (SENDING)


_DUE_COLUMNS = (
    OUTBOX.c.id,
    OUTBOX.c.resident_id,
    OUTBOX.c.kind,
    OUTBOX.c.payload,
    OUTBOX.c.attempts,
    OUTBOX.c.broadcast_id,
    OUTBOX.c.priority,
    OUTBOX.c.last_error,
)


def _due(row: Any) -> Due:
    payload = row.payload if isinstance(row.payload, dict) else {}
    in_doubt = row.broadcast_id is not None and row.last_error == SENDING
    return Due(row.id, row.resident_id, row.kind, payload, row.attempts, row.broadcast_id, in_doubt)


def _in_order(rows: Any) -> list[Due]:
    """RETURNING comes in no set order: what is owed to one resident first, then by id."""
    return [_due(r) for r in sorted(rows, key=lambda r: (r.priority, r.id))]


async def _chosen(session: AsyncSession, rows: Select[Any]) -> Any:
    """The ids an UPDATE takes. PostgreSQL: selected and locked first, skipping rows another
    transaction holds (as a subquery of the UPDATE the planner may run it more than once,
    and its LIMIT would not hold). SQLite, one writer at a time: the subquery itself."""
    if session.get_bind().dialect.name != "postgresql":
        return rows.scalar_subquery()
    locked = await session.execute(rows.with_for_update(skip_locked=True))
    return list(locked.scalars())


async def claim_due(
    session: AsyncSession, now: datetime, *, limit: int, lease: timedelta
) -> list[Due]:
    """Take up to `limit` pending rows that are due, for `lease`: every due row owed to one
    resident (priority 0) before any broadcast's (1), each oldest first (the index
    ix_outbox_pending_priority). The caller commits at once, so that the rows are locked for
    a moment only."""
    now = now.astimezone(UTC)
    due = (
        select(OUTBOX.c.id)
        .where(OUTBOX.c.status == OutboxStatus.PENDING.value, OUTBOX.c.due_at <= now)
        .order_by(OUTBOX.c.priority, OUTBOX.c.due_at, OUTBOX.c.id)
        .limit(limit)
    )
    claimed = await session.execute(
        update(OUTBOX)
        .where(
            OUTBOX.c.id.in_(await _chosen(session, due)),
            OUTBOX.c.status == OutboxStatus.PENDING.value,
            OUTBOX.c.due_at <= now,
        )
        # The web mark goes while a worker holds the row: the page must not hand out a
        # message that the worker may be pushing on another channel at the same moment.
        .values(due_at=now + lease, channel="")
        .returning(*_DUE_COLUMNS)
    )
    return _in_order(claimed)


async def mark_sending(session: AsyncSession, message_id: int) -> None:
    """Record that a broadcast's copy is about to be pushed; the caller commits before the
    push, so that a worker killed during it leaves the mark behind (claim_due: in_doubt)."""
    await session.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id == message_id, OUTBOX.c.status == OutboxStatus.PENDING.value)
        .values(last_error=SENDING)
    )


@dataclass(frozen=True)
class Identity:
    channel: str
    account: str
    user_id: str


@dataclass(frozen=True)
class Recipient:
    """A resident's language and reachable channel identities, the newest first."""

    lang: str
    identities: tuple[Identity, ...]


async def recipient(session: AsyncSession, resident_id: str) -> Recipient | None:
    lang = await session.scalar(select(Resident.lang).where(Resident.id == resident_id))
    if lang is None:
        return None
    query = (
        select(ChannelIdentity.channel, ChannelIdentity.account, ChannelIdentity.platform_user_id)
        .where(ChannelIdentity.resident_id == resident_id, ChannelIdentity.reachable.is_(True))
        .order_by(ChannelIdentity.created_at.desc(), ChannelIdentity.id.desc())
    )
    rows = (await session.execute(query)).all()
    return Recipient(lang, tuple(Identity(r[0], r[1], r[2]) for r in rows))


async def settle(session: AsyncSession, message_id: int, **values: Any) -> bool:
    """Record what became of a claimed row, unless something else (the web chat's inbox, a
    broadcast's cancelling) settled it first; whether this call did. A broadcast's copy that
    went out while the broadcast was being cancelled is sent all the same: what is sent
    stays sent, and is counted so."""
    if "last_error" in values:
        values["last_error"] = str(values["last_error"])[:MAX_ERROR]
    still = OUTBOX.c.status == OutboxStatus.PENDING.value
    if values.get("status") == OutboxStatus.SENT.value:
        cancelled = and_(
            OUTBOX.c.status == OutboxStatus.CANCELLED.value, OUTBOX.c.broadcast_id.is_not(None)
        )
        still = or_(still, cancelled)
    done = await session.execute(
        update(OUTBOX).where(OUTBOX.c.id == message_id, still).values(**values)
    )
    settled = bool(getattr(done, "rowcount", 0))
    if settled and values.get("status") == OutboxStatus.SENT.value:
        await _forget_tips(session, [message_id])
    return settled


async def _forget_tips(session: AsyncSession, message_ids: list[int]) -> None:
    """Issue 18: a tip's notice, once delivered, keeps neither the tip nor its code beside
    the resident, nor the moment of the officer's action (which the tip's timeline holds to
    the microsecond): only when it was delivered. The outbox then does not tie an anonymous
    tip to a chat account. Rows not delivered keep all, to be delivered later."""
    if message_ids:
        await session.execute(
            update(OUTBOX)
            .where(OUTBOX.c.id.in_(message_ids), OUTBOX.c.tip_id.is_not(None))
            .values(
                tip_id=None,
                payload={},
                created_at=func.coalesce(OUTBOX.c.sent_at, OUTBOX.c.created_at),
                due_at=func.coalesce(OUTBOX.c.sent_at, OUTBOX.c.due_at),
            )
        )


async def settle_taken(session: AsyncSession, message_id: int, status: OutboxStatus) -> None:
    """A row the web chat took (take_for_chat, marked sent) but will not show after all (its
    broadcast cancelled, its resident no longer subscribed): record why, in the same
    transaction as the taking, so it never counts as sent."""
    await session.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id == message_id, OUTBOX.c.status == OutboxStatus.SENT.value)
        .values(status=status.value, sent_at=None, channel="")
    )


async def take_for_chat(
    session: AsyncSession, resident_id: str, now: datetime, *, limit: int = 20
) -> list[Due]:
    """The resident's pending messages for the web chat, marked sent in the same statement so
    that two polls never both get one. A row a worker holds (leased, not yet known to be for
    the web chat) is left to it."""
    now = now.astimezone(UTC)
    mine = (
        select(OUTBOX.c.id)
        .where(
            OUTBOX.c.resident_id == resident_id,
            OUTBOX.c.status == OutboxStatus.PENDING.value,
            (OUTBOX.c.channel == WEB) | (OUTBOX.c.due_at <= now),
            # a copy in doubt may have reached another channel: a worker records it failed
            ~and_(OUTBOX.c.broadcast_id.is_not(None), OUTBOX.c.last_error == SENDING),
        )
        .order_by(OUTBOX.c.id)
        .limit(limit)
    )
    taken = await session.execute(
        update(OUTBOX)
        .where(
            OUTBOX.c.id.in_(await _chosen(session, mine)),
            OUTBOX.c.status == OutboxStatus.PENDING.value,
        )
        .values(status=OutboxStatus.SENT.value, sent_at=now, channel=WEB)
        .returning(*_DUE_COLUMNS)
    )
    due = _in_order(taken)  # read before the rows forget their tips
    await _forget_tips(session, [d.id for d in due])
    return due


async def resident_of(
    session: AsyncSession, channel: str, account: str, user_id: str
) -> tuple[str, str] | None:
    """(resident id, language) behind a channel identity, if there is one."""
    query = (
        select(Resident.id, Resident.lang)
        .join(ChannelIdentity, ChannelIdentity.resident_id == Resident.id)
        .where(
            ChannelIdentity.channel == channel,
            ChannelIdentity.account == account,
            ChannelIdentity.platform_user_id == user_id,
        )
    )
    row = (await session.execute(query)).first()
    return None if row is None else (row[0], row[1])
