"""Content passed on from someone else: a forwarded message or another person's contact card
(InboundEvent.forwarded, set by the channels that can tell). It is offered the scam check at
any step, the very first message included; the router asks `forwarded` after commands and
before the flow sees the event.

- Before onboarding (no language or no commune yet) the content is kept with the chat's
  profile, which outlives the onboarding flows, and the resident is told it will be checked;
  `pending_check` runs the check once the chat reaches the menu.
- Inside a tip or an answer to the police, a forwarded message is what the step asks for (a
  description, a detail, the answer), and a leader composing a notice forwards its text: the
  flow takes it. At a tip's steps that wait for a button the check is offered, the tip kept to
  go back to (handlers/check.py).
- Anywhere else the check runs at once.

Zalo's platforms say nothing of forwarding: a message pasted there is plain text, recognised
by its wording (`scamcheck.extract(...).looks_like_scam()`) at the menu (handlers/at_menu.py)
and, here, before onboarding.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from content import scamcheck
from handlers import answer, area, check, leader_notice, menu, report, start
from handlers.common import say
from handlers.context import Ctx
from handlers.model import InboundEvent, Kind, Msg, Reply

KEPT = "check_later"  # in the state's profile: {"text": ..., "at": ISO time}
KEEP_FOR = timedelta(days=1)  # a message kept longer than this is not checked unasked


def onboarded(ctx: Ctx) -> bool:
    return bool(ctx.profile.lang) and ctx.profile.has_area


async def forwarded(ctx: Ctx) -> list[Reply] | None:
    """A forwarded message or shared contact: checked, offered a check, or kept to be
    checked after onboarding; None where the step takes it as its own content."""
    event = ctx.event
    text = _content(event)
    if not text:
        return None
    if not onboarded(ctx):
        return keep(ctx, text) if event.forwarded or _looks_pasted(event) else None
    if not event.forwarded or _is_content(ctx):
        return None
    if ctx.state.flow == report.FLOW:
        return check.offer_in_tip(ctx, text)
    return await check.run(ctx, text)


async def pending_check(ctx: Ctx, replies: list[Reply]) -> list[Reply] | None:
    """The turn's replies with the check of the content kept before onboarding in place of
    the menu, once the chat has reached the menu; None when there is nothing to do."""
    if ctx.state.flow != menu.FLOW or not onboarded(ctx) or KEPT not in ctx.state.profile:
        return None
    text = _fresh(ctx)
    del ctx.state.profile[KEPT]
    if not text:
        return None
    checked = await check.run(ctx, text)
    shown = [r for r in replies if not _is_menu(r)]
    return [*shown, say("forwarded.checking"), *checked]


# -- what there is to check --------------------------------------------------------------------


def _content(event: InboundEvent) -> str:
    """The text of what was passed on: a message, a file's caption, a contact's number."""
    if event.kind is Kind.TEXT:
        return event.text.strip()
    if event.kind is Kind.MEDIA and event.media is not None:
        return (event.media.caption or "").strip()
    if event.kind is Kind.CONTACT and event.forwarded:  # one's own number is not content
        return event.phone.strip()
    return ""


def _looks_pasted(event: InboundEvent) -> bool:
    """Typed text that reads like a scam message pasted in (where the channel cannot say it
    was forwarded): a number, link or account in a known scam's words."""
    return event.kind is Kind.TEXT and scamcheck.extract(event.text).looks_like_scam()


def _is_content(ctx: Ctx) -> bool:
    """Whether the step the chat is at takes what was sent as the resident's own content."""
    flow = ctx.state.flow
    if flow == report.FLOW:
        return ctx.state.step not in report.BUTTON_STEPS
    return flow in (answer.FLOW, leader_notice.FLOW)


# -- kept through onboarding -------------------------------------------------------------------


def keep(ctx: Ctx, text: str) -> list[Reply]:
    """Something to check sent before onboarding (forwarded, pasted, a number or a link
    alone): kept, and checked once the chat reaches the menu."""
    earlier = _fresh(ctx)
    joined = f"{earlier}\n\n{text}" if earlier else text
    at = ctx.config.clock().isoformat()
    ctx.state.profile[KEPT] = {"text": joined[: check.KEPT], "at": at}
    steps = _onboarding(ctx)
    # Before the language is chosen, said in both.
    note = say("forwarded.kept") if ctx.profile.lang else say("forwarded.kept_first")
    return [*steps[:-1], note, steps[-1]]  # the note just above the step's question


def _fresh(ctx: Ctx) -> str:
    """The kept text, unless it was kept too long ago."""
    kept = ctx.state.profile.get(KEPT)
    if not isinstance(kept, dict):
        return ""
    try:
        at = datetime.fromisoformat(str(kept.get("at", "")))
    except ValueError:
        return ""
    return str(kept.get("text", "")) if ctx.config.clock() - at <= KEEP_FOR else ""


def _onboarding(ctx: Ctx) -> list[Reply]:
    """The onboarding step the chat is at, or the first one it has yet to take."""
    if ctx.state.flow == start.FLOW:
        return start.prompt(ctx)
    if ctx.state.flow == area.FLOW:
        return area.prompt(ctx)
    return start.begin(ctx) if not ctx.profile.lang else area.begin(ctx)


def _is_menu(reply: Reply) -> bool:
    return isinstance(reply.text, Msg) and reply.text.id == "menu.title"
