"""An EXIF block (a TIFF structure) read for what it tells of where and with what a picture
was taken. Every offset is checked against the block and every directory is read once, so a
hostile block (truncated, offsets pointing anywhere, directories that point at each other)
can only make it find less; it never raises."""

from __future__ import annotations

import math
import struct

from handlers.media_metadata.found import Found, Kind, taken_of, text_of

EXIF_HEADER = b"Exif\x00\x00"
MAX_DIRECTORIES = 16
MAX_ENTRIES = 512  # per directory: cameras write a few dozen
# Bytes per value of each TIFF field type; a field of another type is skipped.
TYPE_SIZES = {1: 1, 2: 1, 3: 2, 4: 4, 5: 8, 6: 1, 7: 1, 8: 2, 9: 4, 10: 8, 11: 4, 12: 8, 13: 4}

EXIF_IFD, GPS_IFD, INTEROP_IFD = 0x8769, 0x8825, 0xA005
POINTERS = {EXIF_IFD: "exif", GPS_IFD: "gps", INTEROP_IFD: "interop"}
MAKE, MODEL, SOFTWARE, ORIENTATION = 0x010F, 0x0110, 0x0131, 0x0112
DATE_TIME, DATE_ORIGINAL = 0x0132, 0x9003
TAG_KINDS = {
    MAKE: Kind.CAMERA,
    MODEL: Kind.CAMERA,
    SOFTWARE: Kind.CAMERA,
    0xA432: Kind.CAMERA,  # LensSpecification
    0xA433: Kind.CAMERA,  # LensMake
    0xA434: Kind.CAMERA,  # LensModel
    0x013B: Kind.OWNER,  # Artist
    0x8298: Kind.OWNER,  # Copyright
    0xA430: Kind.OWNER,  # CameraOwnerName
    0x9C9D: Kind.OWNER,  # XPAuthor (Windows)
    0xA431: Kind.SERIAL,  # BodySerialNumber
    0xA435: Kind.SERIAL,  # LensSerialNumber
    0xC62F: Kind.SERIAL,  # CameraSerialNumber (DNG)
    DATE_TIME: Kind.TAKEN,
    DATE_ORIGINAL: Kind.TAKEN,
    0x9004: Kind.TAKEN,  # DateTimeDigitized
}
# Tags that say nothing of a person or a device: a block holding only these is no finding.
PLAIN = frozenset(
    {ORIENTATION, EXIF_IFD, INTEROP_IFD, 0x011A, 0x011B, 0x0128, 0x0213, 0x9000, 0x9101}
    | {0xA000, 0xA001, 0xA002, 0xA003, 0x0001, 0x0002}  # versions, colour space, size, interop
)


class _Tiff:
    def __init__(self, data: bytes, endian: str) -> None:
        self.data = data
        self.endian = endian

    def unpack(self, fmt: str, offset: int) -> tuple[int, ...] | None:
        size = struct.calcsize(self.endian + fmt)
        if offset < 0 or offset + size > len(self.data):
            return None
        return struct.unpack_from(self.endian + fmt, self.data, offset)

    def u16(self, offset: int) -> int | None:
        found = self.unpack("H", offset)
        return None if found is None else found[0]

    def u32(self, offset: int) -> int | None:
        found = self.unpack("I", offset)
        return None if found is None else found[0]


class _Entry:
    def __init__(self, tiff: _Tiff, tag: int, type_: int, count: int, at: int) -> None:
        self.tiff, self.tag, self.type, self.count = tiff, tag, type_, count
        size = TYPE_SIZES.get(type_, 0) * count
        self.size = size
        offset = at if size <= 4 else tiff.u32(at)
        fits = offset is not None and size > 0 and offset + size <= len(tiff.data)
        self.offset = offset if fits else None

    def raw(self) -> bytes:
        """The field's first bytes (enough for any text shown), b"" when it is out of bounds."""
        if self.offset is None:
            return b""
        return self.tiff.data[self.offset : self.offset + min(self.size, 1024)]

    def number(self) -> int | None:
        if self.offset is None or self.type not in (3, 4):
            return None
        return self.tiff.u16(self.offset) if self.type == 3 else self.tiff.u32(self.offset)

    def rationals(self, n: int) -> list[float] | None:
        if self.offset is None or self.type != 5 or self.count < n:
            return None
        values = []
        for i in range(n):
            pair = self.tiff.unpack("II", self.offset + 8 * i)
            if pair is None or pair[1] == 0:
                return None
            values.append(pair[0] / pair[1])
        return values


def _entries(tiff: _Tiff, ifd: int) -> list[_Entry]:
    count = tiff.u16(ifd)
    if count is None:
        return []
    entries = []
    for i in range(min(count, MAX_ENTRIES)):
        at = ifd + 2 + 12 * i
        head = tiff.unpack("HHI", at)
        if head is None:
            break
        entries.append(_Entry(tiff, head[0], head[1], head[2], at + 8))
    return entries


def _degrees(
    entries: dict[int, _Entry], ref_tag: int, value_tag: int, limit: float
) -> float | None:
    ref, value = entries.get(ref_tag), entries.get(value_tag)
    parts = value.rationals(3) if value is not None else None
    if parts is None:
        return None
    degrees = parts[0] + parts[1] / 60 + parts[2] / 3600
    if not math.isfinite(degrees) or degrees > limit:
        return None
    sign = text_of(ref.raw()) if ref is not None else ""
    return -degrees if sign in ("S", "W") else degrees


def _gps(found: Found, entries: dict[int, _Entry]) -> None:
    if not entries:
        return
    found.kinds.add(Kind.LOCATION)
    lat = _degrees(entries, 0x0001, 0x0002, 90)
    lon = _degrees(entries, 0x0003, 0x0004, 180)
    if lat is not None and lon is not None:
        found.gps = (round(lat, 5), round(lon, 5))


def _directory(found: Found, entries: dict[int, _Entry]) -> None:
    for tag in entries:
        kind = TAG_KINDS.get(tag)
        if kind is not None:
            found.kinds.add(kind)
        elif tag not in PLAIN:
            found.kinds.add(Kind.OTHER)
    make, model = (text_of(entries[t].raw()) if t in entries else "" for t in (MAKE, MODEL))
    camera = model if model.lower().startswith(make.lower()) else f"{make} {model}".strip()
    found.camera = found.camera or camera
    for tag in (DATE_ORIGINAL, DATE_TIME):
        if tag in entries and not found.taken:
            found.taken = taken_of(entries[tag].raw())
    if ORIENTATION in entries:
        orientation = entries[ORIENTATION].number()
        if orientation is not None and 2 <= orientation <= 8:
            found.orientation = orientation


def read_tiff(data: bytes) -> Found:
    """What a TIFF structure (an EXIF block without its 'Exif' header) holds; an empty Found
    when it is not one."""
    found = Found()
    endian = {b"II": "<", b"MM": ">"}.get(data[:2])
    if endian is None:
        return found
    tiff = _Tiff(data, endian)
    if tiff.u16(2) != 42:
        return found
    first = tiff.u32(4)
    queue: list[tuple[int, str]] = [(first, "main")] if first else []
    seen: set[int] = set()
    while queue and len(seen) < MAX_DIRECTORIES:
        ifd, kind = queue.pop(0)
        if ifd in seen or ifd < 8 or ifd >= len(data):
            continue
        seen.add(ifd)
        listed = _entries(tiff, ifd)
        entries = {e.tag: e for e in listed}
        if kind == "gps":
            _gps(found, entries)
            continue
        if kind == "main" and seen != {ifd}:  # IFD1 and after: a thumbnail of the photo
            found.kinds.add(Kind.OTHER)
        _directory(found, entries)
        for tag, pointer in POINTERS.items():
            if tag in entries:
                offset = entries[tag].number()
                if tag == GPS_IFD:
                    found.kinds.add(Kind.LOCATION)
                if offset:
                    queue.append((offset, pointer))
        if kind == "main":
            following = tiff.u32(ifd + 2 + 12 * min(len(listed), MAX_ENTRIES))
            if following:
                queue.append((following, "main"))
    return found


def read_exif(block: bytes) -> Found:
    """An APP1 or WebP EXIF block, with or without its 'Exif\\0\\0' header. Anything found
    there that is not plain image data is at least OTHER."""
    tiff = block[len(EXIF_HEADER) :] if block.startswith(EXIF_HEADER) else block
    found = read_tiff(tiff)
    if not found.kinds and not found.orientation and tiff[:2] not in (b"II", b"MM"):
        found.kinds.add(Kind.OTHER)  # not a TIFF structure: unknown, removed all the same
    return found


def orientation_block(orientation: int) -> bytes:
    """The smallest EXIF block that keeps only a photo's orientation (a phone's picture taken
    sideways is stored sideways with this tag; without it the officer sees it on its side)."""
    entry = struct.pack(">HHIHH", ORIENTATION, 3, 1, orientation, 0)
    return EXIF_HEADER + b"MM\x00\x2a" + struct.pack(">IH", 8, 1) + entry + b"\x00" * 4
