"""A broadcast's one optional photo: what is accepted, recognised by its bytes, not by the
name or the type a browser or a chat claims for it.

JPEG and PNG only: every channel shows them (Telegram's sendPhoto, Zalo's photo by URL, the
web chat's <img>), and a phone's camera makes one or the other. At most MAX_PHOTO_BYTES: a
resident on a cheap phone and a slow network downloads it, once per broadcast.
"""

from __future__ import annotations

from handlers.errors import BadInput

MAX_PHOTO_BYTES = 5 * 1024 * 1024
MAX_PHOTO_MB = MAX_PHOTO_BYTES // (1024 * 1024)

# The first bytes of each accepted format → its media type.
SIGNATURES = (
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def photo_type(data: bytes) -> str:
    """The media type of an accepted photo; BadInput for anything else (an empty file, a
    document, a video, a photo over the limit)."""
    if not data:
        raise BadInput("photo_empty", "the photo is empty")
    if len(data) > MAX_PHOTO_BYTES:
        raise BadInput("photo_size", f"a photo has at most {MAX_PHOTO_MB} MB", limit=MAX_PHOTO_MB)
    for signature, mime in SIGNATURES:
        if data.startswith(signature):
            return mime
    raise BadInput("photo_type", "a photo is a JPEG or PNG image")
