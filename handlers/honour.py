"""The reporter's side of the 19/8 honour list (issue 20).

When the commune's chief thanks the reporter of a useful tip (handlers/casework/thanks.py),
the thank-you carries a button "honour:<code>". Tapping it asks for the name to show (the
reporter's choice: "Nguyễn Văn A" or "Một người dân tổ 5"), warning that a real name may let
the commune police guess which anonymous tip was theirs, shows it back for confirmation, and
keeps it sealed (storage/honour.py) for the next list (handlers/honour_year.py). Being named
is never the default.

"honour-out:<code>", on the tip's page under "my tips", asks once more before it takes the
name off the list: a withdrawal is one deliberate tap more, never a stray "1". The saved-name
reply carries no button for it: the step the chat goes back to shows its own numbered
choices, and a button of this reply would have been merged into them, first.

Like answering the police (handlers/answer.py), this is an aside: it starts from a pushed
button that the chat's pending choices may not hold, puts whatever the chat was doing aside,
and goes back to it. Only the chat account that sent the tip may do either, with no PIN: the
owner check of "my tips" (`view_by_code` with the resident). A tip that does not exist or is
someone else's gets the same answer as any stale button; nothing says it exists.
"""

from __future__ import annotations

import re
import unicodedata

from content import scamcheck
from content.text import clean
from handlers import detour
from handlers.common import ask, choice, not_understood, say, with_nav
from handlers.context import Ctx
from handlers.deadlines import local_date
from handlers.honour_year import list_year, opens, show_day
from handlers.model import Kind, Msg, Reply
from handlers.notices import HONOUR_OUT_PREFIX, HONOUR_PREFIX
from handlers.receipt import normalise_code
from handlers.tipmodel import TipView

FLOW = "honour"
CANCEL = "honour-name:cancel"
CONFIRM = "honour-name:confirm"
CHANGE = "honour-name:change"
# The withdrawal's confirmation: not under "honour-out:" (that prefix is the pushed button).
WITHDRAW = "honour-name:withdraw"
KEEP = "honour-name:keep"
MIN_NAME = 2
MAX_NAME = 60
# Besides letters and combining marks of any script, ASCII digits and spaces: the
# punctuation of names and addresses ("Tổ 5", "Nguyễn Thị B.", "Bác Ba (khu phố 2)").
_PUNCTUATION = frozenset(".,'()-")
# A link's marks; a dot after an initial ("Trần T.Hoa", "Nguyễn V.An") is a name's, not a
# domain's: a domain's label before the dot has two characters or more, and its ending is
# all lower case or all capitals ("shop.vn", "SHOP.VN"), never "Hoa".
_LINK_LIKE = re.compile(r"://|www\.|@|[^\W_]{2,}\.(?:[a-z]{2,}|[A-Z]{2,})(?:\b|/)")
MAX_DIGITS = 4  # "tổ 12, khu 3" yes; a phone number or an account, no


def _allowed(ch: str) -> bool:
    if ch.isalpha() or unicodedata.category(ch).startswith("M"):
        return not ch.isnumeric()  # "〇一二" are letters that are numbers: counted, not let in
    return ch in "0123456789 " or ch in _PUNCTUATION


def checked_name(text: str) -> str | Msg:
    """The name as it will be shown, or why it cannot be. Checked and kept in NFKC, single
    spaces: "⓪⑨①②…" and superscript digits are digits there, fullwidth "：／／" is "://",
    so a phone number or a link cannot pass in look-alike characters (Vietnamese letters
    are the same in NFKC as in NFC)."""
    name = " ".join(unicodedata.normalize("NFKC", clean(text)).split())
    if len(name) < MIN_NAME:
        return Msg("honour.name_short", {"min": MIN_NAME})
    if len(name) > MAX_NAME:
        return Msg("honour.name_long", {"max": MAX_NAME, "length": len(name)})
    if _LINK_LIKE.search(name) or scamcheck.extract(name).found():
        return Msg("honour.name_contact")
    if sum(1 for ch in name if ch.isnumeric()) > MAX_DIGITS:  # any script's digits
        return Msg("honour.name_contact")
    if not all(_allowed(ch) for ch in name) or not any(ch.isalpha() for ch in name):
        return Msg("honour.name_chars")
    return name


def _year(ctx: Ctx) -> dict[str, object]:
    """The list a name given now goes to, and when the unit may first read it."""
    year = list_year(local_date(ctx.config.clock()))
    return {"year": year, "opens": show_day(opens(year))}


async def pushed(ctx: Ctx) -> list[Reply] | None:
    """A tap on "honour:<code>" or "honour-out:<code>", wherever the chat is; None for any
    other event (the router goes on)."""
    event = ctx.event
    if event.kind is not Kind.CHOICE:
        return None
    if event.choice.startswith(HONOUR_OUT_PREFIX):
        return await _ask_withdraw(ctx, event.choice.removeprefix(HONOUR_OUT_PREFIX))
    if event.choice.startswith(HONOUR_PREFIX):
        return await _begin(ctx, event.choice.removeprefix(HONOUR_PREFIX))
    return None


async def _own(ctx: Ctx, raw_code: str) -> TipView | None:
    code = normalise_code(raw_code)
    if code is None:
        return None
    return await ctx.uow.tips.view_by_code(code, ctx.profile.resident_id)


async def _begin(ctx: Ctx, raw_code: str) -> list[Reply]:
    tip = await _own(ctx, raw_code)
    if tip is None:  # the same words whether it does not exist or is someone else's
        return [say("input.stale_choice")]
    standing = await ctx.uow.honour.standing(tip.id)
    if not standing.thanked:
        return [say("honour.not_thanked", code=tip.code)]
    ctx.state.go(FLOW, "name", tip_id=tip.id, code=tip.code, resume=detour.snapshot(ctx, FLOW))
    return []  # the router shows this flow's step: the name is asked


async def _ask_withdraw(ctx: Ctx, raw_code: str) -> list[Reply]:
    """The tap on "Rút tên": asks to confirm (the step), unless there is nothing to take."""
    tip = await _own(ctx, raw_code)
    if tip is None:
        return [say("input.stale_choice")]
    if not (await ctx.uow.honour.standing(tip.id)).named:
        return [say("honour.not_named", code=tip.code)]
    ctx.state.go(FLOW, "withdraw", tip_id=tip.id, code=tip.code, resume=detour.snapshot(ctx, FLOW))
    return []  # the router shows the step: the question


async def _on_withdraw(ctx: Ctx) -> list[Reply]:
    event = ctx.event
    if event.kind is Kind.CHOICE and event.choice == KEEP:
        detour.resume(ctx)
        return [say("honour.kept")]
    if event.kind is not Kind.CHOICE or event.choice != WITHDRAW:
        return [not_understood(event.kind)]
    tip_id, code = str(ctx.state.data.get("tip_id", "")), str(ctx.state.data.get("code", ""))
    detour.resume(ctx)
    tip = await ctx.uow.tips.view(tip_id, resident_id=ctx.profile.resident_id)
    if tip is None:  # gone since (their data erased)
        return [say("input.stale_choice")]
    if await ctx.uow.honour.withdraw(tip.id):
        return [say("honour.withdrawn", code=code)]
    return [say("honour.not_named", code=code)]


def prompt(ctx: Ctx) -> list[Reply]:
    code = str(ctx.state.data.get("code", ""))
    if ctx.state.step == "withdraw":  # keeping the name first: the safe one is "1"
        items = [choice(KEEP, "honour.keep_button"), choice(WITHDRAW, "honour.withdraw_confirm")]
        return [with_nav(ask(Msg("honour.withdraw_ask", {"code": code}), items), menu=False)]
    if ctx.state.step == "confirm":
        name = str(ctx.state.data.get("name", ""))
        items = [
            choice(CONFIRM, "honour.confirm_button"),
            choice(CHANGE, "honour.change_button"),
            choice(CANCEL, "honour.cancel_button"),
        ]
        return [with_nav(ask(Msg("honour.confirm", {"name": name, "code": code}), items))]
    text = Msg("honour.ask_name", {"code": code, "min": MIN_NAME, "max": MAX_NAME, **_year(ctx)})
    return [with_nav(ask(text, [choice(CANCEL, "honour.cancel_button")]), menu=False)]


def cancel(ctx: Ctx) -> list[Reply]:
    """Cancel (the button, or "huỷ" typed): nothing changes, the chat goes back."""
    withdrawing = ctx.state.step == "withdraw"
    detour.resume(ctx)
    return [say("honour.kept")] if withdrawing else [say("honour.cancelled")]


async def on_answer(ctx: Ctx) -> list[Reply]:
    """What became of the event sent at a step of this flow (the router then shows the step
    the chat stands at)."""
    event = ctx.event
    if event.kind is Kind.CHOICE and event.choice == CANCEL:
        return cancel(ctx)
    if ctx.state.step == "withdraw":
        return await _on_withdraw(ctx)
    if ctx.state.step == "confirm":
        return await _on_confirm(ctx)
    if event.kind is not Kind.TEXT or not event.text.strip():
        return [not_understood(event.kind)]
    name = checked_name(event.text)
    if isinstance(name, Msg):
        return [Reply(name)]
    ctx.state.step = "confirm"
    ctx.state.data["name"] = name
    return []


async def _on_confirm(ctx: Ctx) -> list[Reply]:
    event = ctx.event
    if event.kind is Kind.CHOICE and event.choice == CHANGE:
        ctx.state.step = "name"
        ctx.state.data.pop("name", None)
        return []
    if event.kind is not Kind.CHOICE or event.choice != CONFIRM:
        return [not_understood(event.kind)]
    data = ctx.state.data
    tip_id, code, name = str(data.get("tip_id", "")), str(data.get("code", "")), data.get("name")
    detour.resume(ctx)
    tip = await ctx.uow.tips.view(tip_id, resident_id=ctx.profile.resident_id)
    if tip is None or not isinstance(name, str):  # gone since (their data erased)
        return [say("input.stale_choice")]
    if not await ctx.uow.honour.name(tip.id, name, ctx.config.clock()):
        return [say("honour.not_thanked", code=code)]
    # No button: the step resumed shows its own choices (see the module's docstring).
    return [Reply(Msg("honour.saved", {"name": name, "code": code, **_year(ctx)}))]
