"""First contact: greeting, language, then the commune."""

from __future__ import annotations

from handlers import area, menu, settings
from handlers.common import ask, not_understood, say, with_nav
from handlers.context import Ctx
from handlers.model import Kind, Msg, Reply

FLOW = "start"


def begin(ctx: Ctx) -> list[Reply]:
    ctx.state.go(FLOW, "language")
    return [say("start.greeting"), *prompt(ctx)]


def prompt(ctx: Ctx) -> list[Reply]:
    return [with_nav(ask(Msg("start.choose_language"), settings.LANGUAGE_CHOICES), menu=False)]


async def on_event(ctx: Ctx) -> list[Reply]:
    event = ctx.event
    if event.kind is Kind.CHOICE and event.choice in ("lang:vi", "lang:en"):
        saved = await settings.set_language(ctx, event.choice.removeprefix("lang:"))
        if ctx.profile.has_area:
            return [saved, *menu.show(ctx)]
        return [saved, say("start.why_area"), *area.begin(ctx)]
    return [not_understood(ctx.event.kind), *prompt(ctx)]
