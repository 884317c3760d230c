"""The main menu. The router starts each item's flow; here are only the words typed at it."""

from __future__ import annotations

from content import scamcheck
from handlers.common import NAV_EMERGENCY, ask, choice, not_understood, with_nav
from handlers.context import Ctx
from handlers.model import Kind, Msg, Reply

FLOW = "menu"

ITEMS = (
    choice("menu:tip", "menu.tip"),
    choice("menu:check", "menu.check"),
    choice("menu:learn", "menu.learn"),
    choice("menu:mytips", "menu.mytips"),
    choice(NAV_EMERGENCY, "menu.emergency"),
    choice("menu:settings", "menu.settings"),
)


def show(ctx: Ctx) -> list[Reply]:
    ctx.state.go(FLOW)
    return [with_nav(ask(Msg("menu.title"), ITEMS), menu=False)]


def prompt(ctx: Ctx) -> list[Reply]:
    return show(ctx)


async def on_event(ctx: Ctx) -> list[Reply]:
    event = ctx.event
    if event.kind is Kind.TEXT and scamcheck.extract(event.text).looks_like_scam():
        from handlers import check  # imported here: check shows this menu itself

        return check.offer(ctx, event.text)
    return [not_understood(ctx.event.kind), *show(ctx)]
