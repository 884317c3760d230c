"""An in-memory MediaKeeper: files kept in a dict by SHA-256, with the checks of
storage/blobs.py (a fetcher per channel, the size limit, a default MIME type per kind, a
broadcast's photo recognised by its bytes), and a tip's files held apart until the tip is
sent (handlers/tip_files.py, as storage/blobs.py)."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Awaitable, Callable

from handlers import tip_files
from handlers.broadcasts.photo import photo_type
from handlers.media_metadata import check
from handlers.model import Media
from handlers.ports import MediaUnavailable, SettledMedia, StoredMedia

Fetcher = Callable[[str, Media], Awaitable[bytes]]
DEFAULT_MIME = {
    "photo": "image/jpeg",
    "video": "video/mp4",
    "voice": "audio/ogg",
    "file": "application/octet-stream",
}


class MemoryMediaKeeper:
    """MediaKeeper keeping the files in a dict by SHA-256, with storage/blobs.py's checks."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self.fetchers: dict[str, Fetcher] = {}
        self.blobs: dict[str, bytes] = {}
        self.held: dict[str, bytes] = {}  # by ref: a tip's files until the tip is sent

    def register(self, channel: str, fetcher: Fetcher) -> None:
        self.fetchers[channel] = fetcher

    async def keep(self, channel: str, account: str, media: Media) -> StoredMedia:
        data = await self._fetch(channel, account, media)
        if len(data) > self.max_bytes:
            raise MediaUnavailable("file too large")
        mime = media.mime or DEFAULT_MIME.get(media.type.value, "application/octet-stream")
        ref = f"received:{secrets.token_hex(16)}"
        self.held[ref] = data
        return tip_files.received_media(ref, mime, data, check(data))

    async def settle(self, kept: StoredMedia, anonymous: bool) -> SettledMedia | None:
        return await tip_files.settle(self, kept, anonymous)

    # The shelf handlers/tip_files.py settles on.
    async def received(self, ref: str) -> bytes | None:
        return self.held.get(ref)

    async def stored(self, sha256: str) -> bytes | None:
        return self.blobs.get(sha256)

    async def put(self, data: bytes) -> str:
        return self._put(data, "").sha256

    async def forget(self, ref: str) -> None:
        self.held.pop(ref, None)

    async def keep_photo(self, channel: str, account: str, media: Media) -> StoredMedia:
        data = await self._fetch(channel, account, media)
        return self._put(data, photo_type(data))

    async def read(self, ref: str) -> bytes | None:
        return self.blobs.get(ref.removeprefix("blob:")) if ref.startswith("blob:") else None

    def _put(self, data: bytes, mime: str) -> StoredMedia:
        digest = hashlib.sha256(data).hexdigest()
        self.blobs[digest] = data
        return StoredMedia(ref=f"blob:{digest}", mime=mime, size=len(data), sha256=digest)

    async def _fetch(self, channel: str, account: str, media: Media) -> bytes:
        fetcher = self.fetchers.get(channel)
        if fetcher is None:
            raise MediaUnavailable(f"no fetcher for channel {channel}")
        try:
            return await fetcher(account, media)
        except MediaUnavailable:
            raise
        except Exception as exc:
            raise MediaUnavailable(type(exc).__name__) from exc
