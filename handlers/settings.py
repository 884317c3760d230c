"""Settings: language, commune and, where the commune has a list, neighbourhood; the
subscriptions; the resident's own data (handlers/mydata.py: see, copy, erase).

Whether the commune has neighbourhoods, and the resident's, are read when settings open and
kept in the state, so that `prompt` can show them again. Most communes have no list: that
answer is believed for NO_LIST_FOR before it is asked again, so that opening settings costs
no query for them (a list the police enter shows within that time)."""

from __future__ import annotations

import contextlib
from datetime import datetime, timedelta

from content import areas
from handlers import area, menu, my_neighbourhood, mydata, subscriptions
from handlers.common import ask, choice, not_understood, say, with_nav
from handlers.context import Ctx
from handlers.model import Choice, Kind, Msg, Reply

FLOW = "settings"
NO_LIST = "no_hoods"  # [commune, when it was found to have no list], in the profile cache
NO_LIST_FOR = timedelta(minutes=10)
LANGUAGE_CHOICES = (choice("lang:vi", "lang.vi"), choice("lang:en", "lang.en"))


def _area_label(ctx: Ctx) -> str:
    commune = areas.commune(ctx.profile.commune_code)
    province = areas.province(ctx.profile.province_code)
    if commune is None or province is None:
        return ""
    return f"{commune.name}, {province.name}"


async def begin(ctx: Ctx) -> list[Reply]:
    hoods, mine = await _neighbourhood_of(ctx)
    ctx.state.go(FLOW, "menu", hoods=hoods, hood=mine)
    return prompt(ctx)


async def _neighbourhood_of(ctx: Ctx) -> tuple[bool, str]:
    """Whether the commune has a list, and the name of the resident's neighbourhood."""
    commune, now = ctx.profile.commune_code, ctx.config.clock()
    checked = ctx.state.profile.get(NO_LIST)
    if isinstance(checked, list) and len(checked) == 2 and checked[0] == commune:
        with contextlib.suppress(ValueError, TypeError):
            if now - datetime.fromisoformat(str(checked[1])) < NO_LIST_FOR:
                return False, ""
    residents = ctx.uow.residents
    if not await residents.neighbourhoods(commune):
        ctx.state.profile[NO_LIST] = [commune, now.isoformat()]
        return False, ""
    ctx.state.profile.pop(NO_LIST, None)
    mine = await residents.neighbourhood(ctx.profile.resident_id)
    return True, mine.name if mine else ""


def _neighbourhood_item(ctx: Ctx) -> list[Choice]:
    if not ctx.state.data.get("hoods"):
        return []  # the commune has no list: nothing to choose
    name = str(ctx.state.data.get("hood", ""))
    if name:
        return [choice("settings:hood", "settings.neighbourhood", name=name)]
    return [choice("settings:hood", "settings.neighbourhood_none")]


def prompt(ctx: Ctx) -> list[Reply]:
    if ctx.state.step == "language":
        return [with_nav(ask(Msg("settings.choose_language"), LANGUAGE_CHOICES))]
    area_label = _area_label(ctx)
    text = (
        Msg("settings.title", {"area": area_label}) if area_label else Msg("settings.title_no_area")
    )
    items = [
        choice("settings:language", "settings.language"),
        choice("settings:area", "settings.area"),
        *_neighbourhood_item(ctx),
        choice("settings:subs", "subs.open"),
        choice("settings:mydata", "settings.mydata"),
    ]
    return [with_nav(ask(text, items))]


async def set_language(ctx: Ctx, lang: str) -> Reply:
    ctx.profile.lang = lang
    await ctx.save_profile()
    return say("settings.language_saved")


async def on_event(ctx: Ctx) -> list[Reply]:
    event = ctx.event
    if event.kind is not Kind.CHOICE:
        return [not_understood(ctx.event.kind), *prompt(ctx)]
    if event.choice == "settings:language":
        ctx.state.step = "language"
        return prompt(ctx)
    if event.choice == "settings:area":
        return area.begin(ctx)
    if event.choice == "settings:hood":
        asked = await my_neighbourhood.begin(ctx, back="menu:settings")
        return asked or [say("hood.none_left"), *await begin(ctx)]
    if event.choice == "settings:subs":
        return await subscriptions.begin(ctx, back="menu:settings")
    if event.choice == "settings:mydata":
        return await mydata.begin(ctx, back="menu:settings")
    if event.choice in ("lang:vi", "lang:en") and ctx.state.step == "language":
        saved = await set_language(ctx, event.choice.removeprefix("lang:"))
        return [saved, *menu.show(ctx)]
    return [not_understood(ctx.event.kind), *prompt(ctx)]
