"""What an officer does with a tip: acknowledge it, check it, ask the reporter, forward it,
extend the decision deadline, close it, or write an internal note. A status change follows
the one transition table and is audited; the reporter is told through the outbox, in the
same transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from content.text import clean
from handlers.audit import AuditAction
from handlers.casework import rules
from handlers.casework.rules import MAX_NOTE, MAX_QUESTION
from handlers.deadlines import Deadlines, decided, local_date
from handlers.errors import Conflict
from handlers.tipmodel import Visibility
from handlers.tips.words import TipStatus
from storage import outbox
from storage.casework.area import load, working_on
from storage.casework.records import audit, event, notify, now_or
from storage.identity import Identity
from storage.models import Tip


async def _move(
    session: AsyncSession,
    actor: Identity,
    tip: Tip,
    target: TipStatus,
    *,
    ip: str,
    now: datetime,
) -> None:
    current = TipStatus(tip.status)
    rules.checked_move(current, target)
    tip.status = target.value
    tip.updated_at = now
    await audit(
        session,
        actor,
        AuditAction.TIP_STATUS,
        tip,
        detail=f"{current.value}>{target.value}",
        ip=ip,
        now=now,
    )


def _deadlines(tip: Tip) -> Deadlines:
    return Deadlines(
        tip.received_on, tip.ack_due, tip.decision_due, tip.extensions, tip.outcome_due
    )


async def acknowledge(
    session: AsyncSession,
    actor: Identity,
    tip_id: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Tell the reporter the tip was received and is being handled (the law's 3 working
    days); from now on the decision deadline is the one that runs."""
    tip = await load(session, actor, tip_id, for_update=True)
    now = now_or(now)
    await _move(session, actor, tip, TipStatus.ACKNOWLEDGED, ip=ip, now=now)
    tip.acknowledged_at = now
    tip.next_due = tip.decision_due
    event(session, tip, "acknowledged", Visibility.REPORTER, "", actor, now)
    await notify(session, tip, outbox.Notice.ACKNOWLEDGED, {}, now)
    await session.flush()


async def verify(
    session: AsyncSession,
    actor: Identity,
    tip_id: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Start the preliminary check."""
    tip = await load(session, actor, tip_id, for_update=True)
    now = now_or(now)
    await _move(session, actor, tip, TipStatus.VERIFYING, ip=ip, now=now)
    event(session, tip, "verifying", Visibility.INTERNAL, "", actor, now)
    await session.flush()


async def ask_reporter(
    session: AsyncSession,
    actor: Identity,
    tip_id: str,
    question: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Send the reporter a question; the bot relays it under the tip code and their answer
    comes back into the timeline. The officer never learns who they are."""
    tip, now = await working_on(session, actor, tip_id, now)
    question = rules.checked_text(question, "question", MAX_QUESTION)
    if tip.resident_id is None:
        raise Conflict("no_reporter", "the reporter's account no longer exists")
    asked = event(session, tip, "question", Visibility.REPORTER, question, actor, now)
    tip.updated_at = now
    await session.flush()
    await notify(
        session,
        tip,
        outbox.Notice.QUESTION,
        {"question": question, "event_id": str(asked.id)},
        now,
    )
    await audit(session, actor, AuditAction.TIP_QUESTION, tip, ip=ip, now=now)
    await session.flush()


async def forward(
    session: AsyncSession,
    actor: Identity,
    tip_id: str,
    to: str,
    note: str = "",
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Hand the tip to the competent investigation body."""
    tip = await load(session, actor, tip_id, for_update=True)
    to = rules.checked_text(to, "forward_to", 200)
    now = now_or(now)
    await _move(session, actor, tip, TipStatus.FORWARDED, ip=ip, now=now)
    tip.forwarded_to = to
    event(session, tip, "forwarded", Visibility.REPORTER, "", actor, now)
    event(session, tip, "forwarded_to", Visibility.INTERNAL, to, actor, now)
    if note.strip():
        event(
            session,
            tip,
            "note",
            Visibility.INTERNAL,
            rules.checked_text(note, "note", MAX_NOTE),
            actor,
            now,
        )
    await notify(session, tip, outbox.Notice.FORWARDED, {}, now)
    await session.flush()


async def extend_deadline(
    session: AsyncSession,
    actor: Identity,
    tip_id: str,
    reason: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Extend the decision deadline (to 2 months from receipt, then 4), for a reason."""
    tip, now = await working_on(session, actor, tip_id, now)
    reason = rules.checked_reason(reason)
    extended = rules.extended(_deadlines(tip), local_date(now))
    tip.decision_due = extended.decision_due
    tip.extensions = extended.extensions
    if tip.status != TipStatus.NEW.value:
        tip.next_due = extended.decision_due
    tip.updated_at = now
    due = extended.decision_due.isoformat()
    event(session, tip, "extended", Visibility.REPORTER, due, actor, now)
    event(session, tip, "extension_reason", Visibility.INTERNAL, reason, actor, now)
    await audit(
        session, actor, AuditAction.TIP_EXTEND, tip, detail=due, reason=reason, ip=ip, now=now
    )
    await notify(session, tip, outbox.Notice.EXTENDED, {"decision_due": due}, now)
    await session.flush()


async def close(
    session: AsyncSession,
    actor: Identity,
    tip_id: str,
    resolution: str,
    note: str = "",
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Decide the tip: the reporter is told the outcome and asked to rate it (1-5)."""
    rules.checked_resolution(resolution)
    tip = await load(session, actor, tip_id, for_update=True)
    note = clean(note)[:MAX_NOTE]
    now = now_or(now)
    await _move(session, actor, tip, TipStatus.CLOSED, ip=ip, now=now)
    tip.outcome_due = decided(_deadlines(tip), now).outcome_due
    tip.closed_at = now
    tip.resolution = resolution
    tip.resolution_note = note
    tip.next_due = local_date(now)
    event(session, tip, "closed", Visibility.REPORTER, resolution, actor, now)
    if note:
        event(session, tip, "note", Visibility.INTERNAL, note, actor, now)
    await notify(session, tip, outbox.Notice.CLOSED, {"resolution": resolution}, now)
    await session.flush()


async def add_note(
    session: AsyncSession,
    actor: Identity,
    tip_id: str,
    body: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """An internal note: police only, never shown to the reporter."""
    tip = await load(session, actor, tip_id)
    now = now_or(now)
    event(
        session,
        tip,
        "note",
        Visibility.INTERNAL,
        rules.checked_text(body, "note", MAX_NOTE),
        actor,
        now,
    )
    await session.flush()
