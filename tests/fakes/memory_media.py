"""An in-memory MediaKeeper: files kept in a dict by SHA-256, with the checks of
storage/blobs.py (a fetcher per channel, the size limit, a default MIME type per kind, a
broadcast's photo recognised by its bytes)."""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable

from handlers.broadcasts.photo import photo_type
from handlers.model import Media
from handlers.ports import MediaUnavailable, StoredMedia

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

    def register(self, channel: str, fetcher: Fetcher) -> None:
        self.fetchers[channel] = fetcher

    async def keep(self, channel: str, account: str, media: Media) -> StoredMedia:
        data = await self._fetch(channel, account, media)
        if len(data) > self.max_bytes:
            raise MediaUnavailable("file too large")
        mime = media.mime or DEFAULT_MIME.get(media.type.value, "application/octet-stream")
        return self._put(data, mime)

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
