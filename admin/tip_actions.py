"""The panel's forms for the actions on a tip, read into calls of their use cases
(handlers/casework/). Only parsing lives here: what the form says and how it maps to the
use case's arguments; every rule is the use case's."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping

from handlers import casework as cases
from handlers.casework.ports import CaseStore
from handlers.casework.rules import Action
from handlers.errors import BadInput, NotFound
from handlers.people import Identity

Form = Mapping[str, str]
Run = Callable[[CaseStore, Identity, str, Form, str], Awaitable[None]]


def assignee(raw: str) -> int | None:
    """The assignee field: a user id, or "" / "none" for nobody."""
    raw = raw.strip()
    if raw in ("", "none"):
        return None
    if not raw.isdigit():
        raise BadInput("assignee", "pick someone from the list")
    return int(raw)


async def _take(s: CaseStore, who: Identity, tip: str, form: Form, ip: str) -> None:
    await cases.take(s, who, tip, ip=ip)


async def _assign(s: CaseStore, who: Identity, tip: str, form: Form, ip: str) -> None:
    await cases.assign(s, who, tip, assignee(form.get("assignee", "")), ip=ip)


async def _urgency(s: CaseStore, who: Identity, tip: str, form: Form, ip: str) -> None:
    await cases.set_urgency(s, who, tip, form.get("urgent") == "1", ip=ip)


async def _acknowledge(s: CaseStore, who: Identity, tip: str, form: Form, ip: str) -> None:
    await cases.acknowledge(s, who, tip, ip=ip)


async def _verify(s: CaseStore, who: Identity, tip: str, form: Form, ip: str) -> None:
    await cases.verify(s, who, tip, ip=ip)


async def _ask(s: CaseStore, who: Identity, tip: str, form: Form, ip: str) -> None:
    await cases.ask_reporter(s, who, tip, form.get("question", ""), ip=ip)


async def _forward(s: CaseStore, who: Identity, tip: str, form: Form, ip: str) -> None:
    await cases.forward(s, who, tip, form.get("to", ""), form.get("note", ""), ip=ip)


async def _extend(s: CaseStore, who: Identity, tip: str, form: Form, ip: str) -> None:
    await cases.extend_deadline(s, who, tip, form.get("reason", ""), ip=ip)


async def _close(s: CaseStore, who: Identity, tip: str, form: Form, ip: str) -> None:
    resolution, note = form.get("resolution", ""), form.get("note", "")
    await cases.close(s, who, tip, resolution, note, ip=ip)


async def _note(s: CaseStore, who: Identity, tip: str, form: Form, ip: str) -> None:
    await cases.add_note(s, who, tip, form.get("body", ""), ip=ip)


# Every action of the generic route (reveal has its own page and answer).
RUNS: dict[str, Run] = {
    Action.TAKE: _take,
    Action.ASSIGN: _assign,
    Action.URGENCY: _urgency,
    Action.ACKNOWLEDGE: _acknowledge,
    Action.VERIFY: _verify,
    Action.ASK: _ask,
    Action.FORWARD: _forward,
    Action.EXTEND: _extend,
    Action.CLOSE: _close,
    Action.NOTE: _note,
}
ACTIONS = frozenset(RUNS)


async def run(
    action: str, store: CaseStore, who: Identity, tip_id: str, form: Form, ip: str
) -> None:
    """One action on a tip, through its use case; an unknown action is NotFound."""
    found = RUNS.get(action)
    if found is None:
        raise NotFound(detail="no such action")
    await found(store, who, tip_id, form, ip)
