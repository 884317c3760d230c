"""The rules of casework that need no database: what a tip in a status offers to whom, how
far off its deadline is, when the decision deadline may be extended, and what an officer's
text must look like. storage/casework/ reads the tip and the caller, then asks these."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from content.text import clean
from handlers.deadlines import (
    EXTENDED_MONTHS,
    Deadlines,
    ExtensionNotAllowed,
    days_left,
    extend,
    is_overdue,
)
from handlers.errors import BadInput, Conflict, Forbidden
from handlers.tips.words import TRANSITIONS, IllegalTransition, Resolution, TipStatus, move

DUE_SOON_DAYS = 1  # a deadline today or tomorrow is "due soon"
MAX_NOTE = 4000
MAX_QUESTION = 1000
MIN_REASON = 5
MAX_REASON = 500


class Action(StrEnum):
    """What a signed-in user may do to one tip (TipDetail.allowed)."""

    TAKE = "take"
    ASSIGN = "assign"
    URGENCY = "urgency"
    ACKNOWLEDGE = "acknowledge"
    VERIFY = "verify"
    ASK = "ask"
    FORWARD = "forward"
    EXTEND = "extend"
    CLOSE = "close"
    NOTE = "note"
    REVEAL = "reveal"


class DueState(StrEnum):
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    OK = "ok"
    NONE = "none"  # closed: no deadline runs


def due_state(status: TipStatus, next_due: date | None, today: date) -> DueState:
    if status is TipStatus.CLOSED or next_due is None:
        return DueState.NONE
    left = days_left(next_due, today)
    if left < 0:
        return DueState.OVERDUE
    return DueState.DUE_SOON if left <= DUE_SOON_DAYS else DueState.OK


def due(status: TipStatus, next_due: date | None, today: date) -> tuple[DueState, int | None]:
    """The deadline's state and the days left (None once closed)."""
    state = due_state(status, next_due, today)
    if state is DueState.NONE or next_due is None:
        return state, None
    return state, days_left(next_due, today)


def allowed_actions(
    status: TipStatus,
    *,
    assigned_to_me: bool,
    takes_work: bool,
    assigns_work: bool,
    revealable: bool,
    has_reporter: bool,
    extensions: int,
    decision_due: date,
    today: date,
) -> frozenset[Action]:
    """What the caller may do to a tip: `takes_work` is false for a province admin (they
    assign instead), `assigns_work` true for a chief or a province admin, `revealable` when
    the reporter left sealed contact details."""
    allowed = {Action.NOTE}
    if revealable:
        allowed.add(Action.REVEAL)
    if status is TipStatus.CLOSED:
        return frozenset(allowed)
    allowed |= {Action.URGENCY, Action.CLOSE}
    if not assigned_to_me and takes_work:
        allowed.add(Action.TAKE)
    if assigns_work:
        allowed.add(Action.ASSIGN)
    if status is TipStatus.NEW:
        allowed.add(Action.ACKNOWLEDGE)
    if status is TipStatus.ACKNOWLEDGED:
        allowed.add(Action.VERIFY)
    if TipStatus.FORWARDED in TRANSITIONS[status]:
        allowed.add(Action.FORWARD)
    if may_extend(extensions, decision_due, today):
        allowed.add(Action.EXTEND)
    if has_reporter:
        allowed.add(Action.ASK)
    return frozenset(allowed)


def may_extend(extensions: int, decision_due: date, today: date) -> bool:
    return extensions < len(EXTENDED_MONTHS) and not is_overdue(decision_due, today)


def check_may_take(takes_work: bool) -> None:
    if not takes_work:
        raise Forbidden(detail="a province admin assigns tips instead of taking them")


def check_may_assign(assigns_work: bool) -> None:
    if not assigns_work:
        raise Forbidden(detail="only a chief or a province admin assigns tips")


def check_open(status: TipStatus) -> None:
    if status is TipStatus.CLOSED:
        raise Conflict("closed", "the tip is closed")


def checked_move(current: TipStatus, target: TipStatus) -> TipStatus:
    """The transition table's answer as a refusal of the domain."""
    try:
        return move(current, target)
    except IllegalTransition as exc:
        raise Conflict("transition", str(exc)) from exc


def extended(deadlines: Deadlines, today: date) -> Deadlines:
    """The deadlines after one more extension of the decision deadline."""
    if is_overdue(deadlines.decision_due, today):
        # The extension has to be asked for before the deadline (art. 147: 5 days before);
        # one recorded afterwards would also erase the miss from the statistics.
        raise Conflict("extension_late", "the decision deadline has already passed")
    try:
        return extend(deadlines)
    except ExtensionNotAllowed as exc:
        raise Conflict("extension_limit", str(exc)) from exc


def checked_resolution(resolution: str) -> Resolution:
    if resolution not in {r.value for r in Resolution}:
        raise BadInput("resolution", "choose how the tip was resolved")
    return Resolution(resolution)


def checked_text(value: str, code: str, limit: int) -> str:
    value = clean(value)
    if not value:
        raise BadInput(code, f"{code} must not be empty")
    if len(value) > limit:
        raise BadInput(code, f"{code} is longer than {limit} characters")
    return value


def checked_reason(reason: str) -> str:
    reason = clean(reason)
    if len(reason) < MIN_REASON:
        raise BadInput("reason", f"a reason of at least {MIN_REASON} characters is needed")
    return reason[:MAX_REASON]
