"""A JPEG without its metadata: the segments that hold where, when and with what a photo was
taken (APP1 EXIF and XMP, APP13 Photoshop/IPTC, comments, makers' APPn segments) are dropped,
and so is whatever follows the end of the image (the extra pictures and trailers phones
append). The picture itself (quantisation and Huffman tables, frame and scan headers, the
scan data) and what it needs to show right (APP0 JFIF, the ICC colour profile, Adobe's
colour transform, the orientation) are copied byte for byte."""

from __future__ import annotations

from handlers.media_metadata.exif import EXIF_HEADER, orientation_block, read_exif
from handlers.media_metadata.found import Found, Kind, Stripped, kinds_in_text

SOI, EOI, SOS = 0xD8, 0xD9, 0xDA
APP0, APP1, APP2, APP13, APP14, COM = 0xE0, 0xE1, 0xE2, 0xED, 0xEE, 0xFE
# Segments of the picture itself: frames (SOF0-15 but DHT, JPG and DAC), tables, restart
# interval, number of lines, hierarchical progression.
PICTURE = frozenset(range(0xC0, 0xD0)) - {0xC8} | {SOS, 0xDB, 0xDC, 0xDD, 0xDE, 0xDF}
STANDALONE = frozenset({0x01, *range(0xD0, 0xD8)})  # TEM, RST0-7: no length
# The APPn segments kept, by the identifier their data starts with.
KEPT_APPS = {APP0: b"JFIF\x00", APP2: b"ICC_PROFILE\x00", APP14: b"Adobe"}
XMP_HEADERS = (b"http://ns.adobe.com/xap/1.0/\x00", b"http://ns.adobe.com/xmp/extension/\x00")
PHOTOSHOP = b"Photoshop 3.0\x00"
# IPTC datasets (record 2) that name a person or a place.
IPTC_KINDS = {80: Kind.OWNER, 116: Kind.OWNER, 122: Kind.OWNER, 90: Kind.LOCATION}
IPTC_KINDS.update({92: Kind.LOCATION, 95: Kind.LOCATION, 100: Kind.LOCATION, 101: Kind.LOCATION})


def _dropped(marker: int, payload: bytes) -> Found:
    """What a dropped segment held."""
    if marker == APP1 and payload.startswith(EXIF_HEADER):
        return read_exif(payload)
    if marker == APP1 and payload.startswith(XMP_HEADERS):
        return kinds_in_text(payload)
    if marker == APP13 and payload.startswith(PHOTOSHOP):
        found = Found({Kind.OTHER})
        found.kinds |= {k for d, k in IPTC_KINDS.items() if b"\x1c\x02" + bytes([d]) in payload}
        return found
    return Found({Kind.OTHER})


def _trailer(tail: bytes) -> Found:
    """What follows the end of the image: a phone's second picture (MPF) with its own EXIF,
    a maker's trailer."""
    found = Found({Kind.OTHER})
    start = tail.find(EXIF_HEADER)
    if start >= 0:
        found.merge(read_exif(tail[start : start + 65536]))
    return found


def _kept(marker: int, payload: bytes) -> bool:
    if marker in PICTURE:
        return True
    header = KEPT_APPS.get(marker)
    return header is not None and payload.startswith(header)


def _scan_end(data: bytes, start: int) -> int:
    """Where the entropy-coded data that starts at `start` ends: at the next marker other than
    a stuffed 0xFF00 or a restart marker; the end of the data when it is cut short."""
    at = start
    while True:
        ff = data.find(b"\xff", at)
        if ff < 0 or ff + 1 >= len(data):
            return len(data)
        following = data[ff + 1]
        if following == 0x00 or 0xD0 <= following <= 0xD7:
            at = ff + 2
        elif following == 0xFF:
            at = ff + 1  # a fill byte before a marker
        else:
            return ff


def strip(data: bytes) -> Stripped | None:
    """The JPEG without its metadata and what was in it; None when the bytes are not a JPEG
    whose segments can be walked up to the image data (it is then left to the caller)."""
    if not data.startswith(b"\xff\xd8"):
        return None
    out = [b"\xff\xd8"]
    found = Found()
    at, pictured = 2, False
    while at < len(data):
        if data[at] != 0xFF:
            return None
        while at < len(data) and data[at] == 0xFF:
            at += 1
        if at >= len(data):
            break
        marker = data[at]
        at += 1
        if marker == EOI:
            out.append(b"\xff\xd9")
            if at < len(data):  # not shown, but kept by a plain copy: extra pictures, trailers
                found.merge(_trailer(data[at:]))
            break
        if marker in STANDALONE:
            out.append(bytes((0xFF, marker)))
            continue
        if marker == SOI or at + 2 > len(data):
            return None
        length = int.from_bytes(data[at : at + 2], "big")
        if length < 2 or at + length > len(data):
            return None
        payload = data[at + 2 : at + length]
        if _kept(marker, payload):
            out.append(bytes((0xFF, marker)) + data[at : at + length])
        else:
            found.merge(_dropped(marker, payload))
        at += length
        if marker == SOS:
            end = _scan_end(data, at)
            out.append(data[at:end])
            at, pictured = end, True
    if not pictured:
        return None
    if found.orientation:
        block = orientation_block(found.orientation)
        segment = b"\xff\xe1" + (len(block) + 2).to_bytes(2, "big") + block
        out.insert(2 if out[1].startswith(b"\xff\xe0") else 1, segment)  # after SOI and JFIF
    return Stripped(b"".join(out), found)
