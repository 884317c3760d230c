"""How a tip begins: from the menu or from a scam check, the notice and consent, the category."""

from __future__ import annotations

from content import areas
from content.text import spells, typed_as, words
from content.tips import categories, category
from content.understand import named_category
from handlers import emergency, menu
from handlers.common import ask, choice, say, with_nav
from handlers.context import Ctx
from handlers.model import Choice, Kind, Localized, Msg, Reply
from handlers.report.base import (
    FLOW,
    MAX_DESCRIPTION,
    chosen,
    data_of,
    go,
    over_limit_cached,
    unclear,
)
from handlers.state import DRAFT_TTL_SECONDS

# Issue 17: the consent named the procedures that apply. Issue 18: the notice the Personal
# Data Protection Law asks for (who controls the data, what is kept, for what, how long, who
# sees it, the resident's rights), short on the screen with the whole of it a tap away.
CONSENT_VERSION = "2026-12-privacy"


async def begin(ctx: Ctx) -> list[Reply]:
    if over_limit_cached(ctx):
        return [say("tip.limit", limit=ctx.config.max_tips_per_day), *menu.show(ctx)]
    ctx.state.go(FLOW, "", details={}, attachments=[], description=[])
    if ctx.profile.consent_version != CONSENT_VERSION:
        return go(ctx, "consent")
    return go(ctx, "category")


async def begin_with(ctx: Ctx, category_id: str | None, description: str) -> list[Reply]:
    """A tip started from elsewhere (the scam check, or what the resident typed at the menu):
    the category where it is known, the text as the description where there is one; the
    resident goes on from the first step still to do, and may add to the description."""
    if over_limit_cached(ctx):
        return [say("tip.limit", limit=ctx.config.max_tips_per_day), *menu.show(ctx)]
    known = {"category": category_id} if category_id and category(category_id) else {}
    ctx.state.go(
        FLOW,
        "",
        details={},
        attachments=[],
        description=[description[:MAX_DESCRIPTION]] if description.strip() else [],
        **known,
    )
    if ctx.profile.consent_version != CONSENT_VERSION:
        return go(ctx, "consent")
    if not known:
        return go(ctx, "category")
    return go(ctx, "description")


# -- consent ----------------------------------------------------------------------------------


def consent_prompt(ctx: Ctx) -> Reply:
    """The short notice, with the whole of it offered until it has been read once."""
    items = [
        choice("tip:consent_yes", "tip.consent_yes"),
        choice("tip:consent_no", "tip.consent_no"),
    ]
    if not data_of(ctx).get("notice_read"):
        # First, so that a "1" typed twice (the menu's "Báo tin", then again) reads more
        # instead of agreeing to what was not read (found by a review).
        items.insert(0, choice("tip:consent_more", "tip.consent_more"))
    return with_nav(
        ask(Msg("tip.consent", {"unit": police_unit(ctx), "operator": operator(ctx)}), items)
    )


def operator(ctx: Ctx) -> Msg | str:
    """Who runs the service, as the deployment names it (a proper name, not translated)."""
    return ctx.config.operator_name or Msg("tip.operator_default")


def operator_contact(ctx: Ctx) -> Msg | str:
    contact = ctx.config.operator_contact
    return Msg("tip.operator_contact", {"contact": contact}) if contact else ""


def police_unit(ctx: Ctx) -> Msg:
    """The police the tip goes to, by name where the resident's commune is known."""
    commune = areas.commune(ctx.profile.commune_code)
    if commune is None:
        return Msg("tip.consent_unit_any")
    return Msg("tip.consent_unit", {"commune": commune.name})


def full_notice(ctx: Ctx) -> list[Reply]:
    """The whole notice, a few short messages (each well under Zalo's 2,000 characters), then
    the question again."""
    days = ctx.config.retention_closed_tip_days
    kept_for = (
        Msg("tip.notice_years", {"n": days // 365})
        if days % 365 == 0
        else Msg("tip.notice_days", {"n": days})
    )
    again = [
        choice("tip:consent_yes", "tip.consent_yes"),
        choice("tip:consent_no", "tip.consent_no"),
    ]
    unit = police_unit(ctx)
    return [
        say(
            "tip.notice_who",
            unit=unit,
            operator=operator(ctx),
            operator_contact=operator_contact(ctx),
        ),
        say("tip.notice_what"),
        say(
            "tip.notice_access",
            unit=unit,
            draft_hours=DRAFT_TTL_SECONDS // 3600,
            chat_days=ctx.config.retention_chat_days,
            closed=kept_for,
        ),
        say("tip.notice_rights", unit=unit),
        with_nav(ask(Msg("tip.consent_again"), again)),
    ]


# What a typed answer to the consent question may be, beside a choice's number or its whole
# label: the phrase, once the polite words around it are set aside ("Dạ, con đồng ý ạ"), each
# word with its marks or without any, never with other marks ("đóng" is not "đồng";
# content/text.py). Consent must be clear (PDPL art. 9): a question ("đồng ý?"), a word that
# only resembles agreement, or a bare "ok" / "có" is asked again, never taken as a yes.
AGREE = ("đồng ý", "agree", "i agree", "yes i agree", "yes")
DECLINE = ("không", "không đồng ý", "chưa đồng ý", "ko", "no", "i do not agree", "i disagree")
MORE = ("đọc thêm", "xem thêm", "read more")
TYPED = (("tip:consent_yes", AGREE), ("tip:consent_no", DECLINE), ("tip:consent_more", MORE))
LEADING = ("dạ", "vâng", "ừ", "ok", "oke", "okay", "tôi", "em", "con", "cháu", "mình")
TRAILING = ("ạ", "nhé", "nha", "nhá", "luôn", "rồi")


def _core(text: str) -> str:
    said = words(text)
    while said and any(spells(said[0], w) for w in LEADING):
        said.pop(0)
    while said and any(spells(said[-1], w) for w in TRAILING):
        said.pop()
    return " ".join(said)


def consenting(ctx: Ctx) -> bool:
    return ctx.state.flow == FLOW and ctx.state.step == "consent"


def typed_consent(ctx: Ctx, text: str) -> str | None:
    """The choice a typed answer to the consent question names (the router asks here instead
    of its loose reading, which drops marks and takes a label's first word)."""
    if "?" in text:
        return None
    pending = ctx.state.pending
    typed = text.strip().rstrip(".)")
    if typed.isdecimal():
        return pending[int(typed) - 1][0] if 1 <= int(typed) <= len(pending) else None
    offered = {cid for cid, _label in pending}
    for cid, label in pending:
        if typed_as(text, label):
            return cid
    core = _core(text)
    for cid, phrases in TYPED:
        if core and cid in offered and any(typed_as(core, p) for p in phrases):
            return cid
    return None


async def on_consent(ctx: Ctx) -> list[Reply]:
    if chosen(ctx) == "tip:consent_no":
        ctx.state.go("")
        return [say("tip.consent_declined"), *menu.show(ctx)]
    if chosen(ctx) == "tip:consent_more":
        data_of(ctx)["notice_read"] = True
        return full_notice(ctx)
    if chosen(ctx) != "tip:consent_yes":
        return unclear(ctx)
    ctx.profile.consent_version = CONSENT_VERSION
    await ctx.uow.residents.accept_consent(
        ctx.profile.resident_id, CONSENT_VERSION, ctx.config.clock()
    )
    await ctx.save_profile()
    data_of(ctx).pop("notice_read", None)
    return go(ctx, "description" if data_of(ctx).get("category") else "category")


# -- category ---------------------------------------------------------------------------------


def category_prompt(ctx: Ctx) -> Reply:
    items = [
        Choice(f"cat:{c.id}", Localized(c.vi, c.en))
        for c in categories()
        if not (c.in_progress and data_of(ctx).get("urgent"))
    ]
    return with_nav(ask(Msg("tip.ask_category"), items))


async def on_category(ctx: Ctx) -> list[Reply]:
    if ctx.event.kind is Kind.TEXT:
        return _category_typed(ctx, ctx.event.text)
    found = category(chosen(ctx).removeprefix("cat:")) if chosen(ctx) else None
    if found is None:
        return unclear(ctx)
    if found.in_progress:
        data_of(ctx)["urgent"] = True
        data_of(ctx).setdefault("urgent_words", found.vi)
        return [
            emergency.numbers(can_go_back=False),
            say("tip.urgent_continue"),
            *go(ctx, "category"),
        ]
    data_of(ctx)["category"] = found.id
    return go(ctx, "description")


# Typed words that tell what happened are also the start of the description: four words or
# more beside a category they name ("bị gọi điện lừa tiền"), eight without one (a story, not
# "tôi muốn báo công an").
DESCRIBES = 4
STORY = 8


def tells_what_happened(text: str, *, named: bool) -> bool:
    return len(words(text)) >= (DESCRIBES if named else STORY)


def _category_typed(ctx: Ctx, text: str) -> list[Reply]:
    """Words instead of a button ("bị gọi điện lừa"): the category they name, and the words
    kept as the description when they tell what happened; nothing named, the step again."""
    guessed = category(named_category(text) or "")
    if guessed is None or guessed.in_progress:
        return unclear(ctx)
    data = data_of(ctx)
    data["category"] = guessed.id
    if tells_what_happened(text, named=True):
        data.setdefault("description", []).append(text[:MAX_DESCRIPTION])
    return [
        say("tip.category_understood", category=Localized(guessed.vi, guessed.en)),
        *go(ctx, "description"),
    ]
