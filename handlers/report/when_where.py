"""When it happened (now, today, yesterday, a day typed in words or figures, not known) and
where (a shared location, an address, or the resident's commune).

A typed moment ("tối qua", "thứ 2 tuần trước", "khoảng 9h tối qua", "3 days ago") is read by
content/dates.py against the bot's clock in Vietnam time, and kept as the step always kept a
day ("when": "date", "date": ISO), with the time ("time": "21:00") or the part of the day
("part": "evening") when one was said. "Không nhớ" is the "not sure" button; "mấy hôm trước"
is kept as not sure too (no day is guessed for the police), and the resident told so; a month
without its day ("tháng trước") asks for the day.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from content import areas, dates
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

PART_MSG = {
    "morning": Msg("date.part_morning"),
    "noon": Msg("date.part_noon"),
    "afternoon": Msg("date.part_afternoon"),
    "evening": Msg("date.part_evening"),
    "night": Msg("date.part_night"),
}


# -- when -------------------------------------------------------------------------------------


def when_prompt(ctx: Ctx) -> Reply:
    items = [
        choice("when:now", "tip.when_now"),
        choice("when:today", "tip.when_today"),
        choice("when:yesterday", "tip.when_yesterday"),
        choice("when:date", "tip.when_date"),
        choice("when:unknown", "tip.when_unknown"),
    ]
    return with_nav(ask((Msg("tip.ask_when"), Msg("tip.when_typed_hint")), items))


async def on_when(ctx: Ctx) -> list[Reply]:
    picked = chosen(ctx).removeprefix("when:")
    if picked == "date":
        ctx.state.step = "when_date"
        return [when_date_prompt(ctx)]
    if picked == "yesterday":
        return _keep(ctx, dates.Moment(_now(ctx).date() - timedelta(days=1)))
    if picked in ("now", "today", "unknown"):
        _set(ctx, picked)
        return go(ctx, "where")
    if ctx.event.kind is Kind.TEXT:
        return _typed(ctx, when_prompt)
    return unclear(ctx)


def when_date_prompt(ctx: Ctx) -> Reply:
    text = (Msg("tip.ask_date"), Msg("tip.when_typed_hint"))
    return with_nav(ask(text, [choice("when:unknown", "tip.when_unknown")]))


async def on_when_date(ctx: Ctx) -> list[Reply]:
    if chosen(ctx) == "when:unknown":
        _set(ctx, "unknown")
        return go(ctx, "where")
    if ctx.event.kind is Kind.TEXT:
        return _typed(ctx, when_date_prompt)
    return [say("tip.when_invalid"), when_date_prompt(ctx)]


def parse_date(text: str, today: date) -> date | None:
    """A day the resident typed (5/11, 05/11/2026, hôm qua, thứ 2 tuần trước), by the end of
    `today`; None when it is not a real past day."""
    found = dates.read(text, datetime.combine(today, time.max))
    return found.day if isinstance(found, dates.Moment) else None


def _now(ctx: Ctx) -> datetime:
    """The bot's clock as a wall clock in Vietnam, which the resident's words count from."""
    return ctx.config.clock().astimezone(deadlines.LOCAL_TZ)


def _typed(ctx: Ctx, prompt: Callable[[Ctx], Reply]) -> list[Reply]:
    now = _now(ctx)
    found = dates.read(ctx.event.text, now)
    if isinstance(found, dates.Moment):
        return _keep(ctx, found)
    if isinstance(found, dates.Vague):
        _set(ctx, "unknown")
        kept = [say("tip.when_few_days")] if found is dates.Vague.FEW_DAYS else []
        return [*kept, *go(ctx, "where")]
    if isinstance(found, dates.Month):
        ctx.state.step = "when_date"
        return [_which_day(found.first, now.date()), when_date_prompt(ctx)]
    return [_refused(found, now), prompt(ctx)]


def _refused(found: dates.NotYet | dates.Refused, now: datetime) -> Reply:
    if isinstance(found, dates.NotYet) and found.earlier is not None:
        return say(
            "tip.date_not_yet",
            day=_shown(found.day),
            today=_shown(now.date()),
            earlier=_shown(found.earlier),
        )
    if isinstance(found, dates.NotYet) or found is dates.Refused.FUTURE:
        return say("tip.date_future", now=now.strftime("%H:%M %d/%m/%Y"))
    if found is dates.Refused.TOO_OLD:
        return say("tip.date_too_old", years=dates.OLDEST_YEARS)
    if found is dates.Refused.NO_SUCH_DAY:
        return say("tip.date_invalid")
    return say("tip.when_invalid")


def _which_day(first: date, today: date) -> Reply:
    """Which day of a month said alone; the example is a day of it that has come."""
    this_month = (first.year, first.month) == (today.year, today.month)
    example = first.replace(day=min(5, today.day) if this_month else 5)
    return say("tip.date_which_day", month=first.strftime("%m/%Y"), example=_shown(example))


def _shown(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def _keep(ctx: Ctx, moment: dates.Moment) -> list[Reply]:
    _set(ctx, "date", moment)
    return go(ctx, "where")


def _set(ctx: Ctx, when: str, moment: dates.Moment | None = None) -> None:
    data = data_of(ctx)
    data["when"] = when
    data["date"] = moment.day.isoformat() if moment else ""
    data["time"] = moment.time.strftime("%H:%M") if moment and moment.time else ""
    data["part"] = moment.part if moment and moment.part and not moment.time else ""


def day_label(data: dict[str, Any]) -> Msg:
    """A day the step kept, as the review shows it: 'Ngày 22/11/2026', with 'khoảng 21:00'
    or 'buổi tối' when the resident said so."""
    day = date.fromisoformat(str(data["date"])).strftime("%d/%m/%Y")
    if data.get("time"):
        return Msg("tip.when_on_at", {"date": day, "time": data["time"]})
    part = PART_MSG.get(str(data.get("part", "")))
    if part is not None:
        return Msg("tip.when_on_part", {"date": day, "part": part})
    return Msg("tip.when_on", {"date": day})


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
