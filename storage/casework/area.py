"""The area of the signed-in user (handlers/people.py) as the WHERE clause every casework query
starts from, and the one query that finds a tip in it. A tip outside the caller's area is
`NotFound`, never `Forbidden`: whether it exists is none of their business."""

from __future__ import annotations

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.errors import NotFound
from handlers.people import AdminRole, Identity, check_sees_tips
from storage.models import Tip


def scope(actor: Identity) -> ColumnElement[bool]:
    """Which tips `actor` may see at all, as a WHERE clause; leaders may see none."""
    check_sees_tips(actor)
    if actor.role is AdminRole.PROVINCE_ADMIN:
        return Tip.province_code == actor.province_code
    return Tip.commune_code == actor.commune_code


async def load(
    session: AsyncSession, actor: Identity, tip_id: str, *, for_update: bool = False
) -> Tip:
    """The tip by id or receipt code (any case), if it is in the actor's area; NotFound
    otherwise."""
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
