"""The optional details: suspects, vehicles, witnesses, how the resident knows."""

from __future__ import annotations

from handlers.common import ask, choice, with_nav
from handlers.context import Ctx
from handlers.model import Kind, Msg, Reply
from handlers.report.base import (
    MAX_FIELD,
    chosen,
    data_of,
    go,
    unclear,
)

DETAIL_FIELDS = ("suspects", "vehicles", "witnesses", "how_known")


def details_offer_prompt(ctx: Ctx) -> Reply:
    items = [
        choice("tip:details_yes", "tip.details_yes"),
        choice("tip:details_no", "tip.details_no"),
    ]
    return with_nav(ask(Msg("tip.details_offer"), items))


async def on_details_offer(ctx: Ctx) -> list[Reply]:
    if chosen(ctx) == "tip:details_yes":
        data_of(ctx)["detail_index"] = 0
        return go(ctx, "detail")
    if chosen(ctx) == "tip:details_no":
        return go(ctx, "identity")
    return unclear(ctx)


def detail_msg(field: str) -> Msg:
    return {
        "suspects": Msg("tip.detail_suspects"),
        "vehicles": Msg("tip.detail_vehicles"),
        "witnesses": Msg("tip.detail_witnesses"),
        "how_known": Msg("tip.detail_how_known"),
        "evidence": Msg("tip.detail_evidence"),
    }[field]


def detail_prompt(ctx: Ctx) -> Reply:
    field = DETAIL_FIELDS[int(data_of(ctx).get("detail_index", 0))]
    return with_nav(ask(detail_msg(field), [choice("tip:skip", "tip.skip")]))


async def on_detail(ctx: Ctx) -> list[Reply]:
    index = int(data_of(ctx).get("detail_index", 0))
    if ctx.event.kind is Kind.TEXT and ctx.event.text:
        data_of(ctx)["details"][DETAIL_FIELDS[index]] = ctx.event.text[:MAX_FIELD]
    elif chosen(ctx) != "tip:skip":
        return unclear(ctx)
    if index + 1 < len(DETAIL_FIELDS):
        data_of(ctx)["detail_index"] = index + 1
        return [detail_prompt(ctx)]
    return go(ctx, "identity")
