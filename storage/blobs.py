"""Files residents send with a tip, and the photo a leader sends with a notice, kept on disk
under their SHA-256.

Each channel registers a fetcher that turns its media reference into bytes (Telegram's
getFile, a Zalo URL, a web upload); the keeper checks the size (a photo: its bytes, as
handlers/broadcasts/photo.py says), hashes and stores them.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import secrets
import tempfile
from collections.abc import Awaitable, Callable
from pathlib import Path

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
BLOB_REF = re.compile(r"blob:([0-9a-f]{64})")


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
        self._held: dict[str, bytes] = {}

    def hold(self, data: bytes) -> str:
        """Keep an upload in memory for one request; only a flow that keeps it writes it."""
        ref = f"held:{secrets.token_hex(16)}"
        self._held[ref] = data
        return ref

    def release(self, ref: str) -> None:
        self._held.pop(ref, None)

    def register(self, channel: str, fetcher: Fetcher) -> None:
        self.fetchers[channel] = fetcher

    async def keep(self, channel: str, account: str, media: Media) -> StoredMedia:
        mime = media.mime or DEFAULT_MIME.get(media.type.value, "application/octet-stream")
        data = await self._bytes(channel, account, media)
        if len(data) > self.max_bytes:
            raise MediaUnavailable("file too large")
        return await self._put(data, mime)

    async def keep_photo(self, channel: str, account: str, media: Media) -> StoredMedia:
        """A broadcast's photo: its bytes checked (a JPEG or PNG within the photo limit,
        BadInput otherwise, nothing written), its mime the type the bytes show, whatever
        the platform or the browser said."""
        data = await self._bytes(channel, account, media)
        return await self._put(data, photo_type(data))

    async def read(self, ref: str) -> bytes | None:
        found = BLOB_REF.fullmatch(ref)
        if found is None:
            return None
        try:
            return await asyncio.to_thread(self.store.get, found.group(1))
        except FileNotFoundError:
            return None

    async def _put(self, data: bytes, mime: str) -> StoredMedia:
        digest = await asyncio.to_thread(self.store.put, data)
        return StoredMedia(ref=f"blob:{digest}", mime=mime, size=len(data), sha256=digest)

    async def _bytes(self, channel: str, account: str, media: Media) -> bytes:
        data = self._held.pop(media.ref, None)
        return data if data is not None else await self._fetch(channel, account, media)

    async def _fetch(self, channel: str, account: str, media: Media) -> bytes:
        if media.ref.startswith("held:"):  # an upload from another request: not ours to use
            raise MediaUnavailable("upload no longer held")
        fetcher = self.fetchers.get(channel)
        if fetcher is None:
            raise MediaUnavailable(f"no fetcher for channel {channel}")
        try:
            return await fetcher(account, media)
        except MediaUnavailable:
            raise
        except Exception as exc:
            raise MediaUnavailable(type(exc).__name__) from exc
