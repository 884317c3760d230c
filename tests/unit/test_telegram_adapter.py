"""The Telegram adapter's two halves without a server: updates → neutral events, and
neutral replies → Bot API calls."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import httpx
import pytest
import telegram

from bot.channels.telegram import CALLBACK_LIMIT, TEXT_LIMIT, render, to_event
from bot.channels.telegram.bot_api import SendRefused
from bot.delivery import RetryLater, Transient, Unreachable
from bot.render import split
from handlers.model import (
    Kind,
    MediaType,
    RenderedChoice,
    RenderedReply,
    Request,
    SystemEvent,
    button_payload,
)
from tests.conftest import Chat
from tests.fakes.telegram_api import Updates

ACCOUNT = "123456"
updates = Updates()
BOT = telegram.Bot("123456:TEST-token")


def event_of(update: dict[str, Any]) -> Any:
    return to_event(telegram.Update.de_json(update, BOT), ACCOUNT)


def test_text_and_ids() -> None:
    event = event_of(updates.text(501, "Có người lạ hỏi mật khẩu"))
    assert (event.kind, event.text) == (Kind.TEXT, "Có người lạ hỏi mật khẩu")
    assert (event.channel, event.account, event.chat_id, event.user_id) == (
        "telegram",
        ACCOUNT,
        "501",
        "501",
    )
    assert event.event_id.isdigit()


@pytest.mark.parametrize(
    ("command", "payload", "expected"),
    [("/start", None, ("start", "")), ("/start", "tip-BY", ("start", "tip-BY"))],
)
def test_commands_with_payload(
    command: str, payload: str | None, expected: tuple[str, str]
) -> None:
    event = event_of(updates.command(7, command, payload))
    assert (event.kind, event.command, event.payload) == (Kind.COMMAND, *expected)


def test_a_command_addressed_to_the_bot_by_name() -> None:
    update = updates.message(
        7, text="/menu@binhyen_bot", entities=[{"type": "bot_command", "offset": 0, "length": 17}]
    )
    assert event_of(update).command == "menu"


def test_a_button_press_is_a_choice() -> None:
    event = event_of(updates.callback(9, "cat:drugs"))
    assert (event.kind, event.choice, event.chat_id) == (Kind.CHOICE, "cat:drugs", "9")


def test_media_references() -> None:
    photo = event_of(updates.photo(3, "big", caption="biển số"))
    assert photo.media.type is MediaType.PHOTO
    assert photo.media.ref == "big" and photo.media.caption == "biển số"
    image_file = event_of(updates.document(3, "d1", "anh.png", "image/png", 2000))
    assert image_file.media.type is MediaType.PHOTO and image_file.media.mime == "image/png"
    pdf = event_of(updates.document(3, "d2", "don.pdf", "application/pdf", 2000))
    assert (pdf.media.type, pdf.media.size) == (MediaType.FILE, 2000)
    assert event_of(updates.voice(3, "v")).media.type is MediaType.VOICE
    assert event_of(updates.video(3, "m")).media.type is MediaType.VIDEO


def test_location_and_contact() -> None:
    place = event_of(updates.location(3, 10.77, 106.7))
    assert (place.kind, place.lat, place.lon) == (Kind.LOCATION, 10.77, 106.7)
    contact = event_of(updates.contact(3, "+84901234567"))
    assert (contact.kind, contact.phone) == (Kind.CONTACT, "+84901234567")


def test_only_the_residents_own_card_is_their_number() -> None:
    own = event_of(updates.contact(3, "+84901234567"))
    assert (own.kind, own.forwarded) == (Kind.CONTACT, False)
    someone = event_of(updates.contact(3, "0912345678", contact_user_id=99))
    no_account = event_of(updates.contact(3, "0912345678", own=False))
    for shared in (someone, no_account):
        assert (shared.kind, shared.phone, shared.forwarded) == (Kind.CONTACT, "0912345678", True)


ORIGINS = [
    {"type": "user", "date": 1, "sender_user": {"id": 77, "is_bot": False, "first_name": "B"}},
    {"type": "hidden_user", "date": 1, "sender_user_name": "Người lạ"},
    {"type": "channel", "date": 1, "chat": {"id": -100123, "type": "channel"}, "message_id": 5},
]


@pytest.mark.parametrize("origin", ORIGINS, ids=lambda o: o["type"])
def test_a_forwarded_message_is_marked(origin: dict[str, Any]) -> None:
    text = event_of(updates.message(3, text="Chuyển 5 triệu vào 0912345678", forward_origin=origin))
    assert (text.kind, text.text, text.forwarded) == (
        Kind.TEXT,
        "Chuyển 5 triệu vào 0912345678",
        True,
    )
    photo = updates.photo(3, "p1", caption="Nhận quà tại bit.ly/x")
    photo["message"]["forward_origin"] = origin
    captioned = event_of(photo)
    assert (captioned.kind, captioned.media.caption, captioned.forwarded) == (
        Kind.MEDIA,
        "Nhận quà tại bit.ly/x",
        True,
    )
    card = updates.contact(3, "0912345678")  # even one's own card, forwarded from elsewhere
    card["message"]["forward_origin"] = origin
    assert event_of(card).forwarded


@pytest.mark.parametrize(
    "legacy",
    [
        {"forward_date": 1, "forward_sender_name": "Người lạ"},
        {"forward_date": 1, "forward_from": {"id": 77, "is_bot": False, "first_name": "B"}},
        {"forward_date": 1, "forward_from_chat": {"id": -100123, "type": "channel"}},
    ],
)
def test_the_fields_of_a_forward_before_bot_api_7_mark_it_too(legacy: dict[str, Any]) -> None:
    assert event_of(updates.message(3, text="Bạn đã trúng thưởng", **legacy)).forwarded


def test_what_the_resident_writes_is_not_forwarded_and_a_forwarded_command_is_text() -> None:
    assert not event_of(updates.text(3, "Có người lạ hỏi mật khẩu")).forwarded
    assert not event_of(updates.photo(3, "p1", caption="biển số")).forwarded
    origin = ORIGINS[1]
    entity = {"type": "bot_command", "offset": 0, "length": 6}
    update = updates.message(3, text="/start", entities=[entity], forward_origin=origin)
    event = event_of(update)
    assert (event.kind, event.text, event.forwarded) == (Kind.TEXT, "/start", True)


def test_block_and_unblock() -> None:
    assert event_of(updates.blocked(3)).system is SystemEvent.BLOCKED
    assert event_of(updates.unblocked(3)).system is SystemEvent.UNBLOCKED


def test_what_the_bot_does_not_take() -> None:
    assert event_of(updates.message(3, kind="edited_message", text="sửa")) is None
    assert event_of(updates.text(-1001, "trong nhóm", user_id=5)) is None
    dice = {"emoji": "🎲", "value": 3}
    assert event_of(updates.message(3, dice=dice)).kind is Kind.UNSUPPORTED


def test_long_text_is_split_under_the_limit_with_the_buttons_last() -> None:
    paragraph = "Cảnh giác với cuộc gọi tự xưng công an. " * 30
    reply = RenderedReply(
        text="\n\n".join([paragraph] * 12), choices=(RenderedChoice("nav:menu", "Menu"),)
    )
    calls = render(reply)
    assert len(calls) >= 3
    assert all(len(c.params["text"]) <= TEXT_LIMIT for c in calls)
    assert [c.params["reply_markup"] is not None for c in calls] == [False] * (len(calls) - 1) + [
        True
    ]

    def squeeze(text: str) -> str:
        return text.replace("\n", "").replace(" ", "")

    assert squeeze("".join(c.params["text"] for c in calls)) == squeeze(reply.text)


def test_split_cuts_words_only_when_it_must() -> None:
    assert split("một hai ba", 5) == ["một", "hai", "ba"]
    assert split("x" * 12, 5) == ["xxxxx", "xxxxx", "xx"]
    assert split("", 5) == [""]


WARNING = (
    "Công an phường cảnh báo người dân. "
    "Đối tượng giả danh nhân viên điện lực gọi điện yêu cầu chuyển tiền."
)


def test_split_prefers_the_end_of_a_sentence_to_a_space() -> None:
    assert split(WARNING, 60) == [
        "Công an phường cảnh báo người dân.",
        "Đối tượng giả danh nhân viên điện lực gọi điện yêu cầu",
        "chuyển tiền.",
    ]


def test_split_keeps_each_sentence_mark_with_its_sentence() -> None:
    for mark in ("!", "?", "…"):
        text = f"Tuyệt đối không chuyển tiền cho người lạ{mark} Hãy gọi ngay số 113."
        first, second = split(text, 50)
        assert first == f"Tuyệt đối không chuyển tiền cho người lạ{mark}"
        assert second == "Hãy gọi ngay số 113."


def test_split_takes_the_last_sentence_end_that_fits() -> None:
    text = "Có người gọi điện. Họ xưng là công an. Họ đòi chuyển tiền ngay. Đừng làm theo."
    assert split(text, 65) == [
        "Có người gọi điện. Họ xưng là công an. Họ đòi chuyển tiền ngay.",
        "Đừng làm theo.",
    ]


def test_split_still_prefers_a_line_break_then_falls_back_to_words() -> None:
    text = "Tổ dân phố số 5 họp lúc 19 giờ tối nay.\nMời các hộ gia đình. Tham dự đầy đủ."
    assert split(text, 60) == [
        "Tổ dân phố số 5 họp lúc 19 giờ tối nay.",
        "Mời các hộ gia đình. Tham dự đầy đủ.",
    ]
    # A sentence that ends in the first half of the limit would leave a short piece: words.
    early = "Cẩn thận. Đối tượng giả danh nhân viên điện lực gọi điện đòi chuyển tiền"
    assert split(early, 50) == [
        "Cẩn thận. Đối tượng giả danh nhân viên điện lực",
        "gọi điện đòi chuyển tiền",
    ]


def test_split_of_a_long_notice_loses_nothing_and_fits() -> None:
    text = " ".join([WARNING, "Nếu nghi ngờ, hãy báo ngay cho công an phường!"] * 25)
    pieces = split(text, 2000)
    assert len(pieces) == 2 and all(len(p) <= 2000 for p in pieces)
    assert all(p.endswith((".", "!")) for p in pieces)
    assert " ".join(pieces) == text


def test_a_request_beside_buttons_comes_as_its_own_message() -> None:
    reply = RenderedReply(
        text="Ở đâu?",
        choices=(RenderedChoice("where:commune", "Tại xã"),),
        request=Request.LOCATION,
    )
    first, second = render(reply)
    assert first.params["reply_markup"] == {
        "inline_keyboard": [[{"text": "Tại xã", "callback_data": "where:commune"}]]
    }
    keyboard = second.params["reply_markup"]
    assert keyboard["keyboard"][0][0]["request_location"] is True
    assert keyboard["resize_keyboard"] and keyboard["one_time_keyboard"]
    alone = render(RenderedReply(text="Số điện thoại?", request=Request.CONTACT))
    assert len(alone) == 1 and alone[0].params["reply_markup"]["keyboard"][0][0]["request_contact"]


def test_long_choice_ids_fit_in_callback_data() -> None:
    long_id = "commune:" + "Phường Hoàn Kiếm " * 4
    payload = button_payload(long_id, CALLBACK_LIMIT)
    assert len(payload.encode()) <= CALLBACK_LIMIT and payload.startswith("#")
    assert button_payload("cat:drugs", CALLBACK_LIMIT) == "cat:drugs"
    button = render(RenderedReply(text="?", choices=(RenderedChoice(long_id, "x"),)))[0]
    assert button.params["reply_markup"]["inline_keyboard"][0][0]["callback_data"] == payload


async def test_the_core_resolves_a_shortened_choice(chat: Chat) -> None:
    await chat.onboard()
    digest = "#" + hashlib.sha256(b"menu:tip").hexdigest()[:32]
    await chat.pick(digest)
    assert "tip:consent_yes" in chat.choices
    await chat.pick("#" + "0" * 32)  # matches nothing offered: a stale button
    assert "tip:consent_yes" in chat.choices


def _sender(handler: Any) -> Any:
    from bot.channels.telegram.bot_api import Sender

    sender = Sender("123456:SECRET-token", "https://api.example")
    sender._client = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return sender


@pytest.mark.parametrize(
    ("status", "body", "raised"),
    [
        (429, b'{"ok":false,"error_code":429,"parameters":{"retry_after":7}}', RetryLater),
        (403, b'{"ok":false,"error_code":403,"description":"Forbidden: blocked"}', Unreachable),
        (502, b"<html>Bad Gateway</html>", Transient),
        (500, b'{"ok":false,"error_code":500}', Transient),
        (400, b'{"ok":false,"error_code":400,"description":"Bad Request"}', SendRefused),
    ],
)
async def test_the_sender_maps_bot_api_errors(status: int, body: bytes, raised: type) -> None:
    sender = _sender(lambda request: httpx.Response(status, content=body))
    with pytest.raises(raised) as caught:
        await sender.call("sendMessage", {"chat_id": 1, "text": "x"})
    assert "SECRET-token" not in str(caught.value)
    if raised is RetryLater:
        assert caught.value.seconds == 7


async def test_the_sender_posts_json_and_keeps_the_token_out_of_errors() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True, "result": {"message_id": 1}})

    assert await _sender(handler).call("sendMessage", {"chat_id": 1, "text": "Chào"}) == {
        "message_id": 1
    }
    assert seen[0].url.path == "/bot123456:SECRET-token/sendMessage"
    assert json.loads(seen[0].content) == {"chat_id": 1, "text": "Chào"}

    def down(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("cannot reach https://api.example/bot123456:SECRET-token/")

    with pytest.raises(Transient) as caught:
        await _sender(down).call("sendMessage", {})
    assert "SECRET" not in str(caught.value) and caught.value.__cause__ is None
