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

What is owed to one resident (priority 0, not a broadcast's copy) is never settled
unreachable while they have a chat account that may come back: a row that finds none of
their accounts reachable, or is refused on each (blocked, or Zalo OA's 7-day window closed),
is set WAITING (`wait_for_resident`), out of claim_due's way, its created_at and payload
kept. When the resident writes again, unblocks or follows (storage/residents.py
set_reachable(…, True)), their waiting rows are released (`released`): pending again and due
at their own created_at, so that they go out at once, before anything queued since, in the
order they were written. A resident with no chat account at all, and a broadcast's copy, end
unreachable as before, and so does a summary that is only worth its day (NOT_OWED: an
officer's morning digest, the weekly scam digest), which would otherwise pile up for someone
away and arrive all at once. A waiting row older than the chat period is deleted by retention
(storage/retention.py), as a web chat message nobody fetched.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, cast

from sqlalchemy import Select, Table, Update, and_, case, exists, false, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notices import Notice
from storage.models import ChannelIdentity, OutboxMessage, Resident

__all__ = [
    "Due",
    "Notice",
    "OutboxStatus",
    "Recipient",
    "Undelivered",
    "WaitReason",
    "claim_due",
    "mark_sending",
    "notify_reporter",
    "recipient",
    "released",
    "resident_of",
    "settle",
    "settle_taken",
    "take_for_chat",
    "undelivered_of_tip",
    "wait_for_resident",
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
    # Owed to a resident who cannot be reached now: goes out when they come back.
    WAITING = "waiting"


STATUSES = frozenset(s.value for s in OutboxStatus)


# Priority 0 but not owed: a summary of a day (or a week) that the next one replaces. It is
# not kept for someone away, to arrive with a pile of others when they come back.
NOT_OWED = frozenset({str(Notice.OFFICER_DIGEST), str(Notice.WEEKLY_DIGEST)})


class WaitReason(StrEnum):
    """Why a row waits (its last_error, and the worker's log line): never whom for."""

    BLOCKED = "blocked"  # the platform refused: the resident blocked the bot, or left
    OUTSIDE_WINDOW = "outside_window"  # Zalo OA takes no free message after 7 days
    NO_CHANNEL = "no_channel"  # none of the resident's chat accounts is reachable now


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
    # Owed to this one resident (priority 0, no broadcast, not a summary of the day): waits
    # for them rather than ending unreachable.
    owed: bool = False


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
    owed = row.broadcast_id is None and row.priority == 0 and row.kind not in NOT_OWED
    return Due(
        row.id, row.resident_id, row.kind, payload, row.attempts, row.broadcast_id, in_doubt, owed
    )


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
    """Take up to `limit` pending rows that are due, for `lease` (a waiting row is not: it
    waits for its resident): every due row owed to one resident (priority 0) before any
    broadcast's (1), each oldest first (the index ix_outbox_pending_priority). The caller
    commits at once, so that the rows are locked for a moment only."""
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
    """A resident's language and reachable channel identities, the newest first; `away`:
    those marked unreachable (blocked, or Zalo OA's window closed), which may come back."""

    lang: str
    identities: tuple[Identity, ...]
    away: tuple[Identity, ...] = ()


async def recipient(session: AsyncSession, resident_id: str) -> Recipient | None:
    lang = await session.scalar(select(Resident.lang).where(Resident.id == resident_id))
    if lang is None:
        return None
    query = (
        select(
            ChannelIdentity.channel,
            ChannelIdentity.account,
            ChannelIdentity.platform_user_id,
            ChannelIdentity.reachable,
        )
        .where(ChannelIdentity.resident_id == resident_id)
        .order_by(ChannelIdentity.created_at.desc(), ChannelIdentity.id.desc())
    )
    rows = (await session.execute(query)).all()
    reachable = tuple(Identity(r[0], r[1], r[2]) for r in rows if r[3])
    away = tuple(Identity(r[0], r[1], r[2]) for r in rows if not r[3])
    return Recipient(lang, reachable, away)


async def wait_for_resident(
    session: AsyncSession,
    message_id: int,
    resident_id: str,
    reason: WaitReason,
    pushable: Iterable[tuple[str, str]],
    now: datetime,
    *,
    retry_at: datetime | None = None,
) -> OutboxStatus | None:
    """Set a claimed row WAITING for its resident to come back; what it became, None when
    something else settled it first. One statement: should one of the resident's accounts
    on a channel the worker pushes on (`pushable`: channel, account) have become reachable
    meanwhile (they wrote between the refusal and now, and their waiting rows were released
    before this one waited), the row stays PENDING and due now instead, never left waiting
    for a resident who is back. With `retry_at` (the resident's chats could not be marked
    away, so their next message might not release it: bot/outbox.py), the row stays PENDING,
    due then, its attempts not counted."""
    now = now.astimezone(UTC)
    later = OUTBOX.c.due_at if retry_at is None else retry_at.astimezone(UTC)
    otherwise = OutboxStatus.WAITING if retry_at is None else OutboxStatus.PENDING
    channels = [
        and_(ChannelIdentity.channel == channel, ChannelIdentity.account == account)
        for channel, account in pushable
    ]
    back = (
        exists().where(
            ChannelIdentity.resident_id == resident_id,
            ChannelIdentity.reachable.is_(True),
            or_(*channels),
        )
        if channels
        else false()
    )
    done = await session.execute(
        update(OUTBOX)
        .where(OUTBOX.c.id == message_id, OUTBOX.c.status == OutboxStatus.PENDING.value)
        .values(
            status=case((back, OutboxStatus.PENDING.value), else_=otherwise.value),
            due_at=case((back, now), else_=later),
            last_error=reason.value,
        )
        .returning(OUTBOX.c.status)
    )
    status = done.scalar()
    return None if status is None else OutboxStatus(status)


def released(resident: str | Select[Any]) -> Update:
    """The statement that releases the waiting rows of `resident` (an id, or a query of
    ids): pending again, due at their own created_at (due now, and ahead of anything queued
    since, in the order they were written). The index ix_outbox_resident (resident_id,
    status) finds them."""
    of = (
        OUTBOX.c.resident_id == resident
        if isinstance(resident, str)
        else OUTBOX.c.resident_id.in_(resident)
    )
    return (
        update(OUTBOX)
        .where(of, OUTBOX.c.status == OutboxStatus.WAITING.value)
        .values(
            status=OutboxStatus.PENDING.value, due_at=OUTBOX.c.created_at, channel="", last_error=""
        )
    )


@dataclass(frozen=True)
class Undelivered:
    """A message to a tip's reporter not delivered (yet), as the tip page lists it;
    `channel` is WEB for a pending one kept for the web chat until its page fetches it."""

    kind: str
    status: OutboxStatus
    created_at: datetime
    channel: str = ""


async def undelivered_of_tip(session: AsyncSession, tip_id: str) -> list[Undelivered]:
    """The tip's messages to its reporter that have not been delivered, oldest first (a
    delivered one forgets its tip: _forget_tips). The caller checked the tip is the
    reader's."""
    query = (
        select(OUTBOX.c.kind, OUTBOX.c.status, OUTBOX.c.created_at, OUTBOX.c.channel)
        .where(OUTBOX.c.tip_id == tip_id, OUTBOX.c.status != OutboxStatus.SENT.value)
        .order_by(OUTBOX.c.id)
    )
    rows = (await session.execute(query)).all()
    return [
        Undelivered(kind, OutboxStatus(status), _aware(created_at), channel or "")
        for kind, status, created_at, channel in rows
        if status in STATUSES
    ]


def _aware(at: datetime) -> datetime:
    """SQLite hands timestamps back without their zone; they are stored in UTC."""
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


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
