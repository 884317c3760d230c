"""A linked leader's notice, composed in the chat (issue 14): the text in one message, one
optional photo, its kind, a preview of exactly what residents will see, then send, edit or
cancel.

Sending is the panel's use case (handlers/broadcasts/compose.py) with the leader's account,
so the same limits, areas and approval hold wherever a notice is written. Every step asks
again whether the chat's account is still an active leader (`ctx.leader`, looked up by the
router): a button kept from before the account was deactivated sends nothing. A refusal
(the daily limit, an empty or too long text, a photo that is not one) is said plainly, and
the text is kept.

The photo is checked on its bytes when it is kept (MediaKeeper.keep_photo: a JPEG or PNG of
at most 5 MB, handlers/broadcasts/photo.py); the state keeps its stored ref and type and the
platform's own ref, never the bytes. The preview shows it by the platform's ref (a Telegram
file_id, a Zalo URL) with the kept bytes beside it, for a channel that uploads: Telegram
cannot send a photo sent as a document back by its file_id.
"""

from __future__ import annotations

from dataclasses import replace

from handlers import menu
from handlers.broadcasts.compose import Draft, checked_kind, checked_text, compose
from handlers.broadcasts.compose import Limits as BroadcastLimits
from handlers.broadcasts.message import Copy, message
from handlers.broadcasts.photo import MAX_PHOTO_BYTES, MAX_PHOTO_MB
from handlers.broadcasts.ports import Broadcast
from handlers.broadcasts.words import MAX_TEXT, BroadcastKind, BroadcastStatus
from handlers.common import ask, choice, not_understood, say, with_nav
from handlers.context import Ctx
from handlers.errors import Conflict, DomainError, Invalid
from handlers.model import Choice, Kind, Media, MediaType, Msg, Reply
from handlers.people import AdminRole, Identity
from handlers.ports import MediaStoreDown, MediaUnavailable

FLOW = "leader_notice"
ITEM = "menu:notice"
KIND = "lnotice:kind:"  # and the kind
SEND = "lnotice:send"
EDIT = "lnotice:edit"
DROP = "lnotice:drop"
PHOTO = "lnotice:photo"  # from the preview: add a photo, or another in its place
UNPHOTO = "lnotice:unphoto"  # from the preview: no photo after all
NOPHOTO = "lnotice:nophoto"  # at the photo step: go on with the photo as it is
KINDS = (
    choice(f"{KIND}{BroadcastKind.ALERT.value}", "leader.kind_alert"),
    choice(f"{KIND}{BroadcastKind.AWARENESS.value}", "leader.kind_awareness"),
)
LIMIT = f"{MAX_TEXT:,}".replace(",", ".")  # "2.000", as numbers are written in Vietnam
# The photo, in the state: its ref and type in the blob store, and the platform's own ref.
PHOTO_KEYS = ("photo_ref", "photo_mime", "photo_shown")


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
    if step == "photo":
        return [_ask_photo(data)]
    if step == "kind":
        return [with_nav(ask(Msg("leader.ask_kind"), KINDS))]
    if step == "preview" and ctx.leader is not None:
        draft = _draft(ctx, ctx.leader, data)
        copy = Copy(draft, tuple(map(str, data.get("hoods") or ())))
        seen = message(copy)
        if draft.photo_ref:  # the photo first, as residents get it (bot/outbox.py)
            seen = replace(seen, media=(_photo(data),))
        return [say("leader.preview"), seen, with_nav(ask(Msg("leader.decide"), _decide(data)))]
    return [with_nav(ask(Msg("leader.ask_text", {"limit": LIMIT}), ()))]


def _ask_photo(data: dict[str, object]) -> Reply:
    """After the text the photo may be skipped; from the preview, the leader goes back."""
    if "kind" in data:
        back = choice(NOPHOTO, "leader.photo_back")
        return with_nav(ask(Msg("leader.ask_new_photo", {"limit": MAX_PHOTO_MB}), (back,)))
    skip = choice(NOPHOTO, "leader.photo_skip")
    return with_nav(ask(Msg("leader.ask_photo", {"limit": MAX_PHOTO_MB}), (skip,)))


def _decide(data: dict[str, object]) -> tuple[Choice, ...]:
    photo = (
        (choice(PHOTO, "leader.photo_change"), choice(UNPHOTO, "leader.photo_remove"))
        if data.get("photo_ref")
        else (choice(PHOTO, "leader.photo_add"),)
    )
    return (
        choice(SEND, "leader.send"),
        choice(EDIT, "leader.edit"),
        *photo,
        choice(DROP, "leader.drop"),
    )


def _photo(data: dict[str, object]) -> Media:
    """The photo as the preview shows it: by the platform's own ref, of the type its bytes
    showed."""
    shown = str(data.get("photo_shown") or data.get("photo_ref", ""))
    return Media(MediaType.PHOTO, shown, str(data.get("photo_mime", "")) or None)


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
        photo_ref=str(data.get("photo_ref", "")),
        photo_mime=str(data.get("photo_mime", "")),
    )


async def on_event(ctx: Ctx) -> list[Reply]:
    return await _with_bytes(ctx, await _on_event(ctx))


async def _on_event(ctx: Ctx) -> list[Reply]:
    leader = ctx.leader
    if leader is None:
        return _gone(ctx)
    step = ctx.state.step
    if step == "text":
        return await _text(ctx)
    if ctx.event.kind is Kind.MEDIA and step in ("photo", "kind", "preview"):
        return await _photo_sent(ctx)
    if ctx.event.kind is not Kind.CHOICE:
        return [not_understood(ctx.event.kind), *prompt(ctx)]
    chosen = ctx.event.choice
    if step == "photo" and chosen == NOPHOTO:
        return _after_photo(ctx)
    if step == "kind" and chosen.startswith(KIND):
        return await _kind(ctx, leader, chosen.removeprefix(KIND))
    if step == "preview" and chosen == SEND:
        return await _send(ctx, leader)
    if step == "preview" and chosen == EDIT:
        ctx.state.step = "text"
        return [say("leader.current_text", text=str(ctx.state.data.get("text", ""))), *prompt(ctx)]
    if step == "preview" and chosen == PHOTO:
        ctx.state.step = "photo"
        return prompt(ctx)
    if step == "preview" and chosen == UNPHOTO:
        for key in PHOTO_KEYS:
            ctx.state.data.pop(key, None)
        return [say("leader.photo_removed"), *prompt(ctx)]
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
    # The first time, the photo comes next; an edited text goes back to the preview.
    ctx.state.step = "photo" if "kind" not in ctx.state.data else "preview"
    return prompt(ctx)


async def _photo_sent(ctx: Ctx) -> list[Reply]:
    """A photo at its step, or sent later (at the kind or the preview): kept if its bytes
    are one, in place of any other; anything else (a video, a document, a GIF) is refused,
    and the notice stays as it was."""
    media = ctx.event.media
    if media is None or media.type is not MediaType.PHOTO:
        return [say("leader.photo_type"), *prompt(ctx)]
    if media.size is not None and media.size > MAX_PHOTO_BYTES:  # not worth fetching
        return [say("leader.photo_size", limit=MAX_PHOTO_MB), *prompt(ctx)]
    try:
        kept = await ctx.media.keep_photo(ctx.event.channel, ctx.event.account, media)
    except MediaUnavailable:
        return [say("leader.photo_failed"), *prompt(ctx)]
    except Invalid as refused:
        return [_photo_refusal(refused), *prompt(ctx)]
    ctx.state.data.update(photo_ref=kept.ref, photo_mime=kept.mime, photo_shown=media.ref)
    return [say("leader.photo_added"), *_after_photo(ctx)]


def _after_photo(ctx: Ctx) -> list[Reply]:
    ctx.state.step = "kind" if "kind" not in ctx.state.data else "preview"
    return prompt(ctx)


def _photo_refusal(refused: DomainError) -> Reply:
    if refused.code == "photo_size":
        return say("leader.photo_size", limit=MAX_PHOTO_MB)
    if refused.code == "photo_empty":
        return say("leader.photo_empty")
    return say("leader.photo_type")


async def _with_bytes(ctx: Ctx, replies: list[Reply]) -> list[Reply]:
    """The preview's photo with its kept bytes, for a channel that uploads a photo rather
    than sending the platform's ref back (the router's own prompts go without them)."""
    ref = str(ctx.state.data.get("photo_ref", "")) if ctx.state.flow == FLOW else ""
    if not ref or not any(r.media for r in replies):
        return replies
    try:
        data = await ctx.media.read(ref)
    except MediaStoreDown:  # the photo is kept, but cannot be read now: shown without it
        return _without_photo(replies)
    if data is None:
        return replies
    return [
        replace(r, media=tuple(replace(m, data=data) for m in r.media)) if r.media else r
        for r in replies
    ]


def _without_photo(replies: list[Reply]) -> list[Reply]:
    """The preview without its photo, said plainly after the copy it was drawn in."""
    shown: list[Reply] = []
    for r in replies:
        shown.append(replace(r, media=()) if r.media else r)
        if r.media:
            shown.append(say("leader.photo_store_down"))
    return shown


async def _kind(ctx: Ctx, leader: Identity, kind: str) -> list[Reply]:
    ctx.state.data["kind"] = checked_kind(kind).value
    hoods = await ctx.uow.broadcasts.leader_neighbourhoods(leader.id)
    ctx.state.data["hoods"] = [h.name for h in hoods if h.commune_code == leader.commune_code]
    ctx.state.step = "preview"
    return prompt(ctx)


async def _send(ctx: Ctx, leader: Identity) -> list[Reply]:
    data = ctx.state.data
    draft = Draft(
        str(data.get("text", "")),
        str(data.get("kind", "")),
        photo_ref=str(data.get("photo_ref", "")),
        photo_mime=str(data.get("photo_mime", "")),
    )
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
