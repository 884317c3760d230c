"""One contract for conversation state, event claims and chat locks, on every backend: in
process, Redis, and the embedded default's SQLite file."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from handlers.state import ConversationState
from storage.state_memory import MemoryChatLocks, MemoryEventClaims, MemoryStateStore
from storage.state_redis import RedisChatLocks, RedisEventClaims, RedisStateStore
from storage.state_sqlite import SqliteEventClaims, SqliteStateStore, StateFile
from tests.conftest import connect_redis, drop_keys, key_prefix


@dataclass
class Backend:
    states: Any
    claims: Any
    locks: Any


@pytest.fixture(params=["memory", "redis", "sqlite"])
async def backend(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    if request.param == "memory":
        yield Backend(MemoryStateStore(), MemoryEventClaims(), MemoryChatLocks())
        return
    if request.param == "sqlite":
        file = StateFile(tmp_path / "binhyen.state.db")
        yield Backend(SqliteStateStore(file), SqliteEventClaims(file), MemoryChatLocks())
        await file.close()
        return
    redis = await connect_redis()
    prefix = key_prefix()
    yield Backend(
        RedisStateStore(redis, prefix),
        RedisEventClaims(redis, prefix),
        RedisChatLocks(redis, prefix),
    )
    await drop_keys(redis, prefix)
    await redis.aclose()


async def test_missing_state_is_none(backend: Backend) -> None:
    assert await backend.states.load("nobody") is None


async def test_state_round_trip_keeps_vietnamese_and_structure(backend: Backend) -> None:
    state = ConversationState(
        flow="area",
        step="commune",
        data={"province": "01", "note": "Phường Ba Đình", "n": 3},
        pending=[["commune:00004", "Phường Ba Đình"]],
        profile={"resident_id": "r1", "lang": "vi"},
    )
    await backend.states.save("chat-1", state)
    loaded = await backend.states.load("chat-1")
    assert loaded == state


async def test_state_overwrite_and_delete(backend: Backend) -> None:
    await backend.states.save("chat-2", ConversationState(flow="menu"))
    await backend.states.save("chat-2", ConversationState(flow="settings", step="language"))
    loaded = await backend.states.load("chat-2")
    assert loaded is not None and (loaded.flow, loaded.step) == ("settings", "language")
    await backend.states.delete("chat-2")
    assert await backend.states.load("chat-2") is None


async def test_state_expires_after_ttl(backend: Backend) -> None:
    await backend.states.save("chat-3", ConversationState(flow="menu"), ttl=1)
    assert await backend.states.load("chat-3") is not None
    await asyncio.sleep(1.2)
    assert await backend.states.load("chat-3") is None


async def test_states_of_different_chats_are_apart(backend: Backend) -> None:
    await backend.states.save("a", ConversationState(flow="menu"))
    await backend.states.save("b", ConversationState(flow="area"))
    a, b = await backend.states.load("a"), await backend.states.load("b")
    assert a is not None and b is not None and (a.flow, b.flow) == ("menu", "area")


async def test_first_claim_wins_and_release_allows_a_retry(backend: Backend) -> None:
    assert await backend.claims.claim("tg:1:42") is True
    assert await backend.claims.claim("tg:1:42") is False
    assert await backend.claims.claim("tg:1:43") is True
    await backend.claims.release("tg:1:42")
    assert await backend.claims.claim("tg:1:42") is True


async def test_concurrent_claims_of_one_event_let_exactly_one_through(backend: Backend) -> None:
    results = await asyncio.gather(*(backend.claims.claim("dup-event") for _ in range(20)))
    assert sum(results) == 1


async def test_claims_expire(backend: Backend) -> None:
    assert await backend.claims.claim("short", ttl=1) is True
    await asyncio.sleep(1.2)
    assert await backend.claims.claim("short", ttl=1) is True


async def test_lock_serialises_one_chat(backend: Backend) -> None:
    order: list[str] = []

    async def work(name: str) -> None:
        async with backend.locks.hold("chat-x"):
            order.append(f"{name}-in")
            await asyncio.sleep(0.02)
            order.append(f"{name}-out")

    await asyncio.gather(work("a"), work("b"), work("c"))
    for i in range(0, 6, 2):
        assert order[i].endswith("-in") and order[i + 1].endswith("-out")
        assert order[i].split("-")[0] == order[i + 1].split("-")[0]


async def test_lock_lets_other_chats_run_concurrently(backend: Backend) -> None:
    inside = 0
    all_inside = asyncio.Event()

    async def work(chat: str) -> None:
        nonlocal inside
        async with backend.locks.hold(chat):
            inside += 1
            if inside == 5:
                all_inside.set()
            # Each holder waits for the others to be inside too: locks that serialised
            # different chats would time out here (no timing assumption otherwise).
            await asyncio.wait_for(all_inside.wait(), 5)

    await asyncio.gather(*(work(f"chat-{n}") for n in range(5)))
    assert inside == 5


async def test_lock_is_released_when_the_body_fails(backend: Backend) -> None:
    with pytest.raises(RuntimeError):
        async with backend.locks.hold("chat-err"):
            raise RuntimeError("boom")
    async with asyncio.timeout(2):
        async with backend.locks.hold("chat-err"):
            pass


async def test_a_failed_unlock_does_not_fail_the_message() -> None:
    from redis.exceptions import ConnectionError as RedisConnectionError

    redis = await connect_redis()
    prefix = key_prefix()
    locks = RedisChatLocks(redis, prefix)

    async def broken(**_kwargs: object) -> None:
        raise RedisConnectionError("gone")

    locks._release = broken  # type: ignore[assignment]
    async with locks.hold("chat-y"):
        pass  # leaving must not raise: the lock expires by itself
    await drop_keys(redis, prefix)
    await redis.aclose()


# --- turns: lock, claim and state together (composed in process, fused scripts in Redis) ---


@pytest.fixture(params=["memory", "redis", "sqlite"])
async def conversations(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Any]:
    from storage.state_memory import memory_conversations
    from storage.state_redis import RedisConversations
    from storage.state_sqlite import SqliteConversations

    if request.param == "memory":
        yield memory_conversations()
        return
    if request.param == "sqlite":
        file = StateFile(tmp_path / "binhyen.state.db")
        yield SqliteConversations(file)
        await file.close()
        return
    redis = await connect_redis()
    prefix = key_prefix()
    yield RedisConversations(redis, prefix)
    await drop_keys(redis, prefix)
    await redis.aclose()


async def test_a_turn_claims_loads_and_keeps_state(conversations: Any) -> None:
    async with conversations.turn("chat-t", "ev-1") as turn:
        assert turn.claimed and turn.state is None
        turn.keep(ConversationState(flow="menu", data={"tên": "Phường Ba Đình"}))
    async with conversations.turn("chat-t", "ev-2") as turn:
        assert turn.claimed and turn.state is not None
        assert turn.state.flow == "menu" and turn.state.data == {"tên": "Phường Ba Đình"}
    async with conversations.turn("chat-t", "ev-1") as turn:
        assert not turn.claimed  # a duplicate
    await conversations.forget("chat-t")
    async with conversations.turn("chat-t", "ev-3") as turn:
        assert turn.state is None


async def test_a_failed_turn_saves_nothing_and_lets_the_retry_through(conversations: Any) -> None:
    async with conversations.turn("chat-f", "ev-1") as turn:
        turn.keep(ConversationState(flow="menu"))
    async with conversations.turn("chat-f", "ev-2") as turn:
        turn.keep(ConversationState(flow="report"))
        turn.fail()
    async with conversations.turn("chat-f", "ev-2") as turn:
        assert turn.claimed  # the retry is not a duplicate
        assert turn.state is not None and turn.state.flow == "menu"


async def test_turns_of_one_chat_run_one_at_a_time_in_order(conversations: Any) -> None:
    order: list[str] = []

    async def work(name: str) -> None:
        async with conversations.turn("chat-o", f"ev-{name}") as turn:
            order.append(f"{name}-in")
            await asyncio.sleep(0.01)
            state = turn.state or ConversationState()
            state.data.setdefault("seen", []).append(name)
            turn.keep(state)
            order.append(f"{name}-out")

    await asyncio.gather(*(work(n) for n in "abcde"))
    assert order == [f"{n}-{w}" for n in "abcde" for w in ("in", "out")]
    async with conversations.turn("chat-o", "ev-last") as turn:
        assert turn.state is not None and turn.state.data["seen"] == list("abcde")


async def test_a_duplicate_arriving_together_is_claimed_once(conversations: Any) -> None:
    claimed: list[bool] = []

    async def work() -> None:
        async with conversations.turn("chat-d", "same") as turn:
            claimed.append(turn.claimed)

    await asyncio.gather(*(work() for _ in range(10)))
    assert claimed.count(True) == 1


# --- issue 19: a claim whose turn never ended is not a duplicate ---


async def test_a_claim_is_taken_until_finished(backend: Backend) -> None:
    assert await backend.claims.claim("tg:1:77") is True
    assert await backend.claims.finished("tg:1:77") is False
    await backend.claims.finish("tg:1:77")
    assert await backend.claims.finished("tg:1:77") is True
    assert await backend.claims.claim("tg:1:77") is False
    assert await backend.claims.finished("never-claimed") is False


async def test_a_turn_cut_short_leaves_its_event_unfinished(conversations: Any) -> None:
    """A turn that never ended (its process died; here its task is cancelled mid-way): the
    event's retry is claimed again and told so; a turn that ended is a duplicate."""
    inside = asyncio.Event()

    async def hang() -> None:
        async with conversations.turn("chat-u", "ev-1") as turn:
            turn.keep(ConversationState(flow="report"))
            inside.set()
            await asyncio.sleep(60)

    task = asyncio.get_running_loop().create_task(hang())
    await asyncio.wait_for(inside.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    async with conversations.turn("chat-u", "ev-1") as turn:
        assert turn.claimed and turn.unfinished
        assert turn.state is None  # the cut-short turn saved nothing
        turn.keep(ConversationState(flow="menu"))
    async with conversations.turn("chat-u", "ev-1") as turn:
        assert not turn.claimed  # ended this time: a duplicate
    async with conversations.turn("chat-u", "ev-2") as turn:
        assert turn.claimed and not turn.unfinished
        assert turn.state is not None and turn.state.flow == "menu"


async def test_a_long_turn_keeps_its_chat_past_the_lease() -> None:
    """The lease is renewed while a turn runs: a second process's turn of the same chat
    waits for it even when it lasts longer than LEASE_SECONDS."""
    from storage.state_redis import LOCK_TTL_MS, RedisConversations

    redis = await connect_redis()
    prefix = key_prefix()
    one, two = RedisConversations(redis, prefix), RedisConversations(redis, prefix)
    order: list[str] = []
    inside = asyncio.Event()

    async def long() -> None:
        async with one.turn("chat-l", "ev-a"):
            order.append("a-in")
            inside.set()
            await asyncio.sleep(LOCK_TTL_MS / 1000 * 1.5)
            order.append("a-out")

    async def after() -> None:
        await inside.wait()
        async with two.turn("chat-l", "ev-b"):
            order.append("b-in")

    await asyncio.gather(long(), after())
    assert order == ["a-in", "a-out", "b-in"]
    await drop_keys(redis, prefix)
    await redis.aclose()


async def test_a_dead_holders_lease_ends_by_itself() -> None:
    """A process killed holding a chat (its lock key left behind, nobody renewing it): the
    chat is free again once the lease runs out, not after 30 s."""
    from storage.state_redis import LOCK_TTL_MS, RedisConversations

    redis = await connect_redis()
    prefix = key_prefix()
    await redis.set(f"{prefix}lock:chat-k", "dead-process", px=LOCK_TTL_MS)
    await redis.set(f"{prefix}event:ev-k", "taken", ex=60)
    conversations = RedisConversations(redis, prefix)
    async with asyncio.timeout(LOCK_TTL_MS / 1000 + 2):
        async with conversations.turn("chat-k", "ev-k") as turn:
            assert turn.claimed and turn.unfinished
    await drop_keys(redis, prefix)
    await redis.aclose()


# --- issue 19: the embedded default's file keeps it all across a restart ---


async def test_the_state_file_keeps_states_and_claims_across_a_restart(tmp_path: Path) -> None:
    from storage.state_sqlite import SqliteConversations

    path = tmp_path / "binhyen.state.db"
    before = SqliteConversations(StateFile(path))
    draft = ConversationState(flow="report", step="describe", data={"lines": ["Có trộm"]})
    async with before.turn("chat-r", "ev-1") as turn:
        turn.keep(draft)
    inside = asyncio.Event()

    async def killed() -> None:  # the process dies in the middle of ev-2's turn
        async with before.turn("chat-r", "ev-2") as turn:
            turn.keep(ConversationState(flow="menu"))
            inside.set()
            await asyncio.sleep(60)

    task = asyncio.get_running_loop().create_task(killed())
    await asyncio.wait_for(inside.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await before.claims.claim("ev-3") is True
    await before.claims.finish("ev-3")
    await before.file.close()

    after = SqliteConversations(StateFile(path))
    async with after.turn("chat-r", "ev-1") as turn:
        assert not turn.claimed  # handled before the restart: a duplicate
    async with after.turn("chat-r", "ev-3") as turn:
        assert not turn.claimed
    async with after.turn("chat-r", "ev-2") as turn:
        assert turn.claimed and turn.unfinished  # its turn never ended
        assert turn.state == draft  # the half-written tip is still there
        turn.keep(ConversationState(flow="menu"))
    async with after.turn("chat-r", "ev-2") as turn:
        assert not turn.claimed
    async with after.turn("chat-r", "ev-4") as turn:
        assert turn.claimed and not turn.unfinished
        assert turn.state is not None and turn.state.flow == "menu"
    await after.forget("chat-r")
    await after.file.close()
    again = SqliteConversations(StateFile(path))
    assert await again.states.load("chat-r") is None  # forgotten for good
    await again.file.close()


async def test_the_state_file_keeps_expiry_across_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "binhyen.state.db"
    file = StateFile(path)
    await SqliteStateStore(file).save("short", ConversationState(flow="menu"), ttl=1)
    await SqliteStateStore(file).save("long", ConversationState(flow="menu"), ttl=3600)
    assert await SqliteEventClaims(file).claim("ev-short", ttl=1)
    await file.close()
    await asyncio.sleep(1.2)
    file = StateFile(path)
    states, claims = SqliteStateStore(file), SqliteEventClaims(file)
    assert await states.load("short") is None
    assert await states.load("long") is not None
    assert await claims.claim("ev-short") is True  # expired: a new claim
    await file.close()
