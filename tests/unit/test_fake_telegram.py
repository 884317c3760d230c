"""The fake Telegram Bot API, driven by the real python-telegram-bot client and by raw httpx."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import telegram
from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InputMediaPhoto,
    KeyboardButton,
    ReplyKeyboardMarkup,
    Update,
)
from telegram.error import BadRequest, Conflict, Forbidden, InvalidToken, RetryAfter

from tests.fakes.telegram_api import (
    DEFAULT_TOKEN,
    SPEC_PATH,
    FakeTelegram,
    Updates,
    require_spec,
)

CHAT = 4242
# 27 characters but 65 bytes of UTF-8 ("ệ" takes 3): one byte too long for callback_data.
VIETNAMESE_65 = "báo cáo " + "ệ" * 18 + "x"


@pytest.fixture
def fake(fake_telegram: FakeTelegram) -> FakeTelegram:
    return fake_telegram


@pytest.fixture
async def bot(fake: FakeTelegram) -> AsyncIterator[telegram.Bot]:
    async with telegram.Bot(**fake.bot_kwargs()) as client:
        yield client


@pytest.fixture
def http(fake: FakeTelegram) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{fake.api_base}/bot{fake.token}") as client:
        yield client


def _keyboard(*data: str) -> InlineKeyboardMarkup:
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(f"b{i}", callback_data=d)] for i, d in enumerate(data)]
    )


def _seconds(value: int | float | timedelta) -> float:
    return value.total_seconds() if isinstance(value, timedelta) else float(value)


# ---- the spec --------------------------------------------------------------------------------


def test_require_spec_skips_with_a_clear_reason(tmp_path: Path) -> None:
    missing = tmp_path / "telegram-bot-api-10.1.json"
    with pytest.raises(
        pytest.skip.Exception, match=r"needs \.\./shared/data/telegram-bot-api-10\.1\.json"
    ):
        require_spec(missing)


def test_spec_lives_next_to_the_project() -> None:
    assert SPEC_PATH.resolve().parent.parent.name == "shared"
    assert "tests" not in SPEC_PATH.resolve().parts


# ---- the real client ---------------------------------------------------------------------------


async def test_get_me_on_initialize(fake: FakeTelegram, bot: telegram.Bot) -> None:
    assert bot.bot.username == "binhyen_test_bot"
    assert bot.bot.id == 123456
    assert bot.bot.is_bot
    assert bot.bot.can_join_groups is True
    assert [c.method for c in fake.calls()] == ["getMe"]
    assert not fake.spec.check_object(fake.last("getMe").result, "User")


async def test_send_message_records_decoded_reply_markup(
    fake: FakeTelegram, bot: telegram.Bot
) -> None:
    first = await bot.send_message(CHAT, "Chào bạn", reply_markup=_keyboard("tip:new", "quiz"))
    second = await bot.send_message(str(CHAT), "Lần hai")

    call = fake.calls("sendMessage")[0]
    assert call.transport == "form"
    assert call.params["chat_id"] == CHAT  # "4242" on the wire, decoded to an int
    assert call.params["reply_markup"] == {
        "inline_keyboard": [
            [{"text": "b0", "callback_data": "tip:new"}],
            [{"text": "b1", "callback_data": "quiz"}],
        ]
    }
    assert first.reply_markup == _keyboard("tip:new", "quiz")
    assert first.from_user is not None and first.from_user.id == fake.bot_id
    assert (first.message_id, second.message_id) == (1, 2)
    assert fake.sent_texts() == ["Chào bạn", "Lần hai"]
    assert fake.sent_texts(CHAT) == ["Chào bạn", "Lần hai"]
    assert fake.sent_texts(999) == []
    assert [m["text"] for m in fake.chat_messages(CHAT)] == ["Chào bạn", "Lần hai"]
    assert not fake.spec.check_object(call.result, "Message")


async def test_message_ids_increase_per_chat(bot: telegram.Bot) -> None:
    a1 = await bot.send_message(1, "a")
    b1 = await bot.send_message(2, "b")
    a2 = await bot.send_message(1, "c")
    assert (a1.message_id, b1.message_id, a2.message_id) == (1, 1, 2)


async def test_text_length_limits(fake: FakeTelegram, bot: telegram.Bot) -> None:
    await bot.send_message(CHAT, "x" * 4096)
    with pytest.raises(BadRequest, match=r"(?i)message is too long"):
        await bot.send_message(CHAT, "x" * 4097)
    with pytest.raises(BadRequest, match=r"(?i)message text is empty"):
        await bot.send_message(CHAT, "  ")
    # HTML tags do not count: Telegram measures the text after entity parsing.
    await bot.send_message(CHAT, "<b>" + "x" * 4096 + "</b>", parse_mode="HTML")
    failed = fake.calls("sendMessage", ok=False)
    assert [c.error_code for c in failed] == [400, 400]


async def test_callback_data_is_limited_in_bytes(bot: telegram.Bot) -> None:
    assert len(VIETNAMESE_65) < 64 and len(VIETNAMESE_65.encode()) == 65
    with pytest.raises(BadRequest, match=r"(?i)button_data_invalid"):
        await bot.send_message(CHAT, "Chọn", reply_markup=_keyboard(VIETNAMESE_65))
    await bot.send_message(CHAT, "Chọn", reply_markup=_keyboard(VIETNAMESE_65[:-1]))


async def test_inline_button_needs_exactly_one_action(bot: telegram.Bot) -> None:
    no_action = InlineKeyboardMarkup([[InlineKeyboardButton("chỉ chữ")]])
    with pytest.raises(BadRequest, match="exactly one"):
        await bot.send_message(CHAT, "x", reply_markup=no_action)
    two = InlineKeyboardMarkup(
        [[InlineKeyboardButton("x", url="https://example.org", callback_data="y")]]
    )
    with pytest.raises(BadRequest, match="exactly one"):
        await bot.send_message(CHAT, "x", reply_markup=two)


async def test_reply_keyboard_is_accepted_and_not_echoed(
    fake: FakeTelegram, bot: telegram.Bot
) -> None:
    markup = ReplyKeyboardMarkup(
        [
            [KeyboardButton("Gửi số điện thoại", request_contact=True)],
            [KeyboardButton("Vị trí", request_location=True)],
        ],
        one_time_keyboard=True,
    )
    message = await bot.send_message(CHAT, "Chia sẻ", reply_markup=markup)
    assert message.reply_markup is None
    assert (
        fake.last("sendMessage").params["reply_markup"]["keyboard"][0][0]["request_contact"] is True
    )


@pytest.mark.filterwarnings("ignore::telegram.warnings.PTBDeprecationWarning")
@pytest.mark.parametrize("timedelta_mode", ["false", "true"])
async def test_retry_after_from_an_injected_429(
    fake: FakeTelegram, bot: telegram.Bot, monkeypatch: pytest.MonkeyPatch, timedelta_mode: str
) -> None:
    # PTB 22.x gives an int (with a deprecation warning) unless PTB_TIMEDELTA opts in.
    monkeypatch.setenv("PTB_TIMEDELTA", timedelta_mode)
    fake.fail_next("sendMessage", 429, retry_after=7)
    with pytest.raises(RetryAfter) as caught:
        await bot.send_message(CHAT, "một")
    expected = timedelta if timedelta_mode == "true" else int
    assert isinstance(caught.value.retry_after, expected)
    assert _seconds(caught.value.retry_after) == 7
    await bot.send_message(CHAT, "một")

    attempts = fake.calls("sendMessage")
    assert [(c.ok, c.error_code) for c in attempts] == [(False, 429), (True, None)]
    assert attempts[0].description == "Too Many Requests: retry after 7"
    assert attempts[1].at >= attempts[0].at
    assert fake.sent_texts() == ["một"]


async def test_injected_failures_count_down_and_match_any_method(
    fake: FakeTelegram, bot: telegram.Bot
) -> None:
    fake.fail_next("*", 403, times=2)
    for _ in range(2):
        with pytest.raises(Forbidden, match="blocked by the user"):
            await bot.send_chat_action(CHAT, "typing")
    assert await bot.send_chat_action(CHAT, "typing") is True
    with pytest.raises(ValueError, match="not a Bot API method"):
        fake.fail_next("sendMesage", 500)


async def test_blocked_chat_is_forbidden_until_unblocked(
    fake: FakeTelegram, bot: telegram.Bot
) -> None:
    fake.block_chat(CHAT)
    with pytest.raises(Forbidden, match="bot was blocked by the user"):
        await bot.send_message(CHAT, "xin chào")
    await bot.send_message(CHAT + 1, "người khác")
    fake.unblock_chat(str(CHAT))
    await bot.send_message(CHAT, "xin chào")
    assert [(c.params["chat_id"], c.error_code) for c in fake.calls("sendMessage")] == [
        (CHAT, 403),
        (CHAT + 1, None),
        (CHAT, None),
    ]


async def test_wrong_token_is_unauthorized(fake: FakeTelegram) -> None:
    with pytest.raises(InvalidToken):
        async with telegram.Bot(
            "999:WRONG", base_url=fake.base_url, base_file_url=fake.base_file_url
        ):
            pass
    assert fake.last("getMe").error_code == 401


async def test_get_file_and_download(fake: FakeTelegram, bot: telegram.Bot) -> None:
    content = b"\xff\xd8\xff\xe0 fake jpeg"
    made = fake.add_file("photo-1", content)
    assert made["file_path"] == "photos/file_1.jpg"

    file = await bot.get_file("photo-1")
    assert file.file_size == len(content)
    assert file.file_path is not None and file.file_path.endswith("/photos/file_1.jpg")
    assert bytes(await file.download_as_bytearray()) == content

    with pytest.raises(BadRequest, match=r"(?i)invalid file_id"):
        await bot.get_file("nope")
    async with httpx.AsyncClient() as client:
        missing = await client.get(f"{fake.base_file_url}{fake.token}/photos/missing.jpg")
    assert missing.status_code == 404


async def test_uploads_go_multipart_and_become_files(fake: FakeTelegram, bot: telegram.Bot) -> None:
    sent = await bot.send_photo(
        CHAT, b"\x89PNG fake", caption="Hiện trường", reply_markup=_keyboard("ok")
    )
    call = fake.last("sendPhoto")
    assert call.transport == "multipart"
    assert call.params["photo"].content == b"\x89PNG fake"
    largest = sent.photo[-1]
    assert sent.caption == "Hiện trường" and sent.reply_markup == _keyboard("ok")
    downloaded = await (await bot.get_file(largest.file_id)).download_as_bytearray()
    assert bytes(downloaded) == b"\x89PNG fake"

    document = await bot.send_document(CHAT, b"%PDF-1.7", filename="bien-ban.pdf")
    assert document.document is not None and document.document.file_name == "bien-ban.pdf"
    assert not fake.spec.check_object(fake.last("sendDocument").result, "Message")


async def test_media_group_uploads_use_attach_names(fake: FakeTelegram, bot: telegram.Bot) -> None:
    album = [InputMediaPhoto(b"one", caption="Ảnh 1"), InputMediaPhoto(b"two")]
    messages = await bot.send_media_group(CHAT, album)
    assert len(messages) == 2 and messages[0].media_group_id == messages[1].media_group_id
    assert messages[0].caption == "Ảnh 1"
    call = fake.last("sendMediaGroup")
    assert all(item["media"].startswith("attach://") for item in call.params["media"])
    assert sorted(f.content for f in call.files.values()) == [b"one", b"two"]
    assert fake.file_content(messages[1].photo[-1].file_id) == b"two"


async def test_location_contact_and_chat_action(fake: FakeTelegram, bot: telegram.Bot) -> None:
    where = await bot.send_location(CHAT, latitude=21.0278, longitude=105.8342)
    assert where.location is not None and where.location.latitude == pytest.approx(21.0278)
    assert await bot.send_chat_action(CHAT, "upload_photo") is True
    with pytest.raises(BadRequest, match=r"(?i)wrong latitude"):
        await bot.send_location(CHAT, latitude=91, longitude=0)
    assert fake.last("sendLocation").params["latitude"] == 91


async def test_edit_and_callback_answers(fake: FakeTelegram, bot: telegram.Bot) -> None:
    sent = await bot.send_message(CHAT, "Câu hỏi 1", reply_markup=_keyboard("a", "b"))
    edited = await bot.edit_message_text(
        "Câu hỏi 1 — đã trả lời", chat_id=CHAT, message_id=sent.message_id
    )
    assert isinstance(edited, telegram.Message)
    assert edited.text == "Câu hỏi 1 — đã trả lời" and edited.reply_markup is None
    with pytest.raises(BadRequest, match=r"(?i)message is not modified"):
        await bot.edit_message_text(
            "Câu hỏi 1 — đã trả lời", chat_id=CHAT, message_id=sent.message_id
        )
    marked = await bot.edit_message_reply_markup(CHAT, sent.message_id, reply_markup=_keyboard("c"))
    assert isinstance(marked, telegram.Message) and marked.reply_markup == _keyboard("c")
    assert fake.chat_messages(CHAT)[0]["reply_markup"] == _keyboard("c").to_dict()

    assert await bot.answer_callback_query("q1", text="Đã ghi nhận") is True
    with pytest.raises(BadRequest, match=r"(?i)message_too_long"):
        await bot.answer_callback_query("q1", text="x" * 201)


async def test_commands_round_trip(fake: FakeTelegram, bot: telegram.Bot) -> None:
    assert await bot.set_my_commands([("start", "Bắt đầu"), ("tip", "Báo tin")]) is True
    assert [c.command for c in await bot.get_my_commands()] == ["start", "tip"]
    assert fake.commands() == [
        {"command": "start", "description": "Bắt đầu"},
        {"command": "tip", "description": "Báo tin"},
    ]
    assert await bot.delete_my_commands() is True
    assert await bot.get_my_commands() == ()


async def test_webhook_round_trip(fake: FakeTelegram, bot: telegram.Bot) -> None:
    url = "https://binhyen.example/telegram/webhook"
    assert await bot.set_webhook(
        url,
        secret_token="s3cret_TOKEN-1",
        allowed_updates=["message", "callback_query"],
        max_connections=10,
    )
    info = await bot.get_webhook_info()
    assert info.url == url and info.has_custom_certificate is False
    assert info.allowed_updates == ("message", "callback_query")
    assert info.max_connections == 10
    assert fake.webhook["secret_token"] == "s3cret_TOKEN-1"
    assert fake.webhook_headers() == {"X-Telegram-Bot-Api-Secret-Token": "s3cret_TOKEN-1"}
    assert not fake.spec.check_object(fake.last("getWebhookInfo").result, "WebhookInfo")

    with pytest.raises(Conflict, match=r"(?i)webhook is active"):
        await bot.get_updates()

    assert await bot.delete_webhook() is True
    assert (await bot.get_webhook_info()).url == ""
    assert await bot.get_updates() == ()

    with pytest.raises(BadRequest, match=r"(?i)https url"):
        await bot.set_webhook("http://binhyen.example/hook")
    with pytest.raises(BadRequest, match=r"(?i)secret token"):
        await bot.set_webhook(url, secret_token="không hợp lệ")


async def test_get_updates_honours_offset_and_limit(fake: FakeTelegram, bot: telegram.Bot) -> None:
    for text in ("một", "hai", "ba"):
        fake.queue_update(fake.updates.text(CHAT, text))
    assert (await bot.get_webhook_info()).pending_update_count == 3

    first_two = await bot.get_updates(limit=2)
    assert [u.message.text for u in first_two if u.message] == ["một", "hai"]
    again = await bot.get_updates()  # nothing confirmed yet
    assert len(again) == 3
    rest = await bot.get_updates(offset=first_two[-1].update_id + 1)
    assert [u.message.text for u in rest if u.message] == ["ba"]
    assert len(fake.pending_updates) == 1
    assert await bot.get_updates(offset=rest[-1].update_id + 1) == ()
    assert fake.pending_updates == []


async def test_get_updates_long_polls(fake: FakeTelegram, bot: telegram.Bot) -> None:
    update = fake.updates.command(CHAT, "/start")
    timer = threading.Timer(0.2, fake.queue_update, args=[update])
    timer.start()
    try:
        got = await bot.get_updates(timeout=5)
    finally:
        timer.cancel()
    assert [u.update_id for u in got] == [update["update_id"]]

    fake.max_long_poll = 0.2  # restored by reset()
    loop = asyncio.get_running_loop()
    started = loop.time()
    assert await bot.get_updates(offset=update["update_id"] + 1, timeout=30) == ()
    assert 0.15 < loop.time() - started < 2


async def test_wait_for(fake: FakeTelegram, bot: telegram.Bot) -> None:
    async def later() -> None:
        for text in ("a", "b", "c"):
            await asyncio.sleep(0.02)
            await bot.send_message(CHAT, text)

    task = asyncio.create_task(later())
    calls = await fake.wait_for_calls("sendMessage", 3, timeout=3)
    await task
    assert [c.params["text"] for c in calls] == ["a", "b", "c"]
    assert await fake.wait_for(lambda c: c.params.get("text") == "b")
    with pytest.raises(AssertionError, match="timed out"):
        await fake.wait_for("sendPhoto", timeout=0.05)
    fake.clear()
    assert fake.calls() == []


# ---- raw HTTP ------------------------------------------------------------------------------------


def test_unknown_parameter(http: httpx.Client) -> None:
    reply = http.post("/sendMessage", data={"chat_id": "1", "text": "x", "txt": "y"})
    assert reply.status_code == 400
    assert reply.json() == {
        "ok": False,
        "error_code": 400,
        "description": 'Bad Request: unknown parameter "txt"',
    }


def test_missing_required_parameter(fake: FakeTelegram, http: httpx.Client) -> None:
    reply = http.post("/sendMessage", json={"text": "x"})
    assert reply.status_code == 400
    assert reply.json()["description"] == 'Bad Request: parameter "chat_id" is required'
    assert fake.last("sendMessage").error_code == 400


def test_unknown_method_and_path(http: httpx.Client, fake: FakeTelegram) -> None:
    reply = http.post("/sendMesage", data={"chat_id": "1"})
    assert reply.status_code == 404
    assert reply.json() == {
        "ok": False,
        "error_code": 404,
        "description": "Not Found: method not found",
    }
    assert httpx.get(f"{fake.api_base}/elsewhere").status_code == 404


def test_wrong_token(fake: FakeTelegram) -> None:
    reply = httpx.post(f"{fake.api_base}/bot1:WRONG/getMe")
    assert reply.status_code == 401
    assert reply.json() == {"ok": False, "error_code": 401, "description": "Unauthorized"}


@pytest.mark.parametrize(
    ("params", "message"),
    [
        (
            {"chat_id": "1", "text": "x", "disable_notification": "maybe"},
            'parameter "disable_notification"',
        ),
        ({"chat_id": "1.5", "text": "x"}, None),  # a String chat_id is allowed ("@channel")
        ({"chat_id": "1", "text": "x", "reply_markup": "{not json"}, "reply_markup"),
        (
            {"chat_id": "1", "text": "x", "message_thread_id": "abc"},
            'parameter "message_thread_id"',
        ),
    ],
)
def test_form_value_types(http: httpx.Client, params: dict[str, str], message: str | None) -> None:
    reply = http.post("/sendMessage", data=params)
    if message is None:
        assert reply.status_code == 200, reply.text
    else:
        assert reply.status_code == 400
        assert message in reply.json()["description"]


def test_json_body_types_are_checked(http: httpx.Client, fake: FakeTelegram) -> None:
    ok = http.post(
        "/sendMessage", json={"chat_id": 7, "text": "JSON", "disable_notification": True}
    )
    assert ok.status_code == 200 and ok.json()["result"]["text"] == "JSON"
    assert fake.last("sendMessage").transport == "json"
    bad = http.post("/sendMessage", json={"chat_id": [7], "text": "JSON"})
    assert bad.status_code == 400
    assert (
        bad.json()["description"]
        == 'Bad Request: wrong type of parameter "chat_id": expected Integer or String'
    )


def test_query_string_and_get(http: httpx.Client, fake: FakeTelegram) -> None:
    reply = http.get("/sendMessage", params={"chat_id": "7", "text": "qua URL"})
    assert reply.status_code == 200
    call = fake.last("sendMessage")
    assert (call.transport, call.http_method, call.params["chat_id"]) == ("query", "GET", 7)
    assert (
        http.get("/sendmessage", params={"chat_id": "7", "text": "hoa thường"}).status_code == 200
    )


def test_multipart_body(http: httpx.Client, fake: FakeTelegram) -> None:
    reply = http.post(
        "/sendDocument",
        data={"chat_id": "7", "caption": "biên bản"},
        files={"document": ("bien-ban.txt", b"noi dung", "text/plain")},
    )
    assert reply.status_code == 200, reply.text
    document = reply.json()["result"]["document"]
    assert (document["file_name"], document["mime_type"], document["file_size"]) == (
        "bien-ban.txt",
        "text/plain",
        8,
    )
    assert fake.file_content(document["file_id"]) == b"noi dung"

    stray = http.post(
        "/sendMessage", data={"chat_id": "7", "text": "x"}, files={"extra": ("a", b"1")}
    )
    assert stray.status_code == 400 and "extra" in stray.json()["description"]


def test_nested_objects_are_checked_against_the_spec(http: httpx.Client) -> None:
    markup = '{"inline_keyboard": [[{"text": "a", "callback_data": "b", "colour": "red"}]]}'
    reply = http.post("/sendMessage", data={"chat_id": "1", "text": "x", "reply_markup": markup})
    assert reply.status_code == 400
    assert 'unknown field "colour" in InlineKeyboardButton' in reply.json()["description"]

    no_text = '{"keyboard": [[{"request_contact": true}]]}'
    reply = http.post("/sendMessage", data={"chat_id": "1", "text": "x", "reply_markup": no_text})
    assert reply.status_code == 400
    assert 'field "text" of KeyboardButton is required' in reply.json()["description"]

    scope = '{"type": "all_private_chats"}'
    commands = '[{"command": "start", "description": "Bắt đầu"}]'
    ok = http.post("/setMyCommands", data={"commands": commands, "scope": scope})
    assert ok.status_code == 200


def test_sync_wait(http: httpx.Client, fake: FakeTelegram) -> None:
    http.post("/sendChatAction", data={"chat_id": "1", "action": "typing"})
    assert len(fake.wait_for_sync("sendChatAction", timeout=1)) == 1
    bad = http.post("/sendChatAction", data={"chat_id": "1", "action": "dancing"})
    assert bad.status_code == 400


# ---- incoming updates ------------------------------------------------------------------------


def _builders(updates: Updates) -> dict[str, Callable[[], dict[str, Any]]]:
    return {
        "text": lambda: updates.text(CHAT, "Có trộm ở ngõ 5"),
        "command": lambda: updates.command(CHAT, "/start", payload="ref_abc"),
        "callback": lambda: updates.callback(CHAT, "tip:confirm"),
        "photo": lambda: updates.photo(CHAT, "AgACphoto", caption="Ảnh hiện trường"),
        "document": lambda: updates.document(
            CHAT, "BQACdoc", "bien-ban.pdf", "application/pdf", 2048
        ),
        "voice": lambda: updates.voice(CHAT, "AwACvoice", duration=4),
        "video": lambda: updates.video(CHAT, "BAACvideo", duration=7),
        "location": lambda: updates.location(CHAT, 21.0278, 105.8342),
        "contact": lambda: updates.contact(CHAT, "+84901234567", "Bình"),
        "blocked": lambda: updates.my_chat_member(CHAT, "member", "kicked"),
        "unblocked": lambda: updates.unblocked(CHAT),
        "group_text": lambda: updates.text(-1001234567890, "Trong nhóm", user_id=77),
    }


@pytest.mark.parametrize("name", list(_builders(Updates())))
def test_update_helpers_parse_with_ptb(name: str) -> None:
    raw = _builders(Updates())[name]()
    update = Update.de_json(raw, telegram.Bot(DEFAULT_TOKEN))
    assert update is not None and update.update_id == raw["update_id"]
    assert update.effective_chat is not None and update.effective_user is not None
    message = update.effective_message
    checks: dict[str, Callable[[], bool]] = {
        "text": lambda: message is not None and message.text == "Có trộm ở ngõ 5",
        "command": lambda: (
            message is not None
            and message.text == "/start ref_abc"
            and message.entities[0].type == "bot_command"
            and message.entities[0].length == len("/start")
        ),
        "callback": lambda: (
            update.callback_query is not None
            and update.callback_query.data == "tip:confirm"
            and update.callback_query.message is not None
        ),
        "photo": lambda: (
            message is not None
            and message.photo[-1].file_id == "AgACphoto"
            and message.photo[0].width < message.photo[-1].width
        ),
        "document": lambda: (
            message is not None
            and message.document is not None
            and message.document.file_name == "bien-ban.pdf"
        ),
        "voice": lambda: (
            message is not None
            and message.voice is not None
            and message.voice.mime_type == "audio/ogg"
        ),
        "video": lambda: (
            message is not None
            and message.video is not None
            and message.video.file_id == "BAACvideo"
        ),
        "location": lambda: (
            message is not None
            and message.location is not None
            and message.location.longitude == pytest.approx(105.8342)
        ),
        "contact": lambda: (
            message is not None
            and message.contact is not None
            and message.from_user is not None
            and message.contact.user_id == message.from_user.id
        ),
        "blocked": lambda: (
            update.my_chat_member is not None
            and update.my_chat_member.new_chat_member.status == "kicked"
        ),
        "unblocked": lambda: (
            update.my_chat_member is not None
            and update.my_chat_member.new_chat_member.status == "member"
        ),
        "group_text": lambda: (
            update.effective_chat is not None
            and update.effective_chat.type == "supergroup"
            and update.effective_user is not None
            and update.effective_user.id == 77
        ),
    }
    assert checks[name]()


@pytest.mark.parametrize("name", list(_builders(Updates())))
def test_update_helpers_are_valid_per_spec(name: str) -> None:
    spec = require_spec()
    raw = _builders(Updates())[name]()
    assert spec.check_object(raw, "Update") == []


def test_update_ids_increase_and_callbacks_find_sent_messages(
    fake: FakeTelegram, http: httpx.Client
) -> None:
    sent = http.post(
        "/sendMessage",
        data={
            "chat_id": str(CHAT),
            "text": "Xác nhận?",
            "reply_markup": _keyboard("yes").to_json(),
        },
    ).json()["result"]
    press = fake.updates.callback(CHAT, "yes")
    assert press["callback_query"]["message"]["message_id"] == sent["message_id"]
    assert press["callback_query"]["message"]["reply_markup"] == _keyboard("yes").to_dict()
    # Replies from the user share the chat's message counter with the bot's messages.
    reply = fake.updates.text(CHAT, "có")
    assert reply["message"]["message_id"] == sent["message_id"] + 1
    assert reply["update_id"] == press["update_id"] + 1
    other = fake.updates.contact(CHAT, "+84900000000", "Lan", contact_user_id=555)
    assert other["message"]["contact"]["user_id"] == 555
    with pytest.raises(ValueError, match="unsupported"):
        fake.updates.my_chat_member(CHAT, "member", "administrator")


def test_a_method_in_a_webhook_answer_is_made_as_telegram_would(fake: FakeTelegram) -> None:
    body = b'{"method": "sendMessage", "chat_id": 42, "text": "Xin ch\xc3\xa0o"}'
    call = fake.answered(body)
    assert call is not None and call.ok and call.transport == "webhook answer"
    assert fake.sent_texts(42) == ["Xin chào"]
    assert fake.chat_messages(42)[0]["text"] == "Xin chào"


@pytest.mark.parametrize(
    "body",
    [b"", b"{}", b'{"ok": true}', None],
    ids=["empty", "empty-object", "no-method", "none"],
)
def test_an_answer_without_a_method_is_no_call(fake: FakeTelegram, body: bytes | None) -> None:
    assert fake.answered(body) is None
    assert fake.calls() == []


def test_a_bad_call_in_a_webhook_answer_is_recorded_as_failed(fake: FakeTelegram) -> None:
    call = fake.answered({"method": "sendMessage", "chat_id": 42, "text": "x", "colour": "red"})
    assert call is not None and not call.ok and call.error_code == 400
    fake.block_chat(7)
    blocked = fake.answered({"method": "sendMessage", "chat_id": 7, "text": "x"})
    assert blocked is not None and blocked.error_code == 403
    assert fake.sent_texts() == []
