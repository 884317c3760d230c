"""The contract of the MediaKeeper port (a tip's files, a broadcast's photo), run against the
in-memory keeper the flow tests use (tests/fakes/memory_media.py) and the one that keeps files
on disk (storage/blobs.py) or in object storage (storage/blobs_s3.py, on a loopback S3
server: tests/blob_stores.py)."""

from __future__ import annotations

import hashlib
import json
import os
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from handlers.broadcasts.photo import MAX_PHOTO_BYTES
from handlers.errors import BadInput
from handlers.model import Kind, Media, MediaType
from handlers.ports import MediaUnavailable, SettledMedia, StoredMedia
from storage.blobs import (
    RECEIVED_TTL_SECONDS,
    BlobCorrupted,
    Blobs,
    BlobStore,
    BlobStoreUnavailable,
    MediaKeeperImpl,
)
from storage.blobs_s3 import S3BlobStore, client_config
from tests import photo_files
from tests.blob_stores import (
    Silent,
    age,
    blob_name,
    hanging_store,
    held_count,
    held_name,
    make_store,
    read_raw,
    write_raw,
)
from tests.fakes.memory_media import MemoryMediaKeeper

LIMIT = 64
FILES = {"photo-1": b"\xff\xd8\xff fake jpeg", "big": b"x" * (LIMIT + 1), "edge": b"y" * LIMIT}
# A broadcast's photo (keep_photo): recognised by its first bytes, whatever it claims to be.
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(32))
PHOTOS = {
    "png": PNG,
    "gif": b"GIF89a\x01\x00\x01\x00" + bytes(16),
    "pdf": b"%PDF-1.4\n%%EOF\n",
    "empty": b"",
    "huge": b"\xff\xd8\xff" + bytes(MAX_PHOTO_BYTES),
}
FILES.update(PHOTOS)


async def fetch(_account: str, media: Media) -> bytes:
    if media.ref == "boom":
        raise ConnectionError("the platform hung up")
    if media.ref not in FILES:
        raise MediaUnavailable("gone")
    return FILES[media.ref]


def _keeper(request: pytest.FixtureRequest, tmp_path: Path, limit: int) -> Any:
    if request.param == "memory":
        return MemoryMediaKeeper(limit)
    kind = "local" if request.param == "disk" else "s3"
    return MediaKeeperImpl(make_store(kind, request, tmp_path), limit)


@pytest.fixture(params=["memory", "disk", "s3"])
def keeper(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    found: MemoryMediaKeeper | MediaKeeperImpl = _keeper(request, tmp_path, LIMIT)
    found.register("test", fetch)
    return found


async def test_a_tips_file_is_held_then_kept_under_its_hash(keeper: Any) -> None:
    """Held apart on receipt (nothing under its hash yet); stored under its hash when the tip
    is sent, and no longer held."""
    data = FILES["photo-1"]
    kept = await keeper.keep("test", "acc", Media(MediaType.PHOTO, "photo-1", "image/png"))
    digest = hashlib.sha256(data).hexdigest()
    assert kept.ref.startswith("received:")
    assert (kept.mime, kept.size, kept.sha256) == ("image/png", len(data), digest)
    assert await keeper.read(f"blob:{digest}") is None
    again = await keeper.keep("test", "other", Media(MediaType.PHOTO, "photo-1", "image/png"))
    assert again.ref != kept.ref and again.sha256 == kept.sha256  # held once for each draft
    settled = await keeper.settle(kept, anonymous=False)
    assert (settled.ref, settled.size, settled.sha256) == (f"blob:{digest}", len(data), digest)
    assert (settled.received_sha256, settled.received_size, settled.metadata_removed) == (
        "",
        None,
        False,
    )
    assert await keeper.read(settled.ref) == data
    # Not a JPEG it can read, and no metadata mark in it: an anonymous tip takes it as it came.
    assert (await keeper.settle(again, anonymous=True)).ref == settled.ref


@pytest.mark.parametrize(
    ("kind", "mime"),
    [
        (MediaType.PHOTO, "image/jpeg"),
        (MediaType.VIDEO, "video/mp4"),
        (MediaType.VOICE, "audio/ogg"),
        (MediaType.FILE, "application/octet-stream"),
    ],
)
async def test_a_file_without_a_type_gets_its_kinds(
    keeper: Any, kind: MediaType, mime: str
) -> None:
    assert (await keeper.keep("test", "acc", Media(kind, "edge"))).mime == mime


@pytest.mark.parametrize(
    ("channel", "ref"),
    [("test", "big"), ("test", "gone"), ("test", "boom"), ("zalo_oa", "photo-1")],
)
async def test_what_cannot_be_kept_is_unavailable(keeper: Any, channel: str, ref: str) -> None:
    """Too large, gone, a failed fetch, a channel without a fetcher."""
    with pytest.raises(MediaUnavailable):
        await keeper.keep(channel, "acc", Media(MediaType.FILE, ref))


# -- a broadcast's photo -----------------------------------------------------------------------


async def test_a_photo_is_kept_as_what_its_bytes_are(keeper: Any) -> None:
    """A PNG the phone called a JPEG is kept as a PNG; its bytes read back by its ref. The
    photo's own limit holds, not the keeper's (64 bytes here)."""
    kept = await keeper.keep_photo("test", "acc", Media(MediaType.PHOTO, "png", "image/jpeg"))
    digest = hashlib.sha256(PNG).hexdigest()
    assert (kept.ref, kept.mime, kept.size) == (f"blob:{digest}", "image/png", len(PNG))
    assert await keeper.read(kept.ref) == PNG
    jpeg = await keeper.keep_photo("test", "acc", Media(MediaType.FILE, "photo-1"))
    assert jpeg.mime == "image/jpeg"


@pytest.mark.parametrize(
    ("ref", "code"),
    [
        ("gif", "photo_type"),
        ("pdf", "photo_type"),
        ("empty", "photo_empty"),
        ("huge", "photo_size"),
    ],
)
async def test_what_is_not_a_photo_is_refused_and_not_kept(
    keeper: Any, ref: str, code: str
) -> None:
    with pytest.raises(BadInput) as refused:
        await keeper.keep_photo("test", "acc", Media(MediaType.PHOTO, ref, "image/jpeg"))
    assert refused.value.code == code
    digest = hashlib.sha256(PHOTOS[ref]).hexdigest()
    assert await keeper.read(f"blob:{digest}") is None


@pytest.mark.parametrize(
    ("channel", "ref"), [("test", "gone"), ("test", "boom"), ("zalo_oa", "png")]
)
async def test_a_photo_that_cannot_be_fetched_is_unavailable(
    keeper: Any, channel: str, ref: str
) -> None:
    with pytest.raises(MediaUnavailable):
        await keeper.keep_photo(channel, "acc", Media(MediaType.PHOTO, ref))


@pytest.mark.parametrize(
    "ref", ["blob:" + "0" * 64, "blob:../../etc/passwd", "held:abc", "png", ""]
)
async def test_reading_what_was_not_kept_is_none(keeper: Any, ref: str) -> None:
    assert await keeper.read(ref) is None


async def test_a_web_upload_held_for_its_request_is_kept_as_a_photo(tmp_path: Path) -> None:
    keeper = MediaKeeperImpl(BlobStore(tmp_path / "media"), LIMIT)
    ref = keeper.hold(PNG)
    kept = await keeper.keep_photo("web", "web", Media(MediaType.PHOTO, ref, "image/png"))
    assert kept.mime == "image/png" and await keeper.read(kept.ref) == PNG
    with pytest.raises(MediaUnavailable):  # used once: the request is over
        await keeper.keep_photo("web", "web", Media(MediaType.PHOTO, ref, "image/png"))


# -- a tip's files and their metadata (issue 18) ---------------------------------------------

ROOMY = 1024 * 1024
PHOTOS_WITH_METADATA = {
    "tagged": photo_files.tagged_jpeg(),
    "heic": photo_files.box(b"ftyp", b"heic\x00\x00\x00\x00mif1heic")
    + photo_files.box(b"meta", photo_files.box(b"iinf", b"infe\x00\x01Exif")),
}


async def fetch_photo(_account: str, media: Media) -> bytes:
    return PHOTOS_WITH_METADATA[media.ref]


@pytest.fixture(params=["memory", "disk", "s3"])
def roomy(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    found: MemoryMediaKeeper | MediaKeeperImpl = _keeper(request, tmp_path, ROOMY)
    found.register("test", fetch_photo)
    return found


def held(keeper: Any) -> int:
    """How many files the keeper holds for drafts."""
    if isinstance(keeper, MemoryMediaKeeper):
        return len(keeper.held)
    return held_count(keeper.store)


async def test_an_anonymous_tips_photo_is_stored_without_its_metadata(roomy: Any) -> None:
    original = PHOTOS_WITH_METADATA["tagged"]
    kept = await roomy.keep("test", "acc", Media(MediaType.PHOTO, "tagged", "image/jpeg"))
    assert (kept.metadata, held(roomy)) == ("removable", 1)
    assert {"location", "serial", "owner"} <= set(kept.found)
    settled = await roomy.settle(kept, anonymous=True)
    stored = await roomy.read(settled.ref)
    assert stored is not None and settled.ref == f"blob:{hashlib.sha256(stored).hexdigest()}"
    for value in (photo_files.SERIAL, photo_files.OWNER, "Exif", "xmpmeta", "Photoshop"):
        assert value.encode() not in stored
    assert photo_files.scan_of(stored) == photo_files.scan_of(original)
    received = hashlib.sha256(original).hexdigest()
    assert (settled.received_sha256, settled.received_size) == (received, len(original))
    assert (settled.size, settled.sha256, settled.metadata_removed) == (
        len(stored),
        kept.clean_sha256,
        True,
    )
    summary = json.loads(settled.metadata_summary)
    assert {"location", "serial", "owner"} <= set(summary["removed"])
    assert "camera" not in summary and "gps" not in summary and "found" not in summary
    # The file as received is held no more, nor stored: nothing of it is left on disk.
    assert held(roomy) == 0 and await roomy.read(f"blob:{received}") is None
    # A retry of the sending (its transaction rolled back) finds what the first one stored.
    assert await roomy.settle(kept, anonymous=True) == settled


async def test_a_named_tips_photo_is_stored_as_it_came(roomy: Any) -> None:
    original = PHOTOS_WITH_METADATA["tagged"]
    kept = await roomy.keep("test", "acc", Media(MediaType.PHOTO, "tagged", "image/jpeg"))
    settled = await roomy.settle(kept, anonymous=False)
    assert await roomy.read(settled.ref) == original and not settled.metadata_removed
    assert (settled.sha256, settled.received_sha256) == (kept.sha256, "")
    summary = json.loads(settled.metadata_summary)
    assert (summary["camera"], summary["gps"]) == ("Apple iPhone 12", [21.0333, 105.8145])
    assert {"location", "serial", "owner"} <= set(summary["found"])
    # A serial number and an owner's name are said to be there, not copied out of the file.
    assert photo_files.SERIAL not in settled.metadata_summary
    assert "Chủ" not in settled.metadata_summary
    assert held(roomy) == 0
    assert await roomy.settle(kept, anonymous=False) == settled


async def test_a_photo_whose_metadata_cannot_be_removed(roomy: Any) -> None:
    """A HEIF photo keeps its EXIF inside the picture's own box: an anonymous tip does not
    take it (and it is held no more); a named one does, as it came."""
    media = Media(MediaType.FILE, "heic", "image/heic")
    kept = await roomy.keep("test", "acc", media)
    assert kept.metadata == "unremovable"
    assert await roomy.settle(kept, anonymous=True) is None
    assert held(roomy) == 0
    kept = await roomy.keep("test", "acc", media)
    settled = await roomy.settle(kept, anonymous=False)
    assert await roomy.read(settled.ref) == PHOTOS_WITH_METADATA["heic"]


async def test_a_file_no_longer_held_is_unavailable(roomy: Any) -> None:
    kept = await roomy.keep("test", "acc", Media(MediaType.PHOTO, "tagged", "image/jpeg"))
    if isinstance(roomy, MemoryMediaKeeper):
        roomy.held.clear()
    else:
        assert roomy.store.sweep_received(0, now=time.time() + 1) == 1
    for anonymous in (True, False):
        with pytest.raises(MediaUnavailable):
            await roomy.settle(kept, anonymous=anonymous)


def test_held_files_of_drafts_never_sent_are_swept(tmp_path: Path) -> None:
    """Older than two days (a draft lives a day after its last message): removed; younger:
    kept; a store with nothing held: nothing to do."""
    store = BlobStore(tmp_path / "media")
    assert store.sweep_received(RECEIVED_TTL_SECONDS) == 0
    old, young = store.receive(b"old"), store.receive(b"young")
    path = store.received_path(old)
    assert path is not None
    past = time.time() - RECEIVED_TTL_SECONDS - 60
    os.utime(path, (past, past))
    assert store.sweep_received(RECEIVED_TTL_SECONDS) == 1
    assert (store.received(old), store.received(young)) == (None, b"young")
    assert store.received("received:../../etc/passwd") is None


async def test_the_keeper_sweeps_now_and_then(tmp_path: Path) -> None:
    keeper = MediaKeeperImpl(BlobStore(tmp_path / "media"), ROOMY)
    keeper.register("test", fetch_photo)
    stale = keeper.store.receive(b"an abandoned draft's photo")
    path = keeper.store.received_path(stale)
    assert path is not None
    past = time.time() - RECEIVED_TTL_SECONDS - 60
    os.utime(path, (past, past))
    await keeper.keep("test", "acc", Media(MediaType.PHOTO, "tagged", "image/jpeg"))
    assert keeper.store.received(stale) is None and held(keeper) == 1


# -- both stores: what only a store sees ------------------------------------------------------


def test_held_files_of_drafts_never_sent_are_swept_on_either_store(blobs: Blobs) -> None:
    """As above, on the local folder and on object storage alike (ages set on the server)."""
    assert blobs.sweep_received(RECEIVED_TTL_SECONDS) == 0
    old, young = blobs.receive(b"old"), blobs.receive(b"young")
    age(blobs, held_name(old), datetime.now(UTC) - timedelta(seconds=RECEIVED_TTL_SECONDS + 60))
    assert blobs.sweep_received(RECEIVED_TTL_SECONDS, dry_run=True) == 1
    assert blobs.received(old) == b"old"
    assert blobs.sweep_received(RECEIVED_TTL_SECONDS) == 1
    assert (blobs.received(old), blobs.received(young)) == (None, b"young")
    assert blobs.received("received:../../etc/passwd") is None
    blobs.forget(young)
    assert blobs.received(young) is None
    blobs.forget(young)  # twice: nothing to do


def test_a_stored_file_is_read_back_and_renewed_by_a_second_put(blobs: Blobs) -> None:
    sha = blobs.put(b"a photo")
    assert sha == hashlib.sha256(b"a photo").hexdigest()
    assert blobs.has(sha) and blobs.get(sha) == b"a photo"
    assert not blobs.has("0" * 64) and not blobs.has("abc")
    with pytest.raises(FileNotFoundError):
        blobs.get("0" * 64)
    long_ago = datetime.now(UTC) - timedelta(days=400)
    age(blobs, blob_name(sha), long_ago)
    [listed] = blobs.listing(sha[:2])
    assert listed.name == sha and listed.modified is not None
    assert abs(listed.modified - long_ago.timestamp()) < 2
    assert blobs.put(b"a photo") == sha  # the same file again: new again
    [renewed] = blobs.listing(sha[:2])
    assert renewed.modified is not None and renewed.modified > time.time() - 120
    assert blobs.prefixes() == [sha[:2]] and blobs.holds_files()


@pytest.mark.parametrize("kind", ["local", "s3"])
def test_a_store_without_files_holds_none(
    kind: str, request: pytest.FixtureRequest, tmp_path: Path
) -> None:
    store = make_store(kind, request, tmp_path)
    store.check()
    assert store.prefixes() == [] and not store.holds_files()
    if isinstance(store, S3BlobStore):  # the start-up probe left nothing behind
        assert "Contents" not in store.client.list_objects_v2(Bucket=store.bucket)
    store.receive(b"held, not stored")
    assert store.prefixes() == [] and not store.holds_files()


async def test_either_store_refuses_a_damaged_file(blobs: Blobs) -> None:
    """Bytes in the store that are not those stored under that name (a damaged copy,
    another program's write) are refused, never served: the keeper reads nothing, and a
    put of the right bytes repairs it (the folder too: it no longer only renews the time)."""
    keeper = MediaKeeperImpl(blobs, ROOMY)
    sha = keeper.store.put(b"the photo a resident sent")
    write_raw(keeper.store, blob_name(sha), b"something else")
    assert keeper.store.has(sha)
    with pytest.raises(BlobCorrupted):
        keeper.store.get(sha)
    assert await keeper.read(f"blob:{sha}") is None
    keeper.store.put(b"the photo a resident sent")
    assert await keeper.read(f"blob:{sha}") == b"the photo a resident sent"
    assert keeper.store.get(sha) == b"the photo a resident sent"


def test_a_put_of_the_right_bytes_repairs_a_damaged_copy(blobs: Blobs) -> None:
    sha = blobs.put(b"the photo a resident sent")
    write_raw(blobs, blob_name(sha), b"something else")
    assert blobs.put(b"the photo a resident sent") == sha
    assert read_raw(blobs, blob_name(sha)) == b"the photo a resident sent"
    assert blobs.put(b"the photo a resident sent") == sha  # whole: only renewed
    assert read_raw(blobs, blob_name(sha)) == b"the photo a resident sent"


async def test_object_storage_refuses_a_damaged_held_file(s3_endpoint: str, s3_bucket: str) -> None:
    from tests.blob_stores import s3_store

    store = s3_store(s3_endpoint, s3_bucket)
    ref = store.receive(b"a held photo")
    write_raw(store, held_name(ref), b"a held photo, altered")
    assert store.received(ref) is None


def test_the_object_store_waits_3_s_to_connect_8_s_for_an_answer_and_tries_twice() -> None:
    config = client_config()
    assert (config.connect_timeout, config.read_timeout) == (3, 8)
    assert config.retries == {"total_max_attempts": 2, "mode": "standard"}


def test_a_store_that_hangs_is_tried_twice_then_unavailable() -> None:
    """A server that takes the connection and never answers: each request is tried twice
    (two connections), then the store is unavailable, at start-up and for a held file."""
    with Silent() as server:
        store = hanging_store(server)
        with pytest.raises(BlobStoreUnavailable) as stopped:
            store.check()
        assert "BINHYEN_S3_ENDPOINT_URL: cannot reach" in str(stopped.value)
        assert server.attempts(2) == 2
        with pytest.raises(BlobStoreUnavailable):
            store.received("received:" + "0" * 32)
        assert server.attempts(4) == 4


class Switched:
    """A store that starts up and hangs from when a test says so."""

    def __init__(self, up: Blobs) -> None:
        self.now = up

    def __getattr__(self, name: str) -> Any:
        return getattr(self.now, name)


class Counted(MediaKeeperImpl):
    settles = 0

    async def settle(self, kept: StoredMedia, anonymous: bool) -> SettledMedia | None:
        self.settles += 1
        return await super().settle(kept, anonymous)


async def test_a_tip_waits_for_one_file_only_when_the_store_hangs(
    s3_endpoint: str, s3_bucket: str
) -> None:
    """Three files received while the store was up; it hangs when the tip is sent: the
    first file is tried (twice), the two others are not, all three are told unsaved, and
    the tip is stored."""
    from tests.blob_stores import s3_store
    from tests.conftest import Chat, memory_core, memory_of
    from tests.unit.test_report_flow import through_description

    store = Switched(s3_store(s3_endpoint, s3_bucket))
    keeper = Counted(store, ROOMY)  # type: ignore[arg-type]
    keeper.register("test", fetch)
    dispatcher = memory_core()
    dispatcher.media = keeper
    chat = Chat(dispatcher)
    await through_description(chat)
    await chat.pick("when:today")
    await chat.say("Số 12 ngõ 5 phố Đội Cấn")
    for _ in range(3):
        await chat.send_event(
            chat.event(Kind.MEDIA, media=Media(MediaType.PHOTO, "photo-1", "image/jpeg"))
        )
    assert "Đã nhận 3 tệp" in chat.text, chat.text
    await chat.pick("tip:media_done")
    await chat.pick("tip:details_no")
    await chat.pick("id:named")
    await chat.say("Nguyễn Văn An")
    await chat.say("0912 345 678")
    with Silent() as server:
        store.now = hanging_store(server)
        done = await chat.pick("tip:confirm")
        assert server.attempts(2) == 2  # the first file's read, tried twice
    assert keeper.settles == 1  # the two others were not tried
    assert "3 tệp chưa lưu được" in done, done
    assert len(memory_of(dispatcher).all_tips()) == 1


async def test_object_storage_down_makes_a_file_unavailable(
    s3_endpoint: str, s3_bucket: str
) -> None:
    """Out of reach (here: a port nothing listens on), the keeper says the file is
    unavailable (the resident is asked to send it again), not an error."""
    from tests.blob_stores import s3_store

    closed = s3_store("http://127.0.0.1:9", s3_bucket)
    keeper = MediaKeeperImpl(closed, ROOMY)
    keeper.register("test", fetch_photo)
    with pytest.raises(MediaUnavailable):
        await keeper.keep("test", "acc", Media(MediaType.PHOTO, "tagged", "image/jpeg"))
    with pytest.raises(MediaUnavailable):
        await keeper.keep_photo("test", "acc", Media(MediaType.PHOTO, "tagged", "image/jpeg"))
    # A file received while it was up, sent while it is down: unavailable, nothing raised.
    up = MediaKeeperImpl(s3_store(s3_endpoint, s3_bucket), ROOMY)
    up.register("test", fetch_photo)
    kept = await up.keep("test", "acc", Media(MediaType.PHOTO, "tagged", "image/jpeg"))
    with pytest.raises(MediaUnavailable):
        await keeper.settle(kept, anonymous=False)
    assert (await up.settle(kept, anonymous=False)) is not None  # back up: it was kept


async def test_a_notices_photo_is_kept_and_read_for_its_copies(blobs: Blobs) -> None:
    """storage/broadcasts/photos.py and the copies' media (bot/broadcast_media.py) on either
    store; a photo whose file is gone or damaged goes out as text."""
    from bot.broadcast_media import PhotoSource
    from handlers.broadcasts.ports import Broadcast, BroadcastKind, BroadcastStatus
    from handlers.people import AdminRole
    from storage.broadcasts import photos

    ref, mime = await photos.keep(blobs, PNG)
    assert (ref, mime) == (f"blob:{hashlib.sha256(PNG).hexdigest()}", "image/png")
    assert await photos.read(blobs, ref) == PNG
    with pytest.raises(BadInput):
        await photos.keep(blobs, PHOTOS["gif"])
    notice = Broadcast(
        "b-1", BroadcastKind.ALERT, "Cảnh báo", BroadcastStatus.SENDING, None,
        AdminRole.OFFICER, "01", ("00004",), (), datetime.now(UTC), ref, mime,
    )  # fmt: skip
    media = await PhotoSource(blobs, "https://binhyen.test", "secret").media(notice)
    assert media is not None and media.data == PNG and media.mime == "image/png"
    write_raw(blobs, blob_name(ref.removeprefix("blob:")), b"\x89PNG damaged")
    assert await photos.read(blobs, ref) is None  # either store checks every read
    fresh = PhotoSource(blobs, "https://binhyen.test", "secret")
    assert await fresh.media(notice) is None
