"""What an officer does with a tip: acknowledge it, check it, hand it to a mediation team,
ask the reporter, forward it, extend the decision deadline, change its track, suspend and
resume it, record the reporter's protection, close it, or write an internal note. A status
change follows the one transition table of the tip's track and is audited; the reporter is
told through the outbox, in the same unit of work, in the words of the procedure that applies
to them."""

from __future__ import annotations

from datetime import date, datetime

from content.text import clean
from handlers import deadlines as law
from handlers.audit import AuditAction
from handlers.casework import rules
from handlers.casework.load import locked, now_or, working_on
from handlers.casework.ports import CaseStore, CaseTip
from handlers.casework.rules import MAX_BODY, MAX_NOTE, MAX_QUESTION
from handlers.deadlines import Calendar, local_date
from handlers.errors import BadInput, Conflict
from handlers.notices import Notice
from handlers.people import Identity, check_sees_tips
from handlers.tipmodel import Visibility
from handlers.tips.words import Protection, Resolution, TipStatus, Track

FORWARD_TO_LIMIT = MAX_BODY


async def _move(
    store: CaseStore,
    actor: Identity,
    tip: CaseTip,
    target: TipStatus,
    ip: str,
    now: datetime,
    reason: str = "",
) -> None:
    current = tip.status
    tip.status = rules.checked_move(current, target, tip.track)
    tip.updated_at = now
    detail = f"{current.value}>{target.value}"
    await store.audit(
        actor, AuditAction.TIP_STATUS, tip, detail=detail, reason=reason, ip=ip, now=now
    )


async def acknowledge(
    store: CaseStore, actor: Identity, tip_id: str, *, ip: str = "", now: datetime | None = None
) -> None:
    """Tell the reporter the tip was received and under which procedure it is handled."""
    tip = await locked(store, actor, tip_id)
    now = now_or(now)
    await _move(store, actor, tip, TipStatus.ACKNOWLEDGED, ip, now)
    tip.acknowledged_at = now
    tip.refresh_due()
    await store.save(tip)
    await store.add_event(tip, "acknowledged", Visibility.REPORTER, "", actor, now)
    await store.notify(tip, Notice.ACKNOWLEDGED, {"track": tip.track.value}, now)


async def verify(
    store: CaseStore, actor: Identity, tip_id: str, *, ip: str = "", now: datetime | None = None
) -> None:
    """Start the preliminary check (on the fire-risk track: the fire-safety check)."""
    tip = await locked(store, actor, tip_id)
    now = now_or(now)
    await _move(store, actor, tip, TipStatus.VERIFYING, ip, now)
    tip.refresh_due()
    await store.save(tip)
    await store.add_event(tip, "verifying", Visibility.INTERNAL, "", actor, now)


async def mediate(
    store: CaseStore,
    actor: Identity,
    tip_id: str,
    team: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Hand a neighbourhood dispute to a mediation team of the commune (its members are
    contacts the chief keeps); the reporter is told the mediation team has it."""
    tip = await locked(store, actor, tip_id)
    team = rules.checked_text(team, "mediation_team", MAX_BODY)
    now = now_or(now)
    await _move(store, actor, tip, TipStatus.MEDIATING, ip, now)
    tip.mediation_team = team
    tip.refresh_due()
    await store.save(tip)
    await store.add_event(tip, "mediating", Visibility.INTERNAL, team, actor, now)
    await store.notify(tip, Notice.MEDIATING, {}, now)


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
    workdays: Calendar = frozenset(),
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Pass the tip on to the competent body (CPC arts. 145(1), 146: a report is never
    refused, it is passed on), and tell the reporter where it went. Forwarding also tells
    the reporter it was received, so it stands for the acknowledgement when it comes first."""
    tip = await locked(store, actor, tip_id)
    if tip.status is TipStatus.SUSPENDED:
        raise Conflict("suspended", "a suspended tip is resumed first")
    to = rules.checked_body(to)
    now = now_or(now)
    await _move(store, actor, tip, TipStatus.FORWARDED, ip, now)
    note = rules.checked_text(note, "note", MAX_NOTE) if note.strip() else ""
    tip.forwarded_to = to
    tip.forwarded_at = now
    if tip.acknowledged_at is None:
        tip.acknowledged_at = now
    # The investigation body's 20 days run from its receipt (CPC art. 147(1)).
    sent = law.forwarded(tip.deadlines, tip.track, local_date(now), workdays)
    tip.set_deadlines(sent, local_date(now))
    await store.save(tip)
    await store.add_event(tip, "forwarded", Visibility.REPORTER, to, actor, now)
    if note:
        await store.add_event(tip, "note", Visibility.INTERNAL, note, actor, now)
    await store.notify(tip, Notice.FORWARDED, {"to": to, "track": tip.track.value}, now)


async def extend_deadline(
    store: CaseStore,
    actor: Identity,
    tip_id: str,
    reason: str,
    *,
    decision_number: str = "",
    decision_date: date | None = None,
    requested_on: date | None = None,
    workdays: Calendar = frozenset(),
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Extend the decision deadline of a crime report, for a reason: the first by the
    handling unit (to 2 months from receipt), the second only with the procuracy's decision
    (its number and date), asked for in time (CPC art. 147(2))."""
    tip = await working_on(store, actor, tip_id)
    now = now_or(now)
    reason = rules.checked_reason(reason)
    extended, number, on = rules.extended(
        tip,
        local_date(now),
        workdays,
        decision_number=decision_number,
        decision_date=decision_date,
        requested_on=requested_on,
    )
    tip.set_deadlines(extended, local_date(now))
    if number:
        tip.extension_decision, tip.extension_decision_on = number, on
    tip.updated_at = now
    await store.save(tip)
    due = (extended.decision_due or now.date()).isoformat()
    await store.add_event(tip, "extended", Visibility.REPORTER, due, actor, now)
    await store.add_event(tip, "extension_reason", Visibility.INTERNAL, reason, actor, now)
    if number and on is not None:
        decision = f"{number} ({on.isoformat()})"
        await store.add_event(tip, "extension_decision", Visibility.INTERNAL, decision, actor, now)
    detail = f"{extended.extensions}:{due}" + (f":{number}" if number else "")
    await store.audit(
        actor, AuditAction.TIP_EXTEND, tip, detail=detail, reason=reason, ip=ip, now=now
    )
    await store.notify(tip, Notice.EXTENDED, {"decision_due": due}, now)


async def change_track(
    store: CaseStore,
    actor: Identity,
    tip_id: str,
    track: str,
    reason: str,
    *,
    workdays: Calendar = frozenset(),
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Run the tip under another procedure, for a reason: its deadlines are counted again
    from the day it was received, on the new track's rules; the reporter is told in plain
    words which procedure now applies. Only while the tip is still the commune's (not once
    forwarded, suspended or closed)."""
    target = rules.checked_track(track)
    tip = await locked(store, actor, tip_id)
    rules.check_retrackable(tip.status, tip.extensions)
    reason = rules.checked_reason(reason)
    if target is tip.track:
        raise Conflict("track_same", "the tip is already on that track")
    now = now_or(now)
    before = tip.track
    tip.track = target
    status = rules.status_on(target, tip.status)
    if status is not tip.status:
        detail = f"{tip.status.value}>{status.value}"
        await store.audit(actor, AuditAction.TIP_STATUS, tip, detail=detail, ip=ip, now=now)
        tip.status = status
    if tip.status is not TipStatus.MEDIATING:
        tip.mediation_team = ""
    # Domestic violence and child abuse are urgent by default.
    tip.urgent = tip.urgent or target is Track.VIOLENCE
    retracked = law.retracked(tip.deadlines, target, workdays, urgent=tip.urgent)
    tip.set_deadlines(retracked, local_date(now))
    tip.extension_decision, tip.extension_decision_on = "", None
    tip.updated_at = now
    await store.save(tip)
    change = f"{before.value}>{target.value}"
    await store.add_event(tip, "track", Visibility.REPORTER, target.value, actor, now)
    await store.add_event(tip, "track_reason", Visibility.INTERNAL, reason, actor, now)
    await store.audit(
        actor, AuditAction.TIP_TRACK, tip, detail=change, reason=reason, ip=ip, now=now
    )
    await store.notify(tip, Notice.TRACK_CHANGED, {"track": target.value}, now)


async def resume(
    store: CaseStore,
    actor: Identity,
    tip_id: str,
    reason: str,
    *,
    workdays: Calendar = frozenset(),
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Resume a suspended crime report once the reason for the suspension is gone (CPC art.
    149): back to the check, or to the body it had gone to; decided within the resumption
    rule's time."""
    tip = await locked(store, actor, tip_id)
    if tip.status is not TipStatus.SUSPENDED:
        raise Conflict("not_suspended", "only a suspended tip is resumed")
    reason = rules.checked_reason(reason)
    now = now_or(now)
    target = TipStatus.FORWARDED if tip.forwarded_at is not None else TipStatus.VERIFYING
    await _move(store, actor, tip, target, ip, now, reason)  # the audit log keeps why
    tip.outcome_due = None
    tip.resolution = ""
    tip.decided_at = None
    tip.resumed_at = now
    resumed = law.resumed(tip.deadlines, tip.track, local_date(now), workdays)
    tip.set_deadlines(resumed, local_date(now))
    await store.save(tip)
    due = (resumed.decision_due or local_date(now)).isoformat()
    await store.add_event(tip, "resumed", Visibility.REPORTER, due, actor, now)
    await store.add_event(tip, "resume_reason", Visibility.INTERNAL, reason, actor, now)
    await store.notify(tip, Notice.RESUMED, {"decision_due": due}, now)


async def protect(
    store: CaseStore,
    actor: Identity,
    tip_id: str,
    protection: str,
    *,
    workdays: Calendar = frozenset(),
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Record that the reporter asked for their identity to be kept secret, or is
    threatened (told by them in another way than the bot): the commune's chiefs are told at
    once and the tip shows the protection steps. Never lowered: a request stays on record."""
    if protection not in (Protection.SECRET, Protection.THREATENED):
        raise BadInput("protection", "choose what the reporter asked for")
    wanted = Protection(protection)
    tip = await working_on(store, actor, tip_id)
    if tip.protection is Protection.THREATENED or tip.protection is wanted:
        return
    now = now_or(now)
    tip.protection = wanted
    if wanted is Protection.THREATENED and not tip.urgent:
        tip.urgent = True  # the deadlines of an urgent tip are shorter
        urgent = law.with_urgency(tip.deadlines, tip.track, workdays, urgent=True)
        tip.set_deadlines(urgent, local_date(now))
    tip.updated_at = now
    await store.save(tip)
    await store.add_event(tip, "protection", Visibility.INTERNAL, wanted.value, actor, now)
    await store.audit(actor, AuditAction.TIP_PROTECT, tip, detail=wanted.value, ip=ip, now=now)


async def close(
    store: CaseStore,
    actor: Identity,
    tip_id: str,
    resolution: str,
    note: str = "",
    *,
    workdays: Calendar = frozenset(),
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Decide the tip with an outcome of its track: the reporter is told the outcome in
    plain words and asked to rate it (1-5). A crime report's suspension (CPC art. 148)
    leaves it open, suspended, to be resumed."""
    tip = await locked(store, actor, tip_id)
    decision = rules.checked_resolution(
        resolution, tip.track, forwarded=tip.forwarded_at is not None or bool(tip.forwarded_to)
    )
    note = clean(note)[:MAX_NOTE]
    now = now_or(now)
    target = TipStatus.SUSPENDED if decision is Resolution.SUSPENDED else TipStatus.CLOSED
    today = local_date(now)
    if decision is Resolution.SUSPENDED:
        rules.check_may_suspend(tip, today)
    await _move(store, actor, tip, target, ip, now)
    tip.outcome_due = law.decided(tip.deadlines, now, tip.track, workdays).outcome_due
    if decision is Resolution.SUSPENDED:  # the decision goes to the reporter within 24 h
        tip.outcome_due = law.suspension_notice_due(tip.track, now, workdays)
    if rules.is_a_decision(decision, tip.track):
        # A decision recorded after its deadline stays a miss, whatever comes after.
        if tip.decision_due is not None and tip.decision_due < today:
            tip.missed = tip.missed | {"decision"}
        tip.decided_at = now
    tip.resolution = decision.value
    tip.resolution_note = note
    if target is TipStatus.CLOSED:
        tip.closed_at = now
        tip.next_due = local_date(now)
    else:
        tip.refresh_due()
    await store.save(tip)
    await store.add_event(tip, target.value, Visibility.REPORTER, decision.value, actor, now)
    if note:
        await store.add_event(tip, "note", Visibility.INTERNAL, note, actor, now)
    params = {"resolution": decision.value, "track": tip.track.value}
    notice = Notice.SUSPENDED if target is TipStatus.SUSPENDED else Notice.CLOSED
    await store.notify(tip, notice, params, now)


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
