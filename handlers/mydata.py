"""My data (issue 18), from settings on every channel: what Bình Yên holds about the resident,
a copy of it, and erasing their account.

- What is held (handlers/held.py): the area and neighbourhood, the language, the chat
  account, the consent, the subscriptions, the awareness progress and the tips they sent, by
  code; and here, the names they gave for the 19/8 honour list (issue 20), each with the year
  of its list and its tip's code, so that the right of access covers them too.
- The copy is one JSON document (`held.document`), the same for every channel: the web chat
  offers it as a file to download and the terminal writes it to a file (`FILE_CHANNELS`);
  Telegram and Zalo get it as a message (`held.summary`). A tip shows only its code, category,
  status and dates: what it says is a police record.
- Erasure deletes the resident's profile, chat identity, subscriptions, progress and the
  messages kept for them, and unties their tips, which stay with the police as the law
  requires and can still be followed with their code and PIN; the resident is told so before
  confirming. Only the confirm button erases: its tap, its number or its whole label typed
  (`typed_choice`, read by the router); "đúng", "đồng ý", "có", "xóa" are answered that nothing
  was erased. The chat then starts over as a new resident, and an old button tapped later
  reaches that new resident's greeting.

Both are audited without any resident identity. The state keeps counts only, never a tip's
code: a chat's state must not tie tips to the chat.
"""

from __future__ import annotations

import json
import re
from datetime import datetime

from content.text import fold
from handlers import pin_tries
from handlers.audit import AuditAction, compact
from handlers.common import ask, choice, not_understood, say, with_nav
from handlers.context import Ctx
from handlers.deadlines import LOCAL_TZ
from handlers.held import TIPS_HELD, Held, document, file_name, gather, local_time, summary
from handlers.model import Choice, Kind, Label, Media, MediaType, Msg, Reply
from handlers.ports import HeldHonour
from handlers.tipmodel import TipView
from handlers.tips.words import TipStatus

FLOW = "mydata"
COPY = "mydata:copy"
ERASE = "mydata:erase"  # asks; only CONFIRM erases
CONFIRM = "mydata:erase:confirm"
KEEP = "mydata:keep"
AGAIN = "mydata:again"  # after erasure: any message starts over, this one too
TIPS_SHOWN = 10  # the lines of one kind the screen shows (tips: the newest)
LINES_SENT = 100  # … and a copy sent as a message
# The channels that draw a file reply (bot/channels/web.py offers it to download,
# bot/channels/cli.py writes it to a file); the others get the copy as a message.
FILE_CHANNELS = frozenset({"web", "cli"})


# -- the screen ---------------------------------------------------------------------------------


async def begin(ctx: Ctx, back: str = "") -> list[Reply]:
    """What is held, with a copy and erasure on offer; `back` returns whence it was opened
    ("menu:settings"), which the router handles at every step."""
    held = await gather(ctx)
    named = await _honour(ctx, held)
    ctx.state.go(FLOW, "overview", back=back)
    _count_tips(ctx, held.tips)
    text = (
        Msg("mydata.title"),
        *summary(held, TIPS_SHOWN),
        *_honour_summary(held, named, TIPS_SHOWN),
        Msg("mydata.what_next"),
    )
    return [with_nav(ask(text, _overview_choices(ctx)))]


def _count_tips(ctx: Ctx, tips: list[TipView]) -> None:
    ctx.state.data["tips"] = len(tips)
    ctx.state.data["open"] = sum(1 for t in tips if t.status is not TipStatus.CLOSED)


def _overview_choices(ctx: Ctx) -> list[Choice]:
    items = [choice(COPY, "mydata.copy"), choice(ERASE, "mydata.erase")]
    back = str(ctx.state.data.get("back", ""))
    if back:
        items.append(choice(back, "nav.back"))
    return items


def prompt(ctx: Ctx) -> list[Reply]:
    if ctx.state.step == "confirm":
        return [_confirm(ctx)]
    return [with_nav(ask(Msg("mydata.prompt"), _overview_choices(ctx)))]


async def on_event(ctx: Ctx) -> list[Reply]:
    event = ctx.event
    picked = event.choice if event.kind is Kind.CHOICE else ""
    if picked == COPY:
        return await _copy(ctx)
    if picked == ERASE:
        return await _ask_to_erase(ctx)
    if picked == CONFIRM and ctx.state.step == "confirm":
        return await _erase(ctx)
    if picked == KEEP:
        ctx.state.step = "overview"
        return [say("mydata.kept"), *prompt(ctx)]
    if ctx.state.step == "confirm" and event.kind is Kind.TEXT:
        # Short, with the same buttons: the whole confirmation again after every unclear
        # word was a screenful on a phone (found by a review).
        return [with_nav(ask(Msg("mydata.not_erased"), _confirm_choices()))]
    return [not_understood(event.kind), *prompt(ctx)]


# -- what is typed at the confirmation ------------------------------------------------------------


def confirming(ctx: Ctx) -> bool:
    return ctx.state.flow == FLOW and ctx.state.step == "confirm"


def _key(text: str) -> str:
    return " ".join("".join(ch if ch.isalnum() else " " for ch in fold(text)).split())


def typed_choice(ctx: Ctx, text: str) -> str | None:
    """The choice typed at the confirmation (the router asks here instead of its own loose
    reading): a choice's number or its whole label, with or without marks; the first words
    of a label only for the ways out ("không" keeps the account). Nothing else is read as the
    erasure: not "đúng", "đồng ý", "có", "ok" nor "xóa" (the start of its label)."""
    pending = ctx.state.pending
    typed = text.strip().rstrip(".)")
    if typed.isdecimal() and 1 <= int(typed) <= len(pending):
        return pending[int(typed) - 1][0]
    key = _key(text)
    if not key:
        return None
    exact = [cid for cid, label in pending if _key(label) == key]
    if exact:
        return exact[0]
    starts = [cid for cid, label in pending if cid != CONFIRM and _key(label).startswith(key + " ")]
    return starts[0] if len(starts) == 1 else None


# -- erasure -------------------------------------------------------------------------------------


async def _ask_to_erase(ctx: Ctx) -> list[Reply]:
    """What erasure removes and what stays, counted afresh, then the explicit choice."""
    tips = await ctx.uow.tips.of_resident(ctx.profile.resident_id, TIPS_HELD)
    ctx.state.step = "confirm"
    _count_tips(ctx, tips)
    return [_confirm(ctx)]


def _confirm_choices() -> list[Choice]:
    return [
        choice(KEEP, "mydata.keep"),
        choice(COPY, "mydata.copy_first"),
        choice(CONFIRM, "mydata.confirm"),
    ]


def _confirm(ctx: Ctx) -> Reply:
    count, still_open = int(ctx.state.data.get("tips", 0)), int(ctx.state.data.get("open", 0))
    text: list[Label] = [Msg("mydata.confirm_title"), Msg("mydata.confirm_what")]
    if count:
        text.append(Msg("mydata.confirm_tips", {"count": count}))
    else:
        text.append(Msg("mydata.confirm_no_tips"))
    if still_open:
        text.append(Msg("mydata.confirm_open", {"count": still_open}))
    text.append(Msg("mydata.confirm_how"))
    return with_nav(ask(tuple(text), _confirm_choices()))


async def _erase(ctx: Ctx) -> list[Reply]:
    resident, now = ctx.profile.resident_id, ctx.config.clock()
    await _unlink_leader(ctx, now)
    detached = await ctx.uow.tips.detach_owner(resident)
    erased = await ctx.uow.mydata.erase(resident)
    if erased.resident:  # the audit names no resident: the tips detached, counted
        detail = compact(tips=detached, channel=_channel(ctx))
        await ctx.uow.mydata.record(AuditAction.RESIDENT_ERASE, detail=detail, now=now)
    _forget(ctx)
    text: list[Label] = [Msg("mydata.erased")]
    if detached:
        text.append(Msg("mydata.erased_tips", {"count": detached}))
    text.append(Msg("mydata.erased_again"))
    return [ask(tuple(text), [choice(AGAIN, "mydata.start_again")])]


async def _unlink_leader(ctx: Ctx, now: datetime) -> None:
    """A chat linked to a leader's or an officer's panel account is unlinked first, audited
    under that account as any unlinking is (handlers/chat_links.py)."""
    leaders, channel = ctx.uow.leaders, ctx.event.channel
    user_id = await leaders.linked_to(ctx.profile.resident_id)
    if user_id is None:
        return
    account = await leaders.account(user_id)
    if await leaders.unlink(user_id, channel) and account is not None:
        await leaders.audit(
            AuditAction.CHAT_UNLINK,
            account,
            detail=channel,
            ip="",
            now=now,
            subject=account.username,
        )


def _channel(ctx: Ctx) -> str:
    """The channel's name for an audit detail (handlers/audit.py compact)."""
    channel = ctx.event.channel
    return channel if re.fullmatch(r"[a-z_]{1,24}", channel) else "other"


def _forget(ctx: Ctx) -> None:
    """The chat's state as a new chat's: the next message loads (and makes) a new resident.
    Its PIN tries (the `pin_*` keys, handlers/pin_tries.py) stay: they name no resident and
    no code, only the times of tries and keyed hashes of tips, held under the chat's key
    as before, and starting over must not give a guesser its tries back."""
    ctx.state.go("")
    ctx.state.profile = pin_tries.kept(ctx.state.profile)
    ctx.state.pending = []
    ctx.leader = None


# -- the copy -------------------------------------------------------------------------------------


async def _copy(ctx: Ctx) -> list[Reply]:
    held, now = await gather(ctx), ctx.config.clock()
    named = await _honour(ctx, held)
    as_file = ctx.event.channel in FILE_CHANNELS
    form = "json" if as_file else "summary"
    detail = compact(channel=_channel(ctx), fmt=form, tips=len(held.tips))
    await ctx.uow.mydata.record(AuditAction.RESIDENT_EXPORT, detail=detail, now=now)
    _count_tips(ctx, held.tips)
    if as_file:
        copied = {**document(held, now), "honour_list": _honour_json(held, named)}
        data = json.dumps(copied, ensure_ascii=False, indent=2).encode("utf-8")
        media = Media(MediaType.FILE, file_name(now), "application/json", len(data), data=data)
        copy = Reply((Msg("mydata.copy_file"), Msg("mydata.copy_note")), media=(media,))
    else:
        stamp = Msg("mydata.copy_title", {"at": local_time(now)})
        lines = (*summary(held, LINES_SENT), *_honour_summary(held, named, LINES_SENT))
        copy = Reply((stamp, *lines, Msg("mydata.copy_note")))
    return [copy, *prompt(ctx)]


# -- the 19/8 honour list -------------------------------------------------------------------------


async def _honour(ctx: Ctx, held: Held) -> list[HeldHonour]:
    """The names the resident gave for the honour list, for the tips of theirs held."""
    return await ctx.uow.honour.given([tip.id for tip in held.tips])


def _codes(held: Held) -> dict[str, str]:
    return {tip.id: tip.code for tip in held.tips}


def _honour_json(held: Held, named: list[HeldHonour]) -> list[dict[str, object]]:
    codes = _codes(held)
    return [
        {
            "name": entry.name,
            "list_year": entry.year,
            "tip": codes.get(entry.tip_id, ""),
            "given_at": entry.given_at.isoformat(),
        }
        for entry in named
    ]


def _honour_summary(held: Held, named: list[HeldHonour], most: int) -> list[Label]:
    """One paragraph of the names given, if any (being named is never the default, so a
    resident who gave none is not told about the list here)."""
    if not named:
        return []
    codes = _codes(held)
    lines: list[Label] = [
        Msg(
            "mydata.honour_line",
            {
                "name": entry.name,
                "year": entry.year,
                "code": codes.get(entry.tip_id, ""),
                "date": f"{entry.given_at.astimezone(LOCAL_TZ):%d/%m/%Y}",
            },
        )
        for entry in named[:most]
    ]
    if len(named) > most:
        lines.append(Msg("mydata.more", {"count": len(named) - most}))
    return [Msg("mydata.honour", {"lines": _joined(lines)})]


def _joined(lines: list[Label]) -> Label:
    """Lines one under another as one label (as handlers/held.py joins them)."""
    joined = lines[-1]
    for line in reversed(lines[:-1]):
        joined = Msg("mydata.lines", {"first": line, "rest": joined})
    return joined
