"""Location and device metadata in a tip's files (issue 18, handlers/media_metadata): removed
from an anonymous reporter's photos and videos, the picture untouched; a named reporter's kept
as they came, with a summary for the officer; hostile files never make it raise; and a tip
through the dispatcher, anonymous then named."""

from __future__ import annotations

import hashlib
import json
import struct
import zlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from handlers import media_metadata
from handlers.media_metadata import (
    Status,
    bmff,
    check,
    exif,
    jpeg,
    outcome,
    parse_summary,
    png,
    webp,
)
from handlers.model import Kind, Media, MediaType
from tests import photo_files as files
from tests.conftest import TEST_FILES, Chat, memory_of
from tests.fakes.memory_media import MemoryMediaKeeper
from tests.unit.test_report_flow import receipt_of, through_description

SECRETS = (files.SERIAL.encode(), files.OWNER.encode(), b"Chu May", b"iPhone", b"21.0333")


def assert_no_metadata(data: bytes) -> None:
    for value in (*SECRETS, b"Exif", b"xmpmeta", b"Photoshop", b"GPS", "chụp".encode()):
        assert value not in data, value


# -- JPEG ------------------------------------------------------------------------------------


def test_a_jpegs_metadata_is_removed_and_its_picture_kept_byte_for_byte() -> None:
    original = files.tagged_jpeg()
    checked = check(original)
    assert (checked.format, checked.status) == ("jpeg", Status.REMOVABLE)
    cleaned = checked.cleaned
    assert cleaned is not None
    assert_no_metadata(cleaned)
    assert files.scan_of(cleaned) == files.scan_of(original)
    # JFIF and the colour profile stay; the appended picture (and its EXIF) goes.
    assert cleaned == files.jpeg(files.ICC)
    found = checked.found
    assert set(found.listed()) == {"location", "serial", "owner", "camera", "taken", "other"}
    assert (found.camera, found.taken, found.gps) == (
        "Apple iPhone 12",
        "2026-11-20 21:03",
        (21.0333, 105.8145),
    )


def test_a_sideways_photo_keeps_only_its_orientation() -> None:
    """A phone stores a portrait photo sideways with an orientation tag: without it the
    officer would see it on its side. Only that tag is written back, and cleaning the
    cleaned file changes nothing."""
    checked = check(files.tagged_jpeg(orientation=6))
    assert checked.cleaned is not None
    assert checked.cleaned == files.jpeg(files.segment(0xE1, exif.orientation_block(6)), files.ICC)
    again = check(checked.cleaned)
    assert (again.status, again.found.orientation, again.found.kinds) == (Status.CLEAN, 6, set())


def test_a_jpeg_without_metadata_is_clean_and_stored_as_it_came() -> None:
    plain = files.jpeg(files.ICC)
    assert check(plain).status is Status.CLEAN
    kept = outcome(plain, anonymous=True)
    assert (kept.data, kept.removed) == (plain, False)


def test_metadata_hidden_where_the_picture_is_is_not_taken_for_clean() -> None:
    """XMP inside a colour profile: nothing to drop, but marks are left: not clean."""
    hidden = files.segment(0xE2, b"ICC_PROFILE\x00\x01\x01" + files.XMP)
    assert check(files.jpeg(hidden)).status is Status.UNREMOVABLE
    assert outcome(files.jpeg(hidden), anonymous=True).data is None


def test_a_jpegs_scan_is_copied_through_stuffing_and_restart_markers() -> None:
    scan = b"\x12\xff\x00\x34\xff\xd0\x56\xff\xff\xd1\x78"  # a stuffed 0xFF, RST0, fill, RST1
    original = files.jpeg(files.segment(0xE1, files.exif_block()), scan=scan)
    cleaned = check(original).cleaned
    assert cleaned == files.jpeg(scan=scan)


def test_little_endian_exif_and_southern_western_positions() -> None:
    block = files.exif_block(little=True)
    block = block.replace(b"N\x00", b"S\x00", 1).replace(b"E\x00", b"W\x00", 1)
    found = exif.read_exif(block)
    assert found.gps == (-21.0333, -105.8145)


# -- PNG, WebP, video ------------------------------------------------------------------------


def test_a_pngs_metadata_chunks_are_dropped() -> None:
    checked = check(files.tagged_png())
    assert checked.status is Status.REMOVABLE and checked.cleaned is not None
    assert checked.cleaned == files.png(files.chunk(b"gAMA", struct.pack(">I", 45455)))
    assert_no_metadata(checked.cleaned)
    assert {"location", "serial", "owner"} <= set(checked.found.listed())


def test_a_pngs_pixels_are_the_same() -> None:
    cleaned = check(files.tagged_png() + b"trailing bytes").cleaned
    assert cleaned is not None
    start = cleaned.index(b"IDAT") + 4
    length = struct.unpack(">I", cleaned[start - 8 : start - 4])[0]
    assert zlib.decompress(cleaned[start : start + length]) == files.PNG_PIXELS


def test_a_webps_metadata_chunks_and_flags_go() -> None:
    checked = check(files.tagged_webp())
    assert checked.status is Status.REMOVABLE and checked.cleaned is not None
    flags = files.riff(b"VP8X", bytes([0x20, 0, 0, 0]) + b"\x03\x00\x00\x01\x00\x00")
    expected = files.webp(flags, files.riff(b"ICCP", b"profile"), files.WEBP_PICTURE)
    assert checked.cleaned == expected
    assert_no_metadata(checked.cleaned)


def test_a_videos_metadata_boxes_are_blanked_in_place() -> None:
    original = files.mp4()
    checked = check(original)
    assert (checked.format, checked.status) == ("video", Status.REMOVABLE)
    cleaned = checked.cleaned
    assert cleaned is not None and len(cleaned) == len(original)
    assert cleaned.endswith(files.MDAT)  # the media data, at the same offset
    assert b"\xa9xyz" not in cleaned and b"com.apple.quicktime" not in cleaned
    assert_no_metadata(cleaned)
    assert {"location", "camera"} <= set(checked.found.listed())
    assert check(files.mp4(located=False)).status is Status.CLEAN


@pytest.mark.parametrize(
    ("data", "status"),
    [
        # A HEIF photo declares its EXIF in the picture's own meta box: not rewritten here.
        (
            files.box(b"ftyp", b"heic\x00\x00\x00\x00mif1") + files.box(b"meta", b"iinfExif"),
            "unremovable",
        ),
        (files.box(b"ftyp", b"heic\x00\x00\x00\x00mif1") + files.box(b"mdat", b"x"), "unchecked"),
        (files.exif_tiff(), "unremovable"),  # a TIFF (a camera's raw file) is its own EXIF
        (b"%PDF-1.7\n<x:xmpmeta><dc:creator>An</dc:creator></x:xmpmeta>", "unremovable"),
        (b"PK\x03\x04....docProps/core.xml....", "unremovable"),
        (b"OggS\x00\x02 a voice message", "unchecked"),
        # A JPEG cut inside its EXIF: its segments cannot be walked; marks are there.
        (files.tagged_jpeg()[:200], "unremovable"),
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "unchecked"),
    ],
)
def test_files_this_does_not_rewrite(data: bytes, status: str) -> None:
    checked = check(data)
    assert checked.status == status and checked.cleaned is None
    anonymous, named = outcome(data, anonymous=True), outcome(data, anonymous=False)
    assert anonymous.data == (None if status == "unremovable" else data)
    assert named.data == data and not named.removed


# -- what the tip keeps, and what the officer is told -----------------------------------------


def test_a_named_reporters_file_and_its_summary() -> None:
    original = files.tagged_jpeg()
    kept = outcome(original, anonymous=False)
    assert (kept.data, kept.removed) == (original, False)
    said = json.loads(kept.summary)
    assert said["camera"] == "Apple iPhone 12" and said["gps"] == [21.0333, 105.8145]
    assert said["taken"] == "2026-11-20 21:03"
    assert {"serial", "owner"} <= set(said["found"])
    assert files.SERIAL not in kept.summary and "Chủ" not in kept.summary


def test_an_anonymous_reporters_summary_names_kinds_only() -> None:
    kept = outcome(files.tagged_jpeg(), anonymous=True)
    assert kept.removed and kept.data is not None
    said = json.loads(kept.summary)
    assert set(said) == {"format", "status", "removed"}
    assert said["removed"] == ["location", "serial", "owner", "camera", "taken", "other"]


def test_a_stored_summary_read_back() -> None:
    said = parse_summary(outcome(files.tagged_jpeg(), anonymous=False).summary)
    assert (said.status, said.camera, said.gps) == (
        "removable",
        "Apple iPhone 12",
        (21.0333, 105.8145),
    )
    for garbage in ("", "not json", "[1, 2]", '{"gps": ["a", 1], "found": "location"}'):
        assert parse_summary(garbage).gps is None and parse_summary(garbage).found == ()


def test_values_are_shown_as_plain_short_text() -> None:
    hostile = "Cam\u202eera\x00hidden" + "x" * 200
    block = files.exif_block().replace(b"Apple\x00", hostile.encode()[:5] + b"\x00")
    assert exif.read_exif(block).camera.startswith("Cam")
    assert media_metadata.found.text_of(hostile.encode()) == "Cam era"
    assert len(media_metadata.found.text_of(b"y" * 500)) == media_metadata.found.MAX_TEXT
    assert media_metadata.found.taken_of(b"2026:13:40 99:99:99") == ""


# -- hostile files -----------------------------------------------------------------------------


def test_directories_that_loop_or_point_anywhere() -> None:
    # IFD0 at 8 whose next directory is itself, a GPS pointer past the end, an entry whose
    # value offset is past the end, a count of 2^32-1.
    entries = struct.pack(">HHII", 0x8825, 4, 1, 0xFFFFFF00)
    entries += struct.pack(">HHII", 0x010F, 2, 0xFFFFFFFF, 12)
    tiff = b"MM\x00*\x00\x00\x00\x08" + struct.pack(">H", 2) + entries + struct.pack(">I", 8)
    found = exif.read_tiff(tiff)
    assert "location" in found.listed() and found.gps is None and found.camera == ""


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SAMPLES = [
    files.tagged_jpeg(6),
    files.tagged_png(),
    files.tagged_webp(),
    files.mp4(),
    files.exif_tiff(orientation=3, little=True),
]


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """A real sample with bytes changed, cut, inserted or repeated."""
    data = bytearray(draw(st.sampled_from(SAMPLES)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(data) - 1))
        how = draw(st.sampled_from(["set", "cut", "insert", "repeat"]))
        if how == "set":
            data[at] = draw(st.integers(0, 255))
        elif how == "cut":
            del data[at:]
            if not data:
                data = bytearray(b"\xff")
        elif how == "insert":
            data[at:at] = draw(st.binary(max_size=16))
        else:
            data[at:at] = data[at : at + draw(st.integers(1, 64))] * 3
    return bytes(data)


def _never_raises(data: bytes) -> None:
    # The inner functions, not the guarded `check`: a fault would otherwise hide.
    for strip in (jpeg.strip, png.strip, webp.strip, bmff.strip):
        strip(data)
    exif.read_exif(data)
    exif.read_tiff(data)
    checked = media_metadata._check(data)
    for anonymous in (True, False):
        kept = outcome(data, anonymous=anonymous, checked=checked)
        parse_summary(kept.summary)
        if anonymous and kept.data is not None:
            # What an anonymous tip stores has nothing left to remove.
            assert check(kept.data).status in (Status.CLEAN, Status.UNCHECKED)
        if not anonymous:
            assert kept.data == data


@FUZZ
@given(damaged())
def test_damaged_files_never_make_it_raise(data: bytes) -> None:
    _never_raises(data)


@FUZZ
@given(
    st.one_of(
        st.binary(max_size=512),
        st.binary(max_size=256).map(lambda b: b"\xff\xd8" + b),
        st.binary(max_size=256).map(lambda b: b"MM\x00*\x00\x00\x00\x08" + b),
        st.binary(max_size=256).map(lambda b: b"II*\x00\x08\x00\x00\x00" + b),
        st.binary(max_size=256).map(lambda b: files.PNG_SIGNATURE + b),
        st.binary(max_size=256).map(lambda b: b"RIFF\xff\x00\x00\x00WEBP" + b),
        st.binary(max_size=256).map(lambda b: files.box(b"ftyp", b"isom\x00\x00\x00\x00") + b),
    )
)
def test_random_bytes_never_make_it_raise(data: bytes) -> None:
    _never_raises(data)


def test_a_fault_inside_is_a_file_not_read(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(_data: bytes) -> None:
        raise RuntimeError("a bug")

    monkeypatch.setitem(media_metadata.STRIPPERS, "jpeg", broken)
    assert check(files.tagged_jpeg()).status is Status.UNREMOVABLE
    assert check(files.jpeg()).status is Status.UNCHECKED


# -- through the dispatcher --------------------------------------------------------------------


async def to_identity(chat: Chat, *refs: str) -> None:
    await through_description(chat)
    await chat.pick("when:today")
    await chat.say("Số 12 ngõ 5 phố Đội Cấn")
    for ref in refs:
        photo = Media(MediaType.PHOTO, ref, "image/jpeg", len(TEST_FILES[ref]))
        await chat.send_event(chat.event(Kind.MEDIA, media=photo))
    await chat.pick("tip:media_done")
    await chat.pick("tip:details_no")
    assert "id:anonymous" in chat.choices, chat.text


def stored_files(chat: Chat) -> list[bytes]:
    keeper = chat.dispatcher.media
    assert isinstance(keeper, MemoryMediaKeeper)
    [tip] = memory_of(chat.dispatcher).all_tips()
    rows = memory_of(chat.dispatcher).tip_attachments(tip.id)
    for row in rows:
        assert row.sha256 == hashlib.sha256(keeper.blobs[row.sha256]).hexdigest()
    assert not keeper.held  # nothing of the draft is held once the tip is sent
    return [keeper.blobs[row.ref.removeprefix("blob:")] for row in rows]


async def test_an_anonymous_tips_photo_is_stored_without_its_metadata(chat: Chat) -> None:
    TEST_FILES["tagged-photo"] = files.tagged_jpeg()
    await to_identity(chat, "tagged-photo")
    await chat.pick("id:anonymous")
    await chat.say("Hai thanh niên khoảng 20 tuổi, áo đen")
    text = await chat.say("Camera nhà số 14 quay được cổng")
    assert "Tệp đính kèm: 1" in text
    text = await chat.pick("tip:confirm")
    receipt_of(text)
    assert "Vị trí và thông tin thiết bị" in text and "đã được xóa" in text
    [stored] = stored_files(chat)
    assert_no_metadata(stored)
    assert files.scan_of(stored) == files.scan_of(files.tagged_jpeg())
    keeper = chat.dispatcher.media
    assert isinstance(keeper, MemoryMediaKeeper)
    assert hashlib.sha256(files.tagged_jpeg()).hexdigest() not in keeper.blobs


async def test_a_named_tips_photo_is_stored_as_it_came(chat: Chat) -> None:
    TEST_FILES["tagged-photo"] = files.tagged_jpeg()
    await to_identity(chat, "tagged-photo")
    await chat.pick("id:named")
    await chat.say("Nguyễn Văn An")
    await chat.say("0912 345 678")
    text = await chat.pick("tip:confirm")
    receipt_of(text)
    assert "đã được xóa" not in text
    assert stored_files(chat) == [files.tagged_jpeg()]


async def test_an_anonymous_tip_does_not_take_a_file_it_cannot_clean(chat: Chat) -> None:
    """Told when choosing anonymity, counted out of the review, not stored, said on the
    receipt; a file sent after the choice (editing the files) is refused at once."""
    TEST_FILES["heic"] = files.box(b"ftyp", b"heic\x00\x00\x00\x00mif1") + files.box(
        b"meta", b"iinfExif" + files.exif_block()
    )
    TEST_FILES["tagged-photo"] = files.tagged_jpeg()
    await to_identity(chat, "heic", "tagged-photo")
    text = await chat.pick("id:anonymous")
    assert "1 tệp có thể chứa vị trí" in text and "không được gửi kèm" in text
    await chat.say("Hai thanh niên khoảng 20 tuổi, áo đen")
    text = await chat.say("Camera nhà số 14 quay được cổng")
    assert "Tệp đính kèm: 1" in text
    await chat.pick("tip:edit")
    await chat.pick("edit:media")
    photo = Media(MediaType.FILE, "heic", "image/heic", len(TEST_FILES["heic"]))
    await chat.send_event(chat.event(Kind.MEDIA, media=photo))
    assert "không gửi kèm tin báo ẩn danh được" in chat.text
    text = await chat.pick("tip:media_done")
    assert "Tệp đính kèm: 1" in text
    assert "tip:confirm" in chat.choices, chat.text
    text = await chat.pick("tip:confirm")
    receipt_of(text)
    assert "1 tệp không được gửi kèm tin báo ẩn danh" in text
    [stored] = stored_files(chat)
    assert_no_metadata(stored)


def test_a_pdf_naming_its_author_is_not_taken_unchanged_for_an_anonymous_tip() -> None:
    """Found by a review: a PDF's /Author is a name. Its metadata cannot be removed here, so
    the file is marked, and an anonymous tip does not take it."""
    pdf = b"%PDF-1.4\n1 0 obj << /Author (Nguyen Van Binh) /Producer (Word) >> endobj\n%%EOF\n"
    assert check(pdf).status is Status.UNREMOVABLE
    plain = b"%PDF-1.4\n1 0 obj << /Producer (Word) >> endobj\n%%EOF\n"
    assert check(plain).status is Status.UNCHECKED
