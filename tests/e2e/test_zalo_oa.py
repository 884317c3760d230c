"""Zalo Official Account end to end: signed webhook bodies posted to the real app, consultation
messages sent by the real adapter to a fake Open API + OAuth server that checks the access
token, text and button limits and the 7-day window (tests/fakes/zalo_oa_api.py)."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text

from bot.channels.zalo_oa import (
    OaClient,
    Rates,
    SendStatus,
    ZaloOaChannel,
)
from bot.delivery import Delivery, Target
from bot.runtime import account_sealer
from bot.settings import Settings
from content.tips import category
from handlers.model import Media, MediaType, RenderedReply
from handlers.ports import MediaUnavailable
from storage.db import make_engine, make_sessions
from storage.limits import MemoryLimiter
from storage.sealing import Sealer
from storage.zalo_oa import SqlZaloOaInteractions, SqlZaloOaTokens
from tests.e2e import channels
from tests.e2e.channels import ChannelSetup, app_settings, assert_one_tip_stored, db_rows, vi
from tests.fakes.zalo_oa_api import (
    APP_ID,
    APP_SECRET,
    OA_SECRET_KEY,
    FakeZaloOA,
    Webhooks,
)

HOOK = "/webhooks/zalo-oa"
UNPACED = Rates(
    per_app=10_000, app_burst=10_000, per_chat=10_000, chat_burst=10_000, rate_limited_pause=0.2
)
PHOTO = b"\xff\xd8\xff\xe0" + b"a photo of the scooter" * 40
HOOKS = Webhooks()
USER = "4339761418830368433"


@pytest.fixture
def fake(fake_zalo_oa: FakeZaloOA) -> FakeZaloOA:
    return fake_zalo_oa


def settings_for(fake: FakeZaloOA, sqlite_url: str, media: Path) -> Settings:
    return app_settings(
        sqlite_url,
        media,
        zalo_oa_app_id=APP_ID,
        zalo_oa_secret_key=OA_SECRET_KEY,
        zalo_oa_app_secret=APP_SECRET,
        zalo_oa_access_token="acc-0",
        zalo_oa_refresh_token="ref-0",
        zalo_oa_api_base=fake.api_base,
        zalo_oa_oauth_base=fake.api_base,
        zalo_media_test_origins=fake.api_base,  # the fake serves the attachments
    )


@pytest.fixture
def channel_setup(fake: FakeZaloOA, sqlite_url: str, media_dir: Path) -> ChannelSetup:
    # Zalo's pace (1 message/s per user after 3) would make every step wait. No webhook
    # headers: each event is posted with its own signature.
    return ChannelSetup(settings_for(fake, sqlite_url, media_dir), rates={"zalo_oa": UNPACED})


class Resident(channels.Resident[dict[str, Any]]):
    """One Zalo user: posts signed events to the webhook, reads what the OA sent back."""

    hook_path = HOOK

    def __init__(self, app: FastAPI, hook: httpx.AsyncClient, fake: FakeZaloOA, user: str) -> None:
        super().__init__(app, hook)
        self.fake, self.user = fake, user

    async def post(self, event: dict[str, Any], *, expect: int = 200) -> list[dict[str, Any]]:
        self.fake.interact(self.user)  # Zalo knows the user just wrote
        body, headers = HOOKS.sign(event)
        new = await self.exchange(
            lambda: self.fake.calls("cs"), content=body, headers=headers, expect=expect
        )
        self.last = [c.message_body for c in new if c.ok and c.user_id == self.user]
        return self.last

    @property
    def text(self) -> str:
        return "\n".join(m.get("text", "") for m in self.last)

    @property
    def buttons(self) -> list[dict[str, Any]]:
        for message in reversed(self.last):
            buttons = message.get("attachment", {}).get("payload", {}).get("buttons")
            if buttons:
                return list(buttons)
        return []

    @property
    def payloads(self) -> list[str]:
        return [b["payload"] for b in self.buttons if b["type"] == "oa.query.show"]

    def numbered(self) -> dict[str, str]:
        """Label → number of the choices listed in the text."""
        return {m[2]: m[1] for m in re.finditer(r"(?m)^(\d+)\. (.+)$", self.text)}

    def labels(self) -> set[str]:
        return {*self.payloads, *self.numbered()}

    async def say(self, words: str) -> str:
        await self.post(HOOKS.text(self.user, words))
        return self.text

    async def press(self, label: str) -> str:
        """Tap the button with this label, or type the label's number when it has none."""
        if label in self.payloads:
            return await self.say(label)
        number = self.numbered().get(label)
        assert number, (label, self.text)
        return await self.say(number)

    async def choose_vietnamese(self) -> None:
        await self.press(vi("lang.vi"))

    def at_the_menu(self) -> bool:
        return vi("menu.tip") in self.labels()


@pytest.fixture
def resident(app: FastAPI, hook: httpx.AsyncClient, fake: FakeZaloOA) -> Resident:
    return Resident(app, hook, fake, USER)


# -- the webhook door ---------------------------------------------------------------------------


async def test_a_bad_or_missing_signature_is_refused(
    hook: httpx.AsyncClient, fake: FakeZaloOA, caplog: pytest.LogCaptureFixture
) -> None:
    event = HOOKS.text(USER, "xin chào")
    body, headers = HOOKS.sign(event, secret="not-the-oa-secret")
    assert (await hook.post(HOOK, content=body, headers=headers)).status_code == 401
    missing = await hook.post(HOOK, content=body, headers={"Content-Type": "application/json"})
    assert missing.status_code == 401
    good_body, good_headers = HOOKS.sign(event)
    tampered = good_body.replace(b"xin ch", b"XIN CH")
    assert (await hook.post(HOOK, content=tampered, headers=good_headers)).status_code == 401
    # Signed with the app secret instead: refused, and the log says so (no values).
    caplog.set_level(logging.INFO, "binhyen.zalo_oa")
    body, headers = HOOKS.sign(event, secret=APP_SECRET)
    assert (await hook.post(HOOK, content=body, headers=headers)).status_code == 401
    assert "matches the app secret" in caplog.text and APP_SECRET not in caplog.text
    assert fake.calls("cs") == []


async def test_stale_and_future_timestamps_are_refused(
    hook: httpx.AsyncClient, fake: FakeZaloOA
) -> None:
    for at in (time.time() - 13 * 3600, time.time() + 11 * 60):
        body, headers = HOOKS.sign(HOOKS.text(USER, "xin chào", at=at))
        assert (await hook.post(HOOK, content=body, headers=headers)).status_code == 403
    # A retry from an hour ago is still taken.
    fake.interact(USER)
    body, headers = HOOKS.sign(HOOKS.text(USER, "/start", at=time.time() - 3600))
    assert (await hook.post(HOOK, content=body, headers=headers)).status_code == 200


async def test_malformed_echoes_groups_and_unknown_events_get_200_and_nothing_else(
    app: FastAPI, hook: httpx.AsyncClient, fake: FakeZaloOA, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, "binhyen.zalo_oa")
    for raw in (b"{not json", b"[]"):
        response = await hook.post(HOOK, content=raw, headers={"X-ZEvent-Signature": "mac=00"})
        assert response.status_code == 200
    for event in (
        HOOKS.oa_echo(USER, "tin của OA"),
        HOOKS.group_text("g-1", USER, "tin trong nhóm"),
        HOOKS.other("add_user_to_tag", tag={"user_ids": [USER], "name": "x"}),
        HOOKS.other("brand_new_event"),
    ):
        body, headers = HOOKS.sign(event)
        assert (await hook.post(HOOK, content=body, headers=headers)).status_code == 200
    await app.state.runtime.delivery.drain()
    assert fake.calls("cs") == []
    assert "malformed webhook ignored" in caplog.text
    assert "event ignored: oa_send_text" in caplog.text
    assert "event ignored: user_send_group_text" in caplog.text
    assert "tin của OA" not in caplog.text and USER not in caplog.text


async def test_an_oversized_body_is_refused(hook: httpx.AsyncClient) -> None:
    response = await hook.post(HOOK, content=b"{" + b" " * 1_000_001 + b"}")
    assert response.status_code == 413


# -- conversations ------------------------------------------------------------------------------


async def test_follow_is_greeted(resident: Resident, sqlite_url: str) -> None:
    await resident.post(HOOKS.follow(USER))
    assert vi("start.greeting")[:30] in resident.text
    assert vi("lang.vi") in resident.payloads
    assert await db_rows(sqlite_url, "SELECT reachable FROM channel_identities") == [(True,)]


async def test_start_language_commune_menu_by_button_and_by_number(
    resident: Resident, fake: FakeZaloOA
) -> None:
    await resident.say("/start")
    assert {vi("lang.vi"), vi("lang.en")} <= set(resident.payloads)
    await resident.say(vi("lang.vi"))  # a tapped button: its payload comes back as text
    await resident.say("ha noi")
    await resident.say("phuong ba dinh")
    assert vi("menu.tip") in resident.payloads
    # The menu has more items than buttons: all are numbered, and a number picks one.
    numbers = resident.numbered()
    assert vi("menu.settings") in numbers and vi("menu.settings") not in resident.payloads
    await resident.say(numbers[vi("menu.settings")])
    assert vi("settings.language") in resident.labels(), resident.text
    # Every message the bot sent was valid for the fake (text and button limits).
    assert all(c.ok for c in fake.calls("cs")), [c for c in fake.calls("cs") if not c.ok]


async def test_a_full_tip_with_a_photo_and_a_location_then_my_tips(
    resident: Resident, fake: FakeZaloOA, sqlite_url: str
) -> None:
    await resident.onboard()
    await resident.press(vi("menu.tip"))
    await resident.press(vi("tip.consent_yes"))
    theft = category("theft_robbery")
    assert theft is not None
    await resident.press(theft.vi)
    await resident.say(
        "Hai thanh niên đi xe máy không biển số giật túi xách của một chị ở đầu ngõ."
    )
    await resident.press(vi("tip.description_done"))
    await resident.press(vi("tip.when_today"))
    assert vi("zalo_oa.ask_location") in resident.text  # how to send a place on Zalo
    await resident.post(HOOKS.location(USER, 21.0341, 105.8372))
    url = fake.add_file("scooter.jpg", PHOTO)
    await resident.post(HOOKS.image(USER, url, text="xe máy"))
    assert fake.calls("file")
    await resident.press(vi("tip.media_done"))
    await resident.press(vi("tip.details_no"))
    await resident.press(vi("tip.anonymous"))
    await resident.say("Xe Wave màu đỏ, người ngồi sau mặc áo khoác xanh, khoảng 20 tuổi.")
    while vi("tip.confirm") not in resident.labels():
        await resident.press(vi("tip.skip"))
    await resident.press(vi("tip.confirm"))
    code = await assert_one_tip_stored(sqlite_url, resident.text, lat=21.0341, photo=PHOTO)
    await resident.press(vi("menu.mytips"))
    assert code in resident.text or any(code in k for k in resident.labels())
    assert all(c.ok for c in fake.calls("cs")), [c for c in fake.calls("cs") if not c.ok]


async def test_a_repeated_event_is_answered_once(resident: Resident, fake: FakeZaloOA) -> None:
    event = HOOKS.text(USER, "/start")
    await resident.post(event)
    first = len(fake.calls("cs"))
    assert first >= 1
    await resident.post(event)  # Zalo resends after a slow answer
    assert len(fake.calls("cs")) == first


async def test_a_sticker_gets_a_hint(resident: Resident) -> None:
    await resident.onboard()
    await resident.post(HOOKS.sticker(USER))
    assert vi("input.unsupported") in resident.text


async def test_danger_words_bring_call_buttons(resident: Resident) -> None:
    await resident.onboard()
    await resident.say("Có mấy người đang đánh nhau ở đầu ngõ nhà tôi")
    phones = [
        b["payload"]["phone_code"]
        for m in resident.last
        for b in m.get("attachment", {}).get("payload", {}).get("buttons", [])
        if b["type"] == "oa.open.phone"
    ]
    assert phones[:4] == ["113", "114", "115", "112"]


async def test_a_submitted_phone_fills_the_contact(resident: Resident) -> None:
    await resident.onboard()
    for label in (vi("menu.tip"), vi("tip.consent_yes"), category("fraud_phone").vi):  # type: ignore[union-attr]
        await resident.press(label)
    await resident.say("Có người gọi tự xưng công an, bảo chuyển tiền để xác minh tài khoản.")
    for label in (vi("tip.description_done"), vi("tip.when_today")):
        await resident.press(label)
    await resident.say("Số 3 phố Hàng Bông")
    for label in (vi("tip.media_skip"), vi("tip.details_no"), vi("tip.named")):
        await resident.press(label)
    await resident.say("Trần Thị Bình")
    assert vi("zalo_oa.ask_contact") in resident.text
    await resident.post(HOOKS.submit_info(USER, "84912345678"))
    assert vi("tip.confirm") in resident.labels(), resident.text
    assert "Trần Thị Bình, 0912 345 678" in resident.text


# -- delivery and tokens ------------------------------------------------------------------------


async def test_an_expired_token_is_refreshed_once_stored_sealed_and_the_message_delivered(
    app: FastAPI, resident: Resident, fake: FakeZaloOA, sqlite_url: str
) -> None:
    await resident.say("/start")
    fake.expire_token()
    await resident.say(vi("lang.vi"))
    assert resident.last, "the message was not delivered"
    assert len(fake.calls("oauth")) == 1
    assert [c.error for c in fake.calls("cs")][-len(resident.last) - 1 :][0] == -216
    assert {c.token for c in fake.calls("cs", ok=True)[-len(resident.last) :]} == {"acc-1"}
    [(sealed, expires)] = await db_rows(
        sqlite_url, "SELECT tokens_sealed, expires_at FROM zalo_oa_tokens"
    )
    assert "acc-1" not in sealed and "ref-1" not in sealed
    opened = account_sealer(app.state.settings).open(sealed)
    assert opened == {"access_token": "acc-1", "refresh_token": "ref-1"}
    assert expires is not None
    await resident.say("ha noi")  # and the new token keeps working
    assert len(fake.calls("oauth")) == 1


async def test_a_failed_refresh_keeps_the_stored_refresh_token(
    app: FastAPI, resident: Resident, fake: FakeZaloOA, sqlite_url: str
) -> None:
    await resident.say("/start")
    fake.expire_token()
    fake.fail_next("oauth", -14014, "Invalid refresh token")
    await resident.say(vi("lang.vi"))
    assert resident.last == []
    [(sealed,)] = await db_rows(sqlite_url, "SELECT tokens_sealed FROM zalo_oa_tokens")
    assert account_sealer(app.state.settings).open(sealed)["refresh_token"] == "ref-0"
    await resident.say("ha noi")  # the stored refresh token still works
    assert resident.last and fake.refresh_token == "ref-1"


async def test_an_expiring_token_is_refreshed_before_use(
    app: FastAPI, resident: Resident, fake: FakeZaloOA, sqlite_url: str
) -> None:
    await resident.say("/start")
    channel: ZaloOaChannel = app.state.zalo_oa
    soon = channel.clock() + timedelta(hours=1)
    engine = make_engine(sqlite_url)
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE zalo_oa_tokens SET expires_at = :at"), {"at": soon})
    await engine.dispose()
    channel._pair = None  # as a process that starts now would
    await resident.say(vi("lang.vi"))
    kinds = [c.kind for c in fake.calls() if c.kind in ("cs", "oauth")]
    assert kinds.count("oauth") == 1 and all(c.ok for c in fake.calls("cs"))
    # When that refresh fails, the token still valid for an hour is used meanwhile.
    channel._pair = replace(channel._pair, expires_at=channel.clock() + timedelta(hours=1))  # type: ignore[arg-type]
    fake.fail_next("oauth", 0, "down", http_status=503)
    await resident.say("ha noi")
    assert resident.last and fake.calls("oauth", ok=False)
    calls = len(fake.calls("oauth"))
    await resident.say("phuong ba dinh")  # not asked again within the minute
    assert resident.last and len(fake.calls("oauth")) == calls


async def test_rate_limited_then_delivered(resident: Resident, fake: FakeZaloOA) -> None:
    fake.fail_next("cs", -32, "Your application reached limit call api")
    await resident.say("/start")
    tries = fake.calls("cs")
    assert [c.error for c in tries] == [-32] + [0] * (len(tries) - 1)
    assert tries[1].body == tries[0].body
    assert tries[1].at - tries[0].at >= 0.15


async def test_server_errors_are_retried(resident: Resident, fake: FakeZaloOA) -> None:
    fake.fail_next("cs", 0, "Bad Gateway", http_status=502)
    await resident.say("/start")
    tries = fake.calls("cs")
    assert [c.ok for c in tries] == [False] + [True] * (len(tries) - 1)


async def test_unfollow_or_not_following_marks_the_resident_unreachable(
    resident: Resident, fake: FakeZaloOA, sqlite_url: str
) -> None:
    await resident.say("/start")
    await resident.post(HOOKS.unfollow(USER))
    assert await db_rows(sqlite_url, "SELECT reachable FROM channel_identities") == [(False,)]
    await resident.post(HOOKS.follow(USER))
    assert await db_rows(sqlite_url, "SELECT reachable FROM channel_identities") == [(True,)]
    fake.fail_next("cs", -213, "User has not followed the OA")
    await resident.say("menu")
    assert len(fake.calls("cs", ok=False)) == 1  # not retried
    assert await db_rows(sqlite_url, "SELECT reachable FROM channel_identities") == [(False,)]


async def test_send_to_respects_the_7_day_window(
    app: FastAPI, resident: Resident, fake: FakeZaloOA
) -> None:
    channel: ZaloOaChannel = app.state.zalo_oa
    answer = RenderedReply("Công an xã đã nhận tin và sẽ liên hệ lại.")
    unknown = await channel.send_to("1234567890123456789", answer)
    assert unknown.status is SendStatus.OUTSIDE_WINDOW and fake.calls("cs") == []
    assert unknown.explain("vi") == vi("zalo_oa.undeliverable_window")
    await resident.say("/start")
    sent = await channel.send_to(USER, answer)
    assert sent.delivered and fake.texts(USER)[-1] == answer.text
    before = len(fake.calls("cs"))
    real_clock = channel.clock
    channel.clock = lambda: real_clock() + timedelta(days=7, minutes=1)
    late = await channel.send_to(USER, answer)
    assert late.status is SendStatus.OUTSIDE_WINDOW and len(fake.calls("cs")) == before
    channel.clock = real_clock
    fake.fail_next("cs", -230, "Outside of the interaction window")  # Zalo knows better
    refused = await channel.send_to(USER, answer)
    assert refused.status is SendStatus.OUTSIDE_WINDOW
    assert len(fake.calls("cs")) == before + 1  # tried once, never again


async def test_attachments_are_fetched_under_the_size_cap(app: FastAPI, fake: FakeZaloOA) -> None:
    channel: ZaloOaChannel = app.state.zalo_oa
    url = fake.add_file("scooter.jpg", PHOTO)
    assert await channel.fetch(APP_ID, Media(MediaType.PHOTO, url)) == PHOTO
    too_big = Media(MediaType.FILE, url, size=channel.max_download + 1)
    for media in (
        too_big,  # declared too large: not even asked for
        Media(MediaType.PHOTO, f"{fake.api_base}/files/gone.jpg"),
        Media(MediaType.PHOTO, "file:///etc/passwd"),
        Media(MediaType.PHOTO, "http://127.0.0.1:9/refused.jpg"),
    ):
        with pytest.raises(MediaUnavailable):
            await channel.fetch(APP_ID, media)
    channel.max_download = len(PHOTO) - 1  # larger than announced: cut off while reading
    with pytest.raises(MediaUnavailable, match="too large"):
        await channel.fetch(APP_ID, Media(MediaType.PHOTO, url))


async def test_without_a_stored_or_given_pair_nothing_is_sent(
    sqlite_url: str, fake: FakeZaloOA, caplog: pytest.LogCaptureFixture
) -> None:
    channel, engine = _process_channel(sqlite_url, fake, account_sealer(Settings()), seed=("", ""))
    try:
        await channel.interactions.touch(USER, channel.clock())
        fake.interact(USER)
        result = await channel.send_to(USER, RenderedReply("Xin chào"))
        assert result.status is SendStatus.FAILED and fake.calls() == []
        assert "no Zalo OA tokens" in caplog.text
        # Only a refresh token given: refreshed before the first call.
        await channel.tokens.seed("", "ref-0")
        assert (await channel.send_to(USER, RenderedReply("Xin chào"))).delivered
        assert [c.kind for c in fake.calls()] == ["oauth", "cs"]
    finally:
        await channel.stop()
        await engine.dispose()


# -- several processes --------------------------------------------------------------------------


async def _noop(_target: Target) -> None:
    return None


def _process_channel(
    url: str, fake: FakeZaloOA, seal: Sealer, seed: tuple[str, str] = ("acc-0", "ref-0")
) -> tuple[ZaloOaChannel, Any]:
    """A channel as one more process would build it: its own engine, client and delivery."""
    engine = make_engine(url)
    sessions = make_sessions(engine)
    channel = ZaloOaChannel(
        app_id=APP_ID,
        oa_secret_key=OA_SECRET_KEY,
        client=OaClient(fake.api_base, fake.api_base, APP_ID, APP_SECRET),
        tokens=SqlZaloOaTokens(sessions, seal, APP_ID),
        interactions=SqlZaloOaInteractions(sessions, APP_ID),
        dispatcher=None,
        delivery=Delivery(MemoryLimiter(), _noop),
        seed=seed,
        rates=UNPACED,
    )
    return channel, engine


async def test_two_processes_refreshing_at_once_make_one_oauth_call(
    pg_url: str, fake: FakeZaloOA
) -> None:
    seal = account_sealer(Settings())
    clean = "DELETE FROM zalo_oa_tokens; DELETE FROM zalo_oa_interactions"
    built = [_process_channel(pg_url, fake, seal) for _ in range(2)]
    first_engine = built[0][1]
    try:
        async with first_engine.begin() as conn:
            for statement in clean.split("; "):
                await conn.execute(text(statement))
        channels = [c for c, _ in built]
        await channels[0].interactions.touch(USER, channels[0].clock())
        fake.interact(USER)
        await asyncio.gather(*(c._current() for c in channels))  # both start with acc-0
        fake.expire_token()
        fake.oauth_delay = 0.3  # the first refresh is in flight when the second is wanted
        answers = [RenderedReply(f"Tin số {n}") for n in range(2)]
        results = await asyncio.gather(
            *(c.send_to(USER, a) for c, a in zip(channels, answers, strict=True))
        )
        assert [r.status for r in results] == [SendStatus.SENT, SendStatus.SENT]
        assert len(fake.calls("oauth")) == 1
        assert {c.token for c in fake.calls("cs", ok=True)} == {"acc-1"}
        stored = await channels[1].tokens.load()
        assert stored is not None and stored.refresh_token == "ref-1" == fake.refresh_token
    finally:
        async with first_engine.begin() as conn:
            for statement in clean.split("; "):
                await conn.execute(text(statement))
        for channel, engine in built:
            await channel.stop()
            await engine.dispose()


async def test_a_pair_from_the_environment_is_stored_once(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    tokens = SqlZaloOaTokens(make_sessions(engine), account_sealer(Settings()), APP_ID)
    try:
        await tokens.seed("acc-0", "ref-0")

        async def refresh(token: str) -> tuple[str, str, timedelta]:
            assert token == "ref-0"
            return "acc-1", "ref-1", timedelta(hours=25)

        rotated = await tokens.rotate("acc-0", refresh)
        assert (rotated.access_token, rotated.refresh_token) == ("acc-1", "ref-1")
        await tokens.seed("acc-0", "ref-0")  # the next start, same variables: kept
        assert (await tokens.load()) == rotated
        await tokens.seed("acc-9", "ref-9")  # a new pair minted by the operator: taken
        fresh = await tokens.load()
        assert fresh is not None and (fresh.refresh_token, fresh.expires_at) == ("ref-9", None)
    finally:
        await engine.dispose()


def test_refuses_to_start_without_its_settings(sqlite_url: str, tmp_path: Path) -> None:
    from bot.channels import zalo_oa

    settings = Settings(database_url=sqlite_url, media_dir=str(tmp_path), zalo_oa_app_id=APP_ID)
    with pytest.raises(SystemExit, match="BINHYEN_ZALO_OA_SECRET_KEY"):
        zalo_oa.build(settings, None)  # type: ignore[arg-type]
    with pytest.raises(SystemExit, match="numeric"):
        Settings(zalo_oa_app_id="my-app").check()


async def test_a_scam_check_then_a_tip_in_one_tap(resident: Resident) -> None:
    await resident.onboard()
    await resident.press(vi("menu.check"))
    await resident.say(
        "Công an phường thông báo: để cập nhật thông tin cư trú sau sáp nhập, bà con tải ứng "
        "dụng Dịch vụ công tại https://dichvucong-gov.vn/app.apk"
    )
    assert "lời lẽ của tin nhắn này giống một kiểu lừa đảo" in resident.text
    assert "an toàn" not in resident.text.lower()
    await resident.press(vi("check.send_tip"))
    await resident.press(vi("tip.consent_yes"))
    # The tip wizard opens with the category chosen and the checked message as its text.
    assert "Đã nhận 1 đoạn" in resident.text
