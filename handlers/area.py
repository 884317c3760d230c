"""Choosing the resident's province and commune, accent- and case-insensitive.

The commune step also reads the names from before the 2025 arrangement ("phường 1, quận 3",
"Q1", "H. Củ Chi") and answers with the commune or communes they went into, offers the
nearest names for a misspelt one, and lets the resident browse the province's communes by
their first letter. A list longer than a screen is kept in the step's data and paged.
"""

from __future__ import annotations

from typing import Any

from content import areas
from content.text import clean, letters
from handlers import menu, my_neighbourhood
from handlers.common import ask, choice, not_understood, say, with_nav
from handlers.context import Ctx
from handlers.model import Choice, Kind, Label, Msg, Reply

FLOW = "area"
MAX_LISTED = 8  # the places of one screen, besides the ways on
MAX_LETTERS = 10  # the first letters of one screen (a province has 15 to 20)
MAX_TYPED = 80  # a ward with its district and province fits in far less
CHANGE = "area:province"
BROWSE = "area:browse"
PAGE = "area:page:"
FORMER = "area:former:"
LETTERS = "area:letters:"
LETTER = "area:letter:"


def begin(ctx: Ctx) -> list[Reply]:
    ctx.state.go(FLOW, "province")
    return [ask_province()]


def ask_province() -> Reply:
    choices = [Choice(f"province:{p.code}", p.name) for p in areas.provinces()]
    return with_nav(ask(Msg("area.ask_province"), choices))


def _ways_on(*, browse: bool = True) -> list[Choice]:
    ways = [choice(BROWSE, "area.browse")] if browse else []
    return [*ways, choice(CHANGE, "area.change")]


def _ask_commune(province_code: str) -> Reply:
    found = areas.province(province_code)
    name = found.name if found else province_code
    text = (Msg("area.ask_commune", {"province": name}), Msg("area.commune_hint"))
    return with_nav(ask(text, _ways_on()))


def prompt(ctx: Ctx) -> list[Reply]:
    if ctx.state.step == "commune":
        return [_ask_commune(_province_of(ctx))]
    return [ask_province()]


def _province_of(ctx: Ctx) -> str:
    return str(ctx.state.data.get("province", ""))


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
    former = None if len(found) == 1 else areas.former_province(event.text)
    if former:  # "Bình Dương": a province before 2025
        told = say("area.province_former", former=former[0], province=former[1].name)
        return [told, *_province_chosen(ctx, former[1].code)]
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
    ctx.state.data = {"province": code}
    return [_ask_commune(code)]


async def _on_commune(ctx: Ctx) -> list[Reply]:
    event = ctx.event
    province_code = _province_of(ctx)
    if event.kind is Kind.CHOICE:
        return await _commune_choice(ctx, province_code, event.choice)
    if event.kind is not Kind.TEXT:
        return [not_understood(ctx.event.kind), _ask_commune(province_code)]
    typed = clean(event.text)
    if len(typed) > MAX_TYPED:
        return [say("area.commune_too_long", length=len(typed)), _ask_commune(province_code)]
    if not any(ch.isalpha() for ch in typed):  # "123": which ward, of which district?
        return [say("area.commune_digits"), _ask_commune(province_code)]
    return await _found(ctx, province_code, typed, areas.find(province_code, typed))


async def _commune_choice(ctx: Ctx, province_code: str, chosen: str) -> list[Reply]:
    if chosen == CHANGE:
        return begin(ctx)
    if chosen.startswith("commune:"):
        return await _commune_chosen(ctx, chosen.removeprefix("commune:"))
    number = chosen.rpartition(":")[2]
    if chosen.startswith(FORMER):
        former = areas.former(province_code, number)
        if former is not None:
            return _former(ctx, former)
    elif chosen.startswith(PAGE) and number.isdecimal():
        return [_page(ctx, int(number))]
    elif chosen == BROWSE:
        return [_letters(province_code, 0)]
    elif chosen.startswith(LETTERS) and number.isdecimal():
        return [_letters(province_code, int(number))]
    elif chosen.startswith(LETTER):
        return [_letter(province_code, chosen.removeprefix(LETTER))]
    return [not_understood(ctx.event.kind), _ask_commune(province_code)]


async def _found(ctx: Ctx, province_code: str, typed: str, finding: areas.Finding) -> list[Reply]:
    query = typed[:60]
    if finding.found is areas.Found.COMMUNE:
        return await _commune_chosen(ctx, finding.communes[0].code)
    if finding.found is areas.Found.FORMER:
        return _former(ctx, finding.formers[0])
    if finding.found is areas.Found.FORMERS:
        ids = [_id_of(f) for f in finding.formers]
        return [_listed(ctx, Msg("area.formers", {"count": len(ids), "query": query}), ids)]
    if finding.found is areas.Found.BOTH and len(finding.communes) == 1:
        # the name now is taken, and the resident told of the old unit of that name
        return await _commune_chosen(ctx, finding.communes[0].code, _also(finding.formers))
    if finding.found is areas.Found.BOTH:
        ids = [_id_of(item) for item in finding.communes] + [_id_of(f) for f in finding.formers]
        return [_listed(ctx, Msg("area.now_or_before", {"query": query}), ids)]
    if finding.found is areas.Found.NOW_OR_DISTRICT:
        return [_now_or_district(ctx, query, finding)]
    if finding.found is areas.Found.LETTER:
        ids = [f"commune:{c.code}" for c in finding.communes]
        params = {"letter": letters(typed).upper(), "count": len(ids)}
        return [_listed(ctx, Msg("area.letter", params), ids)]
    if finding.found is areas.Found.SUGGESTED:
        ids = [_id_of(item) for item in finding.nearest]
        return [_listed(ctx, Msg("area.suggest", {"query": query}), ids)]
    if finding.found is areas.Found.LISTED:
        ids = [f"commune:{c.code}" for c in finding.communes]
        params = {"count": len(ids), "query": query}
        if len(ids) <= MAX_LISTED:
            return [_listed(ctx, Msg("area.commune_many", params), ids)]
        return [_listed(ctx, Msg("area.commune_too_many", params), ids)]
    province = areas.province(province_code)
    params = {"query": query, "province": province.name if province else ""}
    return [with_nav(ask(Msg("area.commune_none", params), _ways_on()))]


def _also(formers: tuple[areas.Former, ...]) -> list[Reply]:
    """A note for each old unit that had the chosen commune's name and went elsewhere."""
    notes = []
    for former in formers[:3]:
        now = ", ".join(c.name for c in areas.communes_from(former))
        notes.append(say("area.also_before", former=former.place, now=now))
    return notes


def _now_or_district(ctx: Ctx, query: str, finding: areas.Finding) -> Reply:
    """Not saved, but asked: the commune of that name now, then the others the old district
    of that name went into, then any other old unit of the name (another old province's
    district of that name among them) as a choice of its own."""
    district, *others = finding.formers
    now = [_id_of(c) for c in finding.communes]
    split = [f"commune:{code}" for code in district.communes]
    ids = now + [i for i in split if i not in now] + [_id_of(f) for f in others]
    params = {"query": query, "former": district.place, "count": len(split)}
    return _listed(ctx, Msg("area.now_or_district", params), ids)


def _id_of(item: areas.Commune | areas.Former) -> str:
    return f"commune:{item.code}" if isinstance(item, areas.Commune) else f"{FORMER}{item.code}"


def _former(ctx: Ctx, former: areas.Former) -> list[Reply]:
    """An old unit: the commune it is now, to confirm, or the communes it went into."""
    communes = areas.communes_from(former)
    if len(communes) == 1:
        now = communes[0]
        text = Msg("area.former_one", {"former": former.place, "commune": now.name})
        confirm = choice(f"commune:{now.code}", "area.confirm", commune=now.name)
        return [with_nav(ask(text, [confirm, *_ways_on()]))]
    ids = [f"commune:{c.code}" for c in communes]
    params = {"former": former.place, "count": len(ids)}
    if former.is_district:
        return [_listed(ctx, Msg("area.former_district", params), ids)]
    return [_listed(ctx, Msg("area.former_split", params), ids)]


# --- lists longer than a screen ----------------------------------------------------------------


def _listed(ctx: Ctx, head: Msg, ids: list[str]) -> Reply:
    """A list of places, kept in the step's data so that its pages can be turned."""
    ctx.state.data["list"] = {"msg": head.id, "params": head.params, "ids": ids}
    return _page(ctx, 0)


def _page(ctx: Ctx, page: int) -> Reply:
    kept: dict[str, Any] = ctx.state.data.get("list") or {}
    ids = [str(i) for i in kept.get("ids") or ()]
    if not ids:
        return _ask_commune(_province_of(ctx))
    head = Msg(str(kept.get("msg")), dict(kept.get("params") or {}))
    province_code = _province_of(ctx)
    items = [Choice(i, _label(province_code, i)) for i in ids]
    return _paged(head, items, page, PAGE, _ways_on())


def _label(province_code: str, choice_id: str) -> Label:
    if choice_id.startswith(FORMER):
        found = areas.former(province_code, choice_id.removeprefix(FORMER))
        return Msg("area.former_label", {"place": found.place if found else choice_id})
    found_now = areas.commune(choice_id.removeprefix("commune:"))
    return found_now.name if found_now else choice_id


def _paged(
    head: Msg,
    items: list[Choice],
    page: int,
    turn: str,
    ways: list[Choice],
    per_page: int = MAX_LISTED,
) -> Reply:
    """One screen of `items`, with the ways to the pages before and after it (`turn` and the
    page's number)."""
    pages = max(1, -(-len(items) // per_page))
    page = min(max(page, 0), pages - 1)
    shown = items[page * per_page : (page + 1) * per_page]
    if page > 0:
        shown.append(choice(f"{turn}{page - 1}", "area.page_prev"))
    if page < pages - 1:
        shown.append(choice(f"{turn}{page + 1}", "area.page_next"))
    text: Label | tuple[Label, ...] = head
    if pages > 1:
        text = (head, Msg("area.page_of", {"page": page + 1, "pages": pages}))
    return with_nav(ask(text, [*shown, *ways]))


# --- browsing by first letter ----------------------------------------------------------------


def _letters(province_code: str, page: int) -> Reply:
    province = areas.province(province_code)
    head = Msg("area.letters", {"province": province.name if province else ""})
    items = [
        Choice(f"{LETTER}{i}:0", f"{letter} ({count})")
        for i, (letter, count) in enumerate(areas.initials(province_code))
    ]
    return _paged(head, items, page, LETTERS, _ways_on(browse=False), MAX_LETTERS)


def _letter(province_code: str, where: str) -> Reply:
    """The communes under one letter, paged: `where` is "<letter's index>:<page>"."""
    index, _, page = where.partition(":")
    letters = areas.initials(province_code)
    if not index.isdecimal() or int(index) >= len(letters) or not page.isdecimal():
        return _letters(province_code, 0)
    letter, count = letters[int(index)]
    head = Msg("area.letter", {"letter": letter, "count": count})
    items = [
        Choice(f"commune:{c.code}", c.name) for c in areas.under_initial(province_code, letter)
    ]
    ways = [choice(BROWSE, "area.other_letters"), choice(CHANGE, "area.change")]
    return _paged(head, items, int(page), f"{LETTER}{index}:", ways)


async def _commune_chosen(ctx: Ctx, code: str, notes: list[Reply] | None = None) -> list[Reply]:
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
    return [saved, *(notes or ()), *(asked or menu.show(ctx))]
