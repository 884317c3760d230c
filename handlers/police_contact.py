"""The resident's way to their commune police (issue 21): the menu's "📞 Liên hệ Công an
xã/phường", or the same asked in words ("số điện thoại công an xã").

The unit's card comes first: its name, phone (a call button where the channel has them),
address, opening hours and note as the chief entered them (handlers/commune_page.py), and
always the emergency numbers 113, 114 and 115, with as many of their call buttons as the
reply has room for (at most four buttons a reply: Zalo OA shows no more). The commune's
public contacts follow in a reply of their own, paged so that each page fits a phone screen.
A unit that entered nothing is said to have entered nothing, beside the emergency numbers and
the way to send a tip.

A resident without a commune is offered to choose it, with the emergency numbers first; the
choice is made inside this flow (handlers/area.py's steps), and the page follows it.

Nothing of the page is kept in the conversation state but the index of the contacts' page:
the page is read afresh each time it is shown or turned (a contact the chief removed is gone
at once). `prompt`, which cannot read, shows the unit's name, the emergency numbers and the
button that opens the page again.
"""

from __future__ import annotations

from content import areas, screen
from content.areas import Commune
from content.i18n import language, translate
from handlers import area, emergency, menu, my_neighbourhood
from handlers.common import ask, choice, not_understood, with_nav
from handlers.commune_page import (
    KIND_WORDS,
    MAX_BUTTONS,
    NAV_ROWS,
    Contact,
    ContactKind,
    UnitPage,
    card_text,
    dial,
    shown_phone,
)
from handlers.context import Ctx
from handlers.model import CallAction, Choice, Kind, Msg, Reply

FLOW = "police"
ITEM = "menu:police"
PAGE = "police:page:"  # and the page's index
TIP = "menu:tip"  # the menu's own item: a unit that entered nothing is still told of tips
EMERGENCY_CALLS = emergency.CALLS[:3]  # 113, 114, 115
TURN_ROWS = 2  # the buttons to the pages before and after
AREA_STEPS = frozenset({"province", "commune"})  # handlers/area.py's, asked in this flow


def _(msgid: str) -> str:
    """Marks a catalog id for extraction; translated where the text is built."""
    return msgid


def _commune(ctx: Ctx) -> Commune | None:
    return areas.commune(ctx.profile.commune_code) if ctx.profile.has_area else None


# -- opening ------------------------------------------------------------------------------


async def begin(ctx: Ctx) -> list[Reply]:
    if _commune(ctx) is None:
        asked = area.begin(ctx)
        ctx.state.flow = FLOW  # the area's steps, here: the page follows the commune chosen
        return [_no_area(), *asked]
    ctx.state.go(FLOW, "page", page=0)
    return await _shown(ctx)


def _no_area() -> Reply:
    text = (Msg("police.no_area"), Msg("police.emergency"))
    return Reply(text, calls=EMERGENCY_CALLS)


async def _choosing_area(ctx: Ctx) -> list[Reply]:
    """A step of choosing the commune; once it is chosen, the page in place of what comes
    after a commune elsewhere (the menu, or the neighbourhood, asked in settings instead)."""
    replies = await area.on_event(ctx)
    if ctx.state.flow == area.FLOW:  # the province asked again: still on the way here
        ctx.state.flow = FLOW
        return replies
    if ctx.state.flow not in (menu.FLOW, my_neighbourhood.FLOW) or _commune(ctx) is None:
        return replies
    ctx.state.go(FLOW, "page", page=0)
    return [*replies[:-1], *await _shown(ctx)]  # the commune saved, then the page


# -- what is shown ------------------------------------------------------------------------


async def _shown(ctx: Ctx, *, card: bool = True) -> list[Reply]:
    """The page as it is now: the unit's card and the contacts' page asked for, or (`card`
    False, a page turned) the contacts' page alone when there are contacts."""
    commune = _commune(ctx)
    if commune is None:  # the commune is gone from the list: choose it again
        return await begin(ctx)
    found = await ctx.uow.commune_pages.public(commune.code)
    contacts = list(found.contacts)
    if contacts and not card:
        return [_contacts_page(ctx, contacts)]
    shown = _card(ctx, commune.name, found.page, contacts)
    return [shown, _contacts_page(ctx, contacts)] if contacts else [shown]


def prompt(ctx: Ctx) -> list[Reply]:
    if ctx.state.step in AREA_STEPS:
        return area.prompt(ctx)
    commune = _commune(ctx)
    text = (
        Msg("police.title", {"commune": commune.name if commune else ""}),
        Msg("police.emergency"),
    )
    reply = with_nav(ask(text, [choice(ITEM, "menu.police")]))  # opens the page, read afresh
    return [_with_calls(reply, EMERGENCY_CALLS)]


def _with_calls(reply: Reply, calls: tuple[CallAction, ...]) -> Reply:
    """The reply with as many of `calls`, in order, as its choices leave room for."""
    room = max(MAX_BUTTONS - len(reply.choices), 0)
    return Reply(reply.text, reply.choices, reply.request, reply.media, calls[:room])


def _card(ctx: Ctx, commune_name: str, unit: UnitPage, contacts: list[Contact]) -> Reply:
    lang = language(ctx.lang)
    anything = unit.filled or bool(contacts)
    text = card_text(unit, commune_name, lang, anything=anything)
    unit_call = (CallAction(Msg("police.call_unit"), dial(unit.phone)),) if unit.phone else ()
    calls = (*unit_call, *EMERGENCY_CALLS)
    if contacts:  # the contacts' reply carries the choices
        return _with_calls(Reply(text), calls)
    offered = [] if anything else [choice(TIP, "menu.tip")]
    return _with_calls(with_nav(ask(text, offered)), calls)


def _contacts_page(ctx: Ctx, contacts: list[Contact]) -> Reply:
    lang = language(ctx.lang)
    pages = paged(contacts, lang)
    asked = ctx.state.data.get("page")
    page = min(max(asked if isinstance(asked, int) else 0, 0), len(pages) - 1)
    if len(pages) == 1:
        head = translate(_("police.contacts"), lang)
    else:
        head = translate(_("police.contacts_page"), lang, {"page": page + 1, "pages": len(pages)})
    turns: list[Choice] = []
    if page > 0:
        turns.append(choice(f"{PAGE}{page - 1}", "area.page_prev"))
    if page < len(pages) - 1:
        turns.append(choice(f"{PAGE}{page + 1}", "area.page_next"))
    return with_nav(ask("\n".join([head, *pages[page]]), turns))


def _lines(contact: Contact, lang: str) -> list[str]:
    params = {"name": contact.name, "area": contact.area}
    first = _("police.contact_area") if contact.area else _("police.contact")
    phone = translate(_("police.contact_phone"), lang, {"phone": shown_phone(contact.phone)})
    return [translate(first, lang, params), phone]


def _rows(lines: list[str]) -> int:
    return len(screen.rows("\n".join(lines)))


def paged(contacts: list[Contact], lang: str) -> list[list[str]]:
    """The contacts' lines, a page at a time, each page with its heading and buttons on one
    phone screen; a kind's heading opens its first contact, and again atop a new page."""
    if not contacts:
        return [[]]
    header = _rows([translate(_("police.contacts_page"), lang, {"page": 10, "pages": 10})])
    whole = screen.SCREEN_ROWS - header - NAV_ROWS
    one = _packed_pages(contacts, lang, whole)
    if len(one) == 1:
        return one
    return _packed_pages(contacts, lang, whole - TURN_ROWS)


def _packed_pages(contacts: list[Contact], lang: str, budget: int) -> list[list[str]]:
    pages: list[list[str]] = [[]]
    kind: ContactKind | None = None
    for contact in contacts:
        kind_words = translate(KIND_WORDS[contact.kind], lang)
        heading = [translate(_("police.kind_heading"), lang, {"kind": kind_words})]
        block = _lines(contact, lang)
        fresh = not pages[-1]
        wanted = pages[-1] + (heading if fresh or contact.kind is not kind else []) + block
        if not fresh and _rows(wanted) > budget:
            pages.append([])
            wanted = heading + block
        pages[-1] = wanted
        kind = contact.kind
    return pages


# -- what the resident does ---------------------------------------------------------------


async def on_event(ctx: Ctx) -> list[Reply]:
    if ctx.state.step in AREA_STEPS:
        return await _choosing_area(ctx)
    picked = ctx.event.choice if ctx.event.kind is Kind.CHOICE else ""
    turn = picked.removeprefix(PAGE)
    if turn != picked and turn.isdecimal():
        ctx.state.data["page"] = int(turn)
        return await _shown(ctx, card=False)
    return [not_understood(ctx.event.kind), *await _shown(ctx)]
