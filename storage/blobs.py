"""Files residents send with a tip, kept on disk under their SHA-256.

Each channel registers a fetcher that turns its media reference into bytes (Telegram's
getFile, a Zalo URL, a web upload); the keeper checks the size, hashes and stores them.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

from handlers.model import Media
from handlers.ports import MediaUnavailable, StoredMedia

Fetcher = Callable[[str, Media], Awaitable[bytes]]
DEFAULT_MIME = {
    "photo": "image/jpeg",
    "video": "video/mp4",
    "voice": "audio/ogg",
    "file": "application/octet-stream",
}


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=target.parent)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            os.replace(tmp, target)
        return digest

    def get(self, sha256: str) -> bytes:
        return self.path(sha256).read_bytes()

    def has(self, sha256: str) -> bool:
        return len(sha256) == 64 and self.path(sha256).is_file()


class MediaKeeperImpl:
    def __init__(self, store: BlobStore, max_bytes: int) -> None:
        self.store = store
        self.max_bytes = max_bytes
        self.fetchers: dict[str, Fetcher] = {}

    def register(self, channel: str, fetcher: Fetcher) -> None:
        self.fetchers[channel] = fetcher

    async def keep(self, channel: str, account: str, media: Media) -> StoredMedia:
        mime = media.mime or DEFAULT_MIME.get(media.type.value, "application/octet-stream")
        if media.ref.startswith("blob:"):  # already stored by the adapter (web uploads)
            digest = media.ref.removeprefix("blob:")
            if not self.store.has(digest):
                raise MediaUnavailable("stored file is missing")
            size = self.store.path(digest).stat().st_size
            return StoredMedia(ref=media.ref, mime=mime, size=size, sha256=digest)
        fetcher = self.fetchers.get(channel)
        if fetcher is None:
            raise MediaUnavailable(f"no fetcher for channel {channel}")
        try:
            data = await fetcher(account, media)
        except MediaUnavailable:
            raise
        except Exception as exc:
            raise MediaUnavailable(type(exc).__name__) from exc
        if len(data) > self.max_bytes:
            raise MediaUnavailable("file too large")
        digest = await _put(self.store, data)
        return StoredMedia(ref=f"blob:{digest}", mime=mime, size=len(data), sha256=digest)


async def _put(store: BlobStore, data: bytes) -> str:
    import asyncio

    return await asyncio.to_thread(store.put, data)
