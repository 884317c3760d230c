"""One contract for conversation state, event claims and chat locks, on both backends."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from handlers.state import ConversationState
from storage.state_memory import MemoryChatLocks, MemoryEventClaims, MemoryStateStore
from storage.state_redis import RedisChatLocks, RedisEventClaims, RedisStateStore
from tests.conftest import connect_redis, drop_keys, key_prefix


@dataclass
class Backend:
    states: Any
    claims: Any
    locks: Any


@pytest.fixture(params=["memory", "redis"])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if request.param == "memory":
        yield Backend(MemoryStateStore(), MemoryEventClaims(), MemoryChatLocks())
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


@pytest.fixture(params=["memory", "redis"])
async def conversations(request: pytest.FixtureRequest) -> AsyncIterator[Any]:
    from storage.state_memory import memory_conversations
    from storage.state_redis import RedisConversations

    if request.param == "memory":
        yield memory_conversations()
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
