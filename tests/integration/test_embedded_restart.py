"""The embedded default (SQLite, no Redis) across a restart (issue 19): a tip half-written
before it is finished after, and stored once; an event delivered again after the restart is
a duplicate. Built as `binhyen serve` builds it (bot.runtime.build)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import retention_schedule
from bot.runtime import Runtime, build
from bot.settings import Settings
from handlers.model import InboundEvent, Kind
from handlers.state import ConversationState
from storage.models import Tip
from storage.state_sqlite import SqliteConversations
from tests.conftest import Chat

FIRST = "Có người lạ cạy khóa xe máy trước cửa nhà tôi"
SECOND = "Họ đi hai người, mặc áo khoác đen"


def embedded(sqlite_url: str, tmp_path: Path) -> Runtime:
    settings = Settings(
        database_url=sqlite_url, redis_url="", state_path="", media_dir=str(tmp_path / "media")
    )
    return build(settings)


async def tips(rt: Runtime) -> list[Tip]:
    async with rt.sessions() as session:
        return list((await session.execute(select(Tip))).scalars())


@pytest.mark.parametrize("stop", ["clean", "killed"])
async def test_a_tip_half_written_before_a_restart_is_finished_after_it(
    sqlite_url: str, tmp_path: Path, stop: str
) -> None:
    before = embedded(sqlite_url, tmp_path)
    assert isinstance(before.dispatcher.conversations, SqliteConversations)
    chat = Chat(before.dispatcher, channel="telegram")
    await chat.onboard()
    await chat.pick("menu:tip")
    if "tip:consent_yes" in chat.choices:
        await chat.pick("tip:consent_yes")
    await chat.pick("cat:theft_robbery")
    first = chat.event(Kind.TEXT, text=FIRST)
    assert await chat.send_event(first) is not None
    if stop == "clean":
        await before.close()
    # "killed": the first process is left as it was, its state file never closed.

    after = embedded(sqlite_url, tmp_path)
    chat.dispatcher = after.dispatcher
    assert await after.dispatcher.dispatch(first) is None  # Telegram's redelivery: handled
    await chat.say(SECOND)
    await chat.pick("tip:done")
    assert "when:today" in chat.choices, chat.text  # the draft was still there
    await chat.pick("when:today")
    await chat.say("Số 12 ngõ 5 phố Đội Cấn")
    await chat.pick("tip:media_done")
    await chat.pick("tip:details_no")
    await chat.pick("id:named")
    await chat.say("Nguyễn Văn An")
    await chat.say("0912 345 678")
    assert "tip:confirm" in chat.choices, chat.text
    confirm = chat.event(Kind.CHOICE, choice="tip:confirm")
    assert await chat.send_event(confirm) is not None
    assert await after.dispatcher.dispatch(confirm) is None  # redelivered: no second tip
    [tip] = await tips(after)
    assert tip.description.count(FIRST) == 1 and SECOND in tip.description
    await after.close()
    if stop == "killed":
        await before.close()

    again = embedded(sqlite_url, tmp_path)  # and once more: the confirm is still a duplicate
    assert await again.dispatcher.dispatch(confirm) is None
    assert len(await tips(again)) == 1
    await again.close()


async def test_a_duplicate_is_told_apart_from_a_new_event_after_a_restart(
    sqlite_url: str, tmp_path: Path
) -> None:
    before = embedded(sqlite_url, tmp_path)
    event = InboundEvent("telegram", "1", "42", "42", "update-7", Kind.COMMAND, command="start")
    assert await before.dispatcher.dispatch(event) is not None
    await before.close()
    after = embedded(sqlite_url, tmp_path)
    assert await after.dispatcher.dispatch(event) is None
    other = InboundEvent("telegram", "1", "42", "42", "update-8", Kind.COMMAND, command="start")
    assert await after.dispatcher.dispatch(other) is not None
    await after.close()


async def test_the_daily_retention_sweeps_the_state_file(sqlite_url: str, tmp_path: Path) -> None:
    rt = embedded(sqlite_url, tmp_path)
    conversations = rt.dispatcher.conversations
    assert isinstance(conversations, SqliteConversations)
    await conversations.states.save("web:acc:1", ConversationState(flow="check"), ttl=1)
    await conversations.states.save("web:acc:2", ConversationState(flow="menu"))
    job = retention_schedule.daily(rt.settings, None, conversations)
    assert job.file_states is not None
    await asyncio.sleep(1.1)
    # The run itself, as the job starts it: its audit counts the states that went.
    removed = await job._run(rt.sessions, datetime.now(UTC))
    assert removed is not None and removed.states == 1
    assert await conversations.states.load("web:acc:1") is None
    assert await conversations.states.load("web:acc:2") is not None
    await rt.close()
