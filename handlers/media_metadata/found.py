"""What a file's metadata was found to say, by kind, and the few values an officer may see."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """What a piece of metadata tells about the person behind a photo, in the order shown."""

    LOCATION = "location"  # GPS coordinates, a place name
    SERIAL = "serial"  # a camera's or lens's serial number
    OWNER = "owner"  # the camera owner's, author's or artist's name
    CAMERA = "camera"  # make, model, lens, the software that wrote the file
    TAKEN = "taken"  # when the photo was taken
    OTHER = "other"  # anything else the file carried beside its picture (XMP, IPTC, notes)


ORDER = tuple(Kind)
MAX_TEXT = 64
_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u2028-\u202e\u2066-\u2069\ufeff]")
_TAKEN = re.compile(r"(\d{4})[:\-](\d{2})[:\-](\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?")


def text_of(raw: bytes) -> str:
    """A value a file wrote, as text a page can show: up to its first NUL, no control or
    direction characters, trimmed, at most MAX_TEXT characters."""
    raw = raw.split(b"\x00", 1)[0][: MAX_TEXT * 4]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    return " ".join(_UNPRINTABLE.sub(" ", text).split())[:MAX_TEXT]


def taken_of(raw: bytes) -> str:
    """'2026:11:20 21:03:11' → '2026-11-20 21:03'; '' for anything else."""
    found = _TAKEN.match(text_of(raw))
    if found is None:
        return ""
    year, month, day, hour, minute = (int(g) for g in found.groups()[:5])
    if not (1 <= month <= 12 and 1 <= day <= 31 and hour < 24 and minute < 60):
        return ""
    return f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}"


@dataclass
class Found:
    """The kinds found, and the values a named reporter's officer is shown: the camera, when
    the photo was taken, and where (a serial number and an owner's name only as found)."""

    kinds: set[Kind] = field(default_factory=set)
    camera: str = ""
    taken: str = ""
    gps: tuple[float, float] | None = None
    orientation: int = 0  # EXIF's 2..8 (a phone's photo taken sideways), kept in the cleaned file

    def merge(self, other: Found) -> None:
        self.kinds |= other.kinds
        self.camera = self.camera or other.camera
        self.taken = self.taken or other.taken
        self.gps = self.gps or other.gps
        self.orientation = self.orientation or other.orientation

    def listed(self) -> list[str]:
        return [k.value for k in ORDER if k in self.kinds]


# Words of an XMP packet or an ISO media box, lower case, and the kind each reveals.
TEXT_KINDS: tuple[tuple[bytes, Kind], ...] = (
    (b"gpslatitude", Kind.LOCATION),
    (b"gpslongitude", Kind.LOCATION),
    (b"iptc4xmpcore:location", Kind.LOCATION),
    (b"photoshop:city", Kind.LOCATION),
    (b"\xa9xyz", Kind.LOCATION),
    (b"com.apple.quicktime.location", Kind.LOCATION),
    (b"serialnumber", Kind.SERIAL),
    (b"cameraownername", Kind.OWNER),
    (b"dc:creator", Kind.OWNER),
    (b"tiff:artist", Kind.OWNER),
    (b"photoshop:authorsposition", Kind.OWNER),
    (b"\xa9aut", Kind.OWNER),
    (b"tiff:make", Kind.CAMERA),
    (b"tiff:model", Kind.CAMERA),
    (b"aux:lens", Kind.CAMERA),
    (b"xmp:creatortool", Kind.CAMERA),
    (b"com.apple.quicktime.make", Kind.CAMERA),
    (b"com.apple.quicktime.model", Kind.CAMERA),
    (b"\xa9mak", Kind.CAMERA),
    (b"\xa9mod", Kind.CAMERA),
    (b"\xa9swr", Kind.CAMERA),
    (b"datetimeoriginal", Kind.TAKEN),
    (b"xmp:createdate", Kind.TAKEN),
    (b"photoshop:datecreated", Kind.TAKEN),
    (b"com.apple.quicktime.creationdate", Kind.TAKEN),
    (b"\xa9day", Kind.TAKEN),
)


def kinds_in_text(raw: bytes) -> Found:
    """The kinds an XMP packet or a block of tagged text names (its values are not read:
    what such a block holds is removed whole, and a named tip's file keeps it as it came)."""
    lowered = raw.lower()
    found = Found({Kind.OTHER})
    found.kinds |= {kind for word, kind in TEXT_KINDS if word in lowered}
    return found


@dataclass(frozen=True)
class Stripped:
    """A file without its metadata, and what the metadata was."""

    data: bytes
    found: Found
