""" "I was scammed, I lost money": what to do now, before anything else (call the bank, keep
the evidence, 113 in danger: the awareness card `scam_online/already_paid`), then the tip with
what they wrote already in it, or a check of the number or account they name."""

from __future__ import annotations

from content import awareness, scamcheck
from handlers import check, report
from handlers.common import ask, choice, with_nav
from handlers.context import Ctx
from handlers.model import Choice, Localized, Msg, Reply

FLOW = "scammed"
CARD = "already_paid"
KEPT = 2000


def begin(ctx: Ctx, text: str, category: str | None) -> list[Reply]:
    ctx.state.go(FLOW, "now", text=text[:KEPT], category=category or "fraud_online")
    return prompt(ctx)


def advice() -> Reply:
    """What to do now, alone: for a resident who has not chosen a commune yet."""
    return Reply(_advice())


def _advice() -> Msg:
    found = awareness.find_card(CARD)
    if found is None:
        return Msg("check.card_missing")
    card = found[1]
    return Msg(
        "check.card",
        {
            "title": Localized(card.title.vi, card.title.en),
            "body": Localized(card.body.vi, card.body.en),
            "action": Localized(card.action.vi, card.action.en),
            "source": Localized(card.source.vi, card.source.en),
        },
    )


def _choices(ctx: Ctx) -> list[Choice]:
    items = [choice("scammed:tip", "scammed.tip")]
    if scamcheck.extract(str(ctx.state.data.get("text", ""))).found():
        items.append(choice("scammed:check", "scammed.check"))
    return items


def prompt(ctx: Ctx) -> list[Reply]:
    return [with_nav(ask(_advice(), _choices(ctx)))]


async def on_event(ctx: Ctx) -> list[Reply]:
    picked = ctx.event.choice if ctx.event.choice else ""
    text = str(ctx.state.data.get("text", ""))
    if picked == "scammed:tip":
        category = str(ctx.state.data.get("category", "fraud_online"))
        return await report.begin_with(ctx, category, text)
    if picked == "scammed:check" and text:
        return await check.run(ctx, text)
    return prompt(ctx)
