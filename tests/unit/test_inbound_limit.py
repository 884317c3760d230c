"""The inbound limit per resident (bot/inbound.py): past it an event is not handled, the first
of a spell gets one polite notice, emergencies still get through, and nobody else notices.
In process and on Redis."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest

from bot.inbound import Backlog, Inbound, InboundLimit, Verdict, is_emergency
from content.i18n import translate
from handlers.common import NAV_EMERGENCY
from handlers.model import InboundEvent, Kind, RenderedReply, SystemEvent
from storage.limits import KeptLimiter, Limiter, MemoryLimiter
from storage.state_sqlite import StateFile
from tests.conftest import Chat
from tests.unit.test_delivery import FakeClock

PER_MINUTE, BURST = 6.0, 3  # one event every 10 s after a burst of 3


class Core:
    """A dispatcher that records what it was asked to handle."""

    def __init__(self, lang: str = "vi") -> None:
        self.handled: list[InboundEvent] = []
        self.lang = lang

    async def dispatch(self, event: InboundEvent) -> list[RenderedReply] | None:
        self.handled.append(event)
        return [RenderedReply(f"reply to {event.event_id}", lang=self.lang)]


_ids = iter(range(1, 1_000_000))


def text(user: str, words: str = "xin chào", channel: str = "telegram") -> InboundEvent:
    n = str(next(_ids))
    return InboundEvent(channel, "bot1", user, user, n, Kind.TEXT, text=words)


def tap(user: str, choice: str) -> InboundEvent:
    return replace(text(user), kind=Kind.CHOICE, text="", choice=choice)


def notice(lang: str = "vi") -> str:
    return translate("inbound.slow_down", lang)


def gate(limiter: Limiter) -> Inbound:
    return Inbound(InboundLimit(limiter, PER_MINUTE, BURST))


async def test_past_the_limit_nothing_is_handled_and_one_notice_is_sent(
    limiter: Limiter,
) -> None:
    inbound, core = gate(limiter), Core()
    answers = [await inbound.dispatch(core, text("an")) for _ in range(12)]
    assert len(core.handled) == BURST  # the rest never reached the core
    assert [a[0].text for a in answers[:BURST] if a] == [
        f"reply to {e.event_id}" for e in core.handled
    ]
    told = [a for a in answers[BURST:] if a]
    assert [[r.text for r in a] for a in told] == [[notice()]]
    assert answers[BURST] == told[0]  # the first one over the limit, and only it
    assert all(a == [] for a in answers[BURST + 1 :])


async def test_another_resident_is_not_affected(limiter: Limiter) -> None:
    inbound, core = gate(limiter), Core()
    for _ in range(10):
        await inbound.dispatch(core, text("flooder"))
    for _ in range(BURST):
        replies = await inbound.dispatch(core, text("neighbour"))
        assert replies and replies[0].text.startswith("reply to")
    # The same user id on another channel is another resident too.
    assert await inbound.dispatch(core, text("flooder", channel="zalo_bot")) != []
    assert sum(e.user_id == "neighbour" for e in core.handled) == BURST


async def test_a_web_flooder_dropping_the_cookie_meets_the_networks_limit(
    limiter: Limiter,
) -> None:
    """On the web chat a resident is a cookie: each message from a new one is a new
    resident, but the network they come from has a limit of its own (NETWORK_TIMES theirs);
    another network is not touched."""
    from bot.inbound import NETWORK_TIMES

    inbound, core = gate(limiter), Core()
    crowd = BURST * NETWORK_TIMES
    for n in range(crowd + 20):
        event = replace(text(f"cookie-{n}", channel="web"), origin="net-a")
        await inbound.dispatch(core, event)
    assert len(core.handled) == crowd
    other = replace(text("cookie-x", channel="web"), origin="net-b")
    replies = await inbound.dispatch(core, other)
    assert replies and replies[0].text.startswith("reply to")


@pytest.mark.parametrize(
    "emergency",
    [
        tap("x", NAV_EMERGENCY),
        replace(text("x"), kind=Kind.COMMAND, text="", command="sos"),
        text("x", "cứu với"),
        text("x", "Có người đang đánh nhau trước nhà tôi"),
        text("x", "khẩn cấp"),
        text("x", translate("menu.emergency", "vi")),  # a Zalo OA button's label, typed back
        text("x", translate("nav.emergency", "en")),
    ],
    ids=["button", "sos", "help", "danger", "word", "label-vi", "label-en"],
)
async def test_an_emergency_gets_through_and_is_never_told_to_slow_down(
    limiter: Limiter, emergency: InboundEvent
) -> None:
    inbound, core = gate(limiter), Core()
    for _ in range(BURST + 2):
        await inbound.dispatch(core, text("dân"))
    handled = len(core.handled)
    replies = await inbound.dispatch(core, replace(emergency, user_id="dân", chat_id="dân"))
    assert len(core.handled) == handled + 1
    assert replies and notice() not in [r.text for r in replies]


async def test_emergencies_have_a_bucket_of_their_own_and_past_it_no_notice(
    limiter: Limiter,
) -> None:
    inbound, core = gate(limiter), Core()
    for _ in range(BURST):
        await inbound.dispatch(core, text("dân"))
    answers = [await inbound.dispatch(core, text("dân", "cứu với")) for _ in range(BURST + 3)]
    assert len(core.handled) == 2 * BURST
    assert answers[BURST:] == [[], [], []]  # dropped without a word: never "slow down"


async def test_platform_notices_always_pass(limiter: Limiter) -> None:
    inbound, core = gate(limiter), Core()
    for _ in range(BURST + 2):
        await inbound.dispatch(core, text("dân"))
    blocked = replace(text("dân"), kind=Kind.SYSTEM, text="", system=SystemEvent.BLOCKED)
    await inbound.dispatch(core, blocked)
    assert core.handled[-1] == blocked


async def test_a_duplicate_stays_a_duplicate() -> None:
    class Duplicates(Core):
        async def dispatch(self, event: InboundEvent) -> list[RenderedReply] | None:
            return None

    assert await gate(MemoryLimiter()).dispatch(Duplicates(), text("dân")) is None


async def test_a_new_spell_after_a_quiet_minute_is_told_again() -> None:
    clock = FakeClock()
    limit = InboundLimit(MemoryLimiter(clock), PER_MINUTE, BURST)
    event = text("dân")
    verdicts = [await limit.check(event) for _ in range(BURST + 1)]
    assert verdicts[-1] is Verdict.NOTICE
    # Flooding on for five minutes, an event every 2 s: some pass as the bucket refills,
    # and not one more notice.
    later = []
    for _ in range(150):
        clock.now += 2
        later.append(await limit.check(event))
    assert Verdict.NOTICE not in later
    assert 25 <= later.count(Verdict.HANDLE) <= 35  # ~ one every 10 s
    # A minute without anything over the limit ends the spell.
    clock.now += 61
    verdicts = [await limit.check(event) for _ in range(BURST + 2)]
    assert verdicts == [Verdict.HANDLE] * BURST + [Verdict.NOTICE, Verdict.DROP]


async def test_a_restart_of_the_embedded_default_keeps_the_limit_and_the_spell(
    tmp_path: Path,
) -> None:
    event = text("dân")
    file = StateFile(tmp_path / "binhyen.state.db")
    kept = KeptLimiter(file)
    verdicts = [await InboundLimit(kept, PER_MINUTE, BURST).check(event) for _ in range(5)]
    assert verdicts == [Verdict.HANDLE] * BURST + [Verdict.NOTICE, Verdict.DROP]
    await kept.close()
    await file.close()
    file = StateFile(tmp_path / "binhyen.state.db")  # the process again, after a restart
    kept = KeptLimiter(file)
    try:
        assert await InboundLimit(kept, PER_MINUTE, BURST).check(event) is Verdict.DROP
    finally:
        await kept.close()
        await file.close()


async def test_no_limit_when_per_minute_is_zero() -> None:
    inbound, core = Inbound(InboundLimit(MemoryLimiter(), 0, 1)), Core()
    for _ in range(50):
        await inbound.dispatch(core, text("dân"))
    assert len(core.handled) == 50


async def test_the_notice_is_in_the_language_the_resident_was_last_answered_in() -> None:
    inbound = gate(MemoryLimiter())
    english, vietnamese = Core(lang="en"), Core(lang="vi")
    for _ in range(BURST):
        await inbound.dispatch(english, text("alice"))
        await inbound.dispatch(vietnamese, text("bình"))
    told_en = await inbound.dispatch(english, text("alice"))
    told_vi = await inbound.dispatch(vietnamese, text("bình"))
    assert told_en and told_en[0].text == notice("en") and told_en[0].lang == "en"
    assert told_vi and told_vi[0].text == notice("vi")


async def test_on_the_real_core_a_dropped_message_changes_nothing(chat: Chat) -> None:
    """The core's own replies up to the limit; past it the conversation is where it was."""
    inbound = gate(MemoryLimiter())

    async def send(event: InboundEvent) -> list[RenderedReply] | None:
        return await inbound.dispatch(chat.dispatcher, event)

    first = await send(chat.event(Kind.COMMAND, command="start"))
    assert first and notice() not in [r.text for r in first]
    for _ in range(BURST - 1):
        await send(chat.event(text="xin chào"))
    assert [r.text for r in await send(chat.event(text="xin chào")) or []] == [notice()]
    # "English" would have chosen the language: past the limit it is not read at all.
    assert await send(chat.event(Kind.CHOICE, choice="lang:en")) == []
    await chat.pick(NAV_EMERGENCY)  # straight to the core: still answered in Vietnamese
    assert [r.lang for r in chat.last] == ["vi"]


def test_what_counts_as_an_emergency() -> None:
    assert is_emergency(tap("x", NAV_EMERGENCY))
    assert not is_emergency(tap("x", "menu:tip"))
    assert not is_emergency(text("x", "xin chào"))
    assert not is_emergency(text("x", "Tôi nhận được tin nhắn: “Con đang bị tai nạn, gửi tiền”"))
    photo = replace(text("x"), kind=Kind.MEDIA, text="")
    assert not is_emergency(photo)


async def test_the_backlog_counts_a_chat_once_and_waits_only_past_its_bound() -> None:
    backlog = Backlog(bound=1, longest=30)
    paced = asyncio.Event()

    async def job() -> None:
        await paced.wait()

    loop = asyncio.get_running_loop()
    jobs = [loop.create_task(job()) for _ in range(5)]
    for task in jobs:  # one chat's five replies, waiting for its pace: nobody waits
        await backlog.settle("telegram:bot1:flooder", task)
    assert backlog.chats == 1
    other = loop.create_task(job())
    waiting = loop.create_task(backlog.settle("telegram:bot1:neighbour", other))
    for _ in range(5):
        await asyncio.sleep(0)
    assert not waiting.done()  # two chats behind: the process is behind, this one waits
    paced.set()
    await asyncio.wait_for(waiting, 5)
    await asyncio.gather(*jobs, other)
    await asyncio.sleep(0)
    assert backlog.chats == 0
