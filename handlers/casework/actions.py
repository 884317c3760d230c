"""What an officer does with a tip: acknowledge it, check it, ask the reporter, forward it,
extend the decision deadline, close it, or write an internal note. A status change follows
the one transition table and is audited; the reporter is told through the outbox, in the
same unit of work."""

from __future__ import annotations

from datetime import datetime

from content.text import clean
from handlers.audit import AuditAction
from handlers.casework import rules
from handlers.casework.load import locked, now_or, working_on
from handlers.casework.ports import CaseStore, CaseTip
from handlers.casework.rules import MAX_NOTE, MAX_QUESTION
from handlers.deadlines import decided, local_date
from handlers.errors import Conflict
from handlers.notices import Notice
from handlers.people import Identity, check_sees_tips
from handlers.tipmodel import Visibility
from handlers.tips.words import TipStatus

FORWARD_TO_LIMIT = 200


async def _move(
    store: CaseStore, actor: Identity, tip: CaseTip, target: TipStatus, ip: str, now: datetime
) -> None:
    current = tip.status
    tip.status = rules.checked_move(current, target)
    tip.updated_at = now
    detail = f"{current.value}>{target.value}"
    await store.audit(actor, AuditAction.TIP_STATUS, tip, detail=detail, ip=ip, now=now)


async def acknowledge(
    store: CaseStore, actor: Identity, tip_id: str, *, ip: str = "", now: datetime | None = None
) -> None:
    """Tell the reporter the tip was received and is being handled (the law's 3 working
    days); from now on the decision deadline is the one that runs."""
    tip = await locked(store, actor, tip_id)
    now = now_or(now)
    await _move(store, actor, tip, TipStatus.ACKNOWLEDGED, ip, now)
    tip.acknowledged_at = now
    tip.next_due = tip.decision_due
    await store.save(tip)
    await store.add_event(tip, "acknowledged", Visibility.REPORTER, "", actor, now)
    await store.notify(tip, Notice.ACKNOWLEDGED, {}, now)


async def verify(
    store: CaseStore, actor: Identity, tip_id: str, *, ip: str = "", now: datetime | None = None
) -> None:
    """Start the preliminary check."""
    tip = await locked(store, actor, tip_id)
    now = now_or(now)
    await _move(store, actor, tip, TipStatus.VERIFYING, ip, now)
    await store.save(tip)
    await store.add_event(tip, "verifying", Visibility.INTERNAL, "", actor, now)


async def ask_reporter(
    store: CaseStore,
    actor: Identity,
    tip_id: str,
    question: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Send the reporter a question; the bot relays it under the tip code and their answer
    comes back into the timeline. The officer never learns who they are."""
    tip = await working_on(store, actor, tip_id)
    now = now_or(now)
    question = rules.checked_text(question, "question", MAX_QUESTION)
    if not tip.has_reporter:
        raise Conflict("no_reporter", "the reporter's account no longer exists")
    tip.updated_at = now
    await store.save(tip)
    asked = await store.add_event(tip, "question", Visibility.REPORTER, question, actor, now)
    await store.notify(tip, Notice.QUESTION, {"question": question, "event_id": asked}, now)
    await store.audit(actor, AuditAction.TIP_QUESTION, tip, ip=ip, now=now)


async def forward(
    store: CaseStore,
    actor: Identity,
    tip_id: str,
    to: str,
    note: str = "",
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Hand the tip to the competent investigation body."""
    tip = await locked(store, actor, tip_id)
    to = rules.checked_text(to, "forward_to", FORWARD_TO_LIMIT)
    now = now_or(now)
    await _move(store, actor, tip, TipStatus.FORWARDED, ip, now)
    note = rules.checked_text(note, "note", MAX_NOTE) if note.strip() else ""
    tip.forwarded_to = to
    await store.save(tip)
    await store.add_event(tip, "forwarded", Visibility.REPORTER, "", actor, now)
    await store.add_event(tip, "forwarded_to", Visibility.INTERNAL, to, actor, now)
    if note:
        await store.add_event(tip, "note", Visibility.INTERNAL, note, actor, now)
    await store.notify(tip, Notice.FORWARDED, {}, now)


async def extend_deadline(
    store: CaseStore,
    actor: Identity,
    tip_id: str,
    reason: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Extend the decision deadline (to 2 months from receipt, then 4), for a reason."""
    tip = await working_on(store, actor, tip_id)
    now = now_or(now)
    reason = rules.checked_reason(reason)
    extended = rules.extended(tip.deadlines, local_date(now))
    tip.decision_due = extended.decision_due
    tip.extensions = extended.extensions
    if tip.status is not TipStatus.NEW:
        tip.next_due = extended.decision_due
    tip.updated_at = now
    await store.save(tip)
    due = extended.decision_due.isoformat()
    await store.add_event(tip, "extended", Visibility.REPORTER, due, actor, now)
    await store.add_event(tip, "extension_reason", Visibility.INTERNAL, reason, actor, now)
    await store.audit(actor, AuditAction.TIP_EXTEND, tip, detail=due, reason=reason, ip=ip, now=now)
    await store.notify(tip, Notice.EXTENDED, {"decision_due": due}, now)


async def close(
    store: CaseStore,
    actor: Identity,
    tip_id: str,
    resolution: str,
    note: str = "",
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Decide the tip: the reporter is told the outcome and asked to rate it (1-5)."""
    decision = rules.checked_resolution(resolution)
    tip = await locked(store, actor, tip_id)
    note = clean(note)[:MAX_NOTE]
    now = now_or(now)
    await _move(store, actor, tip, TipStatus.CLOSED, ip, now)
    tip.outcome_due = decided(tip.deadlines, now).outcome_due
    tip.closed_at = now
    tip.resolution = decision.value
    tip.resolution_note = note
    tip.next_due = local_date(now)
    await store.save(tip)
    await store.add_event(tip, "closed", Visibility.REPORTER, decision.value, actor, now)
    if note:
        await store.add_event(tip, "note", Visibility.INTERNAL, note, actor, now)
    await store.notify(tip, Notice.CLOSED, {"resolution": decision.value}, now)


async def add_note(
    store: CaseStore,
    actor: Identity,
    tip_id: str,
    body: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """An internal note: police only, never shown to the reporter. Closed tips take notes
    too (what happened afterwards)."""
    check_sees_tips(actor)
    tip = await store.load(actor, tip_id)
    body = rules.checked_text(body, "note", MAX_NOTE)
    await store.add_event(tip, "note", Visibility.INTERNAL, body, actor, now_or(now))
