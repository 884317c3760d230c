"""The contract of the MediaKeeper port, run against the in-memory keeper the flow tests use
(tests/fakes/memory_media.py) and the one that keeps files on disk (storage/blobs.py)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from handlers.model import Media, MediaType
from handlers.ports import MediaUnavailable
from storage.blobs import BlobStore, MediaKeeperImpl
from tests.fakes.memory_media import MemoryMediaKeeper

LIMIT = 64
FILES = {"photo-1": b"\xff\xd8\xff fake jpeg", "big": b"x" * (LIMIT + 1), "edge": b"y" * LIMIT}


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
