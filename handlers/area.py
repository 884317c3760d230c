"""Choosing the resident's province and commune, accent- and case-insensitive."""

from __future__ import annotations

from content import areas
from handlers import menu, my_neighbourhood
from handlers.common import ask, choice, not_understood, say, with_nav
from handlers.context import Ctx
from handlers.model import Choice, Kind, Msg, Reply

FLOW = "area"
MAX_LISTED = 8


def begin(ctx: Ctx) -> list[Reply]:
    ctx.state.go(FLOW, "province")
    return [ask_province()]


def ask_province() -> Reply:
    choices = [Choice(f"province:{p.code}", p.name) for p in areas.provinces()]
    return with_nav(ask(Msg("area.ask_province"), choices))


def _ask_commune(province_code: str) -> Reply:
    found = areas.province(province_code)
    name = found.name if found else province_code
    return with_nav(
        ask(Msg("area.ask_commune", {"province": name}), [choice("area:province", "area.change")])
    )


def prompt(ctx: Ctx) -> list[Reply]:
    if ctx.state.step == "commune":
        return [_ask_commune(str(ctx.state.data.get("province", "")))]
    return [ask_province()]


async def on_event(ctx: Ctx) -> list[Reply]:
    if ctx.state.step == "commune":
        return await _on_commune(ctx)
    return _on_province(ctx)


def _on_province(ctx: Ctx) -> list[Reply]:
    event = ctx.event
    if event.kind is Kind.CHOICE and event.choice.startswith("province:"):
        return _province_chosen(ctx, event.choice.removeprefix("province:"))
    if event.kind is not Kind.TEXT:
        return [not_understood(ctx.event.kind), ask_province()]
    found = areas.find_provinces(event.text)
    if len(found) == 1:
        return _province_chosen(ctx, found[0].code)
    if not found:
        return [say("area.province_none", query=event.text[:60]), ask_province()]
    choices = [Choice(f"province:{p.code}", p.name) for p in found[:MAX_LISTED]]
    return [with_nav(ask(Msg("area.province_many", {"count": len(found)}), choices))]


def _province_chosen(ctx: Ctx, code: str) -> list[Reply]:
    if areas.province(code) is None:
        return [not_understood(ctx.event.kind), ask_province()]
    ctx.state.step = "commune"
    ctx.state.data["province"] = code
    return [_ask_commune(code)]


async def _on_commune(ctx: Ctx) -> list[Reply]:
    event = ctx.event
    province_code = str(ctx.state.data.get("province", ""))
    if event.kind is Kind.CHOICE and event.choice == "area:province":
        return begin(ctx)
    if event.kind is Kind.CHOICE and event.choice.startswith("commune:"):
        return await _commune_chosen(ctx, event.choice.removeprefix("commune:"))
    if event.kind is not Kind.TEXT:
        return [not_understood(ctx.event.kind), _ask_commune(province_code)]
    found = areas.find_communes(province_code, event.text)
    if len(found) == 1:
        return await _commune_chosen(ctx, found[0].code)
    province = areas.province(province_code)
    pname = province.name if province else ""
    query = event.text[:60]
    if not found:
        return [
            with_nav(
                ask(
                    Msg("area.commune_none", {"query": query, "province": pname}),
                    [choice("area:province", "area.change")],
                )
            )
        ]
    listed = [Choice(f"commune:{c.code}", c.name) for c in found[:MAX_LISTED]]
    listed.append(choice("area:province", "area.change"))
    params = {"count": len(found), "query": query}
    if len(found) <= MAX_LISTED:
        return [with_nav(ask(Msg("area.commune_many", params), listed))]
    return [with_nav(ask(Msg("area.commune_too_many", params), listed))]


async def _commune_chosen(ctx: Ctx, code: str) -> list[Reply]:
    commune = areas.commune(code)
    if commune is None:
        return [not_understood(ctx.event.kind), *prompt(ctx)]
    province = areas.province(commune.province_code)
    moved = ctx.profile.commune_code != commune.code
    ctx.profile.province_code = commune.province_code
    ctx.profile.commune_code = commune.code
    await ctx.save_profile()
    if moved:  # the old commune's neighbourhood is no longer theirs
        await ctx.uow.residents.set_neighbourhood(ctx.profile.resident_id, None)
    saved = say("area.saved", commune=commune.name, province=province.name if province else "")
    # Where the commune has neighbourhoods, which one (optional).
    asked = await my_neighbourhood.begin(ctx)
    return [saved, *(asked or menu.show(ctx))]
