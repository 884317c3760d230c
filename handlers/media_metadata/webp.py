"""A WebP without its metadata: the EXIF and XMP chunks, any chunk of unknown use and what
follows the RIFF container are dropped; VP8X's flags no longer announce them. The picture's
chunks (VP8, VP8L, ALPH, the animation's) and its colour profile are copied byte for byte."""

from __future__ import annotations

from handlers.media_metadata.exif import read_exif
from handlers.media_metadata.found import Found, Stripped, kinds_in_text

PICTURE = frozenset({b"VP8 ", b"VP8L", b"VP8X", b"ALPH", b"ANIM", b"ANMF", b"ICCP"})
EXIF_FLAG, XMP_FLAG = 0x08, 0x04


def _dropped(kind: bytes, body: bytes) -> Found:
    if kind == b"EXIF":
        return read_exif(body)
    return kinds_in_text(body)


def strip(data: bytes) -> Stripped | None:
    """The WebP without its metadata and what was in it; None when its chunks cannot be
    walked to the end of the RIFF container."""
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        return None
    end = 8 + int.from_bytes(data[4:8], "little")
    if end > len(data):
        return None
    chunks: list[bytes] = []
    found = Found()
    at = 12
    while at < end:
        if at + 8 > end:
            return None
        kind, size = data[at : at + 4], int.from_bytes(data[at + 4 : at + 8], "little")
        stop = at + 8 + size + (size & 1)
        if stop > end + (size & 1):  # the last chunk's padding byte may be missing
            return None
        chunk = data[at:stop]
        if kind == b"VP8X" and size >= 1:
            chunk = chunk[:8] + bytes([chunk[8] & ~(EXIF_FLAG | XMP_FLAG) & 0xFF]) + chunk[9:]
        if kind in PICTURE:
            chunks.append(chunk)
        else:
            found.merge(_dropped(kind, data[at + 8 : at + 8 + size]))
        at = stop
    if not any(c[:4] in (b"VP8 ", b"VP8L", b"ANMF") for c in chunks):
        return None
    body = b"WEBP" + b"".join(chunks)
    return Stripped(b"RIFF" + len(body).to_bytes(4, "little") + body, found)
