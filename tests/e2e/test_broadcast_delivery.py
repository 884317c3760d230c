"""A broadcast reaches the residents end to end: the panel's use cases compose it (and queue
one outbox row per subscriber), the app's worker pushes each copy through the real Telegram
and Zalo Bot channels to their fakes, and what the residents see names the sender by role and
area, never the person, and says how to stop. A resident who stops in between, a broadcast
cancelled half-way, a blocked chat and a tip's notice queued meanwhile each end as they
should; the web chat fetches its copies from its inbox.

The worker is run by hand (run_once), so that nothing is sent behind the test's back."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from argon2 import PasswordHasher
from fastapi import FastAPI
from sqlalchemy import select

from bot.delivery import Delivery, Pushed, Pusher
from content import legal
from handlers import casework as cases
from handlers.accounts import create_account
from handlers.broadcasts import decide, read
from handlers.broadcasts.compose import Draft, compose
from handlers.broadcasts.words import MessageState
from handlers.model import RenderedReply
from handlers.people import AdminRole, Identity
from storage.admin_users import SqlAccountStore, passwords
from storage.broadcasts import SqlBroadcastStore
from storage.models import (
    ChannelIdentity,
    LeaderNeighbourhood,
    Neighbourhood,
    ResidentNeighbourhood,
)
from tests.e2e import test_telegram as tg
from tests.e2e import test_zalo_bot as zb
from tests.e2e.channels import ChannelSetup, app_settings, db_rows, vi
from tests.e2e.test_outbox_delivery import act, officer, pushed, tip_for
from tests.e2e.webchat import browser, onboard, send
from tests.fakes.telegram_api import FakeTelegram
from tests.fakes.zalo_bot_api import FakeZaloBot

pytestmark = pytest.mark.e2e

BA_DINH = "00004"
ALERTS_ON = f"subs:on:alerts:{BA_DINH}"
SENDER = "📣 Công an Phường Ba Đình"
STOP = "Gõ DỪNG để ngừng nhận thông báo."
ALERT = "Cảnh báo: có đối tượng giả danh công an gọi điện yêu cầu chuyển tiền. Không làm theo!"
SENTENCES = (
    "Công an phường cảnh báo: đối tượng giả danh nhân viên điện lực gọi điện, đòi chuyển "
    "tiền để khỏi bị cắt điện.",
    "Tuyệt đối không chuyển tiền, không đọc mã OTP cho người lạ qua điện thoại.",
    "Nếu nghi ngờ, hãy gọi ngay cho công an phường hoặc số 113!",
)
# Zalo's 2,000 characters exactly: 24 sentences and a last one of thanks.
LONG = " ".join([*SENTENCES * 8, "Xin cảm ơn bà con đã chung tay giữ bình yên phố."])
LEADER_NAME, LEADER_LOGIN = "Nguyễn Thị Hoa", "hoa.tdp5"


@pytest.fixture(autouse=True)
def fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(
        "storage.admin_users.passwords.password_hasher",
        PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
    )


@pytest.fixture
def channel_setup(
    fake_telegram: FakeTelegram, fake_zalo_bot: FakeZaloBot, sqlite_url: str, media_dir: Path
) -> ChannelSetup:
    """One app with Telegram and the Zalo bot, the worker off (run by hand)."""
    settings = app_settings(
        sqlite_url,
        media_dir,
        public_url="https://binhyen.example",
        telegram_token=fake_telegram.token,
        telegram_api_base=fake_telegram.api_base,
        telegram_webhook_secret=tg.SECRET,
        zalo_bot_token=fake_zalo_bot.token,
        zalo_bot_api_base=fake_zalo_bot.api_base,
        zalo_bot_webhook_secret=zb.SECRET,
        outbox_worker=False,
    )
    return ChannelSetup(
        settings,
        rates={"telegram": tg.UNPACED, "zalo_bot": zb.UNPACED},
        webhook_headers={"X-Telegram-Bot-Api-Secret-Token": tg.SECRET, zb.HEADER: zb.SECRET},
    )


@dataclass
class Town:
    """The app with its fakes, and the residents met so far."""

    app: FastAPI
    hook: httpx.AsyncClient
    telegram: FakeTelegram
    zalo: FakeZaloBot
    chats: list[int] = field(default_factory=list)

    async def on_telegram(self, *, subscribed: bool = True) -> tg.Resident:
        chat = 5551000 + len(self.chats)
        self.chats.append(chat)
        resident = tg.Resident(self.app, self.hook, self.telegram, chat)
        await resident.onboard()
        if subscribed:
            await resident.press("menu:learn")
            await resident.press("learn:subs")
            text = await resident.press(ALERTS_ON)
            assert vi("subs.alerts_saved", commune="Phường Ba Đình") in text
        return resident

    async def on_zalo(self, chat: str) -> zb.Resident:
        resident = zb.Resident(self.app, self.hook, self.zalo, chat)
        await resident.onboard()
        await resident.choose("Tìm hiểu")
        await resident.choose("Nhận tin")
        text = await resident.choose("Nhận cảnh báo ở")
        assert vi("subs.alerts_saved", commune="Phường Ba Đình") in text
        return resident

    def received(self, resident: tg.Resident) -> list[str]:
        return [
            c.params["text"]
            for c in self.telegram.calls("sendMessage")
            if c.chat_id == resident.chat and c.ok
        ]

    def everything_sent(self) -> str:
        return repr([c.params for c in [*self.telegram.calls(), *self.zalo.calls()]])


@pytest.fixture
def town(
    app: FastAPI, hook: httpx.AsyncClient, fake_telegram: FakeTelegram, fake_zalo_bot: FakeZaloBot
) -> Town:
    return Town(app, hook, fake_telegram, fake_zalo_bot)


async def broadcast(app: FastAPI, sender: Identity, text: str) -> str:
    async with app.state.runtime.sessions() as session:
        made = await compose(SqlBroadcastStore(session), sender, Draft(text=text))
        await session.commit()
    return made.id


async def decided(app: FastAPI, use_case: Callable[..., Awaitable[object]], *args: object) -> None:
    async with app.state.runtime.sessions() as session:
        await use_case(SqlBroadcastStore(session), *args)
        await session.commit()


async def progress(app: FastAPI, reader: Identity, broadcast_id: str) -> read.Progress:
    async with app.state.runtime.sessions() as session:
        return await read.progress(SqlBroadcastStore(session), reader, broadcast_id)


async def states(app: FastAPI, broadcast_id: str) -> list[str]:
    rows = await db_rows(
        app.state.settings.database_url,
        f"SELECT status FROM outbox WHERE broadcast_id = '{broadcast_id}' ORDER BY status",
    )
    return [r[0] for r in rows]


def copy(text: str, sender: str = SENDER) -> str:
    return f"{sender}\n\n{text}\n\n{STOP}"


async def test_an_alert_reaches_every_subscriber_on_their_channel(town: Town) -> None:
    first, second = await town.on_telegram(), await town.on_telegram()
    bystander = await town.on_telegram(subscribed=False)
    on_zalo = await town.on_zalo("7fa0b1c2d3e4f5a6b7c8")
    police = await officer(town.app)
    made = await broadcast(town.app, police, ALERT)
    assert await pushed(town.app) == 3
    assert town.received(first)[-1] == town.received(second)[-1] == copy(ALERT)
    assert ALERT not in "".join(town.received(bystander))
    assert town.zalo.sent_texts(on_zalo.chat)[-1] == copy(ALERT)
    assert police.username not in town.everything_sent()
    assert await states(town.app, made) == ["sent"] * 3
    seen = await progress(town.app, police, made)
    assert seen.counts.of(MessageState.SENT) == 3 and seen.shown_status == "done"
    assert seen.counts.by_channel == {
        "telegram": {MessageState.SENT: 2},
        "zalo_bot": {MessageState.SENT: 1},
    }
    assert await pushed(town.app) == 0  # each copy once


async def leader_of_tdp5(app: FastAPI) -> tuple[Identity, int]:
    """A leader who speaks for Tổ dân phố số 5 of Ba Đình: (the account, the neighbourhood)."""
    async with app.state.runtime.sessions() as session:
        leader = await create_account(
            SqlAccountStore(session),
            passwords,
            username=LEADER_LOGIN,
            password="mật khẩu đủ dài 2026",
            role=AdminRole.LEADER,
            commune_code=BA_DINH,
            province_code="01",
            display_name=LEADER_NAME,
        )
        place = Neighbourhood(
            commune_code=BA_DINH, name="Tổ dân phố số 5", created_at=datetime.now(UTC)
        )
        session.add(place)
        await session.flush()
        session.add(LeaderNeighbourhood(user_id=leader.id, neighbourhood_id=place.id))
        await session.commit()
        return leader, place.id


async def lives_in(app: FastAPI, resident: tg.Resident, neighbourhood: int) -> None:
    async with app.state.runtime.sessions() as session:
        resident_id = await session.scalar(
            select(ChannelIdentity.resident_id).where(
                ChannelIdentity.platform_user_id == str(resident.chat)
            )
        )
        session.add(ResidentNeighbourhood(resident_id=resident_id, neighbourhood_id=neighbourhood))
        await session.commit()


async def test_a_leaders_notice_names_the_neighbourhood_and_never_the_leader(town: Town) -> None:
    neighbour, elsewhere = await town.on_telegram(), await town.on_telegram()
    leader, tdp5 = await leader_of_tdp5(town.app)
    await lives_in(town.app, neighbour, tdp5)
    police = await officer(town.app)
    text = "Tổ dân phố số 5 họp lúc 19 giờ tối thứ Sáu tại nhà văn hóa. Mời các hộ tham dự."
    made = await broadcast(town.app, leader, text)
    assert await pushed(town.app) == 0  # waits for the police's approval
    await decided(town.app, decide.approve, police, made)
    assert await pushed(town.app) == 1
    sender = "📣 Thông báo của Tổ dân phố số 5, Phường Ba Đình"
    assert town.received(neighbour)[-1] == copy(text, sender)
    assert text not in "".join(town.received(elsewhere))
    sent = town.everything_sent()
    assert LEADER_NAME not in sent and LEADER_LOGIN not in sent
    assert police.username not in sent


async def test_a_resident_who_stops_after_queueing_gets_nothing_more(town: Town) -> None:
    staying, leaving = await town.on_telegram(), await town.on_telegram()
    police = await officer(town.app)
    made = await broadcast(town.app, police, ALERT)
    stopped = await leaving.say("DỪNG")  # as the hint says
    assert vi("subs.stopped") in stopped
    assert await pushed(town.app) == 2
    assert town.received(staying)[-1] == copy(ALERT)
    assert ALERT not in "".join(town.received(leaving))
    assert await states(town.app, made) == ["opted_out", "sent"]
    counts = (await progress(town.app, police, made)).counts
    assert (counts.of(MessageState.SENT), counts.of(MessageState.OPTED_OUT)) == (1, 1)


@dataclass
class CancelledMeanwhile:
    """A channel during whose push the broadcast is cancelled: the copy on its way goes out."""

    inner: Pusher
    cancel: Callable[[], Awaitable[None]]
    account: str = ""

    def __post_init__(self) -> None:
        self.account = self.inner.account

    async def push(self, chat_id: str, reply: RenderedReply, delivery: Delivery) -> Pushed:
        await self.cancel()
        return await self.inner.push(chat_id, reply, delivery)


async def test_cancelling_half_way_stops_the_rest_and_what_was_sent_stays_sent(
    town: Town,
) -> None:
    residents = [await town.on_telegram() for _ in range(3)]
    police = await officer(town.app)
    made = await broadcast(town.app, police, ALERT)
    worker = town.app.state.outbox
    worker.batch = 1
    assert await pushed(town.app) == 1
    real = worker.channels["telegram"]
    worker.channels = {
        **worker.channels,
        "telegram": CancelledMeanwhile(
            real, lambda: decided(town.app, decide.cancel, police, made)
        ),
    }
    assert await pushed(town.app) == 1  # checked before the cancel, sent after it
    worker.channels = {**worker.channels, "telegram": real}
    assert await pushed(town.app) == 0  # nothing more goes out
    got = [ALERT in "".join(town.received(r)) for r in residents]
    assert sorted(got) == [False, True, True]
    assert await states(town.app, made) == ["cancelled", "sent", "sent"]
    seen = await progress(town.app, police, made)
    assert seen.shown_status == "cancelled"
    assert seen.counts.of(MessageState.SENT) == 2 and seen.counts.of(MessageState.CANCELLED) == 1
    assert seen.counts.by_channel == {"telegram": {MessageState.SENT: 2}}


async def test_a_blocked_chat_is_unreachable_and_not_tried_again(town: Town) -> None:
    blocked = await town.on_telegram()
    police = await officer(town.app)
    town.telegram.block_chat(blocked.chat)
    made = await broadcast(town.app, police, ALERT)
    before = len(town.telegram.calls("sendMessage"))
    assert await pushed(town.app) == 1
    [refused] = town.telegram.calls("sendMessage")[before:]
    assert (refused.ok, refused.error_code) == (False, 403)
    assert await states(town.app, made) == ["unreachable"]
    town.app.state.outbox.clock = lambda: datetime.now(UTC) + timedelta(hours=2)
    assert await pushed(town.app) == 0
    assert len(town.telegram.calls("sendMessage")) == before + 1
    counts = (await progress(town.app, police, made)).counts
    assert counts.of(MessageState.UNREACHABLE) == 1 and counts.queued == 0


async def test_a_tips_notice_queued_after_the_broadcast_goes_before_its_rest(town: Town) -> None:
    residents = [await town.on_telegram() for _ in range(3)]
    police = await officer(town.app)
    made = await broadcast(town.app, police, ALERT)
    town.app.state.outbox.batch = 1
    assert await pushed(town.app) == 1
    tip_id, code = await tip_for(town.app, "telegram", str(residents[2].chat))
    await act(town.app, cases.acknowledge, police, tip_id)
    assert await pushed(town.app) == 1
    assert town.received(residents[2])[-1] == vi(
        "notice.acknowledged_crime", code=code, procedure=legal.track("crime").procedure.vi
    )
    assert await states(town.app, made) == ["pending", "pending", "sent"]
    assert [await pushed(town.app), await pushed(town.app)] == [1, 1]
    assert await states(town.app, made) == ["sent"] * 3


async def test_a_notice_of_2000_characters_comes_in_two_pieces_on_zalo(town: Town) -> None:
    assert len(LONG) == 2000
    on_zalo = await town.on_zalo("6ede9afa66b88fe6d6a9")
    on_telegram = await town.on_telegram()
    police = await officer(town.app)
    before = len(town.zalo.sent_texts(on_zalo.chat))
    await broadcast(town.app, police, LONG)
    assert await pushed(town.app) == 2
    first, second = town.zalo.sent_texts(on_zalo.chat)[before:]
    assert len(first) <= 2000 and len(second) <= 2000
    assert first.startswith(f"{SENDER}\n\n") and first.endswith((".", "!"))
    assert second.endswith(f"\n\n{STOP}") and second[0].isupper()
    assert f"{first} {second}" == copy(LONG)  # cut at a sentence's end, nothing lost
    assert town.received(on_telegram)[-1] == copy(LONG)  # 4,096 on Telegram: one message


async def test_the_web_chat_fetches_its_copy_and_nothing_after_stop(town: Town) -> None:
    police = await officer(town.app)
    async with browser(town.app) as page:
        await onboard(page)
        for step in ("menu:learn", "learn:subs", ALERTS_ON):
            await send(page, kind="choice", choice=step)
        first = await broadcast(town.app, police, ALERT)
        assert await pushed(town.app) == 1  # left to the page
        [reply] = (await page.post("/chat/api/inbox")).json()["replies"]
        assert reply["text"] == copy(ALERT)
        later = "Đã bắt được đối tượng giả danh công an. Cảm ơn bà con đã báo tin."
        second = await broadcast(town.app, police, later)
        await send(page, text="DỪNG")
        assert (await page.post("/chat/api/inbox")).json() == {"replies": []}
    assert await states(town.app, first) == ["sent"]
    assert await states(town.app, second) == ["opted_out"]


async def test_a_leader_links_a_chat_composes_there_and_is_told_the_decision(
    town: Town,
) -> None:
    """Issue 14, end to end: a code from the panel typed to the bot, the notice written in
    the chat, approved in the panel, and the leader told in the same chat."""
    from handlers import chat_links
    from storage.chat_links import SqlChatLinks, link_key

    neighbour = await town.on_telegram()
    phone = await town.on_telegram(subscribed=False)  # the leader's own Telegram
    leader, tdp5 = await leader_of_tdp5(town.app)
    await lives_in(town.app, neighbour, tdp5)
    key = link_key(town.app.state.settings.secret_key.get_secret_value())
    async with town.app.state.runtime.sessions() as session:
        made = await chat_links.new_code(SqlChatLinks(session), leader, key, now=datetime.now(UTC))
        await session.commit()
    linked = await phone.say(made.code.lower().replace("-", " "))
    assert "Đã liên kết tài khoản tổ trưởng" in linked
    assert "đã dùng rồi" in await neighbour.say(made.code)  # once only
    assert "tối đa 2.000 ký tự" in await phone.press("menu:notice")
    text = "Tổ dân phố số 5 dọn vệ sinh chung sáng Chủ nhật, 7 giờ, tập trung ở nhà văn hoá."
    await phone.say(text)
    await phone.press("lnotice:nophoto")  # no photo (tests/e2e/test_leader_photo.py sends one)
    preview = await phone.press("lnotice:kind:alert")
    assert copy(text, "📣 Thông báo của Tổ dân phố số 5, Phường Ba Đình") in preview
    assert "Đang chờ Công an xã, phường duyệt" in await phone.press("lnotice:send")
    assert await pushed(town.app) == 0
    police = await officer(town.app)
    async with town.app.state.runtime.sessions() as session:
        (pending,) = await read.listing(SqlBroadcastStore(session), leader, status="pending")
    await decided(town.app, decide.approve, police, pending.id)
    assert await pushed(town.app) == 2  # the neighbour's copy, and the leader's notice
    sender = "📣 Thông báo của Tổ dân phố số 5, Phường Ba Đình"
    assert town.received(neighbour)[-1] == copy(text, sender)
    told = town.received(phone)[-1]
    assert "Công an xã, phường đã duyệt thông báo của bạn" in told and "Tổ dân phố số 5 dọn" in told
    sent = "".join(town.received(neighbour))
    assert LEADER_NAME not in sent and LEADER_LOGIN not in sent
