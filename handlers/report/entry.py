"""How a tip begins: from the menu or from a scam check, the notice and consent, the category."""

from __future__ import annotations

from content.text import words
from content.tips import categories, category
from content.understand import named_category
from handlers import emergency, menu
from handlers.common import ask, choice, say, with_nav
from handlers.context import Ctx
from handlers.model import Choice, Kind, Localized, Msg, Reply
from handlers.report.base import (
    FLOW,
    MAX_DESCRIPTION,
    chosen,
    data_of,
    go,
    over_limit_cached,
    unclear,
)

CONSENT_VERSION = "2026-12"  # issue 17: the consent names the procedures that apply


async def begin(ctx: Ctx) -> list[Reply]:
    if over_limit_cached(ctx):
        return [say("tip.limit", limit=ctx.config.max_tips_per_day), *menu.show(ctx)]
    ctx.state.go(FLOW, "", details={}, attachments=[], description=[])
    if ctx.profile.consent_version != CONSENT_VERSION:
        return go(ctx, "consent")
    return go(ctx, "category")


async def begin_with(ctx: Ctx, category_id: str | None, description: str) -> list[Reply]:
    """A tip started from elsewhere (the scam check, or what the resident typed at the menu):
    the category where it is known, the text as the description where there is one; the
    resident goes on from the first step still to do, and may add to the description."""
    if over_limit_cached(ctx):
        return [say("tip.limit", limit=ctx.config.max_tips_per_day), *menu.show(ctx)]
    known = {"category": category_id} if category_id and category(category_id) else {}
    ctx.state.go(
        FLOW,
        "",
        details={},
        attachments=[],
        description=[description[:MAX_DESCRIPTION]] if description.strip() else [],
        **known,
    )
    if ctx.profile.consent_version != CONSENT_VERSION:
        return go(ctx, "consent")
    if not known:
        return go(ctx, "category")
    return go(ctx, "description")


# -- consent ----------------------------------------------------------------------------------


def consent_prompt(ctx: Ctx) -> Reply:
    items = [
        choice("tip:consent_yes", "tip.consent_yes"),
        choice("tip:consent_no", "tip.consent_no"),
    ]
    return with_nav(ask(Msg("tip.consent"), items))


async def on_consent(ctx: Ctx) -> list[Reply]:
    if chosen(ctx) == "tip:consent_no":
        ctx.state.go("")
        return [say("tip.consent_declined"), *menu.show(ctx)]
    if chosen(ctx) != "tip:consent_yes":
        return unclear(ctx)
    ctx.profile.consent_version = CONSENT_VERSION
    await ctx.uow.residents.accept_consent(
        ctx.profile.resident_id, CONSENT_VERSION, ctx.config.clock()
    )
    await ctx.save_profile()
    return go(ctx, "description" if data_of(ctx).get("category") else "category")


# -- category ---------------------------------------------------------------------------------


def category_prompt(ctx: Ctx) -> Reply:
    items = [
        Choice(f"cat:{c.id}", Localized(c.vi, c.en))
        for c in categories()
        if not (c.in_progress and data_of(ctx).get("urgent"))
    ]
    return with_nav(ask(Msg("tip.ask_category"), items))


async def on_category(ctx: Ctx) -> list[Reply]:
    if ctx.event.kind is Kind.TEXT:
        return _category_typed(ctx, ctx.event.text)
    found = category(chosen(ctx).removeprefix("cat:")) if chosen(ctx) else None
    if found is None:
        return unclear(ctx)
    if found.in_progress:
        data_of(ctx)["urgent"] = True
        data_of(ctx).setdefault("urgent_words", found.vi)
        return [
            emergency.numbers(can_go_back=False),
            say("tip.urgent_continue"),
            *go(ctx, "category"),
        ]
    data_of(ctx)["category"] = found.id
    return go(ctx, "description")


# Typed words that tell what happened are also the start of the description: four words or
# more beside a category they name ("bị gọi điện lừa tiền"), eight without one (a story, not
# "tôi muốn báo công an").
DESCRIBES = 4
STORY = 8


def tells_what_happened(text: str, *, named: bool) -> bool:
    return len(words(text)) >= (DESCRIBES if named else STORY)


def _category_typed(ctx: Ctx, text: str) -> list[Reply]:
    """Words instead of a button ("bị gọi điện lừa"): the category they name, and the words
    kept as the description when they tell what happened; nothing named, the step again."""
    guessed = category(named_category(text) or "")
    if guessed is None or guessed.in_progress:
        return unclear(ctx)
    data = data_of(ctx)
    data["category"] = guessed.id
    if tells_what_happened(text, named=True):
        data.setdefault("description", []).append(text[:MAX_DESCRIPTION])
    return [
        say("tip.category_understood", category=Localized(guessed.vi, guessed.en)),
        *go(ctx, "description"),
    ]
