"""When it happened (now, today, a day typed in, not known) and where (a shared location, an
address, or the resident's commune).
"""

from __future__ import annotations

import re
from datetime import date, timedelta

from content import areas
from handlers import deadlines
from handlers.common import ask, choice, say, with_nav
from handlers.context import Ctx
from handlers.model import Kind, Msg, Reply, Request
from handlers.report.base import (
    MAX_FIELD,
    chosen,
    data_of,
    go,
    unclear,
)

DATE = re.compile(r"^(\d{1,2})[/.-](\d{1,2})(?:[/.-](\d{2,4}))?$")


# -- when -------------------------------------------------------------------------------------


def when_prompt(ctx: Ctx) -> Reply:
    items = [
        choice("when:now", "tip.when_now"),
        choice("when:today", "tip.when_today"),
        choice("when:date", "tip.when_date"),
        choice("when:unknown", "tip.when_unknown"),
    ]
    return with_nav(ask(Msg("tip.ask_when"), items))


async def on_when(ctx: Ctx) -> list[Reply]:
    picked = chosen(ctx).removeprefix("when:")
    if picked == "date":
        ctx.state.step = "when_date"
        return [when_date_prompt(ctx)]
    if picked not in ("now", "today", "unknown"):
        return unclear(ctx)
    data_of(ctx)["when"], data_of(ctx)["date"] = picked, ""
    return go(ctx, "where")


def when_date_prompt(ctx: Ctx) -> Reply:
    return with_nav(ask(Msg("tip.ask_date"), [choice("when:unknown", "tip.when_unknown")]))


def parse_date(text: str, today: date) -> date | None:
    """A day the resident typed: 5/11, 05/11/2026, 5-11-26. None when it is not a real past day."""
    found = DATE.match(text.strip())
    if not found:
        return None
    day, month, year_text = int(found[1]), int(found[2]), found[3]
    year = today.year if not year_text else int(year_text) + (2000 if len(year_text) == 2 else 0)
    try:
        value = date(year, month, day)
    except ValueError:
        return None
    if not year_text and value > today:
        value = value.replace(year=year - 1)
    if value > today or value < today - timedelta(days=365 * 20):
        return None
    return value


async def on_when_date(ctx: Ctx) -> list[Reply]:
    if chosen(ctx) == "when:unknown":
        data_of(ctx)["when"], data_of(ctx)["date"] = "unknown", ""
        return go(ctx, "where")
    today = deadlines.local_date(ctx.config.clock())
    value = parse_date(ctx.event.text, today) if ctx.event.kind is Kind.TEXT else None
    if value is None:
        return [say("tip.date_invalid"), when_date_prompt(ctx)]
    data_of(ctx)["when"], data_of(ctx)["date"] = "date", value.isoformat()
    return go(ctx, "where")


# -- where ------------------------------------------------------------------------------------


def commune_name(ctx: Ctx) -> str:
    found = areas.commune(ctx.profile.commune_code)
    return found.name if found else ""


def where_prompt(ctx: Ctx) -> Reply:
    items = [choice("where:commune", "tip.where_commune", commune=commune_name(ctx))]
    reply = with_nav(ask(Msg("tip.ask_where"), items))
    return Reply(reply.text, reply.choices, Request.LOCATION)


async def on_where(ctx: Ctx) -> list[Reply]:
    event = ctx.event
    if event.kind is Kind.LOCATION and event.lat is not None and event.lon is not None:
        if not (-90 <= event.lat <= 90 and -180 <= event.lon <= 180):
            return unclear(ctx)
        data_of(ctx).update(lat=event.lat, lon=event.lon, address="")
    elif chosen(ctx) == "where:commune":
        data_of(ctx).update(lat=None, lon=None, address="")
    elif event.kind is Kind.TEXT and event.text:
        data_of(ctx).update(lat=None, lon=None, address=event.text[:MAX_FIELD])
    else:
        return unclear(ctx)
    return go(ctx, "media")
