"""The rules of casework that need no database: what a tip in a status, on a track, offers to
whom, how far off its deadline is, when the decision deadline may be extended, which outcomes
a track has, and what an officer's text must look like. storage/casework/ reads the tip and
the caller, then asks these."""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

from content import legal
from content.text import clean
from handlers import deadlines as law
from handlers.casework.ports import CaseTip
from handlers.deadlines import NO_DUE, Calendar, Deadlines, days_left, is_overdue, next_extension
from handlers.errors import BadInput, Conflict, Forbidden
from handlers.tips.words import (
    OUTCOMES,
    TRACK_STATUSES,
    IllegalTransition,
    Resolution,
    TipStatus,
    Track,
    move,
)

DUE_SOON_DAYS = 1  # a deadline today or tomorrow is "due soon"
MAX_NOTE = 4000
MAX_QUESTION = 1000
MIN_REASON = 5
MAX_REASON = 500
MAX_BODY = 200  # the name of a receiving body or a mediation team
MAX_DECISION_NUMBER = 64
# A track may change while the tip is still the commune's: not once forwarded, suspended or
# closed.
RETRACKABLE = frozenset(
    {TipStatus.NEW, TipStatus.ACKNOWLEDGED, TipStatus.VERIFYING, TipStatus.MEDIATING}
)


class Action(StrEnum):
    """What a signed-in user may do to one tip (TipDetail.allowed)."""

    TAKE = "take"
    ASSIGN = "assign"
    URGENCY = "urgency"
    ACKNOWLEDGE = "acknowledge"
    VERIFY = "verify"
    MEDIATE = "mediate"
    ASK = "ask"
    FORWARD = "forward"
    EXTEND = "extend"
    RESUME = "resume"
    TRACK = "track"
    PROTECT = "protect"
    CLOSE = "close"
    NOTE = "note"
    REVEAL = "reveal"


class DueState(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    OK = "ok"
    NONE = "none"  # closed, suspended, or nothing running on its track


def shown_due(next_due: date | None) -> date | None:
    """The next deadline as people read it: none where only the queue's sort key stands."""
    return None if next_due is None or next_due >= NO_DUE else next_due


def due_state(status: TipStatus, next_due: date | None, today: date) -> DueState:
    next_due = shown_due(next_due)
    if status in (TipStatus.CLOSED, TipStatus.SUSPENDED) or next_due is None:
        return DueState.NONE
    left = days_left(next_due, today)
    if left < 0:
        return DueState.OVERDUE
    return DueState.DUE_SOON if left <= DUE_SOON_DAYS else DueState.OK


def due(status: TipStatus, next_due: date | None, today: date) -> tuple[DueState, int | None]:
    """The deadline's state and the days left (None once closed)."""
    state = due_state(status, next_due, today)
    shown = shown_due(next_due)
    if state is DueState.NONE or shown is None:
        return state, None
    return state, days_left(shown, today)


def allowed_actions(
    tip: CaseTip,
    *,
    assigned_to_me: bool,
    takes_work: bool,
    assigns_work: bool,
    today: date,
    reveals: bool = False,
) -> frozenset[Action]:
    """What the caller may do to a tip: `takes_work` is false for a province admin (they
    assign instead), `assigns_work` true for a chief or a province admin, `reveals` true for
    the tip's assigned officer and the commune's chief (handlers/people.py `may_reveal`)."""
    status, track = tip.status, tip.track
    allowed = {Action.NOTE}
    if tip.contact_sealed and reveals:
        allowed.add(Action.REVEAL)
    if status is TipStatus.CLOSED:
        return frozenset(allowed)
    allowed |= {Action.URGENCY, Action.PROTECT}
    if status is not TipStatus.SUSPENDED:
        allowed.add(Action.CLOSE)
    if not assigned_to_me and takes_work and (tip.assignee_id is None or assigns_work):
        allowed.add(Action.TAKE)  # a colleague's tip only through the chief (issue 18)
    if assigns_work:
        allowed.add(Action.ASSIGN)
    if status is TipStatus.NEW:
        allowed.add(Action.ACKNOWLEDGE)
    if _may_move(status, TipStatus.VERIFYING, track) and status is not TipStatus.SUSPENDED:
        allowed.add(Action.VERIFY)
    if _may_move(status, TipStatus.MEDIATING, track):
        allowed.add(Action.MEDIATE)
    if _may_move(status, TipStatus.FORWARDED, track) and status is not TipStatus.SUSPENDED:
        allowed.add(Action.FORWARD)
    if status is TipStatus.SUSPENDED:
        allowed.add(Action.RESUME)
    if status in RETRACKABLE and not tip.extensions:
        allowed.add(Action.TRACK)
    if may_extend(tip, today):
        allowed.add(Action.EXTEND)
    if tip.has_reporter:
        allowed.add(Action.ASK)
    return frozenset(allowed)


def _may_move(current: TipStatus, target: TipStatus, track: Track) -> bool:
    try:
        move(current, target, track)
    except IllegalTransition:
        return False
    return True


def may_extend(tip: CaseTip, today: date) -> bool:
    if tip.status in (TipStatus.CLOSED, TipStatus.SUSPENDED) or tip.decision_due is None:
        return False
    rule = next_extension(tip.deadlines, tip.track, resumed=tip.resumed_at is not None)
    return rule is not None and not is_overdue(tip.decision_due, today)


def check_may_take(
    takes_work: bool, assignee_id: int | None = None, actor_id: int = 0, assigns: bool = False
) -> None:
    """A province admin assigns instead; an officer takes a tip no one holds (a colleague's
    only through the chief, who may take any): taking it would also open the reporter's
    contact details to them (handlers/people.py `may_reveal`)."""
    if not takes_work:
        raise Forbidden(detail="a province admin assigns tips instead of taking them")
    if assignee_id is not None and assignee_id != actor_id and not assigns:
        raise Conflict("taken", "a colleague holds the tip: the chief reassigns it")


def check_may_assign(assigns_work: bool) -> None:
    if not assigns_work:
        raise Forbidden(detail="only a chief or a province admin assigns tips")


def check_open(status: TipStatus) -> None:
    if status is TipStatus.CLOSED:
        raise Conflict("closed", "the tip is closed")


def checked_move(current: TipStatus, target: TipStatus, track: Track) -> TipStatus:
    """The transition table's answer as a refusal of the domain."""
    try:
        return move(current, target, track)
    except IllegalTransition as exc:
        raise Conflict("transition", str(exc)) from exc


def checked_track(value: str) -> Track:
    if value not in {t.value for t in Track}:
        raise BadInput("track", "choose one of the tracks")
    return Track(value)


def check_retrackable(status: TipStatus, extensions: int = 0) -> None:
    if status is TipStatus.CLOSED:
        raise Conflict("closed", "the tip is closed")
    if status not in RETRACKABLE:
        raise Conflict("track_locked", f"a {status.value} tip keeps its track")
    if extensions:  # its extensions and the procuracy's decision stay on record
        raise Conflict("track_extended", "an extended tip keeps its track")


def status_on(track: Track, status: TipStatus) -> TipStatus:
    """Where a tip stands on its new track: a mediation's or a check's progress becomes
    "acknowledged" where the new track has no such status."""
    if status in TRACK_STATUSES[track]:
        return status
    return TipStatus.ACKNOWLEDGED


def extended(
    tip: CaseTip,
    today: date,
    workdays: Calendar,
    *,
    decision_number: str = "",
    decision_date: date | None = None,
    requested_on: date | None = None,
) -> tuple[Deadlines, str, date | None]:
    """The deadlines after one more extension of the decision deadline, the procuracy's
    decision number and date where the extension needs one. Refused after the deadline, on a
    track or at a count that has none, and for the second (TTLT 01/2017 art. 11): without
    the decision's number and date, with a date in the future or before receipt, or asked
    for fewer days before the first ends than the rule says."""
    d = tip.deadlines
    if d.decision_due is None or tip.status in (TipStatus.CLOSED, TipStatus.SUSPENDED):
        raise Conflict("extension_none", "this tip has no decision deadline to extend")
    if is_overdue(d.decision_due, today):
        # An extension is asked for before the deadline ends; one recorded afterwards would
        # also erase the miss from the statistics.
        raise Conflict("extension_late", "the decision deadline has already passed")
    if tip.resumed_at is not None:
        raise Conflict("extension_resumed", "the month after a resumption is not extended")
    rule = next_extension(d, tip.track)
    if rule is None and legal.rule(tip.track.value, "extension_1") is None:
        raise Conflict("extension_track", "this track's deadline is not extended")
    if rule is None:
        raise Conflict("extension_limit", "no further extension is allowed")
    number, on = "", None
    for given, code in ((decision_date, "decision_date_future"), (requested_on, "requested_on")):
        if given is not None and given > today:  # whatever the extension, never the future
            raise BadInput(code, "the date is in the future")
    if rule.needs_decision:
        number = clean(decision_number)[: MAX_DECISION_NUMBER + 1]
        if not number:
            raise BadInput("decision_number", "the procuracy's decision number is needed")
        if len(number) > MAX_DECISION_NUMBER:
            raise BadInput("decision_number", "the decision number is too long")
        if decision_date is None:
            raise BadInput("decision_date", "the date of the procuracy's decision is needed")
        if decision_date > today:
            raise BadInput("decision_date_future", "the decision date is in the future")
        if decision_date < d.received_on:
            raise BadInput("decision_date_early", "the decision is dated before the tip")
        asked = requested_on or today
        if requested_on is not None and (requested_on > today or requested_on < d.received_on):
            raise BadInput("requested_on", "the request date is not possible")
        before = rule.request_before_days or 0
        if days_left(d.decision_due, asked) < before:
            raise Conflict(
                "extension_request_late",
                f"the second extension is asked for at least {before} days before the first ends",
                days=before,
            )
        on = decision_date
    try:
        return law.extend(d, tip.track, workdays), number, on
    except law.ExtensionNotAllowed as exc:
        raise Conflict("extension_limit", str(exc)) from exc


# The decisions of CPC art. 147(1): the investigation body's, recorded by the commune police
# once they forwarded the report to it (art. 146(3)).
BODYS_DECISIONS = frozenset(
    {Resolution.PROSECUTED, Resolution.NOT_PROSECUTED, Resolution.SUSPENDED}
)


def offered_outcomes(track: Track, status: TipStatus, *, forwarded: bool) -> list[Resolution]:
    """The outcomes a tip may be closed with now: its track's; "transferred" and the
    investigation body's decisions only once it was forwarded; a suspension only where the
    tip may be suspended."""
    offered = []
    for outcome in OUTCOMES[track]:
        needs_forward = outcome is Resolution.TRANSFERRED or outcome in BODYS_DECISIONS
        if needs_forward and not forwarded:
            continue
        if outcome is Resolution.SUSPENDED and not _may_move(status, TipStatus.SUSPENDED, track):
            continue
        offered.append(outcome)
    return offered


def is_a_decision(outcome: Resolution, track: Track) -> bool:
    """Whether an outcome decides the tip for its decision deadline: on the crime track only
    the investigation body's decisions (a transfer or a duplicate decides nothing there)."""
    if track is Track.CRIME:
        return outcome in BODYS_DECISIONS
    return outcome not in (Resolution.TRANSFERRED, Resolution.DUPLICATE)


def check_may_suspend(tip: CaseTip, today: date) -> None:
    """A suspension is decided when the time limit of art. 147 has run out (CPC art.
    148(1)): not before its last day."""
    if tip.decision_due is not None and today < tip.decision_due:
        raise Conflict(
            "suspension_early",
            "a suspension comes when the time limit runs out",
            date=tip.decision_due.strftime("%d/%m/%Y"),
        )


def checked_resolution(resolution: str, track: Track, *, forwarded: bool) -> Resolution:
    """An outcome of the tip's track; "transferred" and the investigation body's decisions
    only once it was forwarded."""
    if resolution not in {r.value for r in Resolution}:
        raise BadInput("resolution", "choose how the tip was resolved")
    decision = Resolution(resolution)
    if decision not in OUTCOMES[track]:
        raise BadInput("resolution_track", f"{decision.value} is no outcome of the {track} track")
    if decision is Resolution.TRANSFERRED and not forwarded:
        raise Conflict("transferred_unforwarded", "forward the tip first, naming the body")
    if decision in BODYS_DECISIONS and not forwarded:
        raise Conflict("decision_unforwarded", "the investigation body decides: forward it first")
    return decision


def checked_text(value: str, code: str, limit: int) -> str:
    value = clean(value)
    if not value:
        raise BadInput(code, f"{code} must not be empty")
    if len(value) > limit:
        raise BadInput(code, f"{code} is longer than {limit} characters")
    return value


# A phone number written into the name of a body would reach the reporter as is.
_PHONE_LIKE = re.compile(r"(?:\d[\s.\-]?){7,}")


def checked_body(name: str) -> str:
    """The name of the body a tip is forwarded to, as the reporter will read it: a body's
    name, never an officer's phone number."""
    name = checked_text(name, "forward_to", MAX_BODY)
    if _PHONE_LIKE.search(name):
        raise BadInput("forward_to_phone", "write the body's name, not a phone number")
    return name


def checked_reason(reason: str) -> str:
    reason = clean(reason)
    if len(reason) < MIN_REASON:
        raise BadInput("reason", f"a reason of at least {MIN_REASON} characters is needed")
    return reason[:MAX_REASON]


def procedure(track: Track, lang: str) -> str:
    """The procedure a track runs under, as the reporter is told."""
    return legal.track(track.value).procedure.get(lang)
