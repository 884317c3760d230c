"""A PNG without its metadata: only the chunks of the picture and of how to show it are kept
(a list, so that a maker's private chunk goes too); eXIf, the text chunks (where XMP and
an author's name live), tIME and what follows IEND are dropped. Kept chunks are copied byte
for byte, their CRCs with them; the orientation, where the photo had one, is written back in
an eXIf of its own."""

from __future__ import annotations

import struct
import zlib

from handlers.media_metadata.exif import orientation_block, read_exif
from handlers.media_metadata.found import Found, Kind, Stripped, kinds_in_text

SIGNATURE = b"\x89PNG\r\n\x1a\n"
PICTURE = frozenset(
    {b"IHDR", b"PLTE", b"IDAT", b"IEND", b"tRNS", b"cHRM", b"gAMA", b"iCCP", b"sBIT", b"sRGB"}
    | {b"cICP", b"mDCv", b"cLLi", b"bKGD", b"hIST", b"pHYs", b"sPLT", b"acTL", b"fcTL", b"fdAT"}
)
TEXT = frozenset({b"tEXt", b"zTXt", b"iTXt"})
# Text keywords (PNG spec and common writers) and the kind each names.
KEYWORDS = {
    b"author": Kind.OWNER,
    b"copyright": Kind.OWNER,
    b"creation time": Kind.TAKEN,
    b"software": Kind.CAMERA,
    b"source": Kind.CAMERA,
    b"location": Kind.LOCATION,
}


def _dropped(kind: bytes, body: bytes) -> Found:
    if kind == b"eXIf":
        return read_exif(body)
    if kind in TEXT:
        keyword = body.split(b"\x00", 1)[0].lower()
        if keyword == b"xml:com.adobe.xmp":
            return kinds_in_text(body)
        found = Found({Kind.OTHER})
        if keyword in KEYWORDS:
            found.kinds.add(KEYWORDS[keyword])
        return found
    return Found({Kind.OTHER})


def _chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def strip(data: bytes) -> Stripped | None:
    """The PNG without its metadata and what was in it; None when its chunks cannot be walked
    to IEND."""
    if not data.startswith(SIGNATURE):
        return None
    out = [SIGNATURE]
    found = Found()
    at, ended, first_data = len(SIGNATURE), False, 0
    while at + 8 <= len(data):
        length = int.from_bytes(data[at : at + 4], "big")
        kind = data[at + 4 : at + 8]
        end = at + 12 + length
        if length > 0x7FFFFFFF or end > len(data):
            return None
        if kind in PICTURE:
            if kind in (b"IDAT", b"fdAT") and not first_data:
                first_data = len(out)
            out.append(data[at:end])
        else:
            found.merge(_dropped(kind, data[at + 8 : end - 4]))
        at = end
        if kind == b"IEND":
            ended = True
            break
    if not ended or not first_data or out[1][4:8] != b"IHDR":
        return None
    if found.orientation:  # before the image data, as the spec asks of eXIf
        out.insert(first_data, _chunk(b"eXIf", orientation_block(found.orientation)[6:]))
    return Stripped(b"".join(out), found)
