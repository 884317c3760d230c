"""Telegram end to end: updates posted to the real webhook of the real app, replies sent by
the real python-telegram-bot client to a fake Bot API that checks every request against
the Bot API spec (tests/fakes/telegram_api.py)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from bot.channels.telegram import Rates
from bot.settings import Settings
from tests.e2e import channels
from tests.e2e.channels import (
    ChannelSetup,
    app_settings,
    assert_one_tip_stored,
    assert_paced,
    assert_retried,
    db_rows,
    running_app,
    vi,
)
from tests.fakes.telegram_api import Call, FakeTelegram

SECRET = "webhook-secret_for-tests"
UNPACED = Rates(per_bot=10_000, per_chat=10_000, chat_burst=10_000)
HOOK = "/webhooks/telegram"
PHOTO = b"\xff\xd8\xff\xe0" + b"a photo of the scooter" * 40


@pytest.fixture
def fake(fake_telegram: FakeTelegram) -> FakeTelegram:
    return fake_telegram


def settings_for(fake: FakeTelegram, sqlite_url: str, media: Path, **extra: Any) -> Settings:
    channel: dict[str, Any] = {
        "telegram_token": fake.token,
        "telegram_api_base": fake.api_base,
        "telegram_webhook_secret": SECRET,
        "public_url": "https://binhyen.example",
    }
    return app_settings(sqlite_url, media, **(channel | extra))


@pytest.fixture
def channel_setup(fake: FakeTelegram, sqlite_url: str, media_dir: Path) -> ChannelSetup:
    # Telegram's per-chat pace (1/s after a burst of 3) would make every step of these
    # conversations wait; test_one_chat_is_paced checks it with the real rates.
    return ChannelSetup(
        settings_for(fake, sqlite_url, media_dir),
        rates={"telegram": UNPACED},
        webhook_headers={"X-Telegram-Bot-Api-Secret-Token": SECRET},
    )


class Resident(channels.Resident[Call]):
    """One Telegram user: posts updates to the webhook, reads what the bot sent back."""

    hook_path = HOOK

    def __init__(
        self, app: FastAPI, hook: httpx.AsyncClient, fake: FakeTelegram, chat: int
    ) -> None:
        super().__init__(app, hook)
        self.fake, self.chat = fake, chat

    async def post(self, update: dict[str, Any]) -> list[Call]:
        """Post `update`; the answer's body goes to the fake, as Telegram applies a reply put
        there (BINHYEN_TELEGRAM_ANSWER_IN_RESPONSE); then delivery is drained."""
        before = len(self.fake.calls())
        response = await self.hook.post(self.hook_path, json=update)
        assert response.status_code == 200, (response.status_code, response.text)
        self.fake.answered(response.content)
        await self.app.state.runtime.delivery.drain()
        self.last = [
            c
            for c in self.fake.calls()[before:]
            if c.chat_id == self.chat or c.method == "answerCallbackQuery"
        ]
        return self.last

    @property
    def text(self) -> str:
        return "\n".join(c.params["text"] for c in self.last if c.method == "sendMessage")

    @property
    def buttons(self) -> dict[str, str]:
        """Label → callback_data of the last inline keyboard sent."""
        for call in reversed(self.last):
            markup = call.params.get("reply_markup") or {}
            if "inline_keyboard" in markup:
                return {
                    b["text"]: b["callback_data"] for row in markup["inline_keyboard"] for b in row
                }
        return {}

    async def say(self, words: str) -> str:
        update = (
            self.fake.updates.command(
                self.chat, words.split()[0], " ".join(words.split()[1:]) or None
            )
            if words.startswith("/")
            else self.fake.updates.text(self.chat, words)
        )
        await self.post(update)
        return self.text

    async def press(self, data: str) -> str:
        assert data in self.buttons.values(), (data, self.buttons)
        await self.post(self.fake.updates.callback(self.chat, data))
        return self.text

    async def choose_vietnamese(self) -> None:
        await self.press("lang:vi")

    def at_the_menu(self) -> bool:
        return "menu:tip" in self.buttons.values()


@pytest.fixture
def resident(app: FastAPI, hook: httpx.AsyncClient, fake: FakeTelegram) -> Resident:
    return Resident(app, hook, fake, 5550001)


# -- the webhook door -------------------------------------------------------------------


async def test_the_secret_header_is_required(hook: httpx.AsyncClient, fake: FakeTelegram) -> None:
    update = fake.updates.command(1, "/start")
    wrong = await hook.post(HOOK, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": "x"})
    assert wrong.status_code == 403
    del hook.headers["X-Telegram-Bot-Api-Secret-Token"]
    missing = await hook.post(HOOK, json=update)
    assert missing.status_code == 403
    assert fake.calls("sendMessage") == []


async def test_malformed_and_unknown_updates_get_200_and_nothing_else(
    app: FastAPI, hook: httpx.AsyncClient, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "binhyen.telegram")
    for body in (b"{not json", b"[]", b'{"update_id": "x"}', b'{"message": {}}'):
        response = await hook.post(HOOK, content=body)
        assert response.status_code == 200
    edited = fake.updates.message(77, kind="edited_message", text="sửa lại")
    assert (await hook.post(HOOK, json=edited)).status_code == 200
    await app.state.runtime.delivery.drain()
    assert fake.calls("sendMessage") == []
    assert "malformed update ignored" in caplog.text
    assert "update ignored: edited_message" in caplog.text
    assert "sửa lại" not in caplog.text


async def test_updates_the_bot_api_would_never_send_get_200_and_nothing_else(
    app: FastAPI, hook: httpx.AsyncClient, fake: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 19's fuzzing: a message without its chat, an entity's offset that is no number,
    a file's type that is no text, a member update without its new member. Each answered 500
    (and Telegram would send it again and again); now each is logged by kind and dropped."""
    caplog.set_level(logging.INFO, "binhyen.telegram")
    no_chat = fake.updates.text(81, "xin chào")
    del no_chat["message"]["chat"]
    offsets = fake.updates.command(82, "/start")
    offsets["message"]["entities"][0]["offset"] = "đầu"
    mime = fake.updates.text(83, "ảnh")
    mime["message"]["document"] = {"file_id": "f", "file_unique_id": "u", "mime_type": 7}
    member = {
        "update_id": 999_001,
        "my_chat_member": {
            "chat": {"id": 84, "type": "private"},
            "from": {"id": 84, "is_bot": False, "first_name": "A"},
            "date": 1,
            "old_chat_member": {
                "status": "member",
                "user": {"id": 1, "is_bot": True, "first_name": "B"},
            },
        },
    }
    for body in (no_chat, offsets, mime, member):
        response = await hook.post(HOOK, json=body)
        assert response.status_code == 200, (body, response.text)
        fake.answered(response.content)
    await app.state.runtime.delivery.drain()
    # Nobody to answer without a chat; what still reads as a message may be answered.
    assert {c.params["chat_id"] for c in fake.calls("sendMessage")} <= {82, 83}
    assert "malformed update ignored: Malformed" in caplog.text  # events.py's own refusal
    assert "xin chào" not in caplog.text


async def test_an_oversized_body_is_refused(hook: httpx.AsyncClient) -> None:
    response = await hook.post(HOOK, content=b"{" + b" " * 1_000_001 + b"}")
    assert response.status_code == 413


async def test_group_messages_are_not_read(
    app: FastAPI, hook: httpx.AsyncClient, fake: FakeTelegram
) -> None:
    update = fake.updates.text(-100123, "tôi muốn báo tin", user_id=9)
    assert (await hook.post(HOOK, json=update)).status_code == 200
    await app.state.runtime.delivery.drain()
    assert fake.calls("sendMessage") == []


# -- conversations ----------------------------------------------------------------------


async def test_start_language_commune_menu(resident: Resident, fake: FakeTelegram) -> None:
    await resident.say("/start")
    assert set(resident.buttons.values()) >= {"lang:vi", "lang:en"}
    await resident.press("lang:vi")
    assert resident.last[0].method == "answerCallbackQuery"
    await resident.say("ha noi")
    await resident.say("phuong ba dinh")
    assert vi("menu.title").split("{")[0][:20] in resident.text
    assert "menu:tip" in resident.buttons.values()
    # Every request the bot made was valid per the Bot API spec (the fake refuses others).
    assert all(c.ok for c in fake.calls()), [c for c in fake.calls() if not c.ok]


async def test_a_full_tip_with_a_photo_and_a_location_then_my_tips(
    resident: Resident, fake: FakeTelegram, sqlite_url: str
) -> None:
    await resident.onboard()
    await resident.press("menu:tip")
    await resident.press("tip:consent_yes")
    await resident.press("cat:theft_robbery")
    await resident.say(
        "Hai thanh niên đi xe máy không biển số giật túi xách của một chị ở đầu ngõ."
    )
    await resident.press("tip:done")
    await resident.press("when:today")
    # The "where" step asks for a place: an inline keyboard, and a reply keyboard with the
    # location button in a message of its own.
    requests = [
        b
        for c in resident.last
        for row in (c.params.get("reply_markup") or {}).get("keyboard", [])
        for b in row
    ]
    assert any(b.get("request_location") for b in requests), resident.last
    await resident.post(fake.updates.location(resident.chat, 21.0341, 105.8372))
    fake.add_file("photo-big", PHOTO, "photos/file_1.jpg")
    await resident.post(fake.updates.photo(resident.chat, "photo-big", caption="xe máy"))
    assert fake.calls("getFile")
    await resident.press("tip:media_done")
    await resident.press("tip:details_no")
    await resident.press("id:anonymous")
    await resident.say("Xe Wave màu đỏ, người ngồi sau mặc áo khoác xanh, khoảng 20 tuổi.")
    while "tip:confirm" not in resident.buttons.values():
        await resident.press(
            next(d for d in resident.buttons.values() if d.endswith("done") or d.endswith("skip"))
        )
    await resident.press("tip:confirm")
    code = await assert_one_tip_stored(sqlite_url, resident.text, lat=21.0341, photo=PHOTO)
    await resident.press("menu:mytips")
    assert code in resident.text or any(code in k for k in resident.buttons)


async def test_a_repeated_update_is_answered_once(resident: Resident, fake: FakeTelegram) -> None:
    update = fake.updates.command(resident.chat, "/start")
    await resident.post(update)
    first = len(fake.calls("sendMessage"))
    assert first >= 1
    await resident.post(update)  # Telegram resends after a slow answer
    assert len(fake.calls("sendMessage")) == first


async def test_a_stale_button_is_answered_and_the_step_shown_again(
    resident: Resident, fake: FakeTelegram
) -> None:
    await resident.onboard()
    await resident.post(fake.updates.callback(resident.chat, "lang:en"))  # from the first menu
    assert resident.last[0].method == "answerCallbackQuery"
    assert vi("input.stale_choice") in resident.text


async def test_a_sticker_gets_a_hint(resident: Resident, fake: FakeTelegram) -> None:
    await resident.onboard()
    sticker = {
        "file_id": "st-1",
        "file_unique_id": "st1",
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "👍",
    }
    await resident.post(fake.updates.message(resident.chat, sticker=sticker))
    assert vi("input.unsupported") in resident.text


async def test_the_contact_button_fills_the_phone(resident: Resident, fake: FakeTelegram) -> None:
    await resident.onboard()
    for step in ("menu:tip", "tip:consent_yes", "cat:fraud_phone"):
        await resident.press(step)
    await resident.say("Có người gọi tự xưng công an, bảo chuyển tiền để xác minh tài khoản.")
    for step in ("tip:done", "when:today"):
        await resident.press(step)
    await resident.say("Số 3 phố Hàng Bông")
    for step in ("tip:media_done", "tip:details_no", "id:named"):
        await resident.press(step)
    await resident.say("Trần Thị Bình")
    keyboards = [c.params.get("reply_markup") or {} for c in resident.last]
    assert any(
        b.get("request_contact") for k in keyboards for row in k.get("keyboard", []) for b in row
    )
    await resident.post(fake.updates.contact(resident.chat, "+84912345678", "Bình"))
    assert "tip:confirm" in resident.buttons.values(), resident.text
    assert "Trần Thị Bình, 0912 345 678" in resident.text


# -- delivery ---------------------------------------------------------------------------


async def test_too_many_requests_pauses_then_delivers(
    resident: Resident, fake: FakeTelegram
) -> None:
    fake.fail_next("sendMessage", 429, retry_after=1)
    await resident.say("/start")
    assert_retried(fake.calls("sendMessage", ok=None), after=0.9)  # after the pause


async def test_a_blocked_bot_marks_the_resident_unreachable(
    resident: Resident, fake: FakeTelegram, sqlite_url: str
) -> None:
    await resident.onboard()
    fake.block_chat(resident.chat)
    # A reply in the webhook's answer never hears of the 403: Telegram tells a bot nothing
    # about an answer's call. Nothing is lost by it: who blocked the bot writes nothing to it,
    # and blocking it sends a my_chat_member update, which marks them unreachable. The 403 of
    # a call the bot makes itself is what is tested here.
    resident.app.state.telegram.answer_in_response = False
    await resident.say("menu")
    assert fake.calls("sendMessage", ok=False)
    assert await db_rows(sqlite_url, "SELECT reachable FROM channel_identities") == [(False,)]
    fake.unblock_chat(resident.chat)
    await resident.post(fake.updates.unblocked(resident.chat))
    assert await db_rows(sqlite_url, "SELECT reachable FROM channel_identities") == [(True,)]
    await resident.post(fake.updates.blocked(resident.chat))
    assert await db_rows(sqlite_url, "SELECT reachable FROM channel_identities") == [(False,)]


async def test_one_chat_is_paced(resident: Resident, fake: FakeTelegram, app: FastAPI) -> None:
    app.state.telegram.rates = Rates()  # Telegram's: 1 message/s per chat after a burst of 3
    for _ in range(3):
        await resident.say("/start")
    times = [c.at for c in fake.calls("sendMessage")]
    assert_paced(times, at_least=6, burst_within=0.5, gap=0.9)


async def test_network_errors_are_retried(resident: Resident, fake: FakeTelegram) -> None:
    fake.fail_next("sendMessage", 502, "Bad Gateway")
    await resident.say("/start")
    assert_retried(fake.calls("sendMessage", ok=None))


# -- the reply in the webhook's answer (issue 22) ------------------------------------------

ANSWER = "webhook answer"


def _menus(fake: FakeTelegram) -> list[Call]:
    return [c for c in fake.calls("sendMessage") if "menu:tip" in str(c.params)]


async def test_a_lone_reply_of_a_turn_that_wrote_nothing_goes_in_the_webhook_answer(
    resident: Resident, fake: FakeTelegram
) -> None:
    await resident.say("/start")
    await resident.press("lang:vi")  # writes the language: recorded, sent by the bot itself
    assert resident.last and all(c.transport == "json" for c in resident.last)
    await resident.say("ha noi")
    await resident.say("phuong ba dinh")
    before = len(fake.calls())
    await resident.say("menu")  # reads only, one reply
    [menu] = fake.calls()[before:]
    assert (menu.transport, menu.ok, menu.params["chat_id"]) == (ANSWER, True, resident.chat)
    assert "menu:tip" in resident.buttons.values()
    # The same again: still in the answer (the conversation stays where it was).
    await resident.say("menu")
    assert [(c.method, c.transport) for c in resident.last] == [("sendMessage", ANSWER)]


async def test_a_reply_that_moves_the_conversation_on_is_sent_by_a_call(
    resident: Resident, fake: FakeTelegram
) -> None:
    """The tip flow's first question writes nothing to the database but moves the chat to
    a step: lost with a webhook's answer (a copy of the update is a duplicate, answered with
    nothing), the resident's next words would answer a question they never saw."""
    await resident.onboard()
    await resident.press("menu:tip")
    sent = [c for c in resident.last if c.method == "sendMessage"]
    assert sent and all(c.transport == "json" for c in sent)


@pytest.mark.parametrize(
    "words",
    ["/sos", "cứu tôi với, có người đang đánh tôi", "cuu toi voi co nguoi dang danh toi", "113"],
    ids=["sos", "words", "no-marks", "number"],
)
async def test_an_emergency_reply_never_goes_in_the_webhook_answer(
    resident: Resident, fake: FakeTelegram, words: str
) -> None:
    """The emergency numbers go by a call that delivery retries, never in an answer that
    could be lost with nothing to say so."""
    await resident.onboard()
    await resident.say("menu")  # the menu again: the answer is in use for this chat
    assert resident.last[-1].transport == ANSWER
    for _again in range(2):  # the second time the conversation is already where it goes
        await resident.say(words)
        sent = [c for c in resident.last if c.method == "sendMessage"]
        assert sent and all(c.transport == "json" for c in sent)
        assert any("113" in c.params["text"] for c in sent)


async def test_a_reply_behind_others_of_its_chat_waits_its_turn_in_delivery(
    resident: Resident, fake: FakeTelegram, app: FastAPI
) -> None:
    await resident.onboard()
    channel = app.state.telegram
    target = channel._target(str(resident.chat), str(resident.chat))
    order: list[str] = []

    async def earlier() -> None:
        await asyncio.sleep(0.05)
        order.append("earlier")

    app.state.runtime.delivery.post(target, earlier)
    before = len(fake.calls())
    await resident.say("menu")
    [menu] = fake.calls()[before:]
    assert menu.transport != ANSWER and order == ["earlier"]


async def test_a_paused_bot_answers_nothing_in_the_webhook(
    resident: Resident, fake: FakeTelegram, app: FastAPI
) -> None:
    """A 429's pause (shared by every process) refuses the answer's slot: the reply waits
    for the pause in delivery, as every other message does."""
    await resident.onboard()
    channel = app.state.telegram
    await app.state.runtime.delivery.limiter.pause(f"telegram:{channel.account}", 0.3)
    before = len(fake.calls())
    await resident.say("menu")
    [menu] = fake.calls()[before:]
    assert menu.transport == "json" and menu.ok


async def test_the_answer_in_the_webhook_can_be_switched_off(
    fake: FakeTelegram, sqlite_url: str, tmp_path: Path
) -> None:
    settings = settings_for(fake, sqlite_url, tmp_path / "m", telegram_answer_in_response=False)
    async with running_app(settings, telegram=UNPACED) as app:
        headers = {"X-Telegram-Bot-Api-Secret-Token": SECRET}
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", headers=headers
        ) as hook:
            resident = Resident(app, hook, fake, 5550002)
            await resident.onboard()
            answers: list[bytes] = []
            hook.event_hooks["response"].append(lambda r: _kept(r, answers))
            await resident.say("menu")
    assert answers == [b""]
    assert _menus(fake) and all(c.transport == "json" for c in fake.calls("sendMessage"))


async def _kept(response: httpx.Response, into: list[bytes]) -> None:
    into.append(await response.aread())


# -- polling and registration -------------------------------------------------------------


async def test_polling_without_a_public_url(
    fake: FakeTelegram, sqlite_url: str, tmp_path: Path
) -> None:
    fake.webhook["url"] = ""
    settings = settings_for(fake, sqlite_url, tmp_path / "m", public_url="")
    async with running_app(settings):
        fake.queue_update(fake.updates.command(6001, "/start"))
        fake.queue_update(fake.updates.command(6002, "/start"))
        for chat in (6001, 6002):
            await fake.wait_for(
                lambda c, chat=chat: c.method == "sendMessage" and c.chat_id == chat
            )
        assert fake.calls("deleteWebhook")
        # The next call confirms the handled updates.
        await fake.wait_for(lambda c: c.method == "getUpdates" and bool(c.params.get("offset")))


def test_set_webhook_registers_url_secret_and_commands(
    fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.setenv("BINHYEN_TELEGRAM_TOKEN", fake.token)
    monkeypatch.setenv("BINHYEN_TELEGRAM_API_BASE", fake.api_base)
    monkeypatch.setenv("BINHYEN_TELEGRAM_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("BINHYEN_PUBLIC_URL", "https://binhyen.example/")
    assert main(["telegram", "set-webhook"]) == 0
    assert fake.webhook["url"] == "https://binhyen.example/webhooks/telegram"
    assert fake.webhook["secret_token"] == SECRET
    assert set(fake.webhook["allowed_updates"]) == {"message", "callback_query", "my_chat_member"}
    assert [c["command"] for c in fake.commands()] == [
        "start",
        "menu",
        "sos",
        "help",
        "cancel",
        "stop",
    ]
    assert fake.commands(language_code="en")[0]["description"].startswith("Start")
    assert main(["telegram", "webhook-info"]) == 0
    assert "https://binhyen.example/webhooks/telegram" in capsys.readouterr().out
    assert main(["telegram", "delete-webhook"]) == 0
    assert not fake.webhook.get("url")


def test_set_webhook_refuses_without_token_or_https(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.delenv("BINHYEN_TELEGRAM_TOKEN", raising=False)
    assert main(["telegram", "set-webhook"]) == 2
    monkeypatch.setenv("BINHYEN_TELEGRAM_TOKEN", "1:abc")
    monkeypatch.setenv("BINHYEN_PUBLIC_URL", "http://insecure.example")
    assert main(["telegram", "set-webhook"]) == 2
    assert "https://" in capsys.readouterr().err


def test_a_refused_token_is_reported_without_the_token(
    fake: FakeTelegram, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.setenv("BINHYEN_TELEGRAM_TOKEN", "999:wrong-token-value")
    monkeypatch.setenv("BINHYEN_TELEGRAM_API_BASE", fake.api_base)
    assert main(["telegram", "webhook-info"]) == 1
    err = capsys.readouterr().err
    assert "refused" in err and "wrong-token-value" not in err


async def test_a_forwarded_scam_as_the_very_first_message_is_checked_after_onboarding(
    resident: Resident, fake: FakeTelegram
) -> None:
    """Through the webhook as Telegram sends it: `forward_origin` on a brand-new user's first
    message, kept through the language and commune steps, then checked in place of the menu."""
    origin = {"type": "hidden_user", "date": 1, "sender_user_name": "Người lạ"}
    update = fake.updates.message(
        resident.chat,
        text="Con đang cấp cứu, mẹ chuyển gấp 20 triệu vào số 0912345678 nhé",
        forward_origin=origin,
    )
    await resident.post(update)
    assert "kiểm tra tin này" in resident.text or "check this message" in resident.text
    assert "lang:vi" in resident.buttons.values()
    await resident.press("lang:vi")
    await resident.say("ha noi")
    text = await resident.say("phuong ba dinh")
    assert "0912 345 678" in text or "lừa đảo" in text  # the kept message, checked
    assert all(c.ok for c in fake.calls()), [c for c in fake.calls() if not c.ok]


async def test_dung_with_its_marks_at_the_menu_is_not_a_stop(resident: Resident) -> None:
    await resident.onboard()
    text = await resident.say("Đúng")
    assert "Đã dừng" not in text
    text = await resident.say("dừng")
    assert "Đã dừng" in text or "chưa đăng ký nhận tin nào" in text
