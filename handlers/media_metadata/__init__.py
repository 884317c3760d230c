"""Location and device metadata in the files residents attach to a tip (issue 18).

An anonymous reporter's photo must not say where it was taken, with which camera or whose:
`check` finds such metadata in a file (EXIF and XMP GPS, a camera's serial number, its
owner's name, make and model, the time taken) and, for the formats it can rewrite (JPEG,
PNG and WebP photos; MP4, MOV and 3GP videos), makes the file without it, the picture's own
bytes untouched. `outcome` says what a tip keeps: a named reporter's file as it came, with a
summary of the metadata for the officer; an anonymous reporter's without it, the summary
naming only the kinds removed. A file whose metadata cannot be removed (a HEIF photo, a TIFF,
a file this cannot read that carries metadata markers) is not kept with an anonymous tip.

Pure functions of the bytes, no I/O. Hostile files are expected: nothing here raises on
any input (tests/unit/test_photo_metadata.py fuzzes it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from enum import StrEnum

from handlers.media_metadata import bmff, jpeg, png, webp
from handlers.media_metadata.exif import EXIF_HEADER, read_exif, read_tiff
from handlers.media_metadata.found import Found, Kind, Stripped, kinds_in_text

__all__ = [
    "Checked",
    "Found",
    "Kind",
    "Outcome",
    "Status",
    "check",
    "outcome",
    "parse_summary",
    "sniff",
    "summary",
]


class Status(StrEnum):
    CLEAN = "clean"  # read through: no metadata (what is stored is what came)
    REMOVABLE = "removable"  # metadata found, and a file without it is made
    UNREMOVABLE = "unremovable"  # metadata, or its marks, in a file this cannot rewrite
    UNCHECKED = "unchecked"  # a kind of file this does not read, with no metadata marks


# Marks of metadata in a file of any kind, long enough not to turn up by chance in 20 MB of
# compressed data: EXIF, XMP, Photoshop's IPTC, QuickTime's location, office documents'
# properties and a PDF's author (a name).
MARKERS = (
    EXIF_HEADER,
    b"http://ns.adobe.com/xap/1.0/",
    b"<x:xmpmeta",
    b"<?xpacket",
    b"Photoshop 3.0\x00",
    b"com.apple.quicktime.location",
    b"docProps/core.xml",
    b"meta.xml",
    b"/Author",  # a PDF's document information: the author's name (found by a review)
)
STRIPPERS = {"jpeg": jpeg.strip, "png": png.strip, "webp": webp.strip, "video": bmff.strip}


@dataclass(frozen=True)
class Checked:
    format: str  # jpeg, png, webp, video, heif, tiff, or "" for a kind not read
    status: Status
    found: Found = field(default_factory=Found)
    cleaned: bytes | None = None  # REMOVABLE only: the file without its metadata


def sniff(data: bytes) -> str:
    if data.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if data.startswith(png.SIGNATURE):
        return "png"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "tiff"
    if bmff.brands(data):
        return "heif" if bmff.is_heif(data) else "video"
    return ""


def _marked(data: bytes) -> Found:
    """The kinds a file's metadata marks say, read as far as they can be: an EXIF block where
    one starts, an XMP packet's words."""
    found = Found()
    start = data.find(EXIF_HEADER)
    if start >= 0:
        found.merge(read_exif(data[start : start + 65536]))
        found.kinds.add(Kind.OTHER)
    if any(m in data for m in MARKERS[1:]):
        found.merge(kinds_in_text(data[:65536] if start < 0 else data[start : start + 65536]))
    return found


def _unread(data: bytes, format_: str) -> Checked:
    """A file this does not rewrite: kept as it came where no metadata marks are in it."""
    if format_ == "tiff":
        found = read_tiff(data)
    elif format_ == "heif":
        found, meta = _marked(data), _heif_meta(data)
        if b"Exif" in meta or b"rdf+xml" in meta:
            found.kinds.add(Kind.OTHER)
    else:
        found = _marked(data)
    status = Status.UNREMOVABLE if found.kinds else Status.UNCHECKED
    return Checked(format_, status, found)


def _heif_meta(data: bytes) -> bytes:
    """A HEIF file's top-level meta box, where its EXIF and XMP items are declared."""
    boxes = bmff.boxes(data, 0, len(data)) or []
    return next((data[a:e] for kind, a, _, e in boxes if kind == b"meta"), b"")


def _residue_free(format_: str, stripped: Stripped) -> bool:
    """The cleaned file, walked again, gives itself back with nothing found; and (a photo) no
    metadata mark is left in it but the orientation block put back."""
    again = STRIPPERS[format_](stripped.data)
    if again is None or again.data != stripped.data or again.found.kinds:
        return False
    if format_ == "video":
        return True
    kept = 1 if format_ == "jpeg" and stripped.found.orientation else 0
    if stripped.data.count(EXIF_HEADER) > kept:
        return False
    return not any(m in stripped.data for m in MARKERS[1:])


def _check(data: bytes) -> Checked:
    format_ = sniff(data)
    strip = STRIPPERS.get(format_)
    stripped = strip(data) if strip is not None else None
    if stripped is None:
        return _unread(data, format_)
    if not _residue_free(format_, stripped):  # marks left where no metadata should be
        return Checked(format_, Status.UNREMOVABLE, stripped.found)
    if stripped.data == data:
        return Checked(format_, Status.CLEAN, stripped.found)
    return Checked(format_, Status.REMOVABLE, stripped.found, stripped.data)


def check(data: bytes) -> Checked:
    """What metadata the file holds and, where it can be removed, the file without it."""
    try:
        return _check(data)
    except Exception:  # a fault of this code meeting a hostile file: kept only if unmarked
        return Checked(
            "", Status.UNREMOVABLE if any(m in data for m in MARKERS) else Status.UNCHECKED
        )


@dataclass(frozen=True)
class Outcome:
    data: bytes | None  # what the tip keeps; None: nothing (an anonymous tip, unremovable)
    removed: bool  # the metadata was removed: `data` is not what was received
    summary: str  # JSON: what the officer is told of the file's metadata (parse_summary)


def summary(checked: Checked, *, anonymous: bool) -> str:
    """A named reporter's file: the kinds found, and the camera, the time and the place (a
    serial number and an owner's name only as found: the original, which holds them, is
    there to open). An anonymous reporter's: the kinds removed, never a value."""
    said: dict[str, object] = {"format": checked.format, "status": checked.status.value}
    found = checked.found
    if anonymous:
        if checked.status is Status.REMOVABLE:
            said["removed"] = found.listed()
        return json.dumps(said, ensure_ascii=False)
    said["found"] = found.listed()
    if found.camera:
        said["camera"] = found.camera
    if found.taken:
        said["taken"] = found.taken
    if found.gps is not None:
        said["gps"] = list(found.gps)
    return json.dumps(said, ensure_ascii=False)


def outcome(data: bytes, *, anonymous: bool, checked: Checked | None = None) -> Outcome:
    """What a tip keeps of a file it received."""
    checked = checked or check(data)
    said = summary(checked, anonymous=anonymous)
    if not anonymous:
        return Outcome(data, False, said)
    if checked.status is Status.UNREMOVABLE:
        return Outcome(None, False, said)
    if checked.status is Status.REMOVABLE and checked.cleaned is not None:
        return Outcome(checked.cleaned, True, said)
    return Outcome(data, False, said)


@dataclass(frozen=True)
class Summary:
    """A stored summary read back for the officer's page."""

    status: str = ""
    found: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    camera: str = ""
    taken: str = ""
    gps: tuple[float, float] | None = None


def parse_summary(text: str) -> Summary:
    """The stored JSON (`summary`) as fields; an empty Summary for anything else."""
    try:
        said = json.loads(text) if text else {}
    except ValueError:
        return Summary()
    if not isinstance(said, dict):
        return Summary()
    known = {k.value for k in Kind}

    def kinds(key: str) -> tuple[str, ...]:
        value = said.get(key)
        return tuple(k for k in value if k in known) if isinstance(value, list) else ()

    gps = said.get("gps")
    point = None
    if isinstance(gps, list) and len(gps) == 2 and all(isinstance(v, int | float) for v in gps):
        point = (float(gps[0]), float(gps[1]))
    text_of = {k: str(said.get(k, ""))[:64] for k in ("status", "camera", "taken")}
    return Summary(
        text_of["status"],
        kinds("found"),
        kinds("removed"),
        text_of["camera"],
        text_of["taken"],
        point,
    )
