"""The Zalo Bot Platform adapter without the app: updates → neutral events, neutral replies
→ API calls, the client's error mapping (httpx.MockTransport), and the fake server."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest
from pydantic import SecretStr

from bot.channels.common import ZALO_MEDIA_HOSTS, FetchPolicy
from bot.channels.zalo_bot import (
    DEFAULT_RETRY_AFTER,
    TEXT_LIMIT,
    ZaloBotClient,
    ZaloBotError,
    ZaloBotNetworkError,
    ZaloBotUnauthorized,
    _delivery_call,
    parse_update,
    render,
    to_event,
    webhook_secret,
)
from bot.delivery import RetryLater, Transient, Unreachable
from bot.settings import Settings
from content import screen
from content.i18n import translate
from handlers.model import Kind, Media, MediaType, RenderedChoice, RenderedReply, Request
from handlers.ports import MediaUnavailable
from handlers.router import typed_choice
from tests.fakes.zalo_bot_api import DEFAULT_TOKEN, FakeZaloBot, Updates
from tests.unit.typed_commands import COMMANDS, NOT_COMMANDS, assert_command

ACCOUNT = "1459232241454765289"
CHAT = "6ede9afa66b88fe6d6a9"
updates = Updates()
PHOTO_URL = "https://zalo-cdn.example/photo/abc.jpg"


def event_of(update: dict[str, Any]) -> Any:
    return to_event(parse_update(update), ACCOUNT)


# -- inbound ----------------------------------------------------------------------------


def test_text_ids_and_event_id() -> None:
    update = updates.text(CHAT, "Có người lạ hỏi mật khẩu", message_id="2d758cb5e222177a4e35")
    event = event_of(update)
    assert (event.kind, event.text) == (Kind.TEXT, "Có người lạ hỏi mật khẩu")
    assert (event.channel, event.account, event.chat_id, event.user_id) == (
        "zalo_bot",
        ACCOUNT,
        CHAT,
        CHAT,
    )
    assert event.event_id == "message.text.received:2d758cb5e222177a4e35"


def test_wrapped_and_bare_payloads_give_the_same_event() -> None:
    bare = updates.text(CHAT, "xin chào", message_id="m1")
    assert event_of(bare) == event_of(Updates.wrapped(bare))


@pytest.mark.parametrize(
    "body",
    [
        [],
        "x",
        {},
        {"ok": True},
        {"ok": False, "result": {"event_name": "x"}},
        {"message": {}},
        {"event_name": "message.text.received", "message": "hi"},
        {"ok": False, "error_code": 408, "description": "Request timeout"},
    ],
)
def test_what_is_not_an_update(body: Any) -> None:
    with pytest.raises(ValueError):
        parse_update(body)


@pytest.mark.parametrize(
    ("text", "expected"),
    [*COMMANDS, ("/menu@binhyen_bot", ("menu", "")), ("  /help  ", ("help", ""))],
)
def test_commands(text: str, expected: tuple[str, str]) -> None:
    assert_command(event_of(updates.text(CHAT, text)), expected)


def test_a_lone_slash_is_text() -> None:
    assert {event_of(updates.text(CHAT, text)).kind for text in NOT_COMMANDS} == {Kind.TEXT}


@pytest.mark.parametrize("legacy", [False, True])
def test_images_by_photo_url_or_legacy_photo_with_caption(legacy: bool) -> None:
    event = event_of(updates.image(CHAT, PHOTO_URL, caption="xe máy", legacy=legacy))
    assert event.kind is Kind.MEDIA
    assert event.media == Media(MediaType.PHOTO, PHOTO_URL, None, None, "xe máy")


def test_photo_url_is_preferred_and_a_blank_caption_dropped() -> None:
    update = updates.image(CHAT, PHOTO_URL, caption="  ")
    update["message"]["photo"] = "https://old.example/legacy.jpg"
    event = event_of(update)
    assert event.media.ref == PHOTO_URL and event.media.caption is None


@pytest.mark.parametrize("url", ["", "file:///etc/passwd", "javascript:alert(1)", 42])
def test_an_image_without_a_web_url_is_unsupported(url: Any) -> None:
    update = updates.event("message.image.received", CHAT, photo_url=url)
    assert event_of(update).kind is Kind.UNSUPPORTED


def test_voice_when_present() -> None:
    event = event_of(updates.voice(CHAT, "https://voice.example/clip.aac"))
    assert event.kind is Kind.MEDIA
    assert (event.media.type, event.media.ref) == (
        MediaType.VOICE,
        "https://voice.example/clip.aac",
    )


@pytest.mark.parametrize(
    "update",
    [
        updates.sticker(CHAT),
        updates.unsupported(CHAT),
        updates.event("message.location.received", CHAT),
        updates.event("message.text.received", CHAT),  # no text at all
        updates.event("message.voice.received", CHAT),  # no URL
    ],
)
def test_stickers_and_the_rest_are_unsupported(update: dict[str, Any]) -> None:
    event = event_of(update)
    assert event.kind is Kind.UNSUPPORTED
    assert event.event_id.startswith(update["event_name"] + ":")


def test_an_event_without_message_id_gets_a_stable_id() -> None:
    update = updates.unsupported(CHAT)
    del update["message"]["message_id"]
    first, second = event_of(update), event_of(json.loads(json.dumps(update)))
    assert first.event_id == second.event_id
    assert first.event_id.startswith("message.unsupported.received:#")


@pytest.mark.parametrize("chat_type", ["GROUP", "group", "Group"])
def test_group_chats_are_not_read(chat_type: str) -> None:
    update = updates.text("group-1", "@binhyen tôi muốn báo tin", chat_type=chat_type, user_id="u")
    assert event_of(update) is None


def test_without_a_chat_type_only_the_senders_own_chat_is_read() -> None:
    own = updates.text(CHAT, "xin chào")
    del own["message"]["chat"]["chat_type"]
    assert event_of(own) is not None
    other = updates.text("group-2", "xin chào", user_id="someone")
    del other["message"]["chat"]["chat_type"]
    assert event_of(other) is None


def test_messages_from_bots_and_without_a_chat_are_ignored() -> None:
    from_bot = updates.text(CHAT, "xin chào")
    from_bot["message"]["from"]["is_bot"] = True
    assert event_of(from_bot) is None
    no_chat = updates.text(CHAT, "xin chào")
    del no_chat["message"]["chat"]
    assert event_of(no_chat) is None


def test_a_pasted_message_is_plain_text_with_no_forward_mark() -> None:
    # The Bot Platform's updates say nothing of forwarding: a pasted scam message is read by
    # its wording instead (handlers/forwarded.py, handlers/at_menu.py).
    update = updates.text(CHAT, "[Thông báo] Tài khoản của bạn bị khóa, gọi 0912345678")
    update["message"]["message_type"] = "CHAT_MESSAGE"
    event = event_of(update)
    assert (event.kind, event.forwarded) == (Kind.TEXT, False)


def test_first_name_instead_of_display_name_and_numeric_ids() -> None:
    update = updates.text(CHAT, "xin chào")
    update["message"]["from"] = {"id": 12345, "first_name": "Ted"}
    update["message"]["chat"]["id"] = 12345
    event = event_of(update)
    assert (event.chat_id, event.user_id) == ("12345", "12345")


# -- outbound ---------------------------------------------------------------------------


def texts(reply: RenderedReply) -> list[str]:
    return [c.params["text"] for c in render(reply) if c.method == "sendMessage"]


def test_plain_text_is_one_message() -> None:
    calls = render(RenderedReply("Xin chào"))
    assert [(c.method, c.params) for c in calls] == [("sendMessage", {"text": "Xin chào"})]


def test_choices_are_a_numbered_list_with_a_hint() -> None:
    reply = RenderedReply(
        "Bạn muốn dùng ngôn ngữ nào?",
        choices=(RenderedChoice("lang:vi", "Tiếng Việt"), RenderedChoice("lang:en", "English")),
        lang="vi",
    )
    (message,) = texts(reply)
    assert message == (
        "Bạn muốn dùng ngôn ngữ nào?\n\n1. Tiếng Việt\n2. English\n"
        + translate("zalo_bot.choose_hint", "vi")
    )
    pending = [[c.id, c.label] for c in reply.choices]
    assert typed_choice(pending, "2") == "lang:en"
    assert typed_choice(pending, "tieng viet") == "lang:vi"


def test_the_hint_is_in_the_residents_language() -> None:
    reply = RenderedReply("Menu", choices=(RenderedChoice("a", "A"),), lang="en")
    assert texts(reply)[0].endswith(translate("zalo_bot.choose_hint", "en"))
    assert translate("zalo_bot.choose_hint", "en") != translate("zalo_bot.choose_hint", "vi")


PAGE_CHOICES = (
    RenderedChoice("learn:card:fire_safety:1", "Lựa chọn 1"),
    RenderedChoice("learn:topics", "Lựa chọn 2"),
    RenderedChoice("nav:menu", "Lựa chọn 3"),
    RenderedChoice("nav:emergency", "Lựa chọn 4"),
)


@pytest.mark.parametrize(
    ("lines", "hint", "gap"),
    [(10, True, True), (13, False, True), (14, False, False), (30, True, True)],
    ids=["fits with both", "fits without the hint", "fits as measured", "too long anyway"],
)
def test_an_advice_page_near_a_screen_loses_the_hint_then_the_blank_line(
    lines: int, hint: bool, gap: bool
) -> None:
    """A page of 14 rows and 4 choices is measured at 18 (content/screen.py): as sent it must
    take no more; a list too long for a screen in any form keeps both."""
    reply = RenderedReply("\n".join(f"Dòng {n}" for n in range(lines)), choices=PAGE_CHOICES)
    (message,) = texts(reply)
    assert message.endswith(translate("zalo_bot.choose_hint", "vi")) is hint
    assert ("\n\n1. Lựa chọn 1" in message) is gap
    assert "\n4. Lựa chọn 4" in message
    if lines < 30:
        assert len(screen.rows(message)) <= screen.SCREEN_ROWS


def test_other_messages_and_numbered_pages_keep_their_blank_line() -> None:
    long = "\n".join(f"Dòng {n}" for n in range(14))
    steps = tuple(RenderedChoice(f"cat:{n}", f"Loại {n}") for n in range(5))
    (message,) = texts(RenderedReply(long, choices=steps))  # a longer list: all of it
    assert message.endswith("\n\n1. Loại 0\n2. Loại 1\n3. Loại 2\n4. Loại 3\n5. Loại 4\n" + HINT)
    listed = "\n".join(f"{n}. Bước {n}" for n in range(1, 14))  # a page's own numbered list
    (message,) = texts(RenderedReply(listed, choices=PAGE_CHOICES))
    assert "13. Bước 13\n\n1. Lựa chọn 1" in message


HINT = translate("zalo_bot.choose_hint", "vi")


@pytest.mark.parametrize(
    ("request_", "msgid"),
    [(Request.LOCATION, "zalo_bot.type_address"), (Request.CONTACT, "zalo_bot.type_phone")],
)
def test_a_request_asks_to_type_it(request_: Request, msgid: str) -> None:
    reply = RenderedReply(
        "Việc này xảy ra ở đâu?",
        choices=(RenderedChoice("where:commune", "Trong phường"),),
        request=request_,
    )
    (message,) = texts(reply)
    hint = translate(msgid, "vi")
    assert message.index(hint) < message.index("1. Trong phường")


def test_long_text_is_split_and_the_choices_ride_on_the_last_piece() -> None:
    paragraph = "Nội dung tin báo rất dài. " * 40  # ~1,040 characters
    text = "\n\n".join([paragraph.strip()] * 3)  # ~3,100 characters
    reply = RenderedReply(text, choices=(RenderedChoice("tip:confirm", "Gửi"),))
    pieces = texts(reply)
    assert len(pieces) >= 2
    assert all(1 <= len(p) <= TEXT_LIMIT for p in pieces)
    assert "1. Gửi" in pieces[-1] and all("1. Gửi" not in p for p in pieces[:-1])


def test_choices_that_do_not_fit_come_in_a_message_of_their_own() -> None:
    reply = RenderedReply("x" * 1990, choices=(RenderedChoice("a", "A"), RenderedChoice("b", "B")))
    pieces = texts(reply)
    assert pieces[0] == "x" * 1990
    assert pieces[1].startswith("1. A\n2. B")


def test_only_choices_and_nothing_at_all() -> None:
    assert texts(RenderedReply("  ", choices=(RenderedChoice("a", "A"),)))[0].startswith("1. A")
    assert render(RenderedReply("")) == []


def test_photos_go_by_url_with_their_caption() -> None:
    long_caption = "Ảnh hiện trường. " * 150  # over 2,000 characters
    reply = RenderedReply(
        "Ảnh bạn gửi:",
        media=(
            Media(MediaType.PHOTO, PHOTO_URL, caption=long_caption),
            Media(MediaType.PHOTO, "blob:abc"),  # not a URL: cannot be sent
            Media(MediaType.VIDEO, "https://v.example/v.mp4"),  # photos only
        ),
    )
    calls = render(reply)
    assert calls[0].method == "sendPhoto"
    assert calls[0].params["photo"] == PHOTO_URL
    assert 1 <= len(calls[0].params["caption"]) <= TEXT_LIMIT
    assert calls[1].method == "sendMessage"  # the rest of the caption
    assert calls[-1].params == {"text": "Ảnh bạn gửi:"}
    assert [c.method for c in calls].count("sendPhoto") == 1


# -- settings ---------------------------------------------------------------------------


def test_the_webhook_secret_is_derived_or_configured() -> None:
    derived = webhook_secret(Settings(secret_key=SecretStr("k" * 32)))
    assert 8 <= len(derived) <= 256
    assert derived != webhook_secret(Settings(secret_key=SecretStr("other" * 8)))
    assert webhook_secret(Settings(zalo_bot_webhook_secret=SecretStr("abcdefgh"))) == "abcdefgh"
    for bad in ("short", "x" * 257):
        with pytest.raises(ValueError):
            webhook_secret(Settings(zalo_bot_webhook_secret=SecretStr(bad)))


# -- the client and its errors --------------------------------------------------------------

Handler = Callable[[httpx.Request], httpx.Response]
TOKEN = "777:very-secret-token-value"


def mock_client(handler: Handler, media: FetchPolicy | None = None) -> ZaloBotClient:
    http = httpx.AsyncClient(transport=httpx.MockTransport(handler))
    return ZaloBotClient(TOKEN, "https://bot-api.example", http=http, media=media)


def answer(status: int, body: Any) -> Handler:
    def handle(request: httpx.Request) -> httpx.Response:
        if isinstance(body, str):
            return httpx.Response(status, text=body)
        return httpx.Response(status, json=body)

    return handle


async def delivered(client: ZaloBotClient) -> Any:
    return await _delivery_call(lambda: client.send_message(CHAT, "xin chào"))


async def test_requests_are_json_posts_to_the_method_url() -> None:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, json={"ok": True, "result": {"message_id": "m", "date": 1}})

    result = await mock_client(handle).send_message(CHAT, "xin chào")
    assert result == {"message_id": "m", "date": 1}
    (request,) = seen
    assert request.method == "POST"
    assert str(request.url) == f"https://bot-api.example/bot{TOKEN}/sendMessage"
    assert request.headers["content-type"] == "application/json"
    assert json.loads(request.content) == {"chat_id": CHAT, "text": "xin chào"}


@pytest.mark.parametrize("status", [429, 200])
async def test_429_is_retry_later_with_a_default_pause(status: int) -> None:
    client = mock_client(answer(status, {"ok": False, "error_code": 429, "description": "Too"}))
    with pytest.raises(RetryLater) as caught:
        await delivered(client)
    assert caught.value.seconds == DEFAULT_RETRY_AFTER


async def test_429_with_a_retry_after_uses_it() -> None:
    body = {"ok": False, "error_code": 429, "description": "x", "parameters": {"retry_after": 2}}
    with pytest.raises(RetryLater) as caught:
        await delivered(mock_client(answer(429, body)))
    assert caught.value.seconds == 2


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (403, {"ok": False, "error_code": 403, "description": "Forbidden"}),
        (200, {"ok": False, "error_code": 400, "description": "User has blocked the bot"}),
        (400, {"ok": False, "error_code": 400, "description": "Bot is not allowed to send"}),
    ],
)
async def test_blocked_is_unreachable(status: int, body: dict[str, Any]) -> None:
    with pytest.raises(Unreachable):
        await delivered(mock_client(answer(status, body)))


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (502, "<html>Bad Gateway</html>"),
        (200, "not json"),
        (500, {"ok": False, "error_code": 500, "description": "Internal"}),
        (200, {"result": 1}),
    ],
)
async def test_server_errors_and_bodies_that_are_not_the_envelope_are_transient(
    status: int, body: Any
) -> None:
    with pytest.raises(Transient):
        await delivered(mock_client(answer(status, body)))


@pytest.mark.parametrize("error", [httpx.ConnectError, httpx.ReadTimeout])
async def test_network_errors_are_transient_and_never_carry_the_url(
    error: type[httpx.TransportError],
) -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        raise error(f"failed for {request.url}", request=request)

    client = mock_client(handle)
    with pytest.raises(ZaloBotNetworkError) as caught:
        await client.send_message(CHAT, "x")
    assert TOKEN not in str(caught.value) and caught.value.__cause__ is None
    assert caught.value.__suppress_context__
    with pytest.raises(Transient) as transient:
        await delivered(client)
    assert TOKEN not in str(transient.value)


async def test_other_refusals_propagate_as_permanent_errors() -> None:
    body = {"ok": False, "error_code": 400, "description": f"bad text for bot{TOKEN}"}
    with pytest.raises(ZaloBotError) as caught:
        await delivered(mock_client(answer(400, body)))
    assert caught.value.error_code == 400 and not caught.value.transient
    assert TOKEN not in str(caught.value) and "<token>" in caught.value.description


async def test_a_refused_token() -> None:
    client = mock_client(answer(401, {"ok": False, "error_code": 401, "description": "Unauth"}))
    with pytest.raises(ZaloBotUnauthorized):
        await client.get_me()


async def test_get_updates_408_and_empty_mean_nothing_new() -> None:
    timeout = {"ok": False, "error_code": 408, "description": "Request timeout"}
    assert await mock_client(answer(408, timeout)).get_updates(1) == []
    assert await mock_client(answer(200, timeout)).get_updates(1) == []
    assert await mock_client(answer(200, {"ok": True, "result": {}})).get_updates(1) == []
    update = updates.text(CHAT, "x")
    got = await mock_client(answer(200, {"ok": True, "result": update})).get_updates(1)
    assert got == [update]


async def test_webhook_info_404_means_none() -> None:
    client = mock_client(answer(404, {"ok": False, "error_code": 404, "description": "NF"}))
    assert await client.get_webhook_info() is None
    empty = mock_client(answer(200, {"ok": True, "result": {"url": "", "updated_at": 1}}))
    assert await empty.get_webhook_info() is None


async def test_send_chat_action_answers_ok_without_result() -> None:
    assert await mock_client(answer(200, {"ok": True})).send_chat_action(CHAT) is None


async def test_downloads_are_capped_and_web_only() -> None:
    def handle(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/big":
            return httpx.Response(200, content=b"x" * 5000)  # no content-length check
        if request.url.path == "/gone":
            return httpx.Response(404)
        return httpx.Response(200, content=b"jpeg")

    # Only from Zalo's CDN or a test origin (here the mock's), tests/unit/test_fetch_public.py.
    client = mock_client(handle, FetchPolicy.of("", "https://bot-api.example:443", ()))
    assert await client.download("https://bot-api.example/ok", 100) == b"jpeg"
    for url in (
        "https://bot-api.example/big",
        "https://bot-api.example/gone",
        "file:///etc/passwd",
        "http://127.0.0.1:8080/metrics",
    ):
        with pytest.raises(MediaUnavailable):
            await client.download(url, 100)


async def test_nothing_logs_the_token(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)

    def handle(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"ok": True, "result": {"message_id": "m"}})

    await mock_client(handle).send_message(CHAT, "xin chào")
    assert TOKEN not in caplog.text and "very-secret" not in caplog.text


# -- the fake ---------------------------------------------------------------------------


@pytest.fixture
def fake(fake_zalo_bot: FakeZaloBot) -> FakeZaloBot:
    return fake_zalo_bot


@pytest.fixture
async def client(fake: FakeZaloBot) -> AsyncIterator[ZaloBotClient]:
    # The fake serves files too: fetched from its exact origin, over http (a test origin).
    media = FetchPolicy.of("", fake.api_base, ZALO_MEDIA_HOSTS)
    c = ZaloBotClient(fake.token, fake.api_base, media=media)
    yield c
    await c.aclose()


async def test_fake_records_sends_and_enforces_the_text_limit(
    fake: FakeZaloBot, client: ZaloBotClient
) -> None:
    sent = await client.send_message(CHAT, "x" * TEXT_LIMIT)
    assert set(sent) == {"message_id", "date"}
    for bad in ("", "x" * (TEXT_LIMIT + 1)):
        with pytest.raises(ZaloBotError) as caught:
            await client.send_message(CHAT, bad)
        assert caught.value.error_code == 400
    assert [c.ok for c in fake.calls("sendMessage")] == [True, False, False]
    assert fake.sent_texts(CHAT) == ["x" * TEXT_LIMIT]
    assert fake.last("sendMessage").transport == "json"


async def test_fake_checks_token_params_and_methods(fake: FakeZaloBot) -> None:
    wrong = ZaloBotClient("1:wrong", fake.api_base)
    with pytest.raises(ZaloBotUnauthorized):
        await wrong.get_me()
    await wrong.aclose()
    async with httpx.AsyncClient(base_url=fake.api_base) as http:
        base = f"/bot{fake.token}"
        assert (await http.post(f"{base}/sendVoice", json={})).status_code == 404
        unknown = await http.post(
            f"{base}/sendMessage", json={"chat_id": CHAT, "text": "x", "parse_mode": "markdown"}
        )
        assert unknown.status_code == 400 and unknown.json()["ok"] is False
        number = await http.post(f"{base}/sendMessage", json={"chat_id": 5, "text": "x"})
        assert number.status_code == 400
        form = await http.post(f"{base}/sendMessage", data={"chat_id": CHAT, "text": "xin chào"})
        assert form.json()["ok"] is True
        bad_photo = await http.post(f"{base}/sendPhoto", json={"chat_id": CHAT, "photo": "abc"})
        assert bad_photo.status_code == 400
    assert fake.last("sendMessage").transport == "form"
    assert fake.calls()[0].error_code == 401


async def test_fake_get_updates_one_per_call_then_408(
    fake: FakeZaloBot, client: ZaloBotClient
) -> None:
    fake.queue_update(updates.text(CHAT, "một"))
    fake.queue_update(updates.text(CHAT, "hai"))
    first, second = await client.get_updates(1), await client.get_updates(1)
    assert [u["message"]["text"] for u in first + second] == ["một", "hai"]
    assert await client.get_updates(5) == []  # 408 after the capped wait
    assert fake.calls("getUpdates")[-1].error_code == 408
    assert fake.calls("getUpdates")[0].params == {"timeout": "1"}


async def test_fake_webhook_state_refuses_get_updates(
    fake: FakeZaloBot, client: ZaloBotClient
) -> None:
    assert await client.get_webhook_info() is None
    with pytest.raises(ZaloBotError):
        await client.set_webhook("http://insecure.example/hook", "long-enough")
    with pytest.raises(ZaloBotError):
        await client.set_webhook("https://binhyen.example/hook", "short")
    await client.set_webhook("https://binhyen.example/hook", "long-enough")
    assert fake.webhook_headers() == {"X-Bot-Api-Secret-Token": "long-enough"}
    assert (await client.get_webhook_info() or {})["url"] == "https://binhyen.example/hook"
    with pytest.raises(ZaloBotError) as caught:
        await client.get_updates(1)
    assert caught.value.error_code == 409
    await client.delete_webhook()
    assert await client.get_updates(0) == []


async def test_fake_failures_on_demand(fake: FakeZaloBot, client: ZaloBotClient) -> None:
    fake.fail_next("sendMessage", 429, retry_after=1)
    fake.fail_next("sendMessage", 502, html=True)
    fake.block_chat("blocked-chat")
    with pytest.raises(ZaloBotError) as limited:
        await client.send_message(CHAT, "x")
    assert (limited.value.error_code, limited.value.retry_after) == (429, 1)
    with pytest.raises(ZaloBotNetworkError):
        await client.send_message(CHAT, "x")
    assert (await client.send_message(CHAT, "x"))["message_id"]
    with pytest.raises(Unreachable):
        await _delivery_call(lambda: client.send_message("blocked-chat", "x"))
    fake.errors_as_http_200 = True
    fake.fail_next("*", 400, "Bad Request: nope")
    with pytest.raises(ZaloBotError) as caught:
        await client.get_me()
    assert caught.value.error_code == 400


async def test_fake_serves_files(fake: FakeZaloBot, client: ZaloBotClient) -> None:
    url = fake.add_file("photo.jpg", b"\xff\xd8jpeg")
    assert await client.download(url, 1000) == b"\xff\xd8jpeg"
    assert fake.downloads == ["photo.jpg"]
    with pytest.raises(MediaUnavailable):
        await client.download(fake.file_url("missing.jpg"), 1000)


def test_fake_update_builders() -> None:
    bare = updates.image(CHAT, PHOTO_URL, caption="c")
    assert bare["event_name"] == "message.image.received"
    assert bare["message"]["photo_url"] == PHOTO_URL and bare["message"]["caption"] == "c"
    assert "photo" in updates.image(CHAT, PHOTO_URL, legacy=True)["message"]
    assert Updates.wrapped(bare) == {"ok": True, "result": bare}
    group = updates.group_text("g", "u", "hi")["message"]
    assert group["chat"] == {"id": "g", "chat_type": "GROUP"} and group["from"]["id"] == "u"
    assert DEFAULT_TOKEN.split(":")[0] == ACCOUNT
