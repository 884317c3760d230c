"""Scam checks counted for the movement's reports (issue 20), on the in-memory ports: each
check run adds one to its commune's, Vietnam day's and verdict's count, and nothing else is
kept; a resident with no commune counts under "". What the SQL store does with the same
counts is in tests/integration/test_scam_check_counts.py."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.dispatcher import Dispatcher
from handlers import check
from handlers.context import Ctx
from handlers.model import InboundEvent, Kind
from handlers.ports import Config, Profile
from handlers.state import ConversationState
from storage.sealing import Sealer, derive_key
from tests.conftest import Chat, Clock, memory_of
from tests.fakes.memory_media import MemoryMediaKeeper
from tests.fakes.memory_uow import MemoryUnits
from tests.unit.test_check_flow import SCAM

BA_DINH = "00004"
MONDAY = date(2026, 11, 23)  # the test clock's day in Vietnam (10:00)


def counts(dispatcher: Dispatcher) -> dict[tuple[str, date, str], int]:
    return dict(memory_of(dispatcher).scam_checks)


def clock_of(dispatcher: Dispatcher) -> Clock:
    clock = dispatcher.config.clock
    assert isinstance(clock, Clock)
    return clock


async def test_each_check_counts_once_by_commune_day_and_verdict(chat: Chat) -> None:
    await chat.onboard()
    assert counts(chat.dispatcher) == {}  # onboarding counts nothing
    await chat.pick("menu:check")
    assert counts(chat.dispatcher) == {}  # opening the check is not a check
    await chat.say(SCAM)  # the wording of a known scam, the number unknown
    await chat.pick("check:again")
    await chat.say("Chào bạn, chiều nay họp tổ dân phố nhé")  # nothing to look up
    await chat.pick("check:again")
    await chat.say("Tôi là cán bộ Công an, anh phải chuyển tiền vào tài khoản tạm giữ")
    assert counts(chat.dispatcher) == {
        (BA_DINH, MONDAY, "wording"): 2,
        (BA_DINH, MONDAY, "nothing"): 1,
    }
    await chat.pick("check:card:fake_authority")  # reading a card, going on: no check
    await chat.pick("nav:menu")
    assert sum(counts(chat.dispatcher).values()) == 3


async def test_a_scam_typed_at_the_menu_counts_too(chat: Chat) -> None:
    await chat.onboard()
    await chat.say(SCAM)  # straight to the verdict
    assert counts(chat.dispatcher) == {(BA_DINH, MONDAY, "wording"): 1}


async def test_the_day_is_the_vietnam_day(chat: Chat) -> None:
    await chat.onboard()
    clock = clock_of(chat.dispatcher)
    clock.now = datetime(2026, 11, 23, 16, 59, tzinfo=UTC)  # 23:59 on the 23rd in Vietnam
    await chat.pick("menu:check")
    await chat.say("Số 0987 111 222 gọi cho mẹ tôi hôm qua")
    clock.now += timedelta(minutes=2)  # 00:01 on the 24th
    await chat.pick("check:again")
    await chat.say("Số 0987 111 222 gọi cho mẹ tôi hôm qua")
    assert counts(chat.dispatcher) == {
        (BA_DINH, MONDAY, "unknown"): 1,
        (BA_DINH, MONDAY + timedelta(days=1), "unknown"): 1,
    }


async def test_residents_of_one_commune_add_up(dispatcher: Dispatcher) -> None:
    first, second = Chat(dispatcher), Chat(dispatcher)
    for chat in (first, second):
        await chat.onboard()
        await chat.pick("menu:check")
        await chat.say("Số 0987 111 222 gọi cho mẹ tôi hôm qua")
    assert counts(dispatcher) == {(BA_DINH, MONDAY, "unknown"): 2}


def _ctx(units: MemoryUnits, commune: str) -> Ctx:
    event = InboundEvent("test", "acc", "c1", "u1", "e1", Kind.TEXT, text="0987 111 222")
    return Ctx(
        event=event,
        state=ConversationState(),
        uow=units(),
        profile=Profile("r1", "vi", "", commune),
        config=Config(clock=lambda: datetime(2026, 11, 23, 3, tzinfo=UTC)),
        media=MemoryMediaKeeper(1024),
    )


async def test_a_resident_with_no_commune_counts_under_none_and_nothing_else_is_kept() -> None:
    units = MemoryUnits(b"pin", Sealer(derive_key(b"k", b"contact")))
    ctx = _ctx(units, "")
    replies = await check.run(ctx, "Ai gọi từ số 0987 111 222 vậy?")
    assert replies  # the verdict as ever
    assert dict(units.db.scam_checks) == {}  # not before the commit
    await ctx.uow.commit()
    assert dict(units.db.scam_checks) == {("", MONDAY, "unknown"): 1}
    # A count only: no resident, indicator, tip or audit row was written for it.
    for table in ("residents", "indicators", "tips", "audit_log"):
        assert units.db.count(table) == 0


async def test_a_turn_rolled_back_counts_nothing() -> None:
    units = MemoryUnits(b"pin", Sealer(derive_key(b"k", b"contact")))
    ctx = _ctx(units, BA_DINH)
    await check.run(ctx, "0987 111 222")
    await ctx.uow.rollback()
    assert dict(units.db.scam_checks) == {}


async def test_two_units_counting_at_once_both_count() -> None:
    units = MemoryUnits(b"pin", Sealer(derive_key(b"k", b"contact")))
    first, second = _ctx(units, BA_DINH), _ctx(units, BA_DINH)
    await check.run(first, "0987 111 222")
    await check.run(second, "0987 111 222")
    await first.uow.commit()
    await second.uow.commit()
    assert dict(units.db.scam_checks) == {(BA_DINH, MONDAY, "unknown"): 2}
