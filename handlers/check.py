"""Scam check: a pasted or forwarded message, number, link or account, weighed against what the
police confirmed, what residents reported and the wording of known scam types.

The verdict names its reasons and never calls anything harmless: "nothing known" comes with
general advice. One tap turns a check into a tip (handlers/report/) with the category chosen
and the message and its indicators as the description; once that tip is sent, its indicators
count as reported.

A check offered in the middle of a tip (a message forwarded at a step that waits for a button,
handlers/forwarded.py) keeps the tip as it was: one choice goes back to it, from the offer or
from the verdict.

Each check run is counted for the movement's reports (UnitOfWork.scam_checks): the resident's
commune, the Vietnam day and the verdict's level, nothing else.
"""

from __future__ import annotations

from typing import Any

from content import awareness, scamcheck
from content.scamcheck import Found, Level, Reason, Verdict
from handlers import report
from handlers.common import ask, choice, not_understood, say, with_nav
from handlers.context import Ctx
from handlers.deadlines import local_date
from handlers.model import Choice, Kind, Localized, Msg, Reply

FLOW = "check"
KEPT = report.MAX_DESCRIPTION - 600  # room for the indicators' line in the tip
RESUME = "resume"  # in the state's data: the tip to go back to

HEADLINES = {
    Level.CONFIRMED: Msg("check.verdict_confirmed"),
    Level.REPORTED: Msg("check.verdict_reported"),
    Level.WORDING: Msg("check.verdict_wording"),
    Level.SIGNS: Msg("check.verdict_signs"),
    Level.UNKNOWN: Msg("check.verdict_unknown"),
    Level.NOTHING: Msg("check.verdict_nothing"),
}


async def begin(ctx: Ctx) -> list[Reply]:
    _go(ctx, "paste")
    return [_ask()]


def offer(ctx: Ctx, text: str) -> list[Reply]:
    """A message typed at the menu that looks like a forwarded scam: offer to check it."""
    ctx.state.go(FLOW, "offer", text=text[:KEPT])
    return [_offer_prompt(ctx)]


def offer_in_tip(ctx: Ctx, text: str) -> list[Reply]:
    """A message forwarded while a tip waits for a button: offer to check it, the tip kept
    to go back to."""
    state = ctx.state
    kept = {"flow": state.flow, "step": state.step, "data": state.data}
    state.go(FLOW, "offer", text=text[:KEPT], why="forwarded", **{RESUME: kept})
    return [_offer_prompt(ctx)]


def prompt(ctx: Ctx) -> list[Reply]:
    if ctx.state.step == "offer":
        return [_offer_prompt(ctx)]
    if ctx.state.step == "verdict":
        return [with_nav(ask(Msg("check.what_next"), _next_choices(ctx)))]
    return [_ask()]


async def on_event(ctx: Ctx) -> list[Reply]:
    picked = ctx.event.choice if ctx.event.kind is Kind.CHOICE else ""
    if picked == "check:again":
        return await begin(ctx)
    if picked == "check:back" and _resume_of(ctx):
        return _back_to_tip(ctx)
    if picked == "check:run" and ctx.state.step == "offer":
        return await run(ctx, str(ctx.state.data.get("text", "")))
    if picked.startswith("check:card:") and ctx.state.step == "verdict":
        return _card(ctx, picked.removeprefix("check:card:"))
    if picked == "check:tip" and ctx.state.step == "verdict":
        return await _to_tip(ctx)
    text = _text_of(ctx)
    if text:
        return await run(ctx, text)
    if ctx.event.kind is Kind.MEDIA:
        return [say("check.no_text"), _ask()]
    return [not_understood(ctx.event.kind), *prompt(ctx)]


def _text_of(ctx: Ctx) -> str:
    """What there is to check: the text, a file's caption, or a shared contact's number."""
    event = ctx.event
    if event.kind is Kind.TEXT:
        return event.text
    if event.kind is Kind.MEDIA and event.media is not None:
        return event.media.caption or ""
    if event.kind is Kind.CONTACT:
        return event.phone
    return ""


def _ask() -> Reply:
    return with_nav(ask(Msg("check.ask"), []))


def _offer_prompt(ctx: Ctx) -> Reply:
    items = [choice("check:run", "check.offer_yes"), *_back(ctx)]
    if ctx.state.data.get("why") == "forwarded":
        return with_nav(ask(Msg("check.offer_forwarded"), items))
    return with_nav(ask(Msg("check.offer"), items))


# -- back to the tip ---------------------------------------------------------------------------


def _resume_of(ctx: Ctx) -> dict[str, Any] | None:
    """The tip this check was offered in the middle of, if any."""
    kept = ctx.state.data.get(RESUME) if ctx.state.flow == FLOW else None
    return kept if isinstance(kept, dict) and kept.get("flow") == report.FLOW else None


def _go(ctx: Ctx, step: str, **data: Any) -> None:
    """Move within the check, still keeping the tip to go back to."""
    kept = _resume_of(ctx)
    ctx.state.go(FLOW, step, **data, **({RESUME: kept} if kept else {}))


def _back(ctx: Ctx) -> list[Choice]:
    return [choice("check:back", "check.back_to_tip")] if _resume_of(ctx) else []


def _back_to_tip(ctx: Ctx) -> list[Reply]:
    kept = _resume_of(ctx) or {}
    data = kept.get("data")
    ctx.state.go(report.FLOW, str(kept.get("step", "")))
    ctx.state.data = dict(data) if isinstance(data, dict) else {}
    return report.prompt(ctx)


# -- the verdict -------------------------------------------------------------------------------


async def run(ctx: Ctx, text: str) -> list[Reply]:
    """Check a text (pasted, forwarded, a shared contact's number) and show the verdict."""
    extraction = scamcheck.extract(text)
    found = extraction.found()
    known = await ctx.uow.indicators.lookup(found) if found else []
    result = scamcheck.verdict(extraction, known)
    _go(
        ctx,
        "verdict",
        text=text[:KEPT],
        category=result.category,
        cards=list(result.cards),
        found=[[f.kind, f.value, f.bank] for f in result.found],
    )
    # Counted last: the count's row stays locked until the turn commits, so no longer.
    await _count(ctx, result.level)
    return [with_nav(ask(_verdict_text(result), _next_choices(ctx)))]


async def _count(ctx: Ctx, level: Level) -> None:
    """One more check for the movement's reports: the resident's commune, the Vietnam day and
    the verdict's level, nothing of what was checked nor who checked it."""
    day = local_date(ctx.config.clock())
    await ctx.uow.scam_checks.count(ctx.profile.commune_code, day, level.value)


def _verdict_text(result: Verdict) -> tuple[Msg, ...]:
    parts = [HEADLINES[result.level], *(_reason(r) for r in result.reasons)]
    if result.unknown and result.level is not Level.NOTHING:
        parts.append(Msg("check.unknown", {"items": ", ".join(result.unknown)}))
    parts.append(Msg("check.advice"))
    return tuple(parts)


def _names(pair: tuple[str, str]) -> Localized:
    return Localized(*pair)


def _reason(reason: Reason) -> Msg:
    what = reason.subject
    match reason.kind:
        case "confirmed":
            return Msg("check.reason_confirmed", {"what": what})
        case "reported":
            return Msg("check.reason_reported", {"what": what, "count": reason.count})
        case "listed":
            return Msg("check.reason_listed", {"what": what})
        case "wording":
            phrases = ", ".join(f"“{p}”" for p in reason.phrases)
            rule = _names(scamcheck.rule_name(reason.rule))
            return Msg("check.reason_wording", {"name": rule, "phrases": phrases})
        case "advice":
            return Msg("check.reason_advice", {"name": _card_title(reason.rule)})
        case "lookalike":
            return Msg(
                "check.reason_lookalike",
                {
                    "what": what,
                    "name": _names(scamcheck.official_name(reason.official)),
                    "official": scamcheck.official_domain(reason.official),
                },
            )
        case "idn":
            return Msg("check.reason_idn", {"what": what})
        case "shortener":
            return Msg("check.reason_shortener", {"what": what})
        case "apk":
            return Msg("check.reason_apk", {"what": what})
        case "odd_prefix":
            return Msg("check.reason_odd_prefix", {"what": what, "prefix": reason.extra})
        case "foreign":
            return Msg("check.reason_foreign", {"what": what})
        case "qr":
            name = f" ({reason.extra})" if reason.extra else ""
            return Msg("check.reason_qr", {"what": what, "name": name})
        case _:
            return Msg("check.reason_qr_damaged")


def _next_choices(ctx: Ctx) -> list[Choice]:
    cards: list[str] = list(ctx.state.data.get("cards", []))
    items = [
        Choice(f"check:card:{c}", Msg("check.read_card", {"title": _card_title(c)})) for c in cards
    ]
    items.append(choice("check:tip", "check.send_tip"))
    items.append(choice("check:again", "check.again"))
    return [*items, *_back(ctx)]


# -- cards -------------------------------------------------------------------------------------


def _card_entry(card_id: str) -> Any:
    """The awareness card, or None while its pack is missing or being rewritten."""
    try:
        found = awareness.find_card(card_id)
    except ValueError:
        return None
    return found[1] if found else None


def _card_title(card_id: str) -> Localized:
    card = _card_entry(card_id)
    if card is not None:
        return Localized(card.title.vi, card.title.en)
    rule = next((r for r in scamcheck.packs().rules if r.card == card_id), None)
    return Localized(rule.vi, rule.en) if rule else Localized(card_id, card_id)


def _card(ctx: Ctx, card_id: str) -> list[Reply]:
    if card_id not in ctx.state.data.get("cards", []):
        return [say("input.stale_choice"), *prompt(ctx)]
    card = _card_entry(card_id)
    if card is None:
        text = Msg("check.card_missing")
    else:
        text = Msg(
            "check.card",
            {
                "title": Localized(card.title.vi, card.title.en),
                "body": Localized(card.body.vi, card.body.en),
                "action": Localized(card.action.vi, card.action.en),
                "source": Localized(card.source.vi, card.source.en),
            },
        )
    return [with_nav(ask(text, _next_choices(ctx)))]


# -- into a tip --------------------------------------------------------------------------------


async def _to_tip(ctx: Ctx) -> list[Reply]:
    data = ctx.state.data
    text = str(data.get("text", ""))
    found = [Found(str(k), str(v), str(b)) for k, v, b in data.get("found", [])]
    line = scamcheck.describe(found)
    description = f"{text}\n\n⚑ {line}" if line else text
    category = str(data.get("category") or "fraud_online")
    return await report.begin_with(ctx, category, description[: report.MAX_DESCRIPTION])
