"""A linked leader's notice, composed in the chat (issue 14): the text in one message, its
kind, a preview of exactly what residents will see, then send, edit or cancel.

Sending is the panel's use case (handlers/broadcasts/compose.py) with the leader's account,
so the same limits, areas and approval hold wherever a notice is written. Every step asks
again whether the chat's account is still an active leader (`ctx.leader`, looked up by the
router): a button kept from before the account was deactivated sends nothing. A refusal
(the daily limit, an empty or too long text) is said plainly, and the text is kept.
"""

from __future__ import annotations

from handlers import menu
from handlers.broadcasts.compose import Draft, checked_kind, checked_text, compose
from handlers.broadcasts.compose import Limits as BroadcastLimits
from handlers.broadcasts.message import Copy, message
from handlers.broadcasts.ports import Broadcast
from handlers.broadcasts.words import MAX_TEXT, BroadcastKind, BroadcastStatus
from handlers.common import ask, choice, not_understood, say, with_nav
from handlers.context import Ctx
from handlers.errors import Conflict, DomainError, Invalid
from handlers.model import Kind, Msg, Reply
from handlers.people import AdminRole, Identity

FLOW = "leader_notice"
ITEM = "menu:notice"
KIND = "lnotice:kind:"  # and the kind
SEND = "lnotice:send"
EDIT = "lnotice:edit"
DROP = "lnotice:drop"
KINDS = (
    choice(f"{KIND}{BroadcastKind.ALERT.value}", "leader.kind_alert"),
    choice(f"{KIND}{BroadcastKind.AWARENESS.value}", "leader.kind_awareness"),
)
LIMIT = f"{MAX_TEXT:,}".replace(",", ".")  # "2.000", as numbers are written in Vietnam
DECIDE = (
    choice(SEND, "leader.send"),
    choice(EDIT, "leader.edit"),
    choice(DROP, "leader.drop"),
)


def _gone(ctx: Ctx) -> list[Reply]:
    """The account is no longer an active leader: nothing is sent, the chat goes home."""
    return [say("leader.not_leader"), *menu.show(ctx)]


async def begin(ctx: Ctx) -> list[Reply]:
    if ctx.leader is None:
        return _gone(ctx)
    ctx.state.go(FLOW, "text")
    return prompt(ctx)


def prompt(ctx: Ctx) -> list[Reply]:
    step, data = ctx.state.step, ctx.state.data
    if step == "kind":
        return [with_nav(ask(Msg("leader.ask_kind"), KINDS))]
    if step == "preview" and ctx.leader is not None:
        draft = _draft(ctx, ctx.leader, data)
        copy = Copy(draft, tuple(map(str, data.get("hoods") or ())))
        return [say("leader.preview"), message(copy), with_nav(ask(Msg("leader.decide"), DECIDE))]
    return [with_nav(ask(Msg("leader.ask_text", {"limit": LIMIT}), ()))]


def _draft(ctx: Ctx, leader: Identity, data: dict[str, object]) -> Broadcast:
    """The notice as it would go out, for the preview (it is not stored)."""
    return Broadcast(
        id="",
        kind=BroadcastKind(str(data.get("kind", BroadcastKind.ALERT.value))),
        text=str(data.get("text", "")),
        status=BroadcastStatus.PENDING,
        sender_id=leader.id,
        sender_role=AdminRole.LEADER,
        province_code=leader.province_code,
        communes=(leader.commune_code,),
        neighbourhoods=(),
        created_at=ctx.config.clock(),
    )


async def on_event(ctx: Ctx) -> list[Reply]:
    leader = ctx.leader
    if leader is None:
        return _gone(ctx)
    if ctx.state.step == "text":
        return await _text(ctx)
    if ctx.event.kind is not Kind.CHOICE:
        return [not_understood(ctx.event.kind), *prompt(ctx)]
    chosen = ctx.event.choice
    if ctx.state.step == "kind" and chosen.startswith(KIND):
        return await _kind(ctx, leader, chosen.removeprefix(KIND))
    if ctx.state.step == "preview" and chosen == SEND:
        return await _send(ctx, leader)
    if ctx.state.step == "preview" and chosen == EDIT:
        ctx.state.step = "text"
        return [say("leader.current_text", text=str(ctx.state.data.get("text", ""))), *prompt(ctx)]
    if chosen == DROP:
        ctx.state.go("")
        return [say("leader.dropped"), *menu.show(ctx)]
    return prompt(ctx)


async def _text(ctx: Ctx) -> list[Reply]:
    if ctx.event.kind is not Kind.TEXT:
        return [not_understood(ctx.event.kind), *prompt(ctx)]
    try:
        text = checked_text(ctx.event.text)
    except Invalid as refused:
        return [_refusal(refused, ctx.event.text), *prompt(ctx)]
    ctx.state.data["text"] = text
    ctx.state.step = "kind" if "kind" not in ctx.state.data else "preview"
    return prompt(ctx)


async def _kind(ctx: Ctx, leader: Identity, kind: str) -> list[Reply]:
    ctx.state.data["kind"] = checked_kind(kind).value
    hoods = await ctx.uow.broadcasts.leader_neighbourhoods(leader.id)
    ctx.state.data["hoods"] = [h.name for h in hoods if h.commune_code == leader.commune_code]
    ctx.state.step = "preview"
    return prompt(ctx)


async def _send(ctx: Ctx, leader: Identity) -> list[Reply]:
    data = ctx.state.data
    draft = Draft(str(data.get("text", "")), str(data.get("kind", "")))
    limits = BroadcastLimits(ctx.config.leader_broadcasts_per_day)
    try:
        made = await compose(
            ctx.uow.broadcasts, leader, draft, limits=limits, now=ctx.config.clock()
        )
    except DomainError as refused:
        return [_refusal(refused, draft.text), *prompt(ctx)]
    ctx.state.go("")
    if made.status is BroadcastStatus.PENDING:
        return [say("leader.waiting"), *menu.show(ctx)]
    return [say("leader.sent"), *menu.show(ctx)]


def _refusal(refused: DomainError, text: str) -> Reply:
    """A refusal in plain words; the text the leader wrote stays where it was."""
    if refused.code == "text_length":
        return say("leader.too_long", count=len(text.strip()), limit=LIMIT)
    if refused.code == "text":
        return say("leader.empty")
    if isinstance(refused, Conflict) and refused.code == "daily_limit":
        return say("leader.daily_limit", limit=refused.params.get("limit", ""))
    return say("leader.refused")
