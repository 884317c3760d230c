"""A broadcast's photo reaches each channel the way that channel takes one: Telegram gets it
uploaded once and then by its file_id, the Zalo Bot Platform fetches it from the service's
public address, the web chat shows it from the same address; the address answers only with
its token and only once the broadcast has gone out. The photo comes before the text."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI

from bot import broadcast_media as broadcast_photos
from handlers.broadcasts import decide
from handlers.broadcasts.compose import Draft, compose
from storage.broadcasts import SqlBroadcastStore
from storage.broadcasts.photos import keep
from tests.e2e import test_broadcast_delivery as delivery
from tests.e2e.channels import db_rows
from tests.e2e.test_broadcast_delivery import (
    ALERT,
    Town,
    copy,
    decided,
    leader_of_tdp5,
    lives_in,
    states,
)
from tests.e2e.test_outbox_delivery import officer, pushed

pytestmark = pytest.mark.e2e
# The app with Telegram and the Zalo bot, and its residents: the broadcast tests' fixtures.
fast_hashing, channel_setup, town = delivery.fast_hashing, delivery.channel_setup, delivery.town

JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF" + bytes(range(256)) * 8


async def with_photo(app: FastAPI, sender: object, text: str) -> tuple[str, str]:
    """A broadcast with the JPEG: (its id, its public address's path)."""
    runtime = app.state.runtime
    ref, mime = await keep(runtime.media.store, JPEG)
    async with runtime.sessions() as session:
        made = await compose(
            SqlBroadcastStore(session),
            sender,  # type: ignore[arg-type]
            Draft(text=text, photo_ref=ref, photo_mime=mime),
        )
        await session.commit()
    secret = app.state.settings.secret_key.get_secret_value()
    return made.id, broadcast_photos.path(secret, made.id)


async def test_telegram_uploads_the_photo_once_and_zalo_fetches_it_by_its_address(
    town: Town, hook: httpx.AsyncClient
) -> None:
    residents = [await town.on_telegram() for _ in range(3)]
    on_zalo = await town.on_zalo("7fa0b1c2d3e4f5a6b7c8")
    police = await officer(town.app)
    _, path = await with_photo(town.app, police, ALERT)
    assert await pushed(town.app) == 4

    photos = [c for c in town.telegram.calls("sendPhoto") if c.ok]
    assert sorted(c.chat_id for c in photos) == sorted(r.chat for r in residents)
    uploads = [c for c in photos if c.transport == "multipart"]
    assert len(uploads) == 1 and uploads[0].files["photo"].content == JPEG
    reused = {c.params["photo"] for c in photos if c.transport != "multipart"}
    assert len(reused) == 1 and next(iter(reused)).startswith("fake-photo-")  # its file_id
    for resident in residents:  # the photo, then the text with its sender and the stop hint
        calls = [c for c in town.telegram.calls() if c.chat_id == resident.chat and c.ok]
        assert [c.method for c in calls[-2:]] == ["sendPhoto", "sendMessage"]
        assert calls[-1].params["text"] == copy(ALERT)

    zalo_photos = [c for c in town.zalo.calls("sendPhoto") if c.ok]
    assert [c.params["photo"] for c in zalo_photos] == [f"https://binhyen.example{path}"]
    assert town.zalo.sent_texts(on_zalo.chat)[-1] == copy(ALERT)

    got = await hook.get(path)
    assert got.status_code == 200 and got.content == JPEG
    assert got.headers["content-type"] == "image/jpeg"
    assert got.headers["x-content-type-options"] == "nosniff"


async def test_the_address_needs_its_token_and_a_broadcast_that_went_out(
    town: Town, hook: httpx.AsyncClient
) -> None:
    neighbour = await town.on_telegram()
    leader, tdp5 = await leader_of_tdp5(town.app)
    await lives_in(town.app, neighbour, tdp5)
    made, path = await with_photo(town.app, leader, "Họp tổ dân phố tối thứ Sáu.")
    assert (await hook.get(path)).status_code == 404  # waits for the police: not public yet
    assert await pushed(town.app) == 0
    police = await officer(town.app)
    await decided(town.app, decide.approve, police, made)
    assert (await hook.get(path)).status_code == 200
    wrong = path[: path.rindex("/") + 1] + "A" * 24
    assert (await hook.get(wrong)).status_code == 404
    other = path.replace(made, "00000000-0000-0000-0000-000000000000")
    assert (await hook.get(other)).status_code == 404
    assert (await hook.get(path[: path.rindex("/") + 1] + "%C3%A9")).status_code == 404
    assert await pushed(town.app) == 1
    sent = [c for c in town.telegram.calls("sendPhoto") if c.ok and c.chat_id == neighbour.chat]
    assert len(sent) == 1


async def test_a_copy_goes_as_text_when_its_photo_file_is_gone(town: Town) -> None:
    resident = await town.on_telegram()
    police = await officer(town.app)
    made, _ = await with_photo(town.app, police, ALERT)
    store = town.app.state.runtime.media.store
    async with town.app.state.runtime.sessions() as session:
        broadcast = await SqlBroadcastStore(session).get(made)
    assert broadcast is not None
    store.path(broadcast.photo_ref.removeprefix("blob:")).unlink()
    assert await pushed(town.app) == 1
    assert town.received(resident)[-1] == copy(ALERT)
    assert not [c for c in town.telegram.calls("sendPhoto") if c.chat_id == resident.chat]


async def test_a_copy_cut_short_goes_on_from_where_it_stopped(town: Town) -> None:
    resident = await town.on_telegram()
    police = await officer(town.app)
    made, _ = await with_photo(town.app, police, ALERT)
    town.telegram.fail_next("sendMessage", 502, "Bad Gateway")  # the photo went, the text not
    assert await pushed(town.app) == 1
    assert await states(town.app, made) == ["pending"]
    outbox = town.app.state.outbox
    outbox.clock = lambda: datetime.now(UTC) + timedelta(seconds=31)  # past the back-off
    assert await pushed(town.app) == 1
    assert await states(town.app, made) == ["sent"]
    mine = [c for c in town.telegram.calls() if c.chat_id == resident.chat and c.ok]
    assert [c.method for c in mine[-2:]] == ["sendPhoto", "sendMessage"]  # the photo once
    assert len([c for c in mine if c.method == "sendPhoto"]) == 1
    assert mine[-1].params["text"] == copy(ALERT)
    payload = await db_rows(
        town.app.state.settings.database_url,
        f"SELECT payload FROM outbox WHERE broadcast_id = '{made}'",
    )
    assert str(resident.chat) not in str(payload)  # the chat is kept as a digest only


async def test_a_notice_cancelled_before_it_went_out_keeps_its_photo_private(
    town: Town, hook: httpx.AsyncClient
) -> None:
    leader, _tdp5 = await leader_of_tdp5(town.app)
    made, path = await with_photo(town.app, leader, "Họp tổ dân phố tối thứ Bảy.")
    await decided(town.app, decide.cancel, leader, made)
    assert (await hook.get(path)).status_code == 404
