"""Which neighbourhood (tổ dân phố, thôn, ấp) the resident lives in, so that its leaders'
notices reach them. Asked once after the commune, when the commune has a list, and changed in
settings; always optional: "Bỏ qua", the menu or any other way out leaves it unsaid, and
nothing else waits for it.

Names often carry numbers ("Tổ 5") and differ only by a mark ("Thôn Đông", "Thôn Đồng"), so
this step reads what is typed itself (`typed_choice`, called by the router) and never guesses:
a name typed with its marks is that name; one typed without them, or a number, is read only
when it names one place, and otherwise the resident is asked which they meant.

The list is kept in the state when the step begins, so that `prompt` can show it again.
"""

from __future__ import annotations

from content.keywords import intent_of
from content.text import letters, typed_as
from handlers import menu
from handlers.common import ask, choice, not_understood, say, with_nav
from handlers.context import Ctx
from handlers.model import Choice, Kind, Label, Msg, Reply
from handlers.ports import Neighbourhood

FLOW = "neighbourhood"
PAGE = 8
PICK = "hood:"  # and the neighbourhood's id
PAGE_TO = "hood:page:"  # and the page's index
SKIP = "hood:skip"
CLEAR = "hood:clear"


def _pack(hoods: list[Neighbourhood]) -> list[list[object]]:
    return [[h.id, h.name] for h in hoods]


def _hoods(ctx: Ctx) -> list[Neighbourhood]:
    found: list[Neighbourhood] = []
    for item in ctx.state.data.get("hoods") or []:
        if isinstance(item, list) and len(item) == 2 and isinstance(item[0], int):
            found.append(Neighbourhood(item[0], str(item[1])))
    return found


def _id(choice_id: str) -> int | None:
    rest = choice_id.removeprefix(PICK)
    return int(rest) if rest != choice_id and rest.isdecimal() else None


async def begin(ctx: Ctx, back: str = "") -> list[Reply] | None:
    """Ask, when the resident's commune has neighbourhoods; None (nothing to ask) when not.
    `back` is the choice that returns whence it was opened ("menu:settings"); without one
    the step is part of choosing the commune, and offers to skip it."""
    hoods = await ctx.uow.residents.neighbourhoods(ctx.profile.commune_code)
    if not hoods:
        return None
    current = await ctx.uow.residents.neighbourhood(ctx.profile.resident_id)
    ctx.state.go(
        FLOW, "pick", hoods=_pack(hoods), page=0, back=back, current=current.name if current else ""
    )
    return prompt(ctx)


def prompt(ctx: Ctx) -> list[Reply]:
    data = ctx.state.data
    only = [i for i in data.get("only") or [] if isinstance(i, str)]
    if only:
        count, query = len(only), str(data.get("query", ""))
        return [_ask(ctx, Msg("hood.which", {"count": count, "query": query}), _only(ctx, only))]
    hoods = _hoods(ctx)
    pages = max(1, -(-len(hoods) // PAGE))
    asked = data.get("page")
    page = min(max(asked if isinstance(asked, int) else 0, 0), pages - 1)
    text: list[Label] = [Msg("hood.ask")]
    if data.get("current"):
        text.append(Msg("hood.current", {"name": str(data["current"])}))
    if pages > 1:
        text.append(Msg("hood.page", {"page": page + 1, "pages": pages}))
    shown = [Choice(f"{PICK}{h.id}", h.name) for h in hoods[page * PAGE : (page + 1) * PAGE]]
    if page > 0:
        shown.append(choice(f"{PAGE_TO}{page - 1}", "hood.previous"))
    if page < pages - 1:
        shown.append(choice(f"{PAGE_TO}{page + 1}", "hood.next"))
    return [_ask(ctx, tuple(text), shown)]


def _only(ctx: Ctx, only: list[str]) -> list[Choice]:
    """The choices one typed word might have meant, as they were offered."""
    names = {f"{PICK}{h.id}": h.name for h in _hoods(ctx)}
    offered = {cid: label for cid, label in ctx.state.pending}
    return [Choice(cid, names.get(cid) or offered.get(cid, cid)) for cid in only]


def _ask(ctx: Ctx, text: Label | tuple[Label, ...], shown: list[Choice]) -> Reply:
    data = ctx.state.data
    back = str(data.get("back", ""))
    ways = [choice(back, "nav.back") if back else choice(SKIP, "hood.skip")]
    if data.get("current"):
        ways.insert(0, choice(CLEAR, "hood.clear"))
    have = {c.id for c in shown}
    return with_nav(ask(text, shown + [w for w in ways if w.id not in have]))


# -- what is typed --------------------------------------------------------------------------


def _read(ctx: Ctx, text: str) -> list[str]:
    """The ids of every choice the typed text may mean: the neighbourhoods (on any page) and
    the choices on offer."""
    offered = [(cid, label) for cid, label in ctx.state.pending]
    labels = dict([(f"{PICK}{h.id}", h.name) for h in _hoods(ctx)] + offered)
    typed = text.strip().rstrip(".)")
    said = letters(typed)
    exact = [cid for cid, label in labels.items() if said and letters(label) == said]
    if exact or intent_of(typed):  # "dung" stops and "113" calls, whatever a name holds
        return exact
    if typed.isdecimal():
        return _by_number(int(typed), labels, offered)
    return [cid for cid, label in labels.items() if said and typed_as(typed, label)]


def _by_number(number: int, labels: dict[str, str], offered: list[tuple[str, str]]) -> list[str]:
    """A number names the neighbourhoods that carry it ("5": "Tổ 5", "Tổ dân phố số 5") and
    the choice shown at that place in a numbered list; each of them, once."""
    named = [
        cid for cid, label in labels.items() if _id(cid) is not None and number in _numbers(label)
    ]
    at = [offered[number - 1][0]] if 1 <= number <= len(offered) else []
    return list(dict.fromkeys(named + at))


def _numbers(name: str) -> set[int]:
    return {int(word) for word in letters(name).split() if word.isdecimal()}


def typed_choice(ctx: Ctx, text: str) -> str | None:
    """The offered choice the typed text names, when it names exactly one (the router turns
    it into that choice). A neighbourhood of another page, or a text that names several
    choices or none, is answered by `on_event`."""
    read = _read(ctx, text)
    offered = {cid for cid, _label in ctx.state.pending}
    return read[0] if len(read) == 1 and read[0] in offered else None


async def _typed(ctx: Ctx, text: str) -> list[Reply]:
    read = _read(ctx, text)
    hood_id = _id(read[0]) if len(read) == 1 else None
    if hood_id is not None:  # on another page: the router took those on this one
        return await _chosen(ctx, hood_id)
    ctx.state.data.pop("only", None)
    if len(read) > 1:
        ctx.state.data.update(only=read, query=text.strip()[:60])
        return prompt(ctx)
    return [say("hood.not_found", query=text.strip()[:60]), *prompt(ctx)]


# -- what is chosen -------------------------------------------------------------------------


async def on_event(ctx: Ctx) -> list[Reply]:
    event = ctx.event
    if event.kind is Kind.TEXT:
        return await _typed(ctx, event.text)
    picked = event.choice if event.kind is Kind.CHOICE else ""
    if picked == SKIP:
        return [say("hood.later"), *menu.show(ctx)]
    if picked == CLEAR:
        await ctx.uow.residents.set_neighbourhood(ctx.profile.resident_id, None)
        return [say("hood.cleared"), *menu.show(ctx)]
    if picked.startswith(PAGE_TO) and picked.removeprefix(PAGE_TO).isdecimal():
        ctx.state.data.pop("only", None)
        ctx.state.data["page"] = int(picked.removeprefix(PAGE_TO))
        return prompt(ctx)
    hood_id = _id(picked)
    if hood_id is None:
        return [not_understood(event.kind), *prompt(ctx)]
    return await _chosen(ctx, hood_id)


async def _chosen(ctx: Ctx, hood_id: int) -> list[Reply]:
    if not await ctx.uow.residents.set_neighbourhood(ctx.profile.resident_id, hood_id):
        # Retired by the police since the list was shown: the list as it is now.
        again = await begin(ctx, str(ctx.state.data.get("back", "")))
        return [say("hood.gone"), *(again or [say("hood.none_left"), *menu.show(ctx)])]
    name = next((h.name for h in _hoods(ctx) if h.id == hood_id), "")
    return [say("hood.saved", name=name), *menu.show(ctx)]
