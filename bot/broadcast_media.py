"""A broadcast's photo as the media of its copies, and its public address (served by
bot/broadcast_photos.py): absolute under BINHYEN_PUBLIC_URL for the platforms that fetch a
photo by URL (the Zalo Bot Platform's sendPhoto, a Zalo OA media message), the path alone
for the web chat on this same service.

The address carries a token derived from BINHYEN_SECRET_KEY and the broadcast's id, so it
cannot be guessed from the id."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
from collections import OrderedDict

from handlers.broadcasts.ports import Broadcast
from handlers.model import Media, MediaType
from storage.blobs import Blobs
from storage.broadcasts.photos import read

log = logging.getLogger("binhyen.broadcasts")
PREFIX = "/media/broadcasts"


def token(secret: str, broadcast_id: str) -> str:
    digest = hmac.new(
        secret.encode(), f"binhyen broadcast photo {broadcast_id}".encode(), hashlib.sha256
    ).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def path(secret: str, broadcast_id: str) -> str:
    """The photo's address on this service, without its scheme and host."""
    return f"{PREFIX}/{broadcast_id}/{token(secret, broadcast_id)}"


def url(public_url: str, secret: str, broadcast_id: str) -> str:
    """The address a platform fetches: absolute under BINHYEN_PUBLIC_URL, else the path (the
    web chat, on this same service, still shows it)."""
    return public_url.rstrip("/") + path(secret, broadcast_id)


class PhotoSource:
    """A broadcast's photo as the media of its copies: the address above, with the bytes for
    the channels that upload. The bytes of the last few broadcasts are kept in memory, so
    that ten thousand copies read the file once."""

    def __init__(self, store: Blobs, public_url: str, secret: str, keep: int = 4) -> None:
        self.store = store
        self.public_url = public_url
        self.secret = secret
        self.keep = keep
        self._bytes: OrderedDict[str, bytes | None] = OrderedDict()

    async def media(self, broadcast: Broadcast, *, with_bytes: bool = True) -> Media | None:
        """None when the broadcast has no photo, or its file is gone (logged: the copy goes
        out as text)."""
        if not broadcast.photo_ref:
            return None
        data = await self._read(broadcast) if with_bytes else b""
        if data is None:
            log.error("broadcast photo missing from the store; the copy goes without it")
            return None
        return Media(
            MediaType.PHOTO,
            url(self.public_url, self.secret, broadcast.id),
            broadcast.photo_mime or "image/jpeg",
            data=data or None,
        )

    async def _read(self, broadcast: Broadcast) -> bytes | None:
        if broadcast.id in self._bytes:
            self._bytes.move_to_end(broadcast.id)
            return self._bytes[broadcast.id]
        data = await read(self.store, broadcast.photo_ref)
        self._bytes[broadcast.id] = data
        while len(self._bytes) > self.keep:
            self._bytes.popitem(last=False)
        return data
