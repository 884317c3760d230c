"""The one entry point of the conversation: an event and its context in, replies out.

The event goes through `CHECKS` in order; the first that answers it wins, and what none
answers goes to the flow the chat is in. Global intents (start, menu, help, cancel, stop,
emergency) work at every step. A step can always be shown again (`prompt`), which is how
stale buttons, bad input and "back" recover without leaving a chat stuck.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace

from content import scamcheck
from content.keywords import intent_of
from content.text import has_words, letters, typed_as
from content.understand import Reading, Where, named_language, read, urgency
from handlers import (
    answer,
    area,
    at_menu,
    chat_links,
    check,
    emergency,
    forwarded,
    honour,
    leader_notice,
    learn,
    menu,
    my_neighbourhood,
    mydata,
    mytips,
    police_contact,
    reachability,
    receipt,
    report,
    scammed,
    settings,
    start,
    subscriptions,
    understood,
)
from handlers.common import NAV_BACK, NAV_EMERGENCY, NAV_IDS, NAV_MENU, not_understood, say
from handlers.context import Ctx
from handlers.flow import Flow
from handlers.model import Kind, Msg, Reply, SystemEvent
from handlers.people import AdminRole

COMMANDS = ("start", "menu", "help", "sos", "cancel", "stop")

Check = Callable[[Ctx], Awaitable[list[Reply] | None]]
"""Answers the event (replies, maybe none) or passes it on (None), maybe read more exactly."""


class _Answering:
    """Answering the police (handlers/answer.py) as a flow. It is an aside that says what
    became of the answer; where the chat then stands, maybe back in the flow it left, is
    shown from here."""

    FLOW = answer.FLOW

    def prompt(self, ctx: Ctx) -> list[Reply]:
        return answer.prompt(ctx)

    async def on_event(self, ctx: Ctx) -> list[Reply]:
        return [*await answer.on_answer(ctx), *prompt(ctx)]


class _Naming:
    """Giving one's name for the honour list (handlers/honour.py), an aside as answering is."""

    FLOW = honour.FLOW

    def prompt(self, ctx: Ctx) -> list[Reply]:
        return honour.prompt(ctx)

    async def on_event(self, ctx: Ctx) -> list[Reply]:
        return [*await honour.on_answer(ctx), *prompt(ctx)]


def _by_name(*flows: Flow) -> Mapping[str, Flow]:
    return {flow.FLOW: flow for flow in flows}


# The flows a chat can be in, by the name its state keeps; mypy checks each against Flow.
FLOWS = _by_name(
    start,
    area,
    my_neighbourhood,
    at_menu,
    settings,
    report,
    mytips,
    learn,
    check,
    subscriptions,
    mydata,
    leader_notice,
    scammed,
    understood,
    police_contact,
    _Answering(),
    _Naming(),
)


def prompt(ctx: Ctx) -> list[Reply]:
    """Show the current step again, or the menu when there is none."""
    flow = FLOWS.get(ctx.state.flow)
    return _home(ctx) if flow is None else flow.prompt(ctx)


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
        in_a_flow = ctx.state.flow in FLOWS and ctx.state.flow != menu.FLOW
        return [emergency.numbers(can_go_back=in_a_flow)]
    if intent == "help":
        return [say("help.text"), *prompt(ctx)]
    if intent == "follow":
        return mytips.ask_code(ctx)
    if intent == "thanks":
        return [say("understood.thanks"), *prompt(ctx)]
    if intent == "cancel":
        if ctx.state.flow == answer.FLOW:  # back to what the chat was doing before
            return [*answer.cancel(ctx), *prompt(ctx)]
        if ctx.state.flow == honour.FLOW:
            return [*honour.cancel(ctx), *prompt(ctx)]
        ctx.state.go("")
        return [say("nav.cancelled"), *_home(ctx)]
    if intent == "stop":  # STOP / DỪNG: end every subscription, from any step
        if ctx.profile.has_area and ctx.state.flow not in ("", menu.FLOW, subscriptions.FLOW):
            # Inside a tip, a quiz, an answer: the step goes on, nothing of it lost.
            return [await subscriptions.stop_in_flow(ctx), *prompt(ctx)]
        stopped = await subscriptions.stop(ctx)
        return stopped if ctx.profile.has_area else [*stopped, *prompt(ctx)]
    return _home(ctx) if not ctx.profile.has_area else menu.show(ctx)


# -- the checks, in the order `CHECKS` runs them ------------------------------------------------


async def system_event(ctx: Ctx) -> list[Reply] | None:
    """Blocked, unblocked, follow, unfollow: the resident's reachability; a follow greets."""
    event = ctx.event
    if event.kind is not Kind.SYSTEM:
        return None
    reachable = reachability.system_event(ctx)  # reachable again: what waited goes out
    await ctx.uow.residents.set_reachable(event.channel, event.account, event.user_id, reachable)
    return _home(ctx) if event.system is SystemEvent.FOLLOW else []


async def unsupported(ctx: Ctx) -> list[Reply] | None:
    """Something the channel could not turn into text, a choice, a file, a place or a contact."""
    if ctx.event.kind is not Kind.UNSUPPORTED:
        return None
    return [say("input.unsupported"), *prompt(ctx)]


async def command(ctx: Ctx) -> list[Reply] | None:
    """/start, /menu, /help, /sos, /cancel, /stop; any other command is named and refused."""
    event = ctx.event
    if event.kind is not Kind.COMMAND:
        return None
    if event.command not in COMMANDS:
        return [say("input.unknown_command", command=event.command[:32]), *prompt(ctx)]
    return await _intent(ctx, {"sos": "emergency"}.get(event.command, event.command))


async def receipt_code(ctx: Ctx) -> list[Reply] | None:
    """A receipt code typed anywhere but inside a tip or an answer, maybe with its PIN (either
    order, any separators, or the whole receipt pasted back): follow that tip up."""
    event = ctx.event
    if event.kind is not Kind.TEXT or ctx.state.flow in (report.FLOW, answer.FLOW):
        return None
    if "by" not in event.text.casefold():  # every code starts so: most messages end here
        return None
    if answer.typed_answer(event.text) is not None:  # "TRẢ LỜI BY-…: …" answers the police
        return None
    found = receipt.read_follow_up(event.text)
    if found is not None and found.prefixed:  # only a code written with its BY
        return await mytips.follow_up(ctx, found.code, found.pin)
    if understood.code_like(event.text):  # a mistyped code: said so, and asked again
        return [say("tip.code_invalid"), *mytips.ask_code(ctx)]
    return None


# Where the state marks a chat linked to a leader (the profile cache: one key more), the
# account is looked up once per event; every other chat costs no query.
LEADER_MARK = "leader"
LINK_REFUSED = {
    chat_links.Linked.UNKNOWN: Msg("link.unknown"),
    chat_links.Linked.USED: Msg("link.used"),
    chat_links.Linked.EXPIRED: Msg("link.expired"),
    chat_links.Linked.NOT_LEADER: Msg("link.not_leader"),
    chat_links.Linked.INACTIVE: Msg("link.inactive"),
    chat_links.Linked.OTHER_ACCOUNT: Msg("link.other_account"),
    chat_links.Linked.LIMITED: Msg("link.limited"),
    chat_links.Linked.PAUSED: Msg("link.paused"),
}


async def leader_account(ctx: Ctx) -> None:
    """A linked chat: is its account still an active leader? The menu and the notice flow
    read the answer (ctx.leader)."""
    if ctx.state.profile.get(LEADER_MARK):
        ctx.leader = await ctx.uow.leaders.leader_of(ctx.profile.resident_id)


async def chat_link(ctx: Ctx) -> list[Reply] | None:
    """A code from the panel typed at any step (handlers/chat_links.py): link this chat to
    the leader's account, or say plainly why not."""
    event = ctx.event
    if event.kind is not Kind.TEXT or len(event.text) > 20:
        return None
    code = chat_links.normalised(event.text)
    if code is None:
        return None
    now = ctx.config.clock()
    resident = ctx.profile.resident_id
    outcome, leader = await chat_links.link(
        ctx.uow.leaders,
        ctx.config.link_key,
        code,
        resident,
        now=now,
        tries=chat_links.chat_tries(ctx.state.profile, now),
        bot=f"{event.channel}:{event.account}",
    )
    if leader is None:
        return [Reply(LINK_REFUSED[outcome]), *prompt(ctx)]
    ctx.state.go("")
    if leader.role is not AdminRole.LEADER:  # an officer or a chief: told here, no composing
        return [say("link.linked_officer"), *_home(ctx)]
    ctx.state.profile[LEADER_MARK] = 1
    ctx.leader = leader
    return [say("link.linked"), *_home(ctx)]


async def first_contact(ctx: Ctx) -> list[Reply] | None:
    """Any first message greets, but danger and a follow-up need no introduction."""
    if ctx.state.flow or ctx.profile.lang:
        return None
    first = intent_of(ctx.event.text) if ctx.event.kind is Kind.TEXT else None
    if ctx.event.kind is Kind.TEXT and urgency(ctx.event.text):
        first = "emergency"  # "cháy nhà", "cứu với": the numbers before any greeting
    if first in ("emergency", "follow"):
        return await _intent(ctx, first)
    if ctx.event.kind is Kind.TEXT:
        found = bool(scamcheck.extract(ctx.event.text).found())
        reading = read(ctx.event.text, indicators=found)
        if reading.intent == "check" and found:  # a number or a link: checked after the start
            return forwarded.keep(ctx, ctx.event.text)
        if reading.intent == "scammed":  # what to do now cannot wait for the commune
            return [scammed.advice(), *start.begin(ctx)]
    return start.begin(ctx)


async def choice_typed(ctx: Ctx) -> None:
    """An offered choice typed by its number or label is read as that choice. An answer to the
    police is free text: "2" or "Số điện thoại…" is what they wrote, not the second button or
    one whose label begins so. Neighbourhoods' names carry numbers and differ by one mark
    ("Tổ 5", "Thôn Đồng"): that step reads them itself; so does the confirmation of an
    account's erasure, where only the button's number or whole label erases."""
    event = ctx.event
    if event.kind is not Kind.TEXT:
        return
    if ctx.state.flow == my_neighbourhood.FLOW:
        typed = my_neighbourhood.typed_choice(ctx, event.text)
    elif mydata.confirming(ctx):  # erasing the account: its number or whole label only
        typed = mydata.typed_choice(ctx, event.text)
    elif report.consenting(ctx):  # consent: whole phrases, never a look-alike word
        typed = report.typed_consent(ctx, event.text)
    else:
        loose = ctx.state.flow not in (answer.FLOW, honour.FLOW)  # free text, a name
        typed = typed_choice(ctx.state.pending, event.text, loose=loose)
    if typed:
        ctx.event = replace(event, kind=Kind.CHOICE, choice=typed)


async def choice_shortened(ctx: Ctx) -> None:
    """A button payload shortened to fit the channel (model.button_payload) is read as the
    offered choice it stands for."""
    event = ctx.event
    if event.kind is Kind.CHOICE and event.choice.startswith("#"):
        ctx.event = replace(event, choice=_unshorten(ctx, event.choice))


def _unshorten(ctx: Ctx, payload: str) -> str:
    digest = payload[1:]
    if len(digest) >= 16:
        for choice_id, _label in ctx.state.pending:
            if hashlib.sha256(choice_id.encode("utf-8")).hexdigest().startswith(digest):
                return choice_id
    return payload  # not offered (any more): a stale choice


async def pushed_button(ctx: Ctx) -> list[Reply] | None:
    """A pushed message's buttons (answer a question, rate the outcome) may no longer be among
    the chat's pending choices: they are recognised here, before the stale-choice check, as
    is an answer typed with its tip code (though not inside a tip, where it may be one's
    description)."""
    if not ctx.profile.lang:
        return None
    said = await answer.pushed(ctx, typed=ctx.state.flow != report.FLOW)
    if said is None:
        said = await honour.pushed(ctx)
    if said is None:
        return None
    if ctx.event.kind is Kind.TEXT and urgency(ctx.event.text):  # "TRẢ LỜI BY-…: cứu với"
        numbers = emergency.numbers(can_go_back=False)
        said = [Reply(numbers.text, calls=numbers.calls), *said]
    return [*said, *prompt(ctx)]


async def resumed(ctx: Ctx) -> list[Reply] | None:
    """The tap back after DỪNG typed inside a flow (subscriptions.stop_in_flow)."""
    event = ctx.event
    if event.kind is not Kind.CHOICE or event.choice != subscriptions.RESUME:
        return None
    if ctx.state.flow == subscriptions.FLOW or subscriptions.STOPPED not in ctx.state.profile:
        return None
    return [await subscriptions.resume_in_flow(ctx), *prompt(ctx)]


async def stale_button(ctx: Ctx) -> list[Reply] | None:
    """A choice that is not offered (any more), nor a way home: say so and show the step."""
    chosen = ctx.event.choice
    if ctx.event.kind is not Kind.CHOICE or chosen in NAV_IDS:
        return None
    if chosen in {pending[0] for pending in ctx.state.pending}:
        return None
    return stale_choice(ctx)


async def navigation(ctx: Ctx) -> list[Reply] | None:
    """The buttons under every step: the emergency numbers, the menu, back to the step."""
    if ctx.event.kind is not Kind.CHOICE:
        return None
    chosen = ctx.event.choice
    if chosen == NAV_EMERGENCY:
        return await _intent(ctx, "emergency")
    if chosen == NAV_MENU:
        return await _intent(ctx, "menu")
    if chosen == NAV_BACK:
        return prompt(ctx)
    return None


_ITEMS: dict[str, Callable[[Ctx], Awaitable[list[Reply]]]] = {
    "menu:tip": report.begin,
    "menu:mytips": mytips.begin,
    "menu:learn": learn.begin,
    "menu:check": check.begin,
    leader_notice.ITEM: leader_notice.begin,
}


async def menu_item(ctx: Ctx) -> list[Reply] | None:
    """A menu item, wherever it was offered, starts its flow once the resident has a commune
    (the commune police's page offers to choose one)."""
    if ctx.event.kind is Kind.CHOICE and ctx.event.choice == police_contact.ITEM:
        return await police_contact.begin(ctx)
    if ctx.event.kind is not Kind.CHOICE or not ctx.profile.has_area:
        return None
    if ctx.event.choice == "menu:settings":
        return await settings.begin(ctx)
    begin = _ITEMS.get(ctx.event.choice)
    return None if begin is None else await begin(ctx)


async def empty_text(ctx: Ctx) -> list[Reply] | None:
    """A message with nothing in it (a channel may send one): ask again."""
    if ctx.event.kind is not Kind.TEXT or ctx.event.text:
        return None
    return [say("input.empty"), *prompt(ctx)]


async def keyword(ctx: Ctx) -> list[Reply] | None:
    """A message that is one of the global words (menu, help, hủy, dừng, khẩn cấp, …)."""
    if ctx.event.kind is not Kind.TEXT:
        return None
    if ctx.state.flow in (answer.FLOW, honour.FLOW):  # only menu, hủy, or asking to stop
        intent = read(ctx.event.text, where=Where.ANSWER).intent
    else:
        at_menu = ctx.state.flow in ("", menu.FLOW)
        intent = intent_of(ctx.event.text, where=Where.MENU if at_menu else Where.STEP)
    if intent in ("start", "help") and urgency(ctx.event.text):
        return None  # "chào, cứu với": the danger goes first
    if intent == "start" and ctx.profile.has_area and ctx.state.flow not in ("", menu.FLOW):
        return [say("start.welcome_back"), *prompt(ctx)]  # "alo" mid-tip: the draft stays
    return await _intent(ctx, intent) if intent else None


async def no_words(ctx: Ctx) -> list[Reply] | None:
    """Text without a word in it (emoji, punctuation): no step can use it."""
    if ctx.event.kind is not Kind.TEXT or has_words(ctx.event.text):
        return None
    return [not_understood(ctx.event.kind), *prompt(ctx)]


async def danger(ctx: Ctx) -> list[Reply] | None:
    """Words that say someone is in danger now: the numbers before anything else. At the menu
    that is the answer; inside a step, the step goes on with the text (a tip marks itself
    urgent, an answer reaches the police)."""
    if not report.reads_danger(ctx) or not urgency(ctx.event.text):
        return None
    if understood.free_here(ctx):
        return await _intent(ctx, "emergency")
    numbers = emergency.numbers(can_go_back=False)
    return [Reply(numbers.text, calls=numbers.calls), *await in_flow(ctx)]


async def unsure_picked(ctx: Ctx) -> list[Reply] | None:
    """A button of the question asked when the bot was unsure what was meant."""
    event = ctx.event
    if event.kind is not Kind.CHOICE or ctx.state.flow != understood.FLOW:
        return None
    intent = event.choice.removeprefix(understood.PREFIX)
    if intent == event.choice or intent not in understood.CHOICES:
        return None
    data = ctx.state.data
    reading = Reading(
        intent=intent,
        category=str(data.get("category", "")) or None,
        topic=str(data.get("topic", "")) or None,
    )
    return await _free_intent(ctx, reading, str(data.get("text", "")))


async def free_text(ctx: Ctx) -> list[Reply] | None:
    """Free text at the menu, or at a step outside a tip waiting for a button: what it means,
    acted on (content/understand.py); unsure, one short question; nothing, the step's own
    answer. Inside a tip, a category named in words is the tip's (handlers/report)."""
    event = ctx.event
    if event.kind is not Kind.TEXT or not understood.free_here(ctx):
        return None
    found = scamcheck.extract(event.text).found()
    where = Where.MENU if ctx.state.flow in ("", menu.FLOW) else Where.STEP
    reading = read(event.text, where=where, indicators=bool(found))
    if reading.intent is not None:
        return await _free_intent(ctx, reading, event.text)
    if reading.maybe:
        return (
            understood.ask_which(ctx, reading.maybe, event.text, reading.category, reading.topic)
            or None
        )
    return None


async def _free_intent(ctx: Ctx, reading: Reading, text: str) -> list[Reply]:
    intent = reading.intent
    if intent == "report":
        tells = report.tells_what_happened(text, named=reading.category is not None)
        return await report.begin_with(ctx, reading.category, text if tells else "")
    if intent == "check":
        return await (check.run(ctx, text) if scamcheck.extract(text).found() else check.begin(ctx))
    if intent == "scammed":
        return scammed.begin(ctx, text, reading.category)
    if intent == "learn":
        return await (learn.open_topic(ctx, reading.topic) if reading.topic else learn.begin(ctx))
    if intent == "follow":
        return await mytips.begin(ctx)
    if intent == "contact":
        return await police_contact.begin(ctx)
    if intent == "settings":
        lang = named_language(text)
        if lang is not None:  # "đổi sang tiếng Anh": done at once, then the menu
            return [await settings.set_language(ctx, lang), *menu.show(ctx)]
        return await settings.begin(ctx)
    if intent == "greeting":
        return [say("start.welcome_back"), *menu.show(ctx)]
    return await _intent(ctx, intent or "menu")


async def in_flow(ctx: Ctx) -> list[Reply]:
    """What no check answered: the flow the chat is in, or where a resident lands."""
    flow = FLOWS.get(ctx.state.flow)
    return _home(ctx) if flow is None else await flow.on_event(ctx)


CHECKS: tuple[Check, ...] = (
    system_event,
    leader_account,
    unsupported,
    command,
    forwarded.forwarded,
    receipt_code,
    chat_link,
    first_contact,
    choice_typed,
    choice_shortened,
    pushed_button,
    resumed,
    stale_button,
    navigation,
    menu_item,
    empty_text,
    keyword,
    no_words,
    danger,
    unsure_picked,
    free_text,
)


async def handle(ctx: Ctx) -> list[Reply]:
    await reachability.came_back(ctx)  # a chat marked away writes: reachable again
    replies = await _handled(ctx)
    # Something forwarded before onboarding is checked once the chat reaches the menu.
    return await forwarded.pending_check(ctx, replies) or replies


async def _handled(ctx: Ctx) -> list[Reply]:
    for check_event in CHECKS:
        replies = await check_event(ctx)
        if replies is not None:
            return replies
    return await in_flow(ctx)


# -- reading typed choices ---------------------------------------------------------------------


def _begins(label: str, said: str) -> bool:
    """Whether a label's words begin with what was typed, marks left out allowed but never
    other ones (content.text.typed_as): "lam trac" begins "📝 Làm trắc nghiệm"; "đừng"
    does not begin "Đúng, phải làm ngay"."""
    words = letters(label)
    head = words[: len(said)]
    return len(words) > len(said) and words[len(said)] == " " and typed_as(said, head)


def typed_choice(pending: list[list[str]], text: str, *, loose: bool = True) -> str | None:
    """The id of the offered choice a typed message names, by its number or its label
    (`loose`: also by its number or the first words of its label). A label is named with
    its marks or without them, never with other ones: "dung" names "Đúng", "đừng" does not
    (nor "Dùng …"), so that a resident's word is never read as another one."""
    typed = text.strip().rstrip(".)")
    if loose and typed.isdecimal() and 1 <= int(typed) <= len(pending):
        return pending[int(typed) - 1][0]
    said = letters(text)
    if not said:
        return None
    exact = [cid for cid, label in pending if typed_as(said, label)]
    if exact or not loose:
        return exact[0] if exact else None
    # The first words of one label only ("Không" for "Không, tiếp tục").
    starts = [cid for cid, label in pending if _begins(label, said)]
    if intent_of(text) == "stop":  # "dừng" stops, even where a label begins "Dùng …"
        return None
    return starts[0] if len(starts) == 1 else None


def stale_choice(ctx: Ctx) -> list[Reply]:
    """A button from an earlier menu: say so, then show where the chat really is."""
    return [say("input.stale_choice"), *prompt(ctx)]
