"""The main menu, where every flow ends. The router starts each item's flow.

What is typed at the menu is handled in handlers/at_menu.py: it hands over to the scam check,
which (through the tip a check can become) ends back here, so it cannot live in this module
without an import cycle."""

from __future__ import annotations

from handlers.common import NAV_EMERGENCY, ask, choice, with_nav
from handlers.context import Ctx
from handlers.model import Msg, Reply

FLOW = "menu"

ITEMS = (
    choice("menu:tip", "menu.tip"),
    choice("menu:check", "menu.check"),
    choice("menu:learn", "menu.learn"),
    choice("menu:mytips", "menu.mytips"),
    choice(NAV_EMERGENCY, "menu.emergency"),
    choice("menu:settings", "menu.settings"),
    choice("menu:police", "menu.police"),  # handlers/police_contact.py (issue 21)
)


# Only for a chat linked to an active leader's account (handlers/leader_notice.py).
LEADER_ITEM = choice("menu:notice", "menu.notice")


def show(ctx: Ctx) -> list[Reply]:
    ctx.state.go(FLOW)
    items = ITEMS if ctx.leader is None else (LEADER_ITEM, *ITEMS)
    return [with_nav(ask(Msg("menu.title"), items), menu=False)]
