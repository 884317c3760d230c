"""A linked leader's notice with its one optional photo (handlers/leader_notice.py), through
the dispatcher on the in-memory ports: what the platforms really send at the photo step (a
Telegram photo, a PNG sent as a file, a Zalo GIF, a PDF, a video, a photo too large), kept
only when its bytes are a JPEG or PNG (MediaKeeper.keep_photo), shown in the preview as
residents will get it, replaced or removed from the preview, and sent with the notice."""

from __future__ import annotations

import base64
import hashlib
import uuid

from bot.channels.telegram.render import render
from handlers.broadcasts.photo import MAX_PHOTO_BYTES
from handlers.model import Kind, Media, MediaType, RenderedReply
from storage.state_memory import ComposedConversations
from tests.conftest import TEST_FILES, Chat
from tests.fakes.memory_media import MemoryMediaKeeper
from tests.unit.test_leader_chat import data_of, linked

# A 1×1 JPEG as a phone's camera makes one, and a 1×1 PNG (a screenshot).
JPEG = base64.b64decode(
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAP//////////////////////////////////////////////////////"
    "////////////////////////////////wgALCAABAAEBAREA/8QAFBABAAAAAAAAAAAAAAAAAAAAAP/aAAgB"
    "AQABPxA="
)
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c4890000000d4944415478"
    "9c63f8cfc0f01f00050001ff89993d1d0000000049454e44ae426082"
)
GIF = b"GIF89a\x01\x00\x01\x00\x80\x00\x00\xff\xff\xff\x00\x00\x00!\xf9\x04\x01\x00\x00\x00\x00,"
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
TEXT = "Tối nay 19 giờ họp tổ dân phố tại nhà văn hoá. Bà con nhớ mang theo ghế."


def file_id() -> str:
    """A Telegram-like file_id, new for each file a test sends."""
    return "AgACAgUAAxkBAAI" + uuid.uuid4().hex


def telegram_photo(data: bytes) -> Media:
    """A photo as Telegram hands it over: its largest size's file_id, always "image/jpeg"."""
    ref = file_id()
    TEST_FILES[ref] = data
    return Media(MediaType.PHOTO, ref, "image/jpeg", len(data))


def telegram_document(data: bytes, mime: str, name_kind: MediaType) -> Media:
    """A file sent as a document: Telegram says what the sender's phone claimed it is."""
    ref = file_id()
    TEST_FILES[ref] = data
    return Media(name_kind, ref, mime, len(data))


def zalo_photo(data: bytes, mime: str = "image/jpeg") -> Media:
    """A Zalo photo: a URL on Zalo's servers, its size unknown until fetched."""
    ref = f"https://f20-zpc.zdn.vn/jpg/{uuid.uuid4().hex}.jpg"
    TEST_FILES[ref] = data
    return Media(MediaType.PHOTO, ref, mime)


async def send(chat: Chat, media: Media) -> str:
    await chat.send_event(chat.event(Kind.MEDIA, media=media))
    return chat.text


async def to_the_photo_step(chat: Chat) -> None:
    await linked(chat)
    await chat.pick("menu:notice")
    assert "gửi kèm một ảnh" in await chat.say(TEXT)
    assert chat.choices[0] == "lnotice:nophoto"


def shown(chat: Chat) -> RenderedReply:
    """The preview's copy of the notice: the one reply with a photo."""
    (with_photo,) = [r for r in chat.last if r.media]
    return with_photo


def blob(data: bytes) -> str:
    return f"blob:{hashlib.sha256(data).hexdigest()}"


async def state_of(chat: Chat) -> str:
    conversations = chat.dispatcher.conversations
    assert isinstance(conversations, ComposedConversations)
    state = await conversations.states.load(f"test:acc:{chat.user}")
    assert state is not None
    return state.to_json()


# -- a photo sent, or not --------------------------------------------------------------------------


async def test_a_telegram_photo_goes_out_with_the_notice(chat: Chat) -> None:
    await to_the_photo_step(chat)
    photo = telegram_photo(JPEG)
    assert "Đã nhận ảnh" in await send(chat, photo)
    assert chat.choices[:2] == ["lnotice:kind:alert", "lnotice:kind:awareness"]
    preview = await chat.pick("lnotice:kind:alert")
    assert "Người dân sẽ nhận được đúng như sau" in preview
    copy = shown(chat)
    (media,) = copy.media
    # The platform's own ref (Telegram sends it back), the kept bytes for a channel that uploads.
    assert (media.type, media.ref, media.mime, media.data) == (
        MediaType.PHOTO,
        photo.ref,
        "image/jpeg",
        JPEG,
    )
    assert copy.text.startswith("📣 Thông báo của Phường Ba Đình") and TEXT in copy.text
    assert chat.choices[:5] == [
        "lnotice:send",
        "lnotice:edit",
        "lnotice:photo",
        "lnotice:unphoto",
        "lnotice:drop",
    ]
    assert "Đang chờ Công an xã, phường duyệt" in await chat.pick("lnotice:send")
    (made,) = data_of(chat).broadcasts.values()
    assert (made.photo_ref, made.photo_mime, made.text) == (blob(JPEG), "image/jpeg", TEXT)


async def test_the_preview_draws_the_photo_before_the_text(chat: Chat) -> None:
    """On Telegram: the photo (uploaded from the kept bytes), then the sender line and text."""
    await to_the_photo_step(chat)
    await send(chat, telegram_photo(JPEG))
    await chat.pick("lnotice:kind:awareness")
    calls = render(shown(chat))
    assert [c.method for c in calls] == ["sendPhoto", "sendMessage"]
    assert calls[0].upload == JPEG and calls[0].mime == "image/jpeg"
    assert calls[1].params["text"].startswith("💡 Thông báo của Phường Ba Đình")


async def test_skipped_the_notice_goes_without_a_photo(chat: Chat) -> None:
    await to_the_photo_step(chat)
    await chat.pick("lnotice:nophoto")
    await chat.pick("lnotice:kind:alert")
    assert not any(r.media for r in chat.last)
    assert "lnotice:photo" in chat.choices and "lnotice:unphoto" not in chat.choices
    await chat.pick("lnotice:send")
    (made,) = data_of(chat).broadcasts.values()
    assert (made.photo_ref, made.photo_mime) == ("", "")


async def test_the_skip_button_can_be_typed(chat: Chat) -> None:
    await to_the_photo_step(chat)
    await chat.say("bỏ qua")
    assert chat.choices[:2] == ["lnotice:kind:alert", "lnotice:kind:awareness"]


async def test_the_type_is_read_from_the_bytes_not_from_what_the_phone_said(chat: Chat) -> None:
    """A screenshot sent as a file, which the phone called a JPEG: kept as the PNG it is."""
    await to_the_photo_step(chat)
    await send(chat, telegram_document(PNG, "image/jpeg", MediaType.PHOTO))
    await chat.pick("lnotice:kind:alert")
    assert shown(chat).media[0].mime == "image/png"
    await chat.pick("lnotice:send")
    (made,) = data_of(chat).broadcasts.values()
    assert (made.photo_ref, made.photo_mime) == (blob(PNG), "image/png")


async def test_the_state_keeps_refs_never_bytes(chat: Chat) -> None:
    await to_the_photo_step(chat)
    photo = zalo_photo(JPEG)
    await send(chat, photo)
    state = await state_of(chat)
    assert blob(JPEG) in state and photo.ref in state
    assert len(state) < 2000


# -- refused at the photo step ---------------------------------------------------------------------


async def test_a_gif_from_zalo_is_refused_by_its_bytes(chat: Chat) -> None:
    await to_the_photo_step(chat)
    text = await send(chat, zalo_photo(GIF, "image/gif"))
    assert "Chỉ nhận ảnh JPEG hoặc PNG" in text and "Nội dung vẫn được giữ" in text
    assert chat.choices[0] == "lnotice:nophoto"  # still at the step
    keeper = chat.dispatcher.media
    assert isinstance(keeper, MemoryMediaKeeper) and hashlib.sha256(GIF).hexdigest() not in (
        keeper.blobs
    )


async def test_a_document_is_refused_still_at_the_step(chat: Chat) -> None:
    await to_the_photo_step(chat)
    pdf = telegram_document(PDF, "application/pdf", MediaType.FILE)
    assert "Chỉ nhận ảnh JPEG hoặc PNG" in await send(chat, pdf)
    assert chat.choices[0] == "lnotice:nophoto"
    # A PDF that its sender's phone called a JPEG: refused by its bytes all the same.
    disguised = telegram_document(PDF, "image/jpeg", MediaType.PHOTO)
    assert "Chỉ nhận ảnh JPEG hoặc PNG" in await send(chat, disguised)
    assert chat.choices[0] == "lnotice:nophoto"
    # A good photo after that is taken, and the text was kept all along.
    await send(chat, telegram_photo(JPEG))
    await chat.pick("lnotice:kind:alert")
    assert TEXT in shown(chat).text


async def test_a_video_or_a_voice_note_is_refused(chat: Chat) -> None:
    await to_the_photo_step(chat)
    video = Media(MediaType.VIDEO, file_id(), "video/mp4", 1_500_000)
    assert "không nhận video" in await send(chat, video)
    voice = Media(MediaType.VOICE, file_id(), "audio/ogg", 12_000)
    assert "Chỉ nhận ảnh JPEG hoặc PNG" in await send(chat, voice)
    assert chat.choices[0] == "lnotice:nophoto"


async def test_a_sticker_leaves_the_step_as_it_was(chat: Chat) -> None:
    await to_the_photo_step(chat)
    await chat.send_event(chat.event(Kind.UNSUPPORTED))
    assert "gửi kèm một ảnh" in chat.text and chat.choices[0] == "lnotice:nophoto"


async def test_a_photo_too_large_is_refused_naming_the_limit(chat: Chat) -> None:
    await to_the_photo_step(chat)
    big = telegram_photo(JPEG)
    said = await send(chat, Media(big.type, big.ref, big.mime, MAX_PHOTO_BYTES + 1))
    assert "Ảnh lớn quá: tối đa 5 MB" in said  # refused by its size, not fetched
    # Zalo says no size: the bytes tell.
    assert "Ảnh lớn quá: tối đa 5 MB" in await send(chat, zalo_photo(JPEG + bytes(MAX_PHOTO_BYTES)))
    assert chat.choices[0] == "lnotice:nophoto"


async def test_a_photo_that_cannot_be_fetched_is_asked_again(chat: Chat) -> None:
    await to_the_photo_step(chat)
    gone = Media(MediaType.PHOTO, file_id(), "image/jpeg", 1000)  # not on the platform any more
    assert "Chưa nhận được ảnh" in await send(chat, gone)
    assert chat.choices[0] == "lnotice:nophoto"


# -- from the preview ----------------------------------------------------------------------------


async def test_the_photo_is_replaced_from_the_preview(chat: Chat) -> None:
    await to_the_photo_step(chat)
    await send(chat, telegram_photo(JPEG))
    await chat.pick("lnotice:kind:alert")
    assert "Ảnh mới sẽ thay ảnh cũ" in await chat.pick("lnotice:photo")
    assert chat.choices[0] == "lnotice:nophoto"
    screenshot = telegram_document(PNG, "image/png", MediaType.PHOTO)
    assert "Người dân sẽ nhận được đúng như sau" in await send(chat, screenshot)
    assert shown(chat).media[0].ref == screenshot.ref
    await chat.pick("lnotice:send")
    (made,) = data_of(chat).broadcasts.values()
    assert (made.photo_ref, made.photo_mime) == (blob(PNG), "image/png")


async def test_a_photo_sent_at_the_preview_takes_the_old_ones_place(chat: Chat) -> None:
    await to_the_photo_step(chat)
    await chat.pick("lnotice:nophoto")
    await chat.pick("lnotice:kind:alert")
    photo = zalo_photo(JPEG)
    await send(chat, photo)
    assert shown(chat).media[0].ref == photo.ref
    assert "lnotice:unphoto" in chat.choices


async def test_back_from_the_new_photo_step_keeps_the_photo(chat: Chat) -> None:
    await to_the_photo_step(chat)
    photo = telegram_photo(JPEG)
    await send(chat, photo)
    await chat.pick("lnotice:kind:alert")
    await chat.pick("lnotice:photo")
    assert "Chỉ nhận ảnh JPEG hoặc PNG" in await send(chat, zalo_photo(GIF, "image/gif"))
    assert chat.choices[0] == "lnotice:nophoto"  # refused, still asked for the new photo
    await chat.pick("lnotice:nophoto")
    assert shown(chat).media[0].ref == photo.ref


async def test_the_photo_is_removed_from_the_preview(chat: Chat) -> None:
    await to_the_photo_step(chat)
    await send(chat, telegram_photo(JPEG))
    await chat.pick("lnotice:kind:alert")
    assert "Đã bỏ ảnh" in await chat.pick("lnotice:unphoto")
    assert not any(r.media for r in chat.last)
    assert "lnotice:photo" in chat.choices and "lnotice:unphoto" not in chat.choices
    assert "photo_" not in await state_of(chat)
    await chat.pick("lnotice:send")
    (made,) = data_of(chat).broadcasts.values()
    assert (made.photo_ref, made.photo_mime) == ("", "")


async def test_an_edited_text_keeps_the_photo(chat: Chat) -> None:
    await to_the_photo_step(chat)
    photo = telegram_photo(JPEG)
    await send(chat, photo)
    await chat.pick("lnotice:kind:alert")
    await chat.pick("lnotice:edit")
    await chat.say("Họp tổ dời sang 20 giờ.")
    copy = shown(chat)
    assert "Họp tổ dời sang 20 giờ." in copy.text and copy.media[0].ref == photo.ref


async def test_a_bad_photo_at_the_preview_keeps_the_notice_as_it_was(chat: Chat) -> None:
    await to_the_photo_step(chat)
    photo = telegram_photo(JPEG)
    await send(chat, photo)
    await chat.pick("lnotice:kind:alert")
    assert "Chỉ nhận ảnh JPEG hoặc PNG" in await send(chat, zalo_photo(GIF, "image/gif"))
    assert shown(chat).media[0].ref == photo.ref and "lnotice:send" in chat.choices


# -- old buttons ---------------------------------------------------------------------------------


async def test_old_photo_buttons_change_nothing(chat: Chat) -> None:
    await to_the_photo_step(chat)
    await send(chat, telegram_photo(JPEG))
    assert "menu cũ" in await chat.pick("lnotice:nophoto")  # the step has moved on
    assert chat.choices[:2] == ["lnotice:kind:alert", "lnotice:kind:awareness"]
    await chat.pick("lnotice:kind:alert")
    await chat.pick("lnotice:photo")
    assert "menu cũ" in await chat.pick("lnotice:send")  # the preview's, from before
    assert not data_of(chat).broadcasts and chat.choices[0] == "lnotice:nophoto"
    await chat.pick("lnotice:nophoto")
    await chat.pick("lnotice:unphoto")
    assert "menu cũ" in await chat.pick("lnotice:unphoto")  # removed already
    await chat.pick("lnotice:send")
    (made,) = data_of(chat).broadcasts.values()
    assert made.photo_ref == ""
    assert "menu cũ" in await chat.pick("lnotice:photo")  # the notice has gone
    await send(chat, telegram_photo(JPEG))  # a photo after it is no notice's either
    assert "menu:notice" in chat.choices and len(data_of(chat).broadcasts) == 1
