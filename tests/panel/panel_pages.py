"""What the panel page tests share: posting an action with the page's CSRF token, reading
the queue back, moving a tip's deadline and adding timeline entries the way the bot does."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import select, update

from handlers.deadlines import local_date
from storage.models import AuditLog, Tip, TipEvent
from tests.panel.conftest import StoredTip, World, csrf_of

POLICE = ("officer_a", "chief_a", "admin_01")
HX = {"HX-Request": "true"}


def today() -> date:
    return local_date(datetime.now(UTC))


async def page_csrf(client: httpx.AsyncClient) -> str:
    """The session's CSRF token, from the sign-out form every signed-in page carries."""
    return csrf_of((await client.get("/admin/", follow_redirects=True)).text)


async def act(
    client: httpx.AsyncClient,
    tip: StoredTip | str,
    action: str,
    *,
    csrf: str | None = None,
    headers: dict[str, str] | None = None,
    **data: str,
) -> httpx.Response:
    tip_id = tip if isinstance(tip, str) else tip.id
    token = await page_csrf(client) if csrf is None else csrf
    return await client.post(
        f"/admin/tips/{tip_id}/{action}", data={"csrf": token, **data}, headers=headers or {}
    )


def codes_in(html: str) -> list[str]:
    """Tip codes of the queue rows on a page or fragment, in order."""
    return re.findall(r'<li class="tip [^"]*" id="tip-([A-Z0-9-]+)"', html)


def more_link(html: str) -> str | None:
    found = re.search(r'id="more-link"', html)
    if not found:
        return None
    href = re.search(r'<li class="more" id="more">\s*<a [^>]*href="([^"]+)"', html)
    assert href, html[-2000:]
    return href.group(1).replace("&amp;", "&")


async def set_tip(world: World, tip: StoredTip, **values: Any) -> None:
    async with world.session() as session:
        await session.execute(update(Tip).where(Tip.id == tip.id).values(**values))
        await session.commit()


async def due_in(world: World, tip: StoredTip, days: int) -> None:
    await set_tip(world, tip, next_due=today() + timedelta(days=days))


async def add_event(world: World, tip: StoredTip, kind: str, body: str, visibility: str) -> int:
    async with world.session() as session:
        event = TipEvent(
            tip_id=tip.id, at=datetime.now(UTC), kind=kind, visibility=visibility, body=body
        )
        session.add(event)
        await session.commit()
        return event.id


async def tip_row(world: World, tip: StoredTip) -> Tip:
    async with world.session() as session:
        return (await session.execute(select(Tip).where(Tip.id == tip.id))).scalar_one()


async def audit_rows(world: World, action: str) -> list[AuditLog]:
    async with world.session() as session:
        query = select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)
        return list((await session.execute(query)).scalars())
