"""The file store down while a chat uses it, through the dispatcher with the keeper of
storage/blobs.py over a folder that stops answering (as object storage does: the store
raises BlobStoreUnavailable, the keeper says MediaStoreDown): a resident adding a file to a
tip is told the file could not be saved just now (not "too large or expired"), and a
leader's preview shows the notice without its photo, saying why, instead of failing."""

from __future__ import annotations

from pathlib import Path

import pytest

from content.i18n import translate
from handlers.model import Kind, Media, MediaType
from storage.blobs import BlobStore, BlobStoreUnavailable, MediaKeeperImpl
from tests.conftest import TEST_FILES, Chat, fetch_test_file, memory_core
from tests.unit.test_leader_photo import JPEG, send, telegram_photo, to_the_photo_step
from tests.unit.test_report_flow import through_description


class Flaky(BlobStore):
    """The folder, out of reach while `down`."""

    down = False

    def _reach(self) -> None:
        if self.down:
            raise BlobStoreUnavailable("object storage: bucket binhyen-files: ConnectTimeout")

    def put(self, data: bytes) -> str:
        self._reach()
        return super().put(data)

    def get(self, sha256: str) -> bytes:
        self._reach()
        return super().get(sha256)

    def receive(self, data: bytes) -> str:
        self._reach()
        return super().receive(data)

    def received(self, ref: str) -> bytes | None:
        self._reach()
        return super().received(ref)


@pytest.fixture
def store(tmp_path: Path) -> Flaky:
    return Flaky(tmp_path / "media")


@pytest.fixture
def chat(store: Flaky) -> Chat:
    keeper = MediaKeeperImpl(store, 20 * 1024 * 1024)
    keeper.register("test", fetch_test_file)
    dispatcher = memory_core()
    dispatcher.media = keeper
    return Chat(dispatcher)


def vi(msgid: str, **params: object) -> str:
    return translate(msgid, "vi", params)


async def test_a_file_the_store_cannot_save_now_is_told_apart(chat: Chat, store: Flaky) -> None:
    TEST_FILES["photo-down"] = b"\xff\xd8\xff a photo while the store is down"
    await through_description(chat)
    await chat.pick("when:today")
    await chat.say("Số 12 ngõ 5 phố Đội Cấn")
    photo = Media(MediaType.PHOTO, "photo-down", "image/jpeg")
    store.down = True
    await chat.send_event(chat.event(Kind.MEDIA, media=photo))
    assert vi("tip.media_store_down") in chat.text
    assert vi("tip.media_failed", limit=20) not in chat.text
    assert "tip:media_done" in chat.choices  # or go on without it
    store.down = False  # back: the same file is taken
    await chat.send_event(chat.event(Kind.MEDIA, media=photo))
    assert "Đã nhận 1 tệp" in chat.text


async def test_the_preview_goes_without_a_photo_the_store_cannot_read_now(
    chat: Chat, store: Flaky
) -> None:
    await to_the_photo_step(chat)
    assert "Đã nhận ảnh" in await send(chat, telegram_photo(JPEG))
    store.down = True
    preview = await chat.pick("lnotice:kind:alert")
    assert "Người dân sẽ nhận được đúng như sau" in preview
    assert vi("leader.photo_store_down") in preview
    assert not any(r.media for r in chat.last)
    assert chat.choices[:2] == ["lnotice:send", "lnotice:edit"]
    store.down = False  # back: the preview draws it again
    await chat.pick("lnotice:photo")
    await chat.pick("lnotice:nophoto")
    (copy,) = [r for r in chat.last if r.media]
    assert copy.media[0].data == JPEG and vi("leader.photo_store_down") not in chat.text
