"""Videos in ISO media files (MP4, MOV, 3GP) without their metadata, and HEIF/AVIF photos
told apart. A phone writes where and with what a video was taken in user-data and metadata
boxes (udta, meta: ©xyz, com.apple.quicktime.location.ISO6709, make and model), and XMP in
a uuid box. Each such box is blanked where it is: renamed 'free' and filled with zeros, so
that no other box moves and every offset into the media data stays right; the media data
itself is not touched. A HEIF photo keeps its EXIF as an item of the meta box the picture
needs, which this does not rewrite: it is only told apart."""

from __future__ import annotations

from handlers.media_metadata.found import Found, Kind, Stripped, kinds_in_text

HEIF_BRANDS = frozenset(
    {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"}
)
TOP_KEPT = frozenset(
    {b"ftyp", b"moov", b"mdat", b"free", b"skip", b"wide", b"pdin", b"moof", b"mfra"}
    | {b"styp", b"sidx", b"ssix", b"prft", b"emsg"}
)
CONTAINERS = frozenset({b"moov", b"trak"})  # where user data and metadata boxes sit
METADATA = frozenset({b"udta", b"meta", b"uuid", b"XMP_"})
MAX_BOXES = 10_000


def boxes(
    data: bytes | bytearray, start: int, end: int
) -> list[tuple[bytes, int, int, int]] | None:
    """The boxes between start and end as (type, start, header length, end); None when one
    does not fit."""
    found: list[tuple[bytes, int, int, int]] = []
    at = start
    while at < end:
        if at + 8 > end or len(found) >= MAX_BOXES:
            return None
        size = int.from_bytes(data[at : at + 4], "big")
        kind = bytes(data[at + 4 : at + 8])
        header = 8
        if size == 1:
            if at + 16 > end:
                return None
            size, header = int.from_bytes(data[at + 8 : at + 16], "big"), 16
        elif size == 0:
            size = end - at
        if size < header or at + size > end:
            return None
        found.append((kind, at, header, at + size))
        at += size
    return found


def brands(data: bytes) -> set[bytes]:
    """The ftyp box's major and compatible brands; empty when the file does not start with one."""
    if len(data) < 16 or data[4:8] != b"ftyp":
        return set()
    size = int.from_bytes(data[:4], "big")
    if size < 16 or size > len(data):
        return set()
    return {data[8:12], *(data[i : i + 4] for i in range(16, size - 3, 4))}


def is_heif(data: bytes) -> bool:
    return bool(brands(data) & HEIF_BRANDS)


def _blank(out: bytearray, found: Found, kind: bytes, start: int, header: int, end: int) -> None:
    found.merge(kinds_in_text(bytes(out[start + header : end])))
    out[start + 4 : start + 8] = b"free"
    out[start + header : end] = bytes(end - start - header)
    if kind == b"uuid" or kind == b"XMP_":
        found.kinds.add(Kind.OTHER)


def _walk(out: bytearray, found: Found, start: int, end: int, top: bool) -> bool:
    found_boxes = boxes(out, start, end)
    if found_boxes is None:
        return False
    for kind, at, header, stop in found_boxes:
        if (top and kind not in TOP_KEPT) or (not top and kind in METADATA):
            _blank(out, found, kind, at, header, stop)
        elif kind in CONTAINERS and not _walk(out, found, at + header, stop, top=False):
            return False
    return True


def strip(data: bytes) -> Stripped | None:
    """The video with its metadata boxes blanked and what they held; None when it is not an
    ISO media file whose boxes can be walked, or is a HEIF photo."""
    if not brands(data) or is_heif(data):
        return None
    out = bytearray(data)
    found = Found()
    if not _walk(out, found, 0, len(out), top=True):
        return None
    return Stripped(bytes(out), found)
