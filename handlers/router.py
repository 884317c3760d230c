"""The one entry point of the conversation: an event and its context in, replies out.

Global intents (start, menu, help, cancel, emergency) work at every step; everything
else goes to the flow the chat is in. A step can always be shown again (`prompt`), which
is how stale buttons, bad input and "back" recover without leaving a chat stuck.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import replace
from types import ModuleType

from content.keywords import intent_of
from content.text import fold, has_words
from content.tips import sounds_like_emergency
from handlers import (
    answer,
    area,
    check,
    emergency,
    learn,
    menu,
    mytips,
    receipt,
    report,
    settings,
    start,
    subscriptions,
)
from handlers.common import NAV_BACK, NAV_EMERGENCY, NAV_IDS, NAV_MENU, not_understood, say
from handlers.context import Ctx
from handlers.model import Kind, Reply, SystemEvent

FLOWS: dict[str, ModuleType] = {
    m.FLOW: m
    for m in (start, area, menu, settings, report, mytips, learn, check, subscriptions, answer)
}
COMMANDS = ("start", "menu", "help", "sos", "cancel", "stop")

Handler = Callable[[Ctx], Awaitable[list[Reply]]]


def _flow(ctx: Ctx) -> ModuleType | None:
    return FLOWS.get(ctx.state.flow)


def prompt(ctx: Ctx) -> list[Reply]:
    """Show the current step again, or the menu when there is none."""
    flow = _flow(ctx)
    if flow is None:
        return _home(ctx)
    replies: list[Reply] = flow.prompt(ctx)
    return replies


def _home(ctx: Ctx) -> list[Reply]:
    """Where a resident lands: onboarding until they have a commune, then the menu."""
    if not ctx.profile.lang:
        return start.begin(ctx)
    if not ctx.profile.has_area:
        return area.begin(ctx)
    return menu.show(ctx)


async def _intent(ctx: Ctx, intent: str) -> list[Reply]:
    if intent == "start":
        return (
            start.begin(ctx)
            if not ctx.profile.has_area
            else [say("start.welcome_back"), *_home(ctx)]
        )
    if intent == "emergency":
        return [emergency.numbers(can_go_back=_flow(ctx) not in (None, menu))]
    if intent == "help":
        return [say("help.text"), *prompt(ctx)]
    if intent == "follow":
        return mytips.ask_code(ctx)
    if intent == "cancel":
        if ctx.state.flow == answer.FLOW:  # back to what the chat was doing before
            return answer.cancel(ctx)
        ctx.state.go("")
        return [say("nav.cancelled"), *_home(ctx)]
    if intent == "stop":  # STOP / DỪNG: end every subscription, from any step
        stopped = await subscriptions.stop(ctx)
        return stopped if ctx.profile.has_area else [*stopped, *prompt(ctx)]
    return _home(ctx) if not ctx.profile.has_area else menu.show(ctx)


async def _choice(ctx: Ctx) -> list[Reply]:
    chosen = ctx.event.choice
    if chosen == NAV_EMERGENCY:
        return await _intent(ctx, "emergency")
    if chosen == NAV_MENU:
        return await _intent(ctx, "menu")
    if chosen == NAV_BACK:
        return prompt(ctx)
    if chosen == "menu:settings" and ctx.profile.has_area:
        return settings.begin(ctx)
    if chosen == "menu:tip" and ctx.profile.has_area:
        return await report.begin(ctx)
    if chosen == "menu:mytips" and ctx.profile.has_area:
        return await mytips.begin(ctx)
    if chosen == "menu:learn" and ctx.profile.has_area:
        return await learn.begin(ctx)
    if chosen == "menu:check" and ctx.profile.has_area:
        return await check.begin(ctx)
    return await _in_flow(ctx)


async def _in_flow(ctx: Ctx) -> list[Reply]:
    flow = _flow(ctx)
    if flow is None:
        return _home(ctx)
    on_event: Handler = flow.on_event
    return await on_event(ctx)


async def _system(ctx: Ctx) -> list[Reply]:
    event = ctx.event
    reachable = event.system in (SystemEvent.UNBLOCKED, SystemEvent.FOLLOW)
    await ctx.uow.residents.set_reachable(event.channel, event.account, event.user_id, reachable)
    if event.system is SystemEvent.FOLLOW:
        return _home(ctx)
    return []


def _unshorten(ctx: Ctx, payload: str) -> str:
    """The offered choice a shortened button payload stands for (model.button_payload)."""
    digest = payload[1:]
    if len(digest) >= 16:
        for choice_id, _label in ctx.state.pending:
            if hashlib.sha256(choice_id.encode("utf-8")).hexdigest().startswith(digest):
                return choice_id
    return payload  # not offered (any more): a stale choice


async def handle(ctx: Ctx) -> list[Reply]:
    event = ctx.event
    if event.kind is Kind.SYSTEM:
        return await _system(ctx)
    if event.kind is Kind.UNSUPPORTED:
        return [say("input.unsupported"), *prompt(ctx)]
    if event.kind is Kind.COMMAND:
        if event.command not in COMMANDS:
            return [say("input.unknown_command", command=event.command[:32]), *prompt(ctx)]
        return await _intent(ctx, {"sos": "emergency"}.get(event.command, event.command))
    code = _receipt_code(ctx)
    if code is not None:  # a receipt code, typed anywhere but inside a tip: follow it up
        return mytips.follow(ctx, code)
    if not ctx.state.flow and not ctx.profile.lang:
        # Any first message greets, but danger and a follow-up need no introduction.
        first = intent_of(event.text) if event.kind is Kind.TEXT else None
        if first in ("emergency", "follow"):
            return await _intent(ctx, first)
        return start.begin(ctx)
    if event.kind is Kind.TEXT:
        # An answer to the police is free text: "2" or "Số điện thoại…" is what they wrote,
        # not the second button or one whose label begins so.
        loose = ctx.state.flow != answer.FLOW
        typed = typed_choice(ctx.state.pending, event.text, loose=loose)
        if typed:
            ctx.event = event = replace(event, kind=Kind.CHOICE, choice=typed)
    if event.kind is Kind.CHOICE and event.choice.startswith("#"):
        ctx.event = event = replace(event, choice=_unshorten(ctx, event.choice))
    # A pushed message's buttons (answer a question, rate the outcome) may no longer be among
    # the chat's pending choices: they are recognised here, before the stale-choice check.
    if ctx.profile.lang:
        dialogue = await answer.pushed(ctx, typed=ctx.state.flow != report.FLOW)
        if dialogue is not None:
            return dialogue
    if event.kind is Kind.CHOICE:
        if event.choice not in NAV_IDS and event.choice not in {p[0] for p in ctx.state.pending}:
            return stale_choice(ctx)
        return await _choice(ctx)
    if event.kind is Kind.TEXT:
        if not event.text:
            return [say("input.empty"), *prompt(ctx)]
        intent = intent_of(event.text)
        if intent:
            return await _intent(ctx, intent)
        if not has_words(event.text):
            return [not_understood(ctx.event.kind), *prompt(ctx)]
        if sounds_like_emergency(event.text):
            # Danger first: the numbers before anything else, then the step goes on.
            numbers = emergency.numbers(can_go_back=False)
            return [Reply(numbers.text, calls=numbers.calls), *await _in_flow(ctx)]
    return await _in_flow(ctx)


def _receipt_code(ctx: Ctx) -> str | None:
    event = ctx.event
    if event.kind is not Kind.TEXT or ctx.state.flow in (report.FLOW, answer.FLOW):
        return None
    if not fold(event.text).replace(" ", "").startswith("by"):
        return None
    return receipt.normalise_code(event.text)


def _label_key(text: str) -> str:
    return "".join(ch for ch in fold(text) if ch.isalnum() or ch == " ").strip()


def typed_choice(pending: list[list[str]], text: str, *, loose: bool = True) -> str | None:
    """The id of the offered choice a typed message names, by its number or its label
    (`loose`: also by its number or the first words of its label)."""
    typed = text.strip().rstrip(".)")
    if loose and typed.isdigit() and 1 <= int(typed) <= len(pending):
        return pending[int(typed) - 1][0]
    key = _label_key(text)
    if not key:
        return None
    exact = [cid for cid, label in pending if _label_key(label) == key]
    if exact or not loose:
        return exact[0] if exact else None
    # The first words of one label only ("Không" for "Không, tiếp tục").
    starts = [cid for cid, label in pending if _label_key(label).startswith(key + " ")]
    if intent_of(text) == "stop":  # "dừng" stops, even where a label begins "Dùng …"
        return None
    return starts[0] if len(starts) == 1 else None


def stale_choice(ctx: Ctx) -> list[Reply]:
    """A button from an earlier menu: say so, then show where the chat really is."""
    return [say("input.stale_choice"), *prompt(ctx)]
