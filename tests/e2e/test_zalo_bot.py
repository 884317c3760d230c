"""Zalo Bot Platform end to end: updates posted to the real webhook of the real app (or
fetched by its getUpdates loop), replies sent by the adapter's own client to a fake Bot API
over HTTP (tests/fakes/zalo_bot_api.py). There are no buttons on this platform: the
resident answers every question by number or by label, as a person would type it."""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from bot.channels.zalo_bot import TEXT_LIMIT, Rates
from bot.settings import Settings
from tests.e2e import channels
from tests.e2e.channels import (
    RECEIPT,
    ChannelSetup,
    app_settings,
    assert_paced,
    assert_retried,
    db_rows,
    running_app,
    vi,
)
from tests.fakes.zalo_bot_api import Call, FakeZaloBot

SECRET = "zalo-webhook-secret_for-tests"
HEADER = "X-Bot-Api-Secret-Token"
UNPACED = Rates(per_bot=10_000, bot_burst=10_000, per_chat=10_000, chat_burst=10_000)
HOOK = "/webhooks/zalo-bot"
PHOTO = b"\xff\xd8\xff\xe0" + b"a photo of the scooter" * 40
VOICE = b"\xff\xf1AAC voice clip" * 20
OPTION = re.compile(r"^(\d+)\. (.+)$", re.MULTILINE)

pytestmark = pytest.mark.e2e


@pytest.fixture
def fake(fake_zalo_bot: FakeZaloBot) -> FakeZaloBot:
    return fake_zalo_bot


def settings_for(fake: FakeZaloBot, sqlite_url: str, media: Path, **extra: Any) -> Settings:
    channel: dict[str, Any] = {
        "zalo_bot_token": fake.token,
        "zalo_bot_api_base": fake.api_base,
        "zalo_bot_webhook_secret": SECRET,
        "public_url": "https://binhyen.example",
        # The fake serves the residents' files: fetched from its exact origin, over http.
        "zalo_media_test_origins": fake.api_base,
    }
    return app_settings(sqlite_url, media, **(channel | extra))


@pytest.fixture
def channel_setup(fake: FakeZaloBot, sqlite_url: str, media_dir: Path) -> ChannelSetup:
    # 1 message/s per chat after a burst of 3 would make every step of these
    # conversations wait; test_one_chat_is_paced checks the pacing.
    return ChannelSetup(
        settings_for(fake, sqlite_url, media_dir),
        rates={"zalo_bot": UNPACED},
        webhook_headers={HEADER: SECRET},
    )


class Resident(channels.Resident[Call]):
    """One Zalo user: posts updates to the webhook, reads what the bot sent back."""

    hook_path = HOOK

    def __init__(self, app: FastAPI, hook: httpx.AsyncClient, fake: FakeZaloBot, chat: str) -> None:
        super().__init__(app, hook)
        self.fake, self.chat = fake, chat

    async def post(self, update: dict[str, Any]) -> list[Call]:
        new = await self.exchange(self.fake.calls, json=update)
        self.last = [c for c in new if c.chat_id == self.chat]
        return self.last

    @property
    def text(self) -> str:
        return "\n".join(c.params["text"] for c in self.last if c.method == "sendMessage")

    @property
    def options(self) -> dict[str, str]:
        """Label → number of the last numbered list sent."""
        for call in reversed(self.last):
            found = OPTION.findall(call.params.get("text", ""))
            if found:
                return {label: number for number, label in found}
        return {}

    def number_of(self, fragment: str) -> str:
        matches = [n for label, n in self.options.items() if fragment in label]
        assert len(matches) == 1, (fragment, self.options, self.text)
        return matches[0]

    async def say(self, words: str) -> str:
        await self.post(self.fake.updates.text(self.chat, words))
        return self.text

    async def choose(self, fragment: str) -> str:
        """Answer the list by the number of the option whose label holds `fragment`."""
        return await self.say(self.number_of(fragment))

    async def choose_vietnamese(self) -> None:
        await self.choose("Tiếng Việt")

    def at_the_menu(self) -> bool:
        return any("Báo tin" in label for label in self.options)


@pytest.fixture
def resident(app: FastAPI, hook: httpx.AsyncClient, fake: FakeZaloBot) -> Resident:
    return Resident(app, hook, fake, "6ede9afa66b88fe6d6a9")


# -- the webhook door -------------------------------------------------------------------


async def test_the_secret_header_is_required(hook: httpx.AsyncClient, fake: FakeZaloBot) -> None:
    update = fake.updates.text("c1", "/start")
    wrong = await hook.post(HOOK, json=update, headers={HEADER: SECRET + "x"})
    assert wrong.status_code == 403
    del hook.headers[HEADER]
    missing = await hook.post(HOOK, json=update)
    assert missing.status_code == 403
    assert fake.calls() == []


async def test_malformed_unknown_and_group_updates_get_200_and_nothing_else(
    app: FastAPI, hook: httpx.AsyncClient, fake: FakeZaloBot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "binhyen.zalo_bot")
    bodies = (
        b"{not json",
        b"[]",
        b'{"event_name": 5}',
        b'{"ok": true, "result": {"message": {}}}',
        b'{"ok": false, "error_code": 408, "description": "Request timeout"}',
    )
    for body in bodies:
        response = await hook.post(HOOK, content=body)
        assert response.status_code == 200
    group = fake.updates.group_text("group-77", "u-9", "@binhyen tôi muốn báo tin")
    assert (await hook.post(HOOK, json=group)).status_code == 200
    await app.state.runtime.delivery.drain()
    assert fake.calls() == []
    assert "malformed update ignored" in caplog.text
    assert "update ignored: message.text.received (group chat)" in caplog.text
    assert "báo tin" not in caplog.text and "group-77" not in caplog.text


async def test_events_that_are_not_messages_get_no_reply_and_a_forged_name_no_500(
    app: FastAPI, hook: httpx.AsyncClient, fake: FakeZaloBot, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 19: typing and reactions each got two replies (a hint and the menu); an event
    name with a lone surrogate answered 500."""
    caplog.set_level(logging.INFO, "binhyen.zalo_bot")
    typing = fake.updates.event("user.typing", "chat-1")
    reaction = fake.updates.event("reaction.added", "chat-1")
    forged = fake.updates.text("chat-1", "xin chào")
    forged["event_name"] = "message.text.received\ud800"
    for body in (typing, reaction):
        assert (await hook.post(HOOK, json=body)).status_code == 200
    raw = json.dumps(forged).encode()  # ensure_ascii: the surrogate as \\ud800, valid JSON
    assert (await hook.post(HOOK, content=raw)).status_code == 200
    await app.state.runtime.delivery.drain()
    assert fake.calls("sendMessage") == []
    assert "update ignored: user.typing (not a message)" in caplog.text


async def test_an_oversized_body_is_refused(hook: httpx.AsyncClient) -> None:
    response = await hook.post(HOOK, content=b"{" + b" " * 1_000_001 + b"}")
    assert response.status_code == 413


async def test_wrapped_and_bare_payloads_are_both_read(
    resident: Resident, fake: FakeZaloBot
) -> None:
    await resident.post(fake.updates.text(resident.chat, "/start"))
    assert resident.options, resident.text
    await resident.post(fake.updates.wrapped(fake.updates.text(resident.chat, "1")))
    assert vi("start.why_area") in resident.text


async def test_a_repeated_event_is_answered_once(resident: Resident, fake: FakeZaloBot) -> None:
    update = fake.updates.text(resident.chat, "/start")
    await resident.post(update)
    first = len(fake.calls("sendMessage"))
    assert first >= 1
    await resident.post(update)  # Zalo delivers again
    await resident.post(fake.updates.wrapped(update))  # in the other envelope
    assert len(fake.calls("sendMessage")) == first
    # Another message id is another event.
    await resident.post(fake.updates.text(resident.chat, "/start"))
    assert len(fake.calls("sendMessage")) > first


# -- conversations ----------------------------------------------------------------------


async def test_start_language_commune_menu_by_number_and_by_label(
    resident: Resident, fake: FakeZaloBot
) -> None:
    await resident.say("/start")
    assert {"Tiếng Việt", "English"} <= set(resident.options)
    assert vi("zalo_bot.choose_hint") in resident.text
    await resident.say(resident.number_of("Tiếng Việt"))
    await resident.say("ha noi")
    await resident.say("phuong ba dinh")
    assert "Ba Đình" in resident.text
    assert any("Báo tin" in label for label in resident.options)
    await resident.say("Tin báo của tôi")  # a label, typed
    assert vi("tip.mytips_none").split(".")[0] in resident.text
    # Every request the bot made was valid (the fake refuses others).
    assert fake.calls() and all(c.ok for c in fake.calls()), fake.summary()


async def tip_until_review(resident: Resident, description: str) -> None:
    """From the menu to the review: every answer typed, by number or by label."""
    await resident.choose("Báo tin")
    await resident.say("Tôi đồng ý")  # "✅ Tôi đồng ý", by its words
    await resident.say("Trộm cắp – cướp")
    await resident.say(description)
    await resident.say("Xong")
    await resident.say("hom nay")  # a label typed without accents
    # No location button on Zalo: the resident is asked to type the address.
    assert vi("zalo_bot.type_address") in resident.text
    await resident.say("Số 12 ngõ 5 phố Đội Cấn")
    assert vi("tip.ask_media", size=20).split("(")[0] in resident.text


async def test_a_full_tip_with_a_photo_then_my_tips(
    resident: Resident, fake: FakeZaloBot, sqlite_url: str
) -> None:
    await resident.onboard()
    await tip_until_review(
        resident, "Hai thanh niên đi xe máy không biển số giật túi xách của một chị ở đầu ngõ."
    )
    photo_url = fake.add_file("scooter.jpg", PHOTO)
    await resident.post(fake.updates.image(resident.chat, photo_url, caption="xe máy"))
    assert fake.downloads == ["scooter.jpg"]
    assert vi("tip.media_more", count=1) in resident.text
    voice_url = fake.add_file("clip.aac", VOICE, "audio/aac")
    await resident.post(fake.updates.voice(resident.chat, voice_url))
    assert vi("tip.media_more", count=2) in resident.text
    await resident.say("Xong")
    await resident.choose("Không, tiếp tục")
    await resident.say("Ẩn danh")
    assert vi("tip.anonymous_needs") in resident.text
    await resident.say("Hai thanh niên khoảng 20 tuổi, một người mặc áo khoác xanh.")
    await resident.say("Chiều nào cũng thấy họ đứng ở đầu ngõ khoảng 17 giờ.")
    assert "xe máy" in resident.text  # the caption joined the description
    await resident.choose("Gửi tin báo")
    code = RECEIPT.search(resident.text)
    assert code, resident.text
    rows = await db_rows(
        sqlite_url,
        "SELECT t.code, t.address, a.kind, a.size "
        "FROM tips t JOIN tip_attachments a ON a.tip_id = t.id ORDER BY a.size",
    )
    assert {r[0] for r in rows} == {code.group(0)}
    assert rows[0][1] == "Số 12 ngõ 5 phố Đội Cấn"
    assert sorted((r[2], r[3]) for r in rows) == sorted(
        [("photo", len(PHOTO)), ("voice", len(VOICE))]
    )
    await resident.choose("Tin báo của tôi")
    assert code.group(0) in resident.text
    assert all(c.ok for c in fake.calls()), fake.summary()


async def test_an_oversized_photo_is_refused_and_the_contact_step_asks_to_type_the_number(
    resident: Resident, fake: FakeZaloBot, app: FastAPI
) -> None:
    await resident.onboard()
    await tip_until_review(resident, "Có người gọi tự xưng công an, bảo chuyển tiền để xác minh.")
    app.state.zalo_bot.max_download = len(PHOTO) - 1
    await resident.post(fake.updates.image(resident.chat, fake.add_file("big.jpg", PHOTO)))
    assert vi("tip.media_failed", limit=20) in resident.text
    await resident.say("Bỏ qua")
    await resident.say("2")  # "Không, tiếp tục"
    await resident.say("Để lại liên hệ")
    await resident.say("Trần Thị Bình")
    assert vi("zalo_bot.type_phone") in resident.text
    await resident.say("0912 345 678")
    assert "Trần Thị Bình, 0912 345 678" in resident.text
    assert any("Gửi tin báo" in label for label in resident.options)


async def test_a_sticker_and_unsupported_content_get_a_hint(
    resident: Resident, fake: FakeZaloBot
) -> None:
    await resident.onboard()
    await resident.post(fake.updates.sticker(resident.chat))
    assert vi("input.unsupported") in resident.text
    assert any("Báo tin" in label for label in resident.options)  # the step again
    await resident.post(fake.updates.unsupported(resident.chat))
    assert vi("input.unsupported") in resident.text


async def test_a_long_review_is_split_at_2000_characters(
    resident: Resident, fake: FakeZaloBot
) -> None:
    await resident.onboard()
    long_description = " ".join(
        f"Chi tiết {n}: có hai người lạ đi xe máy qua lại nhiều lần trong ngõ." for n in range(36)
    )
    assert 2_400 <= len(long_description) <= 3_000
    await tip_until_review(resident, long_description)
    await resident.say("Bỏ qua")
    await resident.say("Không, tiếp tục")
    await resident.say("Ẩn danh")
    await resident.say("Bỏ qua")
    await resident.say("Bỏ qua")
    review = [c.params["text"] for c in resident.last if c.method == "sendMessage"]
    assert len(review) >= 2, review
    assert all(len(piece) <= TEXT_LIMIT for piece in review)
    assert sum(len(piece) for piece in review) > 2_500
    assert "Chi tiết 35" in "".join(review)
    assert "Gửi tin báo" in review[-1] and all("Gửi tin báo" not in p for p in review[:-1])


# -- delivery ---------------------------------------------------------------------------


async def test_too_many_requests_pauses_then_delivers(
    resident: Resident, fake: FakeZaloBot
) -> None:
    fake.fail_next("sendMessage", 429, retry_after=0.3)
    await resident.say("/start")
    assert_retried(fake.calls("sendMessage", ok=None), after=0.25)  # after the pause


async def test_a_blocked_bot_marks_the_resident_unreachable(
    resident: Resident, fake: FakeZaloBot, sqlite_url: str
) -> None:
    await resident.onboard()
    assert await db_rows(sqlite_url, "SELECT reachable FROM channel_identities") == [(True,)]
    fake.block_chat(resident.chat)
    await resident.say("menu")
    assert [c.error_code for c in resident.last] == [403]  # nothing more tried
    assert await db_rows(sqlite_url, "SELECT reachable FROM channel_identities") == [(False,)]


async def test_network_errors_are_retried(resident: Resident, fake: FakeZaloBot) -> None:
    fake.fail_next("sendMessage", 502, html=True)  # a gateway's HTML page
    await resident.say("/start")
    assert_retried(fake.calls("sendMessage", ok=None))


async def test_a_refused_message_is_given_up_and_the_rest_of_the_event_dropped(
    resident: Resident, fake: FakeZaloBot
) -> None:
    fake.fail_next("sendMessage", 400, "Bad Request: text invalid")
    await resident.say("/start")
    assert [c.error_code for c in resident.last] == [400]
    await resident.say("/start")  # the next event goes out normally
    assert resident.last and all(c.ok for c in resident.last)


async def test_one_chat_is_paced(resident: Resident, fake: FakeZaloBot, app: FastAPI) -> None:
    assert (Rates().per_chat, Rates().chat_burst) == (1.0, 3)  # the defaults
    # The same rule, five times faster, to keep the test short.
    app.state.zalo_bot.rates = Rates(per_bot=1000, bot_burst=1000, per_chat=5.0, chat_burst=3)
    for _ in range(3):
        await resident.say("/start")
    times = [c.at for c in fake.calls("sendMessage")]
    assert_paced(times, at_least=5, burst_within=0.15, gap=0.17)


# -- polling and registration -------------------------------------------------------------


def answered(chat: str) -> Callable[[Call], bool]:
    return lambda c: c.method == "sendMessage" and c.chat_id == chat


async def test_polling_without_a_public_url(
    fake: FakeZaloBot, sqlite_url: str, tmp_path: Path
) -> None:
    fake.max_long_poll = 0.2
    settings = settings_for(fake, sqlite_url, tmp_path / "m", public_url="")
    async with running_app(settings, zalo_bot=UNPACED):
        # Nothing queued yet: each long poll ends with 408, and the loop asks again at once.
        await fake.wait_for("getUpdates", count=2, include_failed=True)
        assert {c.error_code for c in fake.calls("getUpdates")} == {408}
        fake.queue_update(fake.updates.text("chat-a", "/start"))
        fake.queue_update(fake.updates.wrapped(fake.updates.text("chat-b", "/start"))["result"])
        for chat in ("chat-a", "chat-b"):
            await fake.wait_for(answered(chat))
    assert not fake.calls("deleteWebhook") and not fake.calls("setWebhook")
    assert fake.calls("getUpdates")[0].params == {"timeout": "30"}


async def test_polling_leaves_a_webhook_in_place_and_says_so(
    fake: FakeZaloBot, sqlite_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, "binhyen.zalo_bot")
    fake.set_webhook_state("https://production.example/webhooks/zalo-bot")
    settings = settings_for(fake, sqlite_url, tmp_path / "m", public_url="")
    async with running_app(settings):
        await fake.wait_for("getWebhookInfo")
        # The warning follows the answer the fake recorded: wait for it, not a fixed time.
        for _ in range(500):
            if "binhyen zalo-bot delete-webhook" in caplog.text:
                break
            await asyncio.sleep(0.01)
    # A long poll of an earlier test's app may still end here with its 408: look for ours.
    assert 409 in {c.error_code for c in fake.calls("getUpdates", ok=False)}
    assert "binhyen zalo-bot delete-webhook" in caplog.text
    assert fake.webhook["url"] == "https://production.example/webhooks/zalo-bot"
    assert fake.token not in caplog.text


@pytest.fixture
def zalo_env(fake: FakeZaloBot, monkeypatch: pytest.MonkeyPatch) -> FakeZaloBot:
    monkeypatch.setenv("BINHYEN_ZALO_BOT_TOKEN", fake.token)
    monkeypatch.setenv("BINHYEN_ZALO_BOT_API_BASE", fake.api_base)
    monkeypatch.setenv("BINHYEN_ZALO_BOT_WEBHOOK_SECRET", SECRET)
    monkeypatch.setenv("BINHYEN_PUBLIC_URL", "https://binhyen.example/")
    return fake


def test_cli_set_webhook_info_and_delete(
    zalo_env: FakeZaloBot, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    fake = zalo_env
    assert main(["zalo-bot", "webhook-info"]) == 0
    assert "(none: the bot polls)" in capsys.readouterr().out
    assert main(["zalo-bot", "set-webhook"]) == 0
    assert fake.webhook["url"] == "https://binhyen.example/webhooks/zalo-bot"
    assert fake.webhook["secret_token"] == SECRET
    assert "https://binhyen.example/webhooks/zalo-bot" in capsys.readouterr().out
    assert main(["zalo-bot", "webhook-info"]) == 0
    out = capsys.readouterr().out
    assert "url: https://binhyen.example/webhooks/zalo-bot" in out and "UTC" in out
    assert main(["zalo-bot", "delete-webhook"]) == 0
    assert fake.webhook["url"] == ""
    assert fake.token not in capsys.readouterr().out


def test_cli_refusals(
    zalo_env: FakeZaloBot, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.setenv("BINHYEN_PUBLIC_URL", "http://insecure.example")
    assert main(["zalo-bot", "set-webhook"]) == 2
    assert "https://" in capsys.readouterr().err
    monkeypatch.setenv("BINHYEN_PUBLIC_URL", "https://binhyen.example")
    monkeypatch.setenv("BINHYEN_ZALO_BOT_WEBHOOK_SECRET", "short")
    assert main(["zalo-bot", "set-webhook"]) == 2
    assert "8-256" in capsys.readouterr().err
    monkeypatch.delenv("BINHYEN_ZALO_BOT_TOKEN")
    assert main(["zalo-bot", "set-webhook"]) == 2
    assert "BINHYEN_ZALO_BOT_TOKEN" in capsys.readouterr().err
    assert zalo_env.calls() == []


def test_cli_errors_never_show_the_token(
    zalo_env: FakeZaloBot, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    monkeypatch.setenv("BINHYEN_ZALO_BOT_TOKEN", "999:wrong-token-value")
    assert main(["zalo-bot", "webhook-info"]) == 1
    err = capsys.readouterr().err
    assert "refused" in err and "wrong-token-value" not in err
    monkeypatch.setenv("BINHYEN_ZALO_BOT_API_BASE", "http://127.0.0.1:9")  # nothing listens
    assert main(["zalo-bot", "delete-webhook"]) == 1
    err = capsys.readouterr().err
    assert "no answer" in err and "wrong-token-value" not in err and "127.0.0.1" not in err
    monkeypatch.setenv("BINHYEN_ZALO_BOT_TOKEN", zalo_env.token)
    monkeypatch.setenv("BINHYEN_ZALO_BOT_API_BASE", zalo_env.api_base)
    zalo_env.fail_next("setWebhook", 400, "Bad Request: url refused")
    assert main(["zalo-bot", "set-webhook"]) == 1
    err = capsys.readouterr().err
    assert "400" in err and "url refused" in err and zalo_env.token not in err


async def test_a_scam_check_then_a_tip_in_one_tap(resident: Resident) -> None:
    await resident.onboard()
    await resident.choose("Kiểm tra")
    await resident.say(
        "Công an phường thông báo: để cập nhật thông tin cư trú sau sáp nhập, bà con tải ứng "
        "dụng Dịch vụ công tại https://dichvucong-gov.vn/app.apk"
    )
    assert "lời lẽ của tin nhắn này giống một kiểu lừa đảo" in resident.text
    assert "an toàn" not in resident.text.lower()
    await resident.say(resident.number_of(vi("check.send_tip")))
    await resident.say("Tôi đồng ý")
    # The tip wizard opens with the category chosen and the checked message as its text.
    assert "Đã nhận 1 đoạn" in resident.text
