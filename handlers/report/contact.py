"""Anonymous or named: what an anonymous tip still needs, and a named reporter's name and phone.

A reporter who leaves their name may ask that it be kept secret (CPC arts. 484(1)(a), 486(1)(c):
a person who reports a crime is protected, their identity kept secret on request); the tip
carries the request (`protection`), which the review shows and the commune's chief is told of.
"""

from __future__ import annotations

from content import phones
from handlers.common import ask, choice, say, with_nav
from handlers.context import Ctx
from handlers.model import Kind, Msg, Reply, Request
from handlers.report import attachments as files
from handlers.report import sealed
from handlers.report.base import (
    MAX_FIELD,
    chosen,
    data_of,
    go,
    unclear,
)
from handlers.report.details import detail_msg
from handlers.report.review import review_prompt
from handlers.tips.words import Protection

ANONYMOUS_FIELDS = ("suspects", "evidence")


def identity_prompt(ctx: Ctx) -> Reply:
    items = [
        choice("id:anonymous", "tip.anonymous"),
        choice("id:named", "tip.named"),
        choice("id:named_secret", "tip.named_secret"),
    ]
    return with_nav(ask(Msg("tip.ask_identity"), items))


def _ask_secrecy(ctx: Ctx, secret: bool) -> None:
    """Keep or drop the request for secrecy with the choice made (again, when editing); a
    reporter who said they are threatened stays so whatever they choose here."""
    data = data_of(ctx)
    if data.get("protection") == Protection.THREATENED:
        return
    data["protection"] = Protection.SECRET.value if secret else Protection.NONE.value


async def on_identity(ctx: Ctx) -> list[Reply]:
    if chosen(ctx) == "id:anonymous":
        _ask_secrecy(ctx, secret=False)
        data_of(ctx)["anonymous"] = True
        sealed.forget(data_of(ctx))
        # Files whose metadata cannot be removed do not go with an anonymous tip (issue 18).
        refused = files.unremovable(data_of(ctx))
        told = [say("tip.media_anonymous_unremovable", count=refused)] if refused else []
        missing = [f for f in ANONYMOUS_FIELDS if not data_of(ctx)["details"].get(f)]
        if missing:
            data_of(ctx)["anon_missing"] = missing
            ctx.state.step = "anon_detail"
            return [*told, say("tip.anonymous_needs"), anon_prompt(ctx)]
        return [*told, *go(ctx, "review")]
    if chosen(ctx) in ("id:named", "id:named_secret"):
        _ask_secrecy(ctx, secret=chosen(ctx) == "id:named_secret")
        data_of(ctx)["anonymous"] = False
        ctx.state.step = "contact_name"
        return [contact_name_prompt(ctx)]
    return unclear(ctx)


def anon_prompt(ctx: Ctx) -> Reply:
    field = data_of(ctx)["anon_missing"][0]
    return with_nav(ask(detail_msg(field), [choice("tip:skip", "tip.skip")]))


async def on_anon_detail(ctx: Ctx) -> list[Reply]:
    missing: list[str] = data_of(ctx).get("anon_missing", [])
    if not missing:
        return go(ctx, "review")
    if ctx.event.kind is Kind.TEXT and ctx.event.text:
        data_of(ctx)["details"][missing[0]] = ctx.event.text[:MAX_FIELD]
    elif chosen(ctx) != "tip:skip":
        return unclear(ctx)
    missing.pop(0)
    if missing:
        return [anon_prompt(ctx)]
    data_of(ctx)["editing"] = False
    ctx.state.step = "review"
    return [review_prompt(ctx)]


def contact_name_prompt(ctx: Ctx) -> Reply:
    return with_nav(ask(Msg("tip.ask_name"), []))


async def on_contact_name(ctx: Ctx) -> list[Reply]:
    if ctx.event.kind is not Kind.TEXT or not ctx.event.text:
        return unclear(ctx)
    sealed.keep(data_of(ctx), ctx.config.pin_secret, name=ctx.event.text[:100])
    ctx.state.step = "contact_phone"
    return [contact_phone_prompt(ctx)]


def contact_phone_prompt(ctx: Ctx) -> Reply:
    reply = with_nav(ask(Msg("tip.ask_phone"), []))
    return Reply(reply.text, reply.choices, Request.CONTACT)


async def on_contact_phone(ctx: Ctx) -> list[Reply]:
    given = ctx.event.phone if ctx.event.kind is Kind.CONTACT else ctx.event.text
    number = phones.parse(given) if given else None
    if number is not None and number.spoofed:  # "+84 0912…": the 0 after +84 is one too many
        return [say("tip.phone_extra_zero"), contact_phone_prompt(ctx)]
    if number is None:
        return [say("tip.phone_invalid"), contact_phone_prompt(ctx)]
    if not number.vietnamese:
        # The commune police call the reporter back from a Vietnamese line.
        return [say("tip.phone_foreign"), contact_phone_prompt(ctx)]
    if not number.personal:
        return [say("tip.phone_service"), contact_phone_prompt(ctx)]
    sealed.keep(data_of(ctx), ctx.config.pin_secret, phone=number.e164)
    data_of(ctx)["editing"] = False
    ctx.state.step = "review"
    return [review_prompt(ctx)]
