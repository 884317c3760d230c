"""The area of the signed-in user, the rule every casework query starts from:

- officer and chief: tips of their own commune; a chief also assigns work;
- province admin: tips of every commune of their province;
- leader: no tips at all (`Forbidden`).

A tip outside the caller's area is `NotFound`, never `Forbidden`: whether it exists is none
of their business."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import ColumnElement, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from content import areas
from handlers.casework.rules import check_open
from handlers.errors import Forbidden, NotFound
from handlers.tips.words import TipStatus
from storage.casework.records import now_or
from storage.casework.views import Colleague
from storage.identity import Identity
from storage.models import AdminRole, AdminUser, Tip


def scope(actor: Identity) -> ColumnElement[bool]:
    """Which tips `actor` may see at all, as a WHERE clause; leaders may see none."""
    if actor.role is AdminRole.PROVINCE_ADMIN:
        return Tip.province_code == actor.province_code
    if actor.role in (AdminRole.OFFICER, AdminRole.CHIEF):
        return Tip.commune_code == actor.commune_code
    raise Forbidden(detail="this role has no access to tips")


def is_police(actor: Identity) -> None:
    scope(actor)  # raises Forbidden for roles without tips


def takes_work(actor: Identity) -> bool:
    """Whether the actor takes tips on themselves (a province admin assigns them instead)."""
    return actor.role is not AdminRole.PROVINCE_ADMIN


def assigns_work(actor: Identity) -> bool:
    return actor.role in (AdminRole.CHIEF, AdminRole.PROVINCE_ADMIN)


async def load(
    session: AsyncSession, actor: Identity, tip_id: str, *, for_update: bool = False
) -> Tip:
    """The tip by id or receipt code, if it is in the actor's area; NotFound otherwise."""
    key = tip_id.strip()[:64]
    if not key:
        raise NotFound(detail="no such tip")
    match = Tip.id == key if len(key) == 36 else Tip.code == key.upper()
    query = select(Tip).where(match, scope(actor))
    if for_update:
        query = query.with_for_update()
    tip = (await session.execute(query)).scalar_one_or_none()
    if tip is None:
        raise NotFound(detail="no such tip")
    return tip


async def colleagues(session: AsyncSession, actor: Identity, commune_code: str) -> list[Colleague]:
    """Active officers and chiefs of a commune in the actor's area: who a tip can go to."""
    is_police(actor)
    in_area = (
        commune_code == actor.commune_code
        if actor.role is not AdminRole.PROVINCE_ADMIN
        else _province_of(commune_code) == actor.province_code
    )
    if not in_area:
        raise NotFound(detail="no such commune in your area")
    query = (
        select(AdminUser)
        .where(
            AdminUser.commune_code == commune_code,
            AdminUser.active.is_(true()),
            AdminUser.role.in_([AdminRole.OFFICER, AdminRole.CHIEF]),
        )
        .order_by(AdminUser.username)
    )
    return [
        Colleague(u.id, u.username, u.display_name, u.role)
        for u in (await session.execute(query)).scalars()
    ]


def _province_of(commune_code: str) -> str:
    commune = areas.commune(commune_code)
    return commune.province_code if commune else ""


async def working_on(
    session: AsyncSession,
    actor: Identity,
    tip_id: str,
    now: datetime | None,
    may: Callable[[], None] = lambda: None,
) -> tuple[Tip, datetime]:
    """The open tip, locked until commit, and the time of the action. `may` checks the
    actor's role once the tip is known to be in their area: outside it the answer is
    NotFound, whatever the role, at every edge."""
    tip = await load(session, actor, tip_id, for_update=True)
    may()
    check_open(TipStatus(tip.status))
    return tip, now_or(now)
