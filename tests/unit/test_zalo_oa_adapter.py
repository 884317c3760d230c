"""The Zalo OA adapter's pure halves: the webhook signature and clock, webhook bodies → neutral
events, neutral replies → CS messages, and what each API error code makes delivery do."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.channels.zalo_oa import (
    MAX_BUTTONS,
    TEXT_LIMIT,
    TITLE_LIMIT,
    Rates,
    SendResult,
    SendStatus,
    WindowClosed,
    ZaloError,
    ZaloOaChannel,
    coordinates,
    event_time,
    is_fresh,
    render,
    signature,
    to_event,
    utf16_length,
    verify,
)
from bot.delivery import RetryLater, Unreachable
from content.i18n import translate
from handlers.model import Kind, MediaType, RenderedChoice, RenderedReply, Request, SystemEvent
from tests.fakes.zalo_oa_api import APP_ID, OA_ID, WORKED_EXAMPLE, Webhooks
from tests.unit.typed_commands import COMMANDS, NOT_COMMANDS, assert_command

USER = "4339761418830368433"
hooks = Webhooks()


def event_of(body: dict[str, Any]) -> Any:
    return to_event(body, APP_ID)


# -- signature and time -------------------------------------------------------------------------


def test_the_worked_example_of_the_reference() -> None:
    ex = WORKED_EXAMPLE
    digest = signature(str(ex["app_id"]), bytes(ex["body"]), str(ex["timestamp"]), "TEST_OA_SECRET")
    assert f"mac={digest}" == ex["signature"]
    assert digest.startswith("2055f5b2") and digest.endswith("936a")
    body = bytes(ex["body"])
    assert verify(str(ex["signature"]), APP_ID, body, "1609984527175", "TEST_OA_SECRET")
    assert verify(str(ex["signature"])[4:], APP_ID, body, "1609984527175", "TEST_OA_SECRET")
    assert verify(str(ex["signature"]).upper(), APP_ID, body, "1609984527175", "TEST_OA_SECRET")


@pytest.mark.parametrize(
    "change",
    ["tampered body", "other secret", "other timestamp", "empty header", "the OA id first"],
)
def test_a_signature_over_anything_else_fails(change: str) -> None:
    ex = WORKED_EXAMPLE
    body, stamp, secret, first = bytes(ex["body"]), "1609984527175", "TEST_OA_SECRET", APP_ID
    header = str(ex["signature"])
    if change == "tampered body":
        body = body.replace(b"testing", b"Testing")
    elif change == "other secret":
        secret = "the app secret"
    elif change == "other timestamp":
        stamp = "1609984527176"
    elif change == "empty header":
        header = "mac="
    else:
        first = OA_ID
    assert not verify(header, first, body, stamp, secret)


def test_the_fake_signs_as_the_adapter_verifies() -> None:
    event = hooks.text(USER, "Xin chào, tôi muốn báo tin")
    body, headers = hooks.sign(event)
    assert verify(headers["X-ZEvent-Signature"], APP_ID, body, event["timestamp"], "TEST_OA_SECRET")
    assert json.loads(body) == event


def test_timestamps_in_range() -> None:
    now = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    at = event_time({"timestamp": str(int(now.timestamp() * 1000))})
    assert at == now
    assert event_time({"timestamp": int(now.timestamp())}) == now  # seconds, tolerated
    assert event_time({}) is None and event_time({"timestamp": "soon"}) is None
    assert is_fresh(now - timedelta(hours=11, minutes=59), now)
    assert not is_fresh(now - timedelta(hours=12, minutes=1), now)
    assert is_fresh(now + timedelta(minutes=9), now)
    assert not is_fresh(now + timedelta(minutes=11), now)
    assert not is_fresh(None, now)


# -- inbound ------------------------------------------------------------------------------------


def test_text_and_ids() -> None:
    body = hooks.text(USER, "Có người lạ hỏi mật khẩu", msg_id="m-1")
    event = event_of(body)
    assert (event.kind, event.text, event.event_id) == (
        Kind.TEXT,
        "Có người lạ hỏi mật khẩu",
        "m-1",
    )
    assert (event.channel, event.account, event.chat_id, event.user_id) == (
        "zalo_oa",
        APP_ID,
        USER,
        USER,
    )


@pytest.mark.parametrize(("text", "expected"), [*COMMANDS, ("/MENU", ("MENU", ""))])
def test_commands(text: str, expected: tuple[str, str]) -> None:
    assert_command(event_of(hooks.text(USER, text)), expected)


def test_a_lone_slash_is_text() -> None:
    assert {event_of(hooks.text(USER, text)).kind for text in NOT_COMMANDS} == {Kind.TEXT}


def test_images_and_gifs_are_photos() -> None:
    image = event_of(hooks.image(USER, "https://zalo.example/a.jpg", text="biển số"))
    assert image.kind is Kind.MEDIA
    assert (image.media.type, image.media.ref, image.media.caption) == (
        MediaType.PHOTO,
        "https://zalo.example/a.jpg",
        "biển số",
    )
    gif = event_of(hooks.gif(USER, "https://zalo.example/a.gif"))
    assert (gif.media.type, gif.media.mime) == (MediaType.PHOTO, "image/gif")


def test_files_take_their_type_from_the_name() -> None:
    pdf = event_of(hooks.file(USER, "https://zalo.example/f", "don-to-giac.pdf", 2048))
    assert (pdf.media.type, pdf.media.mime, pdf.media.size) == (
        MediaType.FILE,
        "application/pdf",
        2048,
    )
    png = event_of(hooks.file(USER, "https://zalo.example/g", "anh.png", 10))
    assert (png.media.type, png.media.mime) == (MediaType.PHOTO, "image/png")
    odd = event_of(hooks.file(USER, "https://zalo.example/h", "noname", 10))
    assert odd.media.mime == "application/octet-stream"


def test_audio_and_video() -> None:
    audio = event_of(hooks.audio(USER, "https://zalo.example/v.aac"))
    assert audio.media.type is MediaType.VOICE and audio.media.mime.startswith("audio/")
    video = event_of(hooks.video(USER, "https://zalo.example/v.mp4"))
    assert (video.media.type, video.media.mime) == (MediaType.VIDEO, "video/mp4")


def test_an_attachment_without_url_is_unsupported() -> None:
    body = hooks.image(USER, "x")
    body["message"]["attachments"][0]["payload"] = {}
    assert event_of(body).kind is Kind.UNSUPPORTED


def test_locations_in_every_reported_shape() -> None:
    event = event_of(hooks.location(USER, 21.0341, 105.8372))
    assert (event.kind, event.lat, event.lon) == (Kind.LOCATION, 21.0341, 105.8372)
    numbers = {"attachments": [{"type": "location", "payload": {"lat": 10.76, "long": 106.65}}]}
    assert coordinates(numbers) == (10.76, 106.65)
    top = {"location": {"latitude": "10.5", "longitude": "106.5"}}
    assert coordinates(top) == (10.5, 106.5)
    for bad in ("nan", "abc", "91", ""):
        body = hooks.location(USER, 0, 0)
        body["message"]["attachments"][0]["payload"]["coordinates"]["latitude"] = bad
        assert event_of(body).kind is Kind.UNSUPPORTED, bad


def test_stickers_and_business_cards_get_a_hint() -> None:
    assert event_of(hooks.sticker(USER)).kind is Kind.UNSUPPORTED
    card = hooks.message_event("user_send_business_card", USER, {"attachments": []})
    assert event_of(card).kind is Kind.UNSUPPORTED


def _card(payload: dict[str, Any]) -> dict[str, Any]:
    attachment = {"type": "business_card", "payload": payload}
    return hooks.message_event("user_send_business_card", USER, {"attachments": [attachment]})


@pytest.mark.parametrize(
    "payload",
    [
        {"phone": "0912345678", "thumbnail": "https://zalo.example/a.jpg"},
        {"phone_number": "0912345678"},
        {"description": json.dumps({"phone": "0912345678", "qrCodeUrl": "https://q.example"})},
    ],
)
def test_a_business_card_with_a_number_is_a_shared_contact(payload: dict[str, Any]) -> None:
    # Zalo documents no payload for a card: the number is looked for where it may be.
    event = event_of(_card(payload))
    assert (event.kind, event.phone, event.forwarded) == (Kind.CONTACT, "0912345678", True)


def test_a_business_card_without_a_number_gets_a_hint() -> None:
    assert event_of(_card({"description": "Nguyễn Văn B"})).kind is Kind.UNSUPPORTED
    assert event_of(_card({"description": "{not json"})).kind is Kind.UNSUPPORTED


def test_nothing_from_zalo_is_marked_forwarded_but_a_card() -> None:
    # The OA's events carry no forward flag: a pasted message is plain text, recognised by
    # its wording (handlers/forwarded.py); submitted info is the resident's own number.
    assert not event_of(hooks.text(USER, "Bạn đã trúng thưởng, gọi 0912345678")).forwarded
    assert not event_of(hooks.submit_info(USER, "84912345678")).forwarded


def test_a_link_is_text() -> None:
    event = event_of(hooks.link(USER, "https://lua-dao.example/nhan-qua"))
    assert (event.kind, event.text) == (Kind.TEXT, "https://lua-dao.example/nhan-qua")


def test_follow_and_unfollow() -> None:
    follow = event_of(hooks.follow(USER, at=1_800_000_000))
    assert (follow.kind, follow.system, follow.user_id) == (Kind.SYSTEM, SystemEvent.FOLLOW, USER)
    unfollow = event_of(hooks.unfollow(USER, at=1_800_000_000))
    assert unfollow.system is SystemEvent.UNFOLLOW
    # No msg_id: the id is derived, stable for a resend, different per event.
    assert follow.event_id == event_of(hooks.follow(USER, at=1_800_000_000)).event_id
    assert follow.event_id != unfollow.event_id
    assert USER not in follow.event_id


def test_submitted_info_is_a_contact() -> None:
    event = event_of(hooks.submit_info(USER, "84912345678"))
    assert (event.kind, event.phone, event.user_id) == (Kind.CONTACT, "84912345678", USER)


@pytest.mark.parametrize(
    "body",
    [
        hooks.oa_echo(USER, "Xin chào"),
        hooks.group_text("g-1", USER, "tin nhóm"),
        hooks.other("add_user_to_tag", tag={"user_ids": [USER], "name": "x"}),
        hooks.other("user_received_message", sender={"id": OA_ID}),
        hooks.other("user_seen_message", sender={"id": USER}),
        hooks.other("something_new"),
        {"event_name": 5},
        {},
    ],
)
def test_what_the_bot_does_not_take(body: dict[str, Any]) -> None:
    assert event_of(body) is None


# -- outbound -----------------------------------------------------------------------------------


def choices(*labels: str) -> tuple[RenderedChoice, ...]:
    return tuple(RenderedChoice(f"c:{n}", label) for n, label in enumerate(labels))


def test_plain_text() -> None:
    assert render(RenderedReply("Xin chào")) == [{"text": "Xin chào"}]


def test_long_text_is_split_and_buttons_ride_on_the_last_piece() -> None:
    text = "\n\n".join(f"Đoạn {n}: " + "chữ " * 120 for n in range(12))
    messages = render(RenderedReply(text, choices("Có", "Không")))
    assert len(messages) > 1
    assert all(len(m["text"]) <= TEXT_LIMIT for m in messages)
    assert all("attachment" not in m for m in messages[:-1])
    buttons = messages[-1]["attachment"]["payload"]["buttons"]
    assert [b["payload"] for b in buttons] == ["Có", "Không"]
    assert {b["type"] for b in buttons} == {"oa.query.show"}


def test_titles_are_cut_but_payloads_keep_the_label() -> None:
    label = "Lừa đảo qua điện thoại, tin nhắn, mạng xã hội"
    [message] = render(RenderedReply("Chọn loại việc:", choices(label)))
    [button] = message["attachment"]["payload"]["buttons"]
    assert utf16_length(button["title"]) <= TITLE_LIMIT and button["title"].endswith("…")
    assert button["title"].startswith("Lừa đảo qua điện thoại")
    assert button["payload"] == label


def test_an_emoji_counts_twice_in_a_title() -> None:
    label = "🔍 Kiểm tra số điện thoại, đường link, tài khoản"
    [message] = render(RenderedReply("Bạn cần gì?", choices(label)))
    title = message["attachment"]["payload"]["buttons"][0]["title"]
    assert title == "🔍 Kiểm tra số điện thoại, đường l…"
    assert utf16_length(title) == TITLE_LIMIT
    assert (
        render(RenderedReply("x", choices("🆘 Khẩn cấp")))[0]["attachment"]["payload"]["buttons"][
            0
        ]["title"]
        == "🆘 Khẩn cấp"
    )


def test_many_choices_are_numbered_in_the_text() -> None:
    labels = [f"Mục {n}" for n in range(1, 8)]
    [message] = render(RenderedReply("Bạn cần gì?", choices(*labels)))
    assert "1. Mục 1" in message["text"] and "7. Mục 7" in message["text"]
    buttons = message["attachment"]["payload"]["buttons"]
    assert len(buttons) == MAX_BUTTONS
    few = render(RenderedReply("Bạn cần gì?", choices("A", "B")))[0]
    assert few["text"] == "Bạn cần gì?"


def test_emergency_numbers_are_phone_buttons_first() -> None:
    calls = (("Gọi 113 — Công an", "113"), ("Gọi 114 — Cứu hỏa", "114"))
    [message] = render(
        RenderedReply("Khi có nguy hiểm, hãy gọi ngay.", choices("Menu"), calls=calls)
    )
    buttons = message["attachment"]["payload"]["buttons"]
    assert buttons[0] == {
        "title": "Gọi 113 — Công an",
        "type": "oa.open.phone",
        "payload": {"phone_code": "113"},
    }
    assert [b["type"] for b in buttons] == ["oa.open.phone", "oa.open.phone", "oa.query.show"]


def test_a_location_request_adds_the_zalo_hint() -> None:
    [message] = render(RenderedReply("Việc này xảy ra ở đâu?", request=Request.LOCATION))
    assert message["text"].endswith(translate("zalo_oa.ask_location", "vi"))
    [english] = render(RenderedReply("Where?", request=Request.CONTACT, lang="en"))
    assert translate("zalo_oa.ask_contact", "en") in english["text"]


def test_media_by_url_only() -> None:
    from handlers.model import Media

    reply = RenderedReply(
        "Ảnh",
        media=(
            Media(MediaType.PHOTO, "https://cdn.example/a.jpg"),
            Media(MediaType.PHOTO, "blob:abc"),
        ),
    )
    messages = render(reply)
    assert len(messages) == 2
    element = messages[0]["attachment"]["payload"]["elements"][0]
    assert element == {"media_type": "image", "url": "https://cdn.example/a.jpg"}


# -- errors -------------------------------------------------------------------------------------


def _channel() -> ZaloOaChannel:
    return ZaloOaChannel.__new__(ZaloOaChannel)


@pytest.mark.parametrize(
    ("code", "status", "raised"),
    [
        (-32, SendStatus.FAILED, RetryLater),
        (-213, SendStatus.UNREACHABLE, Unreachable),
        (-227, SendStatus.UNREACHABLE, Unreachable),
        (-230, SendStatus.OUTSIDE_WINDOW, WindowClosed),
        (-232, SendStatus.OUTSIDE_WINDOW, WindowClosed),
        (-201, SendStatus.FAILED, ZaloError),
        (-240, SendStatus.FAILED, ZaloError),
    ],
)
def test_error_codes_in_delivery_terms(code: int, status: SendStatus, raised: type) -> None:
    channel = _channel()
    channel.rates = Rates(rate_limited_pause=7.0)
    got_status, error = channel._mapped(ZaloError(code, "x"))
    assert got_status is status and isinstance(error, raised)
    if isinstance(error, RetryLater):
        assert error.seconds == 7.0


def test_a_send_result_explains_itself() -> None:
    outside = SendResult(SendStatus.OUTSIDE_WINDOW)
    assert not outside.delivered
    assert outside.explain("vi") == translate("zalo_oa.undeliverable_window", "vi")
    assert outside.explain("en") != outside.explain("vi")
    assert SendResult(SendStatus.SENT).delivered
