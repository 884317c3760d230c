"""Photos and videos built byte by byte for the tests of issue 18's metadata removal: a small
JPEG any decoder shows (a grey 16×16 picture), PNG and WebP containers, an MP4's boxes, and
EXIF blocks with a GPS position, a camera's serial number and its owner's name."""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

OWNER = "Nguyễn Văn Chủ Máy"
SERIAL = "SN-4242-XYZ"
MAKE, MODEL = "Apple", "iPhone 12"
TAKEN = "2026:11:20 21:03:11"
LAT, LON = (21, 1, 59.88), (105, 48, 52.2)  # 21.03330 N, 105.81450 E
XMP = (
    b'<?xpacket begin="" id="W5M0MpCehiHzreSzNTczkc9d"?><x:xmpmeta xmlns:x="adobe:ns:meta/">'
    b'<rdf:RDF><rdf:Description exif:GPSLatitude="21,2.0N" exifEX:CameraOwnerName="Chu May" '
    b'aux:SerialNumber="SN-4242-XYZ" tiff:Make="Apple"/></rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
)

Field = tuple[int, int, bytes]  # tag, TIFF type, value bytes (already in the byte order)


def _ascii(tag: int, text: str) -> Field:
    return tag, 2, text.encode() + b"\x00"


def _rationals(tag: int, values: Sequence[float], endian: str) -> Field:
    raw = b"".join(struct.pack(endian + "II", round(v * 100), 100) for v in values)
    return tag, 5, raw


def _short(tag: int, value: int, endian: str) -> Field:
    return tag, 3, struct.pack(endian + "H", value)


TYPE_SIZE = {2: 1, 3: 2, 4: 4, 5: 8, 7: 1}


def _ifd(fields: list[Field], at: int, endian: str, following: int = 0) -> bytes:
    """One directory at offset `at`, its long values right after it."""
    head = struct.pack(endian + "H", len(fields))
    values_at = at + 2 + 12 * len(fields) + 4
    entries, values = b"", b""
    for tag, type_, raw in sorted(fields):
        count = len(raw) // TYPE_SIZE[type_]
        if len(raw) <= 4:
            entries += struct.pack(endian + "HHI", tag, type_, count) + raw.ljust(4, b"\x00")
        else:
            offset = values_at + len(values)
            entries += struct.pack(endian + "HHII", tag, type_, count, offset)
            values += raw + (b"\x00" if len(raw) % 2 else b"")
    return head + entries + struct.pack(endian + "I", following) + values


def exif_tiff(
    *,
    gps: bool = True,
    serial: bool = True,
    owner: bool = True,
    camera: bool = True,
    orientation: int = 0,
    little: bool = False,
) -> bytes:
    """A TIFF structure as a phone writes it in its EXIF block."""
    endian = "<" if little else ">"
    main: list[Field] = []
    if camera:
        main += [_ascii(0x010F, MAKE), _ascii(0x0110, MODEL)]
    if owner:
        main.append(_ascii(0x013B, OWNER))
    if orientation:
        main.append(_short(0x0112, orientation, endian))
    exif: list[Field] = [_ascii(0x9003, TAKEN)]
    if serial:
        exif.append(_ascii(0xA431, SERIAL))
    if owner:
        exif.append(_ascii(0xA430, OWNER))
    gps_fields = [
        _ascii(0x0001, "N"),
        _rationals(0x0002, LAT, endian),
        _ascii(0x0003, "E"),
        _rationals(0x0004, LON, endian),
    ]
    pointers = 1 + (1 if gps else 0)
    main_size = len(_ifd(main + [(0x8769, 4, b"\x00" * 4)] * pointers, 8, endian))
    exif_at = 8 + main_size
    exif_ifd = _ifd(exif, exif_at, endian)
    gps_at = exif_at + len(exif_ifd)
    main.append((0x8769, 4, struct.pack(endian + "I", exif_at)))
    if gps:
        main.append((0x8825, 4, struct.pack(endian + "I", gps_at)))
    header = (b"II*\x00" if little else b"MM\x00*") + struct.pack(endian + "I", 8)
    body = header + _ifd(main, 8, endian) + exif_ifd
    return body + (_ifd(gps_fields, gps_at, endian) if gps else b"")


def exif_block(**kinds: bool | int) -> bytes:
    return b"Exif\x00\x00" + exif_tiff(**kinds)  # type: ignore[arg-type]


def segment(marker: int, payload: bytes) -> bytes:
    return bytes((0xFF, marker)) + struct.pack(">H", len(payload) + 2) + payload


JFIF = segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00")
ICC = segment(0xE2, b"ICC_PROFILE\x00\x01\x01" + b"fake profile bytes")
DQT = segment(0xDB, b"\x00" + bytes([1] * 64))
SOF0 = segment(0xC0, b"\x08\x00\x10\x00\x10\x01\x01\x11\x00")  # 16×16, one component
# One Huffman code each ('0'): the DC table's is 'no difference', the AC table's the end of
# the block; every 8×8 block is then two bits, '00', and the picture is flat grey.
DHT = segment(0xC4, b"\x00" + bytes([1] + [0] * 15) + b"\x00") + segment(
    0xC4, b"\x10" + bytes([1] + [0] * 15) + b"\x00"
)
SOS = segment(0xDA, b"\x01\x01\x00\x00\x3f\x00")
SCAN = b"\x00"  # four blocks of '00'
PICTURE = DQT + SOF0 + DHT + SOS + SCAN


def jpeg(*segments: bytes, scan: bytes = SCAN, trailer: bytes = b"") -> bytes:
    """SOI, JFIF, the segments given, the picture, EOI, and what a phone appends after it."""
    return (
        b"\xff\xd8"
        + JFIF
        + b"".join(segments)
        + DQT
        + SOF0
        + DHT
        + SOS
        + scan
        + b"\xff\xd9"
        + trailer
    )


def tagged_jpeg(orientation: int = 0) -> bytes:
    """A phone's photo: EXIF with GPS, serial and owner; XMP; IPTC by-line; a comment; an MPF
    picture appended after the end of the image with its own EXIF."""
    iptc = b"Photoshop 3.0\x008BIM\x04\x04\x00\x00\x00\x00\x00\x0c\x1c\x02\x50\x00\x07Chu May"
    appended = jpeg(segment(0xE1, exif_block()))
    return jpeg(
        segment(0xE1, exif_block(orientation=orientation)),
        segment(0xE1, b"http://ns.adobe.com/xap/1.0/\x00" + XMP),
        ICC,
        segment(0xED, iptc),
        segment(0xFE, "chụp bởi Chủ Máy".encode()),
        trailer=appended,
    )


def scan_of(data: bytes) -> bytes:
    """A JPEG's picture: from its first quantisation table to the end of the image."""
    start = data.index(b"\xff\xdb")
    end = data.index(b"\xff\xd9", data.index(b"\xff\xda")) + 2
    return data[start:end]


def chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
PNG_IHDR = chunk(b"IHDR", struct.pack(">IIBBBBB", 4, 2, 8, 2, 0, 0, 0))
PNG_PIXELS = b"".join(b"\x00" + bytes(range(y * 12, y * 12 + 12)) for y in range(2))
PNG_IDAT = chunk(b"IDAT", zlib.compress(PNG_PIXELS))


def png(*chunks: bytes, trailer: bytes = b"") -> bytes:
    return PNG_SIGNATURE + PNG_IHDR + b"".join(chunks) + PNG_IDAT + chunk(b"IEND", b"") + trailer


def tagged_png() -> bytes:
    return png(
        chunk(b"eXIf", exif_tiff(little=True)),
        chunk(b"tEXt", b"Author\x00" + OWNER.encode()),
        chunk(b"iTXt", b"XML:com.adobe.xmp\x00\x00\x00\x00\x00" + XMP),
        chunk(b"tIME", b"\x07\xea\x0b\x14\x15\x03\x0b"),
        chunk(b"gAMA", struct.pack(">I", 45455)),
    )


def riff(kind: bytes, body: bytes) -> bytes:
    return kind + struct.pack("<I", len(body)) + body + (b"\x00" if len(body) % 2 else b"")


WEBP_PICTURE = riff(b"VP8L", b"\x2f\x00\x00\x00\x00" + bytes(11))


def webp(*chunks: bytes) -> bytes:
    body = b"WEBP" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def tagged_webp() -> bytes:
    flags = riff(b"VP8X", bytes([0x08 | 0x04 | 0x20, 0, 0, 0]) + b"\x03\x00\x00\x01\x00\x00")
    return webp(
        flags,
        riff(b"ICCP", b"profile"),
        WEBP_PICTURE,
        riff(b"EXIF", exif_block()),
        riff(b"XMP ", XMP),
    )


def box(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body) + 8) + kind + body


MDAT = box(b"mdat", bytes(range(256)) * 4)


def mp4(*, located: bool = True, brand: bytes = b"isom") -> bytes:
    """A phone's video: its place in moov/udta/©xyz and Apple's keys, XMP in a uuid box."""
    udta = box(b"udta", box(b"\xa9xyz", b"\x00\x12\x15\xc7+21.0333+105.8145/")) if located else b""
    meta = box(b"meta", box(b"keys", b"com.apple.quicktime.model") + box(b"ilst", MODEL.encode()))
    trak = box(b"trak", box(b"tkhd", bytes(84)) + box(b"mdia", box(b"mdhd", bytes(24))))
    moov = box(b"moov", box(b"mvhd", bytes(100)) + trak + udta + (meta if located else b""))
    xmp = box(b"uuid", bytes.fromhex("BE7ACFCB97A942E89C71999491E3AFAC") + XMP) if located else b""
    return box(b"ftyp", brand + b"\x00\x00\x00\x00" + brand + b"mp41") + moov + xmp + MDAT
