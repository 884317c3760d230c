"""The menu as a flow: what a resident types while the main menu (handlers/menu.py) is shown.

A message that looks like a scam pasted in is offered a check (one the channel marks as
forwarded is checked before it gets here: handlers/forwarded.py); anything else is not
understood and the menu is shown again.
"""

from __future__ import annotations

from content import scamcheck
from handlers import check, menu
from handlers.common import not_understood
from handlers.context import Ctx
from handlers.model import Kind, Reply

FLOW = menu.FLOW


def prompt(ctx: Ctx) -> list[Reply]:
    return menu.show(ctx)


async def on_event(ctx: Ctx) -> list[Reply]:
    event = ctx.event
    if event.kind is Kind.TEXT and scamcheck.extract(event.text).looks_like_scam():
        return check.offer(ctx, event.text)
    return [not_understood(ctx.event.kind), *menu.show(ctx)]
