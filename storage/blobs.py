"""Files residents send with a tip, and the photo a leader sends with a notice, kept on disk
under their SHA-256.

Each channel registers a fetcher that turns its media reference into bytes (Telegram's
getFile, a Zalo URL, a web upload); the keeper checks the size (a photo: its bytes, as
handlers/broadcasts/photo.py says), hashes and stores them.

A tip's file is first held apart under a random name in `received/`, as it came, until the
tip is sent (handlers/tip_files.py: an anonymous reporter's file is then stored without its
metadata, and the file as received is removed). A held file whose draft was never sent is
removed after the draft has expired (`sweep_received`, run by the keeper now and then).
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import re
import secrets
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from handlers import tip_files
from handlers.broadcasts.photo import photo_type
from handlers.media_metadata import check
from handlers.model import Media
from handlers.ports import MediaStoreDown, MediaUnavailable, SettledMedia, StoredMedia

Fetcher = Callable[[str, Media], Awaitable[bytes]]
DEFAULT_MIME = {
    "photo": "image/jpeg",
    "video": "video/mp4",
    "voice": "audio/ogg",
    "file": "application/octet-stream",
}
BLOB_REF = re.compile(r"blob:([0-9a-f]{64})")
RECEIVED_REF = re.compile(r"received:([0-9a-f]{32})")
RECEIVED_DIR = "received"
# A held file is removed a day after it came, as the notice promises of unsent tips (a draft
# is dropped a day after its last message, handlers/state.py DRAFT_TTL_SECONDS): a draft still
# being written a day later is told its file expired when it is sent. The keeper looks for
# older ones at most this often, and the daily retention run too.
RECEIVED_TTL_SECONDS = 24 * 3600
SWEEP_EVERY_SECONDS = 3600
PREFIX_NAME = re.compile(r"[0-9a-f]{2}")
TEMP_PREFIX = "tmp.retention."  # a file moved aside to be deleted (swept as a temporary one)
log = logging.getLogger("binhyen.blobs")


class BlobStoreUnavailable(OSError):
    """The store could not be reached or refused the request (object storage down, denied):
    nothing is known of the file. The local folder never raises it."""


class BlobCorrupted(FileNotFoundError):
    """A stored file whose bytes are not those its name (their SHA-256) says: refused, as if
    gone, rather than served."""


@dataclass(frozen=True)
class Listed:
    """A file of one prefix folder, as retention sees it: its name and when it was last
    written (put renews it); None when that could not be read."""

    name: str
    modified: float | None


class Blobs(Protocol):
    """What the keeper, the panel, broadcasts and retention (storage/retention.py) need of a
    store of files: the local folder below, or object storage (storage/blobs_s3.py)."""

    def put(self, data: bytes) -> str:
        """Stores the bytes under their SHA-256 (returned); an existing file is renewed."""
        ...

    def get(self, sha256: str) -> bytes:
        """The bytes; FileNotFoundError when not stored (BlobCorrupted when not whole)."""
        ...

    def has(self, sha256: str) -> bool: ...

    def receive(self, data: bytes) -> str: ...

    def received(self, ref: str) -> bytes | None: ...

    def forget(self, ref: str) -> None: ...

    def sweep_received(
        self, max_age_seconds: float, now: float | None = None, *, dry_run: bool = False
    ) -> int: ...

    def prefixes(self) -> list[str]:
        """The prefix folders (two hex digits) that may hold files, sorted."""
        ...

    def listing(self, prefix: str) -> list[Listed]:
        """The files of a prefix folder; OSError when it cannot be listed."""
        ...

    def delete_if_older(self, prefix: str, name: str, limit: float) -> bool:
        """Delete the file unless a put renewed it to `limit` or later; whether it went."""
        ...

    def holds_files(self) -> bool:
        """Whether any prefix folder holds a file (retention's guard against a wrong
        database)."""
        ...

    def check(self) -> None:
        """At start-up: BlobStoreUnavailable, in words for an operator, when the store
        cannot be used."""
        ...

    def describe(self) -> str:
        """Where the files are, for an operator (no secret)."""
        ...


class BlobStore:
    """The embedded default: files in a local folder (BINHYEN_MEDIA_DIR). As in object
    storage, a read is checked against the file's name (BlobCorrupted, never served) and a
    put of the right bytes repairs a damaged copy."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256

    def put(self, data: bytes) -> str:
        digest = hashlib.sha256(data).hexdigest()
        target = self.path(digest)
        try:
            # The same file sent again is new again: retention deletes a file no row names
            # only once it is older than a conversation can be (storage/retention.py).
            os.utime(target)
            if _whole(target, digest):
                return digest
            log.error("a stored file did not match its SHA-256: written again (%s)", digest[:12])
        except FileNotFoundError:
            pass
        except OSError:
            if target.is_file():  # there, but not ours to touch
                return digest
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
        return digest

    def get(self, sha256: str) -> bytes:
        data = self.path(sha256).read_bytes()
        if hashlib.sha256(data).hexdigest() != sha256:
            log.error("a stored file does not match its SHA-256: refused (%s)", sha256[:12])
            raise BlobCorrupted(sha256)
        return data

    def has(self, sha256: str) -> bool:
        return len(sha256) == 64 and self.path(sha256).is_file()

    def received_path(self, ref: str) -> Path | None:
        found = RECEIVED_REF.fullmatch(ref)
        return None if found is None else self.root / RECEIVED_DIR / found.group(1)

    def receive(self, data: bytes) -> str:
        """Holds a tip's file as it came, under a random name; its ref."""
        token = secrets.token_hex(16)
        folder = self.root / RECEIVED_DIR
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, folder / token)
        return f"received:{token}"

    def received(self, ref: str) -> bytes | None:
        path = self.received_path(ref)
        try:
            return path.read_bytes() if path is not None else None
        except FileNotFoundError:
            return None

    def forget(self, ref: str) -> None:
        path = self.received_path(ref)
        if path is not None:
            path.unlink(missing_ok=True)

    def sweep_received(
        self, max_age_seconds: float, now: float | None = None, *, dry_run: bool = False
    ) -> int:
        """Removes (`dry_run`: counts) the held files older than `max_age_seconds` (and
        temporary files a crash left there); how many."""
        folder = self.root / RECEIVED_DIR
        cutoff = (time.time() if now is None else now) - max_age_seconds
        removed = 0
        try:
            entries = list(os.scandir(folder))
        except FileNotFoundError:
            return 0
        for entry in entries:
            try:
                if entry.is_file() and entry.stat().st_mtime < cutoff:
                    if not dry_run:
                        os.unlink(entry.path)
                    removed += 1
            except FileNotFoundError:  # another process removed or settled it meanwhile
                continue
        return removed

    def prefixes(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            p.name for p in self.root.iterdir() if PREFIX_NAME.fullmatch(p.name) and p.is_dir()
        )

    def listing(self, prefix: str) -> list[Listed]:
        found: list[Listed] = []
        for entry in os.scandir(self.root / prefix):
            try:
                if not entry.is_file(follow_symlinks=False):
                    continue
                found.append(Listed(entry.name, entry.stat(follow_symlinks=False).st_mtime))
            except FileNotFoundError:
                continue
            except OSError:
                found.append(Listed(entry.name, None))
        return found

    def delete_if_older(self, prefix: str, name: str, limit: float) -> bool:
        return delete_aside(str(self.root / prefix / name), limit)

    def holds_files(self) -> bool:
        return any(any((self.root / p).iterdir()) for p in self.prefixes())

    def check(self) -> None:
        """Nothing to check: the folder is made by the first file."""

    def describe(self) -> str:
        return str(self.root)


def _whole(path: Path, digest: str) -> bool:
    """Whether a stored file's bytes still hash to its name (a damaged copy is written
    again by the next put of the right bytes)."""
    found = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(1 << 20):
            found.update(chunk)
    return found.hexdigest() == digest


def delete_aside(path: str, limit: float) -> bool:
    """Delete an old file, unless it is sent again at this very moment: it is first moved
    aside (BlobStore.put then writes it anew), and put back if put renewed its time just
    before (same name, same bytes). Whether it was deleted."""
    folder, name = os.path.split(path)
    aside = os.path.join(folder, f"{TEMP_PREFIX}{name}")
    os.rename(path, aside)
    if os.stat(aside).st_mtime >= limit:
        os.replace(aside, path)
        return False
    os.unlink(aside)
    return True


class _Shelf:
    """The keeper's shelf for handlers/tip_files.py: held files and stored ones. A store that
    cannot be reached is a file unavailable: the tip goes without it, the reporter is told."""

    def __init__(self, store: Blobs) -> None:
        self.store = store

    async def received(self, ref: str) -> bytes | None:
        try:
            return await asyncio.to_thread(self.store.received, ref)
        except BlobStoreUnavailable as exc:
            raise MediaStoreDown("the file store is unavailable") from exc

    async def stored(self, sha256: str) -> bytes | None:
        if not re.fullmatch(r"[0-9a-f]{64}", sha256):
            return None
        try:
            return await asyncio.to_thread(self.store.get, sha256)
        except FileNotFoundError:
            return None
        except BlobStoreUnavailable as exc:
            raise MediaStoreDown("the file store is unavailable") from exc

    async def put(self, data: bytes) -> str:
        try:
            return await asyncio.to_thread(self.store.put, data)
        except BlobStoreUnavailable as exc:
            raise MediaStoreDown("the file store is unavailable") from exc

    async def forget(self, ref: str) -> None:
        try:
            await asyncio.to_thread(self.store.forget, ref)
        except BlobStoreUnavailable:  # stored already: the held copy goes with the sweep
            log.warning("a held file was not removed: the file store is unavailable")


class MediaKeeperImpl:
    def __init__(self, store: Blobs, max_bytes: int) -> None:
        self.store = store
        self.max_bytes = max_bytes
        self.fetchers: dict[str, Fetcher] = {}
        self._held: dict[str, bytes] = {}
        self._shelf = _Shelf(store)
        self._swept_at: float | None = None

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
        try:
            await self._sweep_now_and_then()
            checked = await asyncio.to_thread(check, data)
            ref = await asyncio.to_thread(self.store.receive, data)
        except BlobStoreUnavailable as exc:
            raise MediaStoreDown("the file store is unavailable") from exc
        return tip_files.received_media(ref, mime, data, checked)

    async def settle(self, kept: StoredMedia, anonymous: bool) -> SettledMedia | None:
        return await tip_files.settle(self._shelf, kept, anonymous)

    async def _sweep_now_and_then(self) -> None:
        now = time.monotonic()
        if self._swept_at is not None and now - self._swept_at < SWEEP_EVERY_SECONDS:
            return
        self._swept_at = now
        removed = await asyncio.to_thread(self.store.sweep_received, RECEIVED_TTL_SECONDS)
        if removed:
            log.info("removed %d held files of drafts never sent", removed)

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
        except BlobStoreUnavailable as exc:
            raise MediaStoreDown("the file store is unavailable") from exc

    async def _put(self, data: bytes, mime: str) -> StoredMedia:
        try:
            digest = await asyncio.to_thread(self.store.put, data)
        except BlobStoreUnavailable as exc:
            raise MediaStoreDown("the file store is unavailable") from exc
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
