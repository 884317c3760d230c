"""The panel's forms for the actions on a tip, read into calls of their use cases
(handlers/casework/). Only parsing lives here: what the form says and how it maps to the
use case's arguments; every rule is the use case's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import date

from handlers import casework as cases
from handlers.casework.ports import CaseStore
from handlers.casework.rules import Action
from handlers.deadlines import Calendar
from handlers.errors import BadInput, NotFound
from handlers.people import Identity

Form = Mapping[str, str]


@dataclass(frozen=True)
class Call:
    """One posted action: who asks it of which tip, what the form says, from where, and the
    working days that deadlines are counted on (the app's holiday calendar)."""

    store: CaseStore
    who: Identity
    tip: str
    form: Form
    ip: str
    workdays: Calendar

    def field(self, name: str) -> str:
        return self.form.get(name, "")


Run = Callable[[Call], Awaitable[None]]


def assignee(raw: str) -> int | None:
    """The assignee field: a user id, or "" / "none" for nobody."""
    raw = raw.strip()
    if raw in ("", "none"):
        return None
    if not raw.isdigit():
        raise BadInput("assignee", "pick someone from the list")
    return int(raw)


def form_date(raw: str, code: str) -> date | None:
    """A date field of a form (YYYY-MM-DD, as <input type=date> sends it), None when empty;
    anything else is BadInput(code)."""
    raw = raw.strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise BadInput(code, f"{code} must be a date like 2026-12-05") from None


async def _take(c: Call) -> None:
    await cases.take(c.store, c.who, c.tip, ip=c.ip)


async def _assign(c: Call) -> None:
    await cases.assign(c.store, c.who, c.tip, assignee(c.field("assignee")), ip=c.ip)


async def _urgency(c: Call) -> None:
    urgent = c.field("urgent") == "1"
    await cases.set_urgency(c.store, c.who, c.tip, urgent, workdays=c.workdays, ip=c.ip)


async def _acknowledge(c: Call) -> None:
    await cases.acknowledge(c.store, c.who, c.tip, ip=c.ip)


async def _verify(c: Call) -> None:
    await cases.verify(c.store, c.who, c.tip, ip=c.ip)


async def _mediate(c: Call) -> None:
    # The team picked from the list, or typed when the commune's list lacks it.
    team = c.field("team").strip() or c.field("team_other")
    await cases.mediate(c.store, c.who, c.tip, team, ip=c.ip)


async def _ask(c: Call) -> None:
    await cases.ask_reporter(c.store, c.who, c.tip, c.field("question"), ip=c.ip)


async def _forward(c: Call) -> None:
    to, note = c.field("to"), c.field("note")
    await cases.forward(c.store, c.who, c.tip, to, note, workdays=c.workdays, ip=c.ip)


async def _extend(c: Call) -> None:
    await cases.extend_deadline(
        c.store,
        c.who,
        c.tip,
        c.field("reason"),
        decision_number=c.field("decision_number"),
        decision_date=form_date(c.field("decision_date"), "decision_date"),
        requested_on=form_date(c.field("requested_on"), "requested_on"),
        workdays=c.workdays,
        ip=c.ip,
    )


async def _track(c: Call) -> None:
    await cases.change_track(
        c.store, c.who, c.tip, c.field("track"), c.field("reason"), workdays=c.workdays, ip=c.ip
    )


async def _resume(c: Call) -> None:
    await cases.resume(c.store, c.who, c.tip, c.field("reason"), workdays=c.workdays, ip=c.ip)


async def _protect(c: Call) -> None:
    protection = c.field("protection")
    await cases.protect(c.store, c.who, c.tip, protection, workdays=c.workdays, ip=c.ip)


async def _close(c: Call) -> None:
    await cases.close(
        c.store,
        c.who,
        c.tip,
        c.field("resolution"),
        c.field("note"),
        workdays=c.workdays,
        ip=c.ip,
    )


async def _note(c: Call) -> None:
    await cases.add_note(c.store, c.who, c.tip, c.field("body"), ip=c.ip)


async def _thank(c: Call) -> None:
    await cases.thank(c.store, c.who, c.tip, ip=c.ip)


THANK = "thank"  # issue 20: its form is the partial tips/_thanks.html


# Every action of the generic route (reveal has its own page and answer).
RUNS: dict[str, Run] = {
    Action.TAKE: _take,
    Action.ASSIGN: _assign,
    Action.URGENCY: _urgency,
    Action.ACKNOWLEDGE: _acknowledge,
    Action.VERIFY: _verify,
    Action.MEDIATE: _mediate,
    Action.ASK: _ask,
    Action.FORWARD: _forward,
    Action.EXTEND: _extend,
    Action.TRACK: _track,
    Action.RESUME: _resume,
    Action.PROTECT: _protect,
    Action.CLOSE: _close,
    Action.NOTE: _note,
    THANK: _thank,
}
ACTIONS = frozenset(RUNS)


async def run(
    action: str,
    store: CaseStore,
    who: Identity,
    tip_id: str,
    form: Form,
    ip: str,
    *,
    workdays: Calendar = frozenset(),
) -> None:
    """One action on a tip, through its use case; an unknown action is NotFound."""
    found = RUNS.get(action)
    if found is None:
        raise NotFound(detail="no such action")
    await found(Call(store, who, tip_id, form, ip, workdays))
