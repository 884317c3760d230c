"""Settings: language and commune."""

from __future__ import annotations

from content import areas
from handlers import area, menu, subscriptions
from handlers.common import ask, choice, not_understood, say, with_nav
from handlers.context import Ctx
from handlers.model import Kind, Msg, Reply

FLOW = "settings"
LANGUAGE_CHOICES = (choice("lang:vi", "lang.vi"), choice("lang:en", "lang.en"))


def _area_label(ctx: Ctx) -> str:
    commune = areas.commune(ctx.profile.commune_code)
    province = areas.province(ctx.profile.province_code)
    if commune is None or province is None:
        return ""
    return f"{commune.name}, {province.name}"


def begin(ctx: Ctx) -> list[Reply]:
    ctx.state.go(FLOW, "menu")
    return prompt(ctx)


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
        choice("settings:subs", "subs.open"),
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
    if event.choice == "settings:subs":
        return await subscriptions.begin(ctx, back="menu:settings")
    if event.choice in ("lang:vi", "lang:en") and ctx.state.step == "language":
        saved = await set_language(ctx, event.choice.removeprefix("lang:"))
        return [saved, *menu.show(ctx)]
    return [not_understood(ctx.event.kind), *prompt(ctx)]
