"""Who works on a tip and how urgent it is: an officer takes it, a chief or a province
admin assigns it, anyone on it marks it urgent or not. Each change goes to the timeline
(police only) and the audit log."""

from __future__ import annotations

from datetime import datetime
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.audit import AuditAction
from handlers.casework import rules
from handlers.errors import BadInput
from handlers.tipmodel import Visibility
from storage.casework.area import assigns_work, colleagues, takes_work, working_on
from storage.casework.records import audit, event
from storage.identity import Identity
from storage.models import Tip


async def take(
    session: AsyncSession,
    actor: Identity,
    tip_id: str,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """The signed-in officer takes the tip on."""
    may = partial(rules.check_may_take, takes_work(actor))
    tip, now = await working_on(session, actor, tip_id, now, may)
    await _set_assignee(session, actor, tip, actor.id, actor.username, ip, now)


async def assign(
    session: AsyncSession,
    actor: Identity,
    tip_id: str,
    assignee_id: int | None,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """A chief or province admin gives the tip to an officer of its commune (None: nobody)."""
    may = partial(rules.check_may_assign, assigns_work(actor))
    tip, now = await working_on(session, actor, tip_id, now, may)
    username = ""
    if assignee_id is not None:
        found = {c.id: c for c in await colleagues(session, actor, tip.commune_code)}
        if assignee_id not in found:
            raise BadInput("assignee", "that person cannot take tips of this commune")
        username = found[assignee_id].username
    await _set_assignee(session, actor, tip, assignee_id, username, ip, now)


async def _set_assignee(
    session: AsyncSession,
    actor: Identity,
    tip: Tip,
    assignee_id: int | None,
    username: str,
    ip: str,
    now: datetime,
) -> None:
    if tip.assignee_id == assignee_id:
        return
    tip.assignee_id = assignee_id
    tip.updated_at = now
    event(session, tip, "assigned", Visibility.INTERNAL, username, actor, now)
    await audit(session, actor, AuditAction.TIP_ASSIGN, tip, detail=username or "-", ip=ip, now=now)
    await session.flush()


async def set_urgency(
    session: AsyncSession,
    actor: Identity,
    tip_id: str,
    urgent: bool,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    tip, now = await working_on(session, actor, tip_id, now)
    if tip.urgent == urgent:
        return
    tip.urgent = urgent
    tip.updated_at = now
    event(session, tip, "urgency", Visibility.INTERNAL, "1" if urgent else "0", actor, now)
    await audit(
        session,
        actor,
        AuditAction.TIP_URGENCY,
        tip,
        detail="urgent" if urgent else "normal",
        ip=ip,
        now=now,
    )
    await session.flush()
