"""My tips: the resident's own tips, and follow-up by receipt code and PIN from anywhere."""

from __future__ import annotations

from datetime import datetime

from content.tips import category
from handlers import menu, pin_tries, receipt
from handlers.common import ask, choice, not_understood, say, with_nav
from handlers.context import Ctx
from handlers.deadlines import LOCAL_TZ
from handlers.model import Choice, Kind, Localized, Msg, Reply
from handlers.notices import (
    BadNotice,
    honour_choice,
    honour_out_choice,
    outcome,
    procedure,
    show_date,
    track_of,
)
from handlers.tipmodel import TimelineEntry, TipView
from handlers.tips.words import TipStatus

FLOW = "mytips"
LISTED = 10

STATUS_MSG = {
    TipStatus.NEW: Msg("tip.status_new"),
    TipStatus.ACKNOWLEDGED: Msg("tip.status_acknowledged"),
    TipStatus.VERIFYING: Msg("tip.status_verifying"),
    TipStatus.MEDIATING: Msg("tip.status_mediating"),
    TipStatus.FORWARDED: Msg("tip.status_forwarded"),
    TipStatus.SUSPENDED: Msg("tip.status_suspended"),
    TipStatus.CLOSED: Msg("tip.status_closed"),
}
EVENT_MSG = {
    "created": Msg("tip.event_created"),
    "acknowledged": Msg("tip.event_acknowledged"),
    "forwarded": Msg("tip.event_forwarded"),
    "question": Msg("tip.event_question"),
    "reporter_answer": Msg("tip.event_reporter_answer"),
    "suspended": Msg("tip.event_suspended"),
    "thanked": Msg("tip.event_thanked"),
}
UPDATE_MSG = Msg("tip.event_update")
QUOTED = frozenset({"question", "reporter_answer"})  # words the police or the reporter wrote


async def begin(ctx: Ctx) -> list[Reply]:
    ctx.state.go(FLOW, "list")
    return await _list(ctx)


def _label(tip: TipView) -> Localized | str:
    found = category(tip.category)
    return Localized(f"{tip.code} · {found.vi}", f"{tip.code} · {found.en}") if found else tip.code


async def _list(ctx: Ctx) -> list[Reply]:
    tips = await ctx.uow.tips.of_resident(ctx.profile.resident_id, LISTED)
    items = [Choice(f"mytip:{t.id}", _label(t)) for t in tips]
    items.append(choice("mytips:code", "tip.follow_by_code"))
    text = Msg("tip.mytips", {"count": len(tips)}) if tips else Msg("tip.mytips_none")
    return [with_nav(ask(text, items))]


def ask_code(ctx: Ctx) -> list[Reply]:
    """Follow-up by code and PIN, reachable before onboarding: it needs no commune."""
    ctx.state.go(FLOW, "code")
    return [_code_prompt()]


def follow(ctx: Ctx, code: str) -> list[Reply]:
    """A receipt code typed anywhere: straight to its PIN."""
    ctx.state.go(FLOW, "pin", code=code)
    return [_pin_prompt()]


async def follow_up(ctx: Ctx, code: str, pin: str | None = None) -> list[Reply]:
    """A receipt code typed anywhere, with its PIN when the same message held it
    (receipt.read_follow_up): the tip, or the PIN asked for (again, after a wrong one). The
    PIN is checked, never kept in the conversation state nor said back."""
    if pin is None:
        return follow(ctx, code)
    ctx.state.go(FLOW, "pin", code=code)
    return await _check_pin(ctx, code, pin)


def prompt(ctx: Ctx) -> list[Reply]:
    if ctx.state.step == "code":
        return [_code_prompt()]
    if ctx.state.step == "pin":
        return [_pin_prompt()]
    return menu.show(ctx)


async def on_event(ctx: Ctx) -> list[Reply]:
    picked = ctx.event.choice if ctx.event.kind is Kind.CHOICE else ""
    if picked.startswith("mytip:"):
        return await _own_tip(ctx, picked.removeprefix("mytip:"))
    if picked == "mytips:list":
        return await begin(ctx)
    if picked == "mytips:code":
        return ask_code(ctx)
    if ctx.state.step == "code":
        return await _on_code(ctx)
    if ctx.state.step == "pin":
        return await _on_pin(ctx)
    return [not_understood(ctx.event.kind), *await _list(ctx)]


async def _own_tip(ctx: Ctx, tip_id: str) -> list[Reply]:
    tip = await ctx.uow.tips.view(tip_id, resident_id=ctx.profile.resident_id)
    if tip is None:
        return [say("input.stale_choice"), *await _list(ctx)]
    return await _show(ctx, tip)


async def _show(ctx: Ctx, tip: TipView) -> list[Reply]:
    timeline = await ctx.uow.tips.reporter_timeline(tip.id)
    lines = tuple(_line(e) for e in timeline)
    head = detail(tip)
    ctx.state.go(FLOW, "list")
    honour, items = await _honour(ctx, tip)
    items.append(choice("mytips:list", "tip.back_to_list"))
    return [with_nav(ask((head, *lines, *honour), items))]


async def _honour(ctx: Ctx, tip: TipView) -> tuple[list[Msg], list[Choice]]:
    """The 19/8 honour list for a thanked tip (issue 20): be named, or withdraw one's name.
    Only in the chat that sent the tip (the buttons work there with no PIN)."""
    if await ctx.uow.tips.view(tip.id, resident_id=ctx.profile.resident_id) is None:
        return [], []
    standing = await ctx.uow.honour.standing(tip.id)
    if standing.named:
        return [Msg("honour.named_line")], [
            choice(honour_out_choice(tip.code), "honour.withdraw_button")
        ]
    if standing.thanked:
        return [], [choice(honour_choice(tip.code), "thanks.opt_in_button")]
    return [], []


def detail(tip: TipView) -> Msg:
    """The tip's head: its code, category, the procedure it runs under, its status, and the
    deadlines its track has (no decision date where the track has none)."""
    found = category(tip.category)
    params: dict[str, object] = {
        "code": tip.code,
        "category": Localized(found.vi, found.en) if found else tip.category,
        "procedure": procedure(track_of({"track": tip.track})),
        "status": STATUS_MSG.get(tip.status, Msg("tip.status_acknowledged")),
        "ack_due": tip.ack_due.strftime("%d/%m/%Y"),
    }
    # Only a crime report's decision deadline is the law's (CPC art. 147(1)), and it runs once
    # the report reached the investigation body; the others' are the service's own aims.
    if tip.decision_due is None or tip.track != "crime":
        return Msg("tip.detail_no_due", params)
    return Msg("tip.detail", {**params, "decision_due": tip.decision_due.strftime("%d/%m/%Y")})


def _line(entry: TimelineEntry) -> Msg:
    """One timeline entry: what happened in words, with the text the entry carries when it
    is something someone wrote (a question, an answer)."""
    what, body = _what(entry), ""
    if entry.kind in QUOTED:
        body = f"“{entry.body}”"
    elif what is UPDATE_MSG:
        body = entry.body
    return Msg("tip.timeline_line", {"at": _local(entry.at), "what": what, "body": body})


def _what(entry: TimelineEntry) -> Msg:
    if entry.kind == "closed":  # the body is the resolution
        return Msg("tip.event_closed", {"outcome": outcome(entry.body)})
    if entry.kind == "rating" and entry.body.isdigit():
        return Msg("tip.event_rating", {"stars": entry.body})
    if entry.kind == "extended":  # the body is the new decision date
        try:
            return Msg("tip.event_extended", {"date": show_date(entry.body)})
        except BadNotice:
            return Msg("tip.event_extended_undated")
    if entry.kind == "resumed":  # the body is the decision date after resumption
        try:
            return Msg("tip.event_resumed", {"date": show_date(entry.body)})
        except BadNotice:
            return Msg("tip.event_resumed_undated")
    if entry.kind == "forwarded" and entry.body.strip():  # the body it went to
        return Msg("tip.event_forwarded_to", {"to": " ".join(entry.body.split())})
    if entry.kind == "track":  # the body is the new track
        return Msg("tip.event_track", {"procedure": procedure(track_of({"track": entry.body}))})
    return EVENT_MSG.get(entry.kind, UPDATE_MSG)


def _local(moment: datetime) -> str:
    return moment.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")


def _code_prompt() -> Reply:
    return with_nav(ask(Msg("tip.ask_code"), []))


def _pin_prompt() -> Reply:
    return with_nav(ask(Msg("tip.ask_pin"), [choice("mytips:code", "tip.other_code")]))


async def _on_code(ctx: Ctx) -> list[Reply]:
    found = receipt.read_follow_up(ctx.event.text) if ctx.event.kind is Kind.TEXT else None
    if found is None:
        return [say("tip.code_invalid"), _code_prompt()]
    return await follow_up(ctx, found.code, found.pin)


async def _on_pin(ctx: Ctx) -> list[Reply]:
    """The PIN, alone or in words ('mã pin là 482915'); or a new code in its place (written
    with its BY, or with its PIN): the resident starts over with that tip. Six digits are a
    PIN even where they would also read as a code. Anything else keeps the code and asks for
    the PIN again, spending no try."""
    if ctx.event.kind is not Kind.TEXT:
        return [not_understood(ctx.event.kind), _pin_prompt()]
    text = ctx.event.text
    code = str(ctx.state.data.get("code", ""))
    if receipt.clean_pin(text) is not None:
        return await _check_pin(ctx, code, text)
    found = receipt.read_follow_up(text)
    if found is not None and (found.prefixed or found.pin is not None):
        return await follow_up(ctx, found.code, found.pin)
    pin = receipt.pin_in(text)
    if pin is not None:
        return await _check_pin(ctx, code, pin)
    if any(ch.isdigit() for ch in text):  # digits, but no one PIN: no try is spent on it
        return [say("tip.pin_invalid", length=receipt.PIN_LENGTH), _pin_prompt()]
    return [say("tip.pin_needed", code=code, length=receipt.PIN_LENGTH), _pin_prompt()]


async def _check_pin(ctx: Ctx, code: str, pin: str) -> list[Reply]:
    """One try of a PIN for a code: the tip when it is right; else the PIN asked for again,
    the code kept. The guesser is slowed (handlers/pin_tries.py), never the code's owner's
    own chat: wrong PINs typed by anyone else never refuse a right one there."""
    now = ctx.config.clock()
    if not await pin_tries.may_try(ctx, now):
        return [say("tip.pin_locked"), *menu.show(ctx)]
    check = await ctx.uow.tips.pin_check(code)
    if check is not None and await pin_tries.refused(ctx, check, now):
        return [say("tip.pin_locked"), *menu.show(ctx)]
    if check is not None and receipt.verify_pin(ctx.config.pin_secret, code, pin, check.pin_hash):
        pin_tries.right(ctx, check)
        if check.failures or check.locked_until is not None:
            await ctx.uow.tips.set_pin_failures(check.tip_id, 0, None)
        tip = await ctx.uow.tips.view(check.tip_id)
        if tip is not None:
            return await _show(ctx, tip)
    guard = pin_tries.wrong(ctx, check, now)
    if check is not None:
        await ctx.uow.tips.set_pin_failures(check.tip_id, check.failures + 1, guard)
    # The same answer whether the code exists or not; the code is kept for the next try.
    ctx.state.go(FLOW, "pin", code=code)
    return [say("tip.pin_wrong"), _pin_prompt()]
