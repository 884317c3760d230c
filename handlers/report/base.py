"""What every step of the tip uses: the draft in the conversation state, moving between steps,
the daily limit, and the flow's `prompt` and `on_event`.

The steps lead to one another by name through `STEPS`, which handlers/report/steps.py fills
when the package is imported: a step moves on by name, without importing the step it leads
to (and the table, which imports every step, is imported by none of them).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from content.understand import urgency
from handlers import emergency, menu
from handlers.common import not_understood
from handlers.context import Ctx
from handlers.model import Kind, Msg, Reply
from handlers.report.threat import Threat, who_threatened
from handlers.tips.words import Protection

FLOW = "report"
MAX_DESCRIPTION = 8000
MAX_FIELD = 500
MAX_URGENT_WORDS = 120

Step = Callable[[Ctx], Awaitable[list[Reply]]]


@dataclass(frozen=True)
class StepDef:
    prompt: Callable[[Ctx], Reply]
    on_event: Step


STEPS: dict[str, StepDef] = {}  # filled by handlers/report/steps.py
# Steps that lead on to sub-steps of their own: an edit there continues until they finish.
EDIT_STAY = frozenset({"category", "detail", "when_date", "review"})


def data_of(ctx: Ctx) -> dict[str, Any]:
    return ctx.state.data


def go(ctx: Ctx, step: str) -> list[Reply]:
    """Move to a step; while editing from the review, a finished step returns to the review."""
    if data_of(ctx).get("editing") and step not in EDIT_STAY:
        data_of(ctx)["editing"] = False
        step = "review"
    ctx.state.step = step
    return [STEPS[step].prompt(ctx)]


def recent(ctx: Ctx) -> list[str]:
    """When this chat's last tips were sent, kept with the cached profile."""
    since = ctx.config.clock() - timedelta(days=1)
    sent = [t for t in ctx.state.profile.get("sent", []) if datetime.fromisoformat(t) > since]
    ctx.state.profile["sent"] = sent
    return sent


def note_sent(ctx: Ctx) -> None:
    """Count a tip sent in the cached profile, at the next full hour rather than its moment:
    the state (keyed by the chat) must not hold the tip's time of creation, which would tie
    the chat to the tip in a copy of both stores (issue 18). The hour rounded up keeps the
    first look on the safe side; the database decides at submission."""
    now = ctx.config.clock()
    hour = now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=1)
    recent(ctx).append(hour.isoformat())


def over_limit_cached(ctx: Ctx) -> bool:
    """A first look without the database, so the resident is told before filling a tip in
    vain; the count in the database decides at submission."""
    return len(recent(ctx)) >= ctx.config.max_tips_per_day


async def over_limit(ctx: Ctx) -> bool:
    since = ctx.config.clock() - timedelta(days=1)
    sent = await ctx.uow.tips.count_since(ctx.profile.resident_id, since)
    return sent >= ctx.config.max_tips_per_day


async def origin_allows(ctx: Ctx) -> bool:
    """A tip about to be stored from an origin (the web chat's network, InboundEvent.origin)
    also counts toward that origin's daily cap, which a new chat does not reset: counted
    here when it allows the tip, nothing counted when it does not. Asked only for a tip not
    stored yet (review.submit looks for a retry first), so a retry counts nothing; a turn
    rolled back after this count has used one up (the buckets are not transactional)."""
    attempts, origin, cap = ctx.config.attempts, ctx.event.origin, ctx.config.tips_per_origin
    if attempts is None or not origin or cap <= 0:
        return True
    return await attempts.take(f"tips:{origin}", cap, timedelta(days=1))


def prompt(ctx: Ctx) -> list[Reply]:
    step = STEPS.get(ctx.state.step)
    return [step.prompt(ctx)] if step else menu.show(ctx)


async def on_event(ctx: Ctx) -> list[Reply]:
    step = STEPS.get(ctx.state.step)
    if step is None:
        return menu.show(ctx)
    said = urgency(ctx.event.text) if reads_danger(ctx) else ()
    if said:  # the router has already answered with the numbers
        data_of(ctx)["urgent"] = True
        # The officer sees why: the resident's own words, beside the tip's details.
        data_of(ctx)["urgent_words"] = said[0][:MAX_URGENT_WORDS]
    return [*_told_threat(ctx), *await step.on_event(ctx)]


def _told_threat(ctx: Ctx) -> list[Reply]:
    """A reporter who says, as they tell what happened, that they are threatened: the tip asks
    for their protection (handlers/report/threat.py), and they are told so once, with 113."""
    if ctx.state.step not in TELLING or not reads_danger(ctx) or ctx.event.forwarded:
        return []  # a forwarded message's "tôi" is its writer, not the reporter
    who = who_threatened(ctx.event.text)
    if who is Threat.NONE:
        return []
    if data_of(ctx).get("protection") == Protection.THREATENED:
        return []
    # A relative of the reporter is protected too (CPC art. 484(1)(d)): the same request.
    data_of(ctx)["protection"] = Protection.THREATENED.value
    to_113 = tuple(c for c in emergency.CALLS if c.phone == "113")
    said = Msg("tip.threatened") if who is Threat.ME else Msg("tip.threatened_close")
    return [Reply(said, calls=to_113)]


# The steps where the resident tells what happened: words of danger there mark the tip
# urgent. A category typed by name ("cướp") or a date is not a danger happening now.
TELLING = frozenset({"description", "detail", "anon_detail"})
# The steps that wait for a button; at the others what is sent is the tip's own content (a
# forwarded message there is part of the tip, not something to check: handlers/forwarded.py).
BUTTON_STEPS = frozenset(
    {"consent", "category", "when", "details_offer", "identity", "review", "edit"}
)


def reads_danger(ctx: Ctx) -> bool:
    """Whether typed words of danger count here: anywhere but a tip's steps that do not tell
    what happened."""
    if ctx.event.kind is not Kind.TEXT:
        return False
    return ctx.state.flow != FLOW or ctx.state.step in TELLING


def unclear(ctx: Ctx) -> list[Reply]:
    return [not_understood(ctx.event.kind), *prompt(ctx)]


def chosen(ctx: Ctx) -> str:
    return ctx.event.choice if ctx.event.kind is Kind.CHOICE else ""
