"""A chat marked away (its account refused a message) is made reachable by its next event, at
the cost of one call in that rare case and none otherwise (handlers/reachability.py); the
Zalo OA channel's push says "outside the window" apart from "unreachable". No database: a
recording fake of the residents port, the in-process conversation state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest

from admin import delivery_words
from bot.channels.zalo_oa.channel import ZaloOaChannel
from bot.channels.zalo_oa.outcome import PUSHED, SendStatus
from bot.delivery import Delivery, Pushed, Target
from handlers import reachability, router
from handlers.context import Ctx
from handlers.model import InboundEvent, Kind, RenderedReply, SystemEvent
from handlers.ports import Config, Profile
from handlers.state import ConversationState
from storage.limits import MemoryLimiter
from storage.outbox import WEB, OutboxStatus, Undelivered
from storage.state_memory import memory_conversations

CHAT = "telegram:acc:42"


class Residents:
    def __init__(self) -> None:
        self.asked: list[tuple[str, str, str, bool]] = []
        self.residents = self

    async def set_reachable(self, channel: str, account: str, user_id: str, on: bool) -> None:
        self.asked.append((channel, account, user_id, on))


def make(kind: Kind = Kind.TEXT, profile: dict[str, Any] | None = None, **values: Any) -> Ctx:
    event = InboundEvent("telegram", "acc", "42", "42", "e1", kind, **values)
    state = ConversationState(profile=dict(profile or {"resident_id": "r1", "lang": "vi"}))
    return Ctx(event, state, cast(Any, Residents()), Profile("r1", "vi"), Config(), cast(Any, None))


def asked(ctx: Ctx) -> list[tuple[str, str, str, bool]]:
    return cast(Residents, ctx.uow).asked


async def test_an_ordinary_message_asks_nothing() -> None:
    ctx = make(text="xin chào")
    await reachability.came_back(ctx)
    assert asked(ctx) == []


async def test_the_first_message_of_a_chat_marked_away_makes_it_reachable_once() -> None:
    ctx = make(profile={"resident_id": "r1", reachability.AWAY: 1}, text="xin chào")
    await reachability.came_back(ctx)
    assert asked(ctx) == [("telegram", "acc", "42", True)]
    assert reachability.AWAY not in ctx.state.profile
    await reachability.came_back(ctx)  # the next one: nothing more
    assert len(asked(ctx)) == 1


async def test_a_button_or_a_command_counts_as_writing() -> None:
    for kind, values in (
        (Kind.CHOICE, {"choice": "menu:tip"}),
        (Kind.COMMAND, {"command": "menu"}),
    ):
        ctx = make(kind, profile={"resident_id": "r1", reachability.AWAY: 1}, **values)
        await reachability.came_back(ctx)
        assert asked(ctx) == [("telegram", "acc", "42", True)]


async def test_the_router_runs_it_before_its_checks() -> None:
    ctx = make(Kind.COMMAND, profile={"resident_id": "r1", reachability.AWAY: 1}, command="menu")
    await router.handle(ctx)
    assert asked(ctx)[0] == ("telegram", "acc", "42", True)


async def test_blocking_marks_the_chat_away_and_unblocking_clears_it() -> None:
    blocked = make(Kind.SYSTEM, system=SystemEvent.BLOCKED)
    assert await router.system_event(blocked) == []
    assert asked(blocked) == [("telegram", "acc", "42", False)]
    assert blocked.state.profile[reachability.AWAY] == 1
    await reachability.came_back(blocked)  # a system event is not the resident writing
    assert len(asked(blocked)) == 1
    unblocked = make(Kind.SYSTEM, profile=blocked.state.profile, system=SystemEvent.UNBLOCKED)
    assert await router.system_event(unblocked) == []
    assert asked(unblocked) == [("telegram", "acc", "42", True)]
    assert reachability.AWAY not in unblocked.state.profile


async def test_marking_away_touches_only_a_chat_with_a_cached_profile() -> None:
    conversations = memory_conversations()
    await reachability.mark_away(conversations, CHAT)  # no state: nothing is created
    async with conversations.turn(CHAT, "look") as turn:
        assert turn.state is None
        turn.keep(ConversationState(flow="menu", profile={"resident_id": "r1", "sent": ["x"]}))
    await reachability.mark_away(conversations, CHAT)
    async with conversations.turn(CHAT, "look again") as turn:
        assert turn.state is not None
        # The mark joins the cache; the rest of the state is kept as it was.
        assert turn.state.profile == {"resident_id": "r1", "sent": ["x"], reachability.AWAY: 1}
        assert turn.state.flow == "menu"


def test_zalo_oa_says_outside_the_window_apart_from_unreachable() -> None:
    assert PUSHED[SendStatus.OUTSIDE_WINDOW] is Pushed.OUTSIDE_WINDOW
    assert PUSHED[SendStatus.UNREACHABLE] is Pushed.UNREACHABLE
    assert PUSHED[SendStatus.SENT] is Pushed.SENT
    assert PUSHED[SendStatus.FAILED] is Pushed.RETRY
    assert set(PUSHED) == set(SendStatus)


# -- review 1 -----------------------------------------------------------------------------------


async def test_marking_away_says_whether_the_chat_is_marked(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The outbox marks again while a mark fails (bot/outbox.py _wait): it must know."""
    conversations = memory_conversations()
    assert await reachability.mark_away(conversations, CHAT)  # nothing to mark: fine
    async with conversations.turn(CHAT, "seed") as turn:
        turn.keep(ConversationState(profile={"resident_id": "r1"}))
    monkeypatch.setattr(reachability, "MARK_WAIT", 0.05)
    async with conversations.turn(CHAT, "a long turn"):  # holds the chat's lock
        assert not await reachability.mark_away(conversations, CHAT)
    assert await reachability.mark_away(conversations, CHAT)
    async with conversations.turn(CHAT, "look") as turn:
        assert turn.state is not None and turn.state.profile[reachability.AWAY] == 1


class Interactions:
    """Zalo OA's last interactions as read one after the other (the resident's message is
    recorded between two reads)."""

    def __init__(self, *reads: datetime | None) -> None:
        self.reads = list(reads)

    async def last(self, _user_id: str) -> datetime | None:
        return self.reads.pop(0) if len(self.reads) > 1 else self.reads[0]


NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
LONG_AGO = NOW - timedelta(days=9)


def oa(interactions: Interactions) -> ZaloOaChannel:
    async def nobody(_target: Target) -> None:
        return None

    channel = ZaloOaChannel(
        app_id="app",
        oa_secret_key="secret",
        client=cast(Any, None),
        tokens=cast(Any, None),
        interactions=cast(Any, interactions),
        dispatcher=None,
        delivery=Delivery(MemoryLimiter(), nobody),
    )
    channel.clock = lambda: NOW
    return channel


async def push(channel: ZaloOaChannel) -> Pushed:
    async def nobody(_target: Target) -> None:
        return None

    return await channel.push("u1", RenderedReply("x"), Delivery(MemoryLimiter(), nobody))


async def test_zalo_oa_out_of_window_unless_the_resident_wrote_meanwhile() -> None:
    assert await push(oa(Interactions(LONG_AGO))) is Pushed.OUTSIDE_WINDOW
    assert await push(oa(Interactions(None))) is Pushed.OUTSIDE_WINDOW
    # The window check read the old interaction; the resident's message was recorded just
    # after: not "outside the window" (which would mark them away as they came back).
    assert await push(oa(Interactions(LONG_AGO, NOW))) is Pushed.RETRY
    assert await push(oa(Interactions(None, NOW - timedelta(seconds=1)))) is Pushed.RETRY
    # Something recorded meanwhile that is itself old opens nothing.
    assert await push(oa(Interactions(None, LONG_AGO))) is Pushed.OUTSIDE_WINDOW


async def test_zalo_oa_window_closed_by_zalo_is_retried_only_if_the_resident_wrote_since(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    recent = NOW - timedelta(days=2)

    async def closed(*_args: Any) -> SendStatus:
        return SendStatus.OUTSIDE_WINDOW  # Zalo answered -230

    wrote = oa(Interactions(recent, NOW))
    monkeypatch.setattr(wrote, "deliver", closed)
    assert await push(wrote) is Pushed.RETRY
    # No newer message: Zalo's word stands (never a retry loop ending "failed").
    quiet = oa(Interactions(recent))
    monkeypatch.setattr(quiet, "deliver", closed)
    assert await push(quiet) is Pushed.OUTSIDE_WINDOW


def test_the_panel_shows_a_web_chat_message_not_fetched_yet_as_waiting() -> None:
    at = NOW
    shown = delivery_words.listed(
        [
            Undelivered("tip.acknowledged", OutboxStatus.PENDING, at, WEB),
            Undelivered("tip.question", OutboxStatus.PENDING, at, ""),
            Undelivered("tip.closed", OutboxStatus.WAITING, at, ""),
        ]
    )
    assert [s.status for s in shown] == ["waiting", "pending", "waiting"]
    assert [s.event for s in shown] == ["acknowledged", "question", "closed"]
