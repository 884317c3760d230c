"""What happened, told over one message or several."""

from __future__ import annotations

from handlers.common import ask, choice, say, with_nav
from handlers.context import Ctx
from handlers.model import Kind, Msg, Reply
from handlers.report.base import (
    MAX_DESCRIPTION,
    chosen,
    data_of,
    go,
    unclear,
)

MIN_DESCRIPTION = 15


def description_prompt(ctx: Ctx) -> Reply:
    parts: list[str] = data_of(ctx).get("description", [])
    if not parts:
        return with_nav(ask(Msg("tip.ask_description"), []))
    done = [choice("tip:done", "tip.description_done")]
    return with_nav(ask(Msg("tip.description_more", {"count": len(parts)}), done))


async def on_description(ctx: Ctx) -> list[Reply]:
    parts: list[str] = data_of(ctx).setdefault("description", [])
    if chosen(ctx) == "tip:done":
        if len(" ".join(parts)) < MIN_DESCRIPTION:
            return [say("tip.description_short", minimum=MIN_DESCRIPTION), description_prompt(ctx)]
        return go(ctx, "when")
    if ctx.event.kind is not Kind.TEXT or not ctx.event.text:
        return unclear(ctx)
    if len("\n".join([*parts, ctx.event.text])) > MAX_DESCRIPTION:
        return [say("tip.description_full", limit=MAX_DESCRIPTION), *go(ctx, "when")]
    if data_of(ctx).get("editing") and not data_of(ctx).get("replacing"):
        parts.clear()
        data_of(ctx)["replacing"] = True
    parts.append(ctx.event.text)
    return [description_prompt(ctx)]
