"""On the real runtime and databases (SQLite, PostgreSQL): strangers typing wrong PINs for a
receipt code at the same moment as its owner types the right one never get the owner
refused, and many of them in a row do not lock the owner's chat out; once the code is
guarded, all other chats together get a few tries a day, however many new ones there are."""

from __future__ import annotations

import asyncio
import uuid

from sqlalchemy import select

from handlers import pin_tries
from handlers.model import InboundEvent, Kind
from storage.models import ChannelIdentity
from tests.panel.conftest import StoredTip, World


def _typed(text: str, chat: str = "") -> InboundEvent:
    chat = chat or uuid.uuid4().hex  # a new browser each time, unless a chat is named
    return InboundEvent("web", "web", chat, chat, uuid.uuid4().hex, Kind.TEXT, text=text)


async def _answer(world: World, text: str, chat: str = "") -> str:
    replies = await world.app.state.runtime.dispatcher.dispatch(_typed(text, chat))
    assert replies is not None
    return "\n".join(r.text for r in replies)


async def _owners_chat(world: World, tip: StoredTip) -> str:
    """The web chat of the resident who sent the tip (World.resident made it)."""
    async with world.session() as session:
        query = select(ChannelIdentity.platform_user_id).where(
            ChannelIdentity.resident_id == tip.resident_id
        )
        return str((await session.execute(query)).scalar_one())


def _wrong(pin: str, count: int) -> list[str]:
    return [g for g in (f"{n:06d}" for n in range(count + 1)) if g != pin][:count]


async def _race(world: World) -> None:
    tip = await world.tip()
    owner = await _owners_chat(world, tip)
    for place in (0, 12, 24):
        tries = [_answer(world, f"{tip.code} {g}") for g in _wrong(tip.pin, 24)]
        tries.insert(place, _answer(world, f"{tip.code} {tip.pin}", owner))
        answers = await asyncio.gather(*tries)
        assert f"Tin báo {tip.code}" in answers[place], answers[place]
        assert sum(f"Tin báo {tip.code}" in a for a in answers) == 1


async def test_concurrent_wrong_pins_never_refuse_the_right_one_on_sqlite(world: World) -> None:
    await _race(world)


async def test_concurrent_wrong_pins_never_refuse_the_right_one_on_postgres(
    pg_world: World,
) -> None:
    await _race(pg_world)


async def test_a_guarded_code_still_opens_for_its_owner(pg_world: World) -> None:
    tip = await pg_world.tip()
    for guess in _wrong(tip.pin, pin_tries.GUARD_AFTER * 2):
        assert tip.code not in await _answer(pg_world, f"{tip.code} {guess}")
    owner = await _owners_chat(pg_world, tip)
    assert f"Tin báo {tip.code}" in await _answer(pg_world, f"{tip.code} {tip.pin}", owner)


async def test_new_chats_share_a_guarded_codes_tries_of_the_day(world: World) -> None:
    tip = await world.tip()
    wrong = _wrong(tip.pin, pin_tries.GUARD_AFTER + pin_tries.CODE_TRIES)
    for guess in wrong:  # each from a new browser
        assert "không đúng" in await _answer(world, f"{tip.code} {guess}")
    refused = await _answer(world, f"{tip.code} {tip.pin}")
    assert "thử sai quá nhiều lần" in refused and tip.code not in refused
    owner = await _owners_chat(world, tip)
    assert f"Tin báo {tip.code}" in await _answer(world, f"{tip.code} {tip.pin}", owner)
