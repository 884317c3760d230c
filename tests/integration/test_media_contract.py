"""The contract of the MediaKeeper port (a tip's files, a broadcast's photo), run against the
in-memory keeper the flow tests use (tests/fakes/memory_media.py) and the one that keeps files
on disk (storage/blobs.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from handlers.broadcasts.photo import MAX_PHOTO_BYTES
from handlers.errors import BadInput
from handlers.model import Media, MediaType
from handlers.ports import MediaUnavailable
from storage.blobs import BlobStore, MediaKeeperImpl
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


@pytest.fixture(params=["memory", "disk"])
def keeper(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    found: MemoryMediaKeeper | MediaKeeperImpl = (
        MemoryMediaKeeper(LIMIT)
        if request.param == "memory"
        else MediaKeeperImpl(BlobStore(tmp_path / "media"), LIMIT)
    )
    found.register("test", fetch)
    return found


async def test_a_file_is_kept_under_its_hash(keeper: Any) -> None:
    data = FILES["photo-1"]
    kept = await keeper.keep("test", "acc", Media(MediaType.PHOTO, "photo-1", "image/png"))
    digest = hashlib.sha256(data).hexdigest()
    assert (kept.ref, kept.mime, kept.size, kept.sha256) == (
        f"blob:{digest}",
        "image/png",
        len(data),
        digest,
    )
    again = await keeper.keep("test", "other", Media(MediaType.PHOTO, "photo-1", "image/png"))
    assert again == kept  # the same bytes, the same blob


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
