"""Who works on a tip and how urgent it is: an officer takes it, a chief or a province admin
assigns it, anyone on it marks it urgent or not. Each change goes to the timeline (police
only) and the audit log; doing what is already done changes nothing and writes nothing."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from content import areas
from handlers import deadlines
from handlers.audit import AuditAction
from handlers.casework import rules
from handlers.casework.load import now_or, working_on
from handlers.casework.ports import CaseStore, CaseTip, Colleague
from handlers.deadlines import Calendar
from handlers.errors import BadInput, Conflict, NotFound
from handlers.people import Identity, assigns_work, check_sees_tips, in_area, takes_work
from handlers.tipmodel import Visibility
from handlers.tips.words import Protection


async def take(
    store: CaseStore, actor: Identity, tip_id: str, *, ip: str = "", now: datetime | None = None
) -> None:
    """The signed-in officer takes the tip on."""
    tip = await working_on(store, actor, tip_id, partial(rules.check_may_take, takes_work(actor)))
    rules.check_may_take(True, tip.assignee_id, actor.id, assigns_work(actor))
    await _set_assignee(store, actor, tip, actor.id, actor.username, ip, now_or(now))


async def assign(
    store: CaseStore,
    actor: Identity,
    tip_id: str,
    assignee_id: int | None,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """A chief or province admin gives the tip to an officer of its commune (None: nobody)."""
    may = partial(rules.check_may_assign, assigns_work(actor))
    tip = await working_on(store, actor, tip_id, may)
    username = ""
    if assignee_id is not None:
        found = {c.id: c for c in await store.colleagues(tip.commune_code)}
        if assignee_id not in found:
            raise BadInput("assignee", "that person cannot take tips of this commune")
        username = found[assignee_id].username
    await _set_assignee(store, actor, tip, assignee_id, username, ip, now_or(now))


async def _set_assignee(
    store: CaseStore,
    actor: Identity,
    tip: CaseTip,
    assignee_id: int | None,
    username: str,
    ip: str,
    now: datetime,
) -> None:
    if tip.assignee_id == assignee_id:
        return
    tip.assignee_id = assignee_id
    tip.updated_at = now
    await store.save(tip)
    await store.add_event(tip, "assigned", Visibility.INTERNAL, username, actor, now)
    detail = username or "-"
    await store.audit(actor, AuditAction.TIP_ASSIGN, tip, detail=detail, ip=ip, now=now)


async def set_urgency(
    store: CaseStore,
    actor: Identity,
    tip_id: str,
    urgent: bool,
    *,
    workdays: Calendar = frozenset(),
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Mark the tip urgent or not: an urgent tip's acknowledgement and forwarding are due
    sooner (a crime report within 24 hours, TTLT 01/2017 art. 8(5)(a)), so they are counted
    again. A reporter who said they are threatened keeps their tip urgent."""
    tip = await working_on(store, actor, tip_id)
    if tip.urgent == urgent:
        return
    if not urgent and tip.protection is Protection.THREATENED:
        raise Conflict("urgent_threatened", "the reporter said they are threatened")
    now = now_or(now)
    tip.urgent = urgent
    counted = deadlines.with_urgency(tip.deadlines, tip.track, workdays, urgent=urgent)
    tip.set_deadlines(counted, deadlines.local_date(now))
    tip.updated_at = now
    await store.save(tip)
    flag = "1" if urgent else "0"
    await store.add_event(tip, "urgency", Visibility.INTERNAL, flag, actor, now)
    detail = "urgent" if urgent else "normal"
    await store.audit(actor, AuditAction.TIP_URGENCY, tip, detail=detail, ip=ip, now=now)


async def colleagues(store: CaseStore, actor: Identity, commune_code: str) -> list[Colleague]:
    """Who a tip of a commune in the actor's area can go to."""
    check_sees_tips(actor)
    commune = areas.commune(commune_code)
    province = commune.province_code if commune else ""
    if not in_area(actor, commune_code, province):
        raise NotFound(detail="no such commune in your area")
    return await store.colleagues(commune_code)
