"""The router's checks, each on its own, and the order they run in (handlers/router.py).

No dispatcher and no database: a context is built by hand, with a fake of the few ports the
checks touch and, where a flow's part matters, a recording flow put into the registry.
"""

from __future__ import annotations

import hashlib
from typing import Any, cast

import pytest

from handlers import router
from handlers.common import NAV_BACK, NAV_EMERGENCY, NAV_MENU, say
from handlers.context import Ctx
from handlers.model import InboundEvent, Kind, Label, Msg, Reply, SystemEvent
from handlers.ports import Config, Profile
from handlers.receipt import new_code
from handlers.state import ConversationState

CODE = new_code()


class Ports:
    """The ports the checks reach themselves, recording what they were asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[str, object]] = []
        self.residents = self.tips = self.awareness = self

    async def set_reachable(self, channel: str, account: str, user_id: str, on: bool) -> None:
        self.asked.append(("set_reachable", on))

    async def view_by_code(self, code: str, resident_id: str) -> None:
        self.asked.append(("view_by_code", code))

    async def unsubscribe_all(self, resident_id: str, at: object) -> list[object]:
        self.asked.append(("unsubscribe_all", resident_id))
        return []

    async def neighbourhoods(self, commune_code: str) -> list[object]:
        self.asked.append(("neighbourhoods", commune_code))
        return []  # a commune without a list: settings offer no neighbourhood


class Probe:
    """A flow that records the events it is handed."""

    FLOW = "probe"

    def __init__(self) -> None:
        self.events: list[InboundEvent] = []

    def prompt(self, ctx: Ctx) -> list[Reply]:
        return [say("probe.prompt")]

    async def on_event(self, ctx: Ctx) -> list[Reply]:
        self.events.append(ctx.event)
        return [say("probe.event")]


@pytest.fixture
def probe(monkeypatch: pytest.MonkeyPatch) -> Probe:
    flow = Probe()
    monkeypatch.setattr(router, "FLOWS", {**router.FLOWS, flow.FLOW: flow})
    return flow


def make(
    kind: Kind = Kind.TEXT,
    *,
    flow: str = "",
    step: str = "",
    pending: tuple[tuple[str, str], ...] = (),
    lang: str = "vi",
    commune: str = "00004",
    **values: Any,
) -> Ctx:
    event = InboundEvent("test", "acc", "chat", "user", "event", kind, **values)
    state = ConversationState(flow=flow, step=step, pending=[list(p) for p in pending])
    profile = Profile("resident", lang=lang, province_code="01", commune_code=commune)
    return Ctx(event, state, cast(Any, Ports()), profile, Config(), cast(Any, None))


def asked(ctx: Ctx) -> list[tuple[str, object]]:
    return cast(Ports, ctx.uow).asked


def said(replies: list[Reply] | None) -> list[str]:
    """The catalog id (or literal text) each reply opens with."""
    assert replies is not None

    def first(text: Label | tuple[Label, ...]) -> str:
        label = text[0] if isinstance(text, tuple) else text
        return label.id if isinstance(label, Msg) else str(label)

    return [first(reply.text) for reply in replies]


def offered(replies: list[Reply] | None) -> list[str]:
    assert replies
    return [c.id for c in replies[-1].choices]


# -- each check on its own ---------------------------------------------------------------------


async def test_system_event_sets_reachability_and_a_follow_greets() -> None:
    assert await router.system_event(make(Kind.TEXT, text="hi")) is None
    blocked = make(Kind.SYSTEM, system=SystemEvent.BLOCKED)
    assert await router.system_event(blocked) == []
    assert asked(blocked) == [("set_reachable", False)]
    follow = make(Kind.SYSTEM, system=SystemEvent.FOLLOW)
    assert said(await router.system_event(follow)) == ["menu.title"]
    assert asked(follow) == [("set_reachable", True)]


async def test_unsupported_says_so_and_shows_the_step(probe: Probe) -> None:
    assert await router.unsupported(make(Kind.MEDIA)) is None
    replies = await router.unsupported(make(Kind.UNSUPPORTED, flow="probe"))
    assert said(replies) == ["input.unsupported", "probe.prompt"]


async def test_command_runs_its_intent_or_names_an_unknown_one() -> None:
    assert await router.command(make(Kind.TEXT, text="/start")) is None
    unknown = await router.command(make(Kind.COMMAND, command="x" * 40))
    assert unknown is not None and said(unknown) == ["input.unknown_command", "menu.title"]
    assert unknown[0].text == Msg("input.unknown_command", {"command": "x" * 32})
    sos = await router.command(make(Kind.COMMAND, command="sos"))
    assert sos is not None and sos[0].calls


async def test_receipt_code_follows_a_tip_up_outside_a_tip_or_an_answer() -> None:
    ctx = make(text=CODE.lower().replace("-", " "), flow="menu")
    assert said(await router.receipt_code(ctx)) == ["tip.ask_pin"]
    assert (ctx.state.flow, ctx.state.step, ctx.state.data) == ("mytips", "pin", {"code": CODE})
    for flow in ("report", "answer"):
        assert await router.receipt_code(make(text=CODE, flow=flow)) is None
    assert await router.receipt_code(make(text="by the way")) is None
    assert await router.receipt_code(make(Kind.CHOICE, choice=CODE)) is None


async def test_first_contact_greets_unless_in_danger_or_following_up() -> None:
    assert said(await router.first_contact(make(text="xin chào", lang=""))) == [
        "start.greeting",
        "start.choose_language",
    ]
    assert said(await router.first_contact(make(Kind.MEDIA, lang=""))) == [
        "start.greeting",
        "start.choose_language",
    ]
    danger = await router.first_contact(make(text="khẩn cấp", lang=""))
    assert danger is not None and danger[0].calls
    follow = make(text="tra cứu", lang="")
    await router.first_contact(follow)
    assert (follow.state.flow, follow.state.step) == ("mytips", "code")
    assert await router.first_contact(make(text="xin chào")) is None
    assert await router.first_contact(make(text="xin chào", lang="", flow="start")) is None


async def test_choice_typed_reads_a_number_or_a_label_except_in_an_answer() -> None:
    pending = (("a", "Một"), ("b", "Hai"))
    ctx = make(text="2", pending=pending)
    await router.choice_typed(ctx)
    assert (ctx.event.kind, ctx.event.choice) == (Kind.CHOICE, "b")
    by_label = make(text="hai", pending=pending)
    await router.choice_typed(by_label)
    assert by_label.event.choice == "b"
    answer = make(text="2", pending=pending, flow="answer")
    await router.choice_typed(answer)
    assert answer.event.kind is Kind.TEXT
    not_offered = make(text="ba", pending=pending)
    await router.choice_typed(not_offered)
    assert not_offered.event.kind is Kind.TEXT
    # Digits that are not decimal ones ("²", "①") are text, never a crash.
    for odd in ("²", "①", "2²"):
        typed = make(text=odd, pending=pending)
        await router.choice_typed(typed)
        assert typed.event.kind is Kind.TEXT


async def test_choice_shortened_is_read_as_the_choice_it_stands_for() -> None:
    long_id = "learn:card:" + "x" * 80
    digest = "#" + hashlib.sha256(long_id.encode()).hexdigest()[:32]
    ctx = make(Kind.CHOICE, choice=digest, pending=((long_id, "Card"),))
    await router.choice_shortened(ctx)
    assert ctx.event.choice == long_id
    for gone in (make(Kind.CHOICE, choice=digest), make(Kind.CHOICE, choice="#abc")):
        choice = gone.event.choice
        await router.choice_shortened(gone)
        assert gone.event.choice == choice  # not offered (any more): stale


async def test_pushed_button_is_recognised_though_not_pending(probe: Probe) -> None:
    rate = make(Kind.CHOICE, choice=f"rate:{CODE}:5", flow="probe")
    assert said(await router.pushed_button(rate)) == ["input.stale_choice", "probe.prompt"]
    assert asked(rate) == [("view_by_code", CODE)]
    typed = make(text=f"trả lời {CODE} xe màu đỏ", flow="probe")
    assert said(await router.pushed_button(typed)) == ["answer.unknown", "probe.prompt"]
    in_a_tip = make(text=f"trả lời {CODE} xe màu đỏ", flow="report")
    assert await router.pushed_button(in_a_tip) is None
    before_onboarding = make(Kind.CHOICE, choice=f"rate:{CODE}:5", lang="")
    assert await router.pushed_button(before_onboarding) is None
    assert await router.pushed_button(make(Kind.CHOICE, choice="menu:tip")) is None


async def test_stale_button_is_one_not_offered_nor_a_way_home(probe: Probe) -> None:
    stale = make(Kind.CHOICE, choice="old", pending=(("new", "New"),), flow="probe")
    assert said(await router.stale_button(stale)) == ["input.stale_choice", "probe.prompt"]
    offered_now = make(Kind.CHOICE, choice="new", pending=(("new", "New"),))
    assert await router.stale_button(offered_now) is None
    assert await router.stale_button(make(Kind.CHOICE, choice=NAV_BACK)) is None
    assert await router.stale_button(make(text="old")) is None


async def test_navigation_goes_back_home_or_to_the_numbers(probe: Probe) -> None:
    back = await router.navigation(make(Kind.CHOICE, choice=NAV_BACK, flow="probe"))
    assert said(back) == ["probe.prompt"]
    assert said(await router.navigation(make(Kind.CHOICE, choice=NAV_MENU))) == ["menu.title"]
    numbers = await router.navigation(make(Kind.CHOICE, choice=NAV_EMERGENCY, flow="probe"))
    assert said(numbers) == ["emergency.text"] and offered(numbers) == [NAV_BACK, NAV_MENU]
    at_menu = await router.navigation(make(Kind.CHOICE, choice=NAV_EMERGENCY, flow="menu"))
    assert offered(at_menu) == [NAV_MENU]
    assert await router.navigation(make(Kind.CHOICE, choice="menu:tip")) is None


async def test_menu_item_starts_its_flow_once_there_is_a_commune() -> None:
    ctx = make(Kind.CHOICE, choice="menu:settings")
    assert await router.menu_item(ctx) is not None
    assert ctx.state.flow == "settings"
    assert await router.menu_item(make(Kind.CHOICE, choice="menu:settings", commune="")) is None
    assert await router.menu_item(make(Kind.CHOICE, choice="lang:vi")) is None


async def test_empty_text_asks_again(probe: Probe) -> None:
    assert said(await router.empty_text(make(text="", flow="probe"))) == [
        "input.empty",
        "probe.prompt",
    ]
    assert await router.empty_text(make(text=" x")) is None
    assert await router.empty_text(make(Kind.MEDIA)) is None


async def test_keyword_runs_its_intent(probe: Probe) -> None:
    assert said(await router.keyword(make(text="Menu", flow="probe"))) == ["menu.title"]
    helped = await router.keyword(make(text="trợ giúp", flow="probe"))
    assert said(helped) == ["help.text", "probe.prompt"]
    stop = make(text="DỪNG", flow="probe")  # inside a flow: the step goes on after it
    assert said(await router.keyword(stop)) == ["subs.stopped_none", "probe.prompt"]
    assert asked(stop) == [("unsubscribe_all", "resident")]
    cancel = make(text="hủy", flow="probe")
    assert said(await router.keyword(cancel)) == ["nav.cancelled", "menu.title"]
    assert await router.keyword(make(text="xe máy bị lấy")) is None


async def test_no_words_is_not_understood(probe: Probe) -> None:
    replies = await router.no_words(make(text="🙂👍", flow="probe"))
    assert said(replies) == ["input.not_understood", "probe.prompt"]
    assert await router.no_words(make(text="🙂 ok")) is None


async def test_danger_gives_the_numbers_then_the_flow_goes_on(probe: Probe) -> None:
    replies = await router.danger(make(text="nhà bên đang cháy", flow="probe"))
    assert replies is not None and replies[0].calls and not replies[0].choices
    assert said(replies)[1:] == ["probe.event"]
    assert [e.text for e in probe.events] == ["nhà bên đang cháy"]
    assert await router.danger(make(text="xe máy bị lấy hôm qua")) is None


async def test_in_flow_hands_the_event_to_the_flow_or_lands_home(probe: Probe) -> None:
    assert said(await router.in_flow(make(text="x", flow="probe"))) == ["probe.event"]
    assert said(await router.in_flow(make(text="x", flow="gone"))) == ["menu.title"]
    assert said(await router.in_flow(make(text="x", commune=""))) == ["area.ask_province"]


def test_every_flow_is_registered_under_the_name_its_state_keeps() -> None:
    assert sorted(router.FLOWS) == [
        "answer",
        "area",
        "check",
        "honour",  # issue 20: giving a name for the honour list
        "leader_notice",
        "learn",
        "menu",
        "mydata",
        "mytips",
        "neighbourhood",
        "police",  # issue 21: the commune police's page
        "report",
        "scammed",
        "settings",
        "start",
        "subs",
        "unsure",
    ]
    assert all(name == flow.FLOW for name, flow in router.FLOWS.items())


# -- the order ---------------------------------------------------------------------------------


def test_the_checks_run_in_this_order() -> None:
    assert [check.__name__ for check in router.CHECKS] == [
        "system_event",
        "leader_account",
        "unsupported",
        "command",
        "forwarded",
        "receipt_code",
        "chat_link",
        "first_contact",
        "choice_typed",
        "choice_shortened",
        "pushed_button",
        "resumed",
        "stale_button",
        "navigation",
        "menu_item",
        "empty_text",
        "keyword",
        "no_words",
        "danger",
        "unsure_picked",
        "free_text",
    ]


async def test_a_command_wins_inside_any_flow(probe: Probe) -> None:
    replies = await router.handle(make(Kind.COMMAND, command="menu", flow="probe"))
    assert said(replies) == ["menu.title"] and not probe.events


async def test_a_receipt_code_is_followed_up_even_as_a_first_message() -> None:
    ctx = make(text=CODE, lang="")
    assert said(await router.handle(ctx)) == ["tip.ask_pin"]


async def test_a_receipt_code_inside_a_tip_is_the_tips(probe: Probe) -> None:
    ctx = make(text=CODE, flow="report", step="description")
    await router.handle(ctx)
    assert ctx.state.flow == "report"


async def test_before_onboarding_a_button_greets_rather_than_being_stale() -> None:
    replies = await router.handle(make(Kind.CHOICE, choice="menu:tip", lang="", commune=""))
    assert said(replies)[0] == "start.greeting"


async def test_a_label_on_offer_wins_over_a_global_word(probe: Probe) -> None:
    ctx = make(text="menu", flow="probe", pending=(("probe:menu", "Menu"),))
    assert said(await router.handle(ctx)) == ["probe.event"]
    assert probe.events[0].choice == "probe:menu"


async def test_a_pushed_button_is_not_stale(probe: Probe) -> None:
    ctx = make(Kind.CHOICE, choice=f"answer:{CODE}", flow="probe")
    await router.handle(ctx)
    assert asked(ctx) == [("view_by_code", CODE)]


async def test_a_stale_menu_item_does_not_start_its_flow(probe: Probe) -> None:
    replies = await router.handle(make(Kind.CHOICE, choice="menu:settings", flow="probe"))
    assert said(replies) == ["input.stale_choice", "probe.prompt"]


async def test_a_menu_item_offered_in_a_flow_starts_it(probe: Probe) -> None:
    ctx = make(Kind.CHOICE, choice="menu:settings", flow="probe", pending=(("menu:settings", "S"),))
    await router.handle(ctx)
    assert ctx.state.flow == "settings" and not probe.events


async def test_back_shows_the_step_without_handing_it_to_the_flow(probe: Probe) -> None:
    replies = await router.handle(make(Kind.CHOICE, choice=NAV_BACK, flow="probe"))
    assert said(replies) == ["probe.prompt"] and not probe.events


async def test_an_emergency_word_wins_over_the_flow(probe: Probe) -> None:
    replies = await router.handle(make(text="Khẩn cấp", flow="probe"))
    assert said(replies) == ["emergency.text"] and not probe.events


async def test_stop_wins_over_the_flow_and_a_label_that_begins_alike(probe: Probe) -> None:
    ctx = make(text="dừng", flow="probe", pending=(("probe:use", "Dùng số khác"),))
    assert said(await router.handle(ctx)) == ["subs.stopped_none", "probe.prompt"]
    assert asked(ctx) == [("unsubscribe_all", "resident")] and not probe.events


async def test_danger_words_go_on_to_the_flow(probe: Probe) -> None:
    replies = await router.handle(make(text="có người đang đánh nhau", flow="probe"))
    assert said(replies)[1:] == ["probe.event"] and len(probe.events) == 1


async def test_what_no_check_answers_goes_to_the_flow(probe: Probe) -> None:
    for event in (make(text="xe máy bị lấy", flow="probe"), make(Kind.MEDIA, flow="probe")):
        assert said(await router.handle(event)) == ["probe.event"]
    assert len(probe.events) == 2
