"""Subscriptions through the dispatcher, on the in-memory ports: opt in and out with one tap,
from the learn menu and from settings; STOP, DỪNG and "dung" end everything from any step,
with one tap to sign up again; English. What the SQL store gives the broadcasts to come is in
tests/integration/test_subscribers.py."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from content import awareness
from handlers.ports import Subscription, SubscriptionKind
from handlers.router import typed_choice
from tests.conftest import Chat

BA_DINH = "00004"
THUAN_HOA = "19786"
AWARENESS = Subscription(SubscriptionKind.AWARENESS)
ALERTS = Subscription(SubscriptionKind.ALERTS, BA_DINH)
ON_AWARENESS = "subs:on:awareness:"
OFF_AWARENESS = "subs:off:awareness:"
ON_ALERTS = f"subs:on:alerts:{BA_DINH}"
OFF_ALERTS = f"subs:off:alerts:{BA_DINH}"
WEEKLY = Subscription(SubscriptionKind.WEEKLY)
ON_WEEKLY = "subs:on:weekly:"
OFF_WEEKLY = "subs:off:weekly:"


async def active(chat: Chat) -> list[Subscription]:
    uow = chat.dispatcher.unit_of_work()
    try:
        profile = await uow.residents.for_identity(chat.channel, "acc", chat.user)
        return await uow.awareness.subscriptions(profile.resident_id)
    finally:
        await uow.close()


async def subscribed_to_both(chat: Chat) -> None:
    await chat.onboard()
    await chat.pick("menu:learn")
    await chat.pick("learn:subs")
    await chat.pick(ON_AWARENESS)
    await chat.pick(ON_ALERTS)
    assert await active(chat) == [AWARENESS, ALERTS]


async def test_opt_in_and_out_with_one_tap_from_the_learn_menu(chat: Chat) -> None:
    await chat.onboard()
    await chat.pick("menu:learn")
    text = await chat.pick("learn:subs")
    assert "Nhận tin từ Bình Yên (chỉ khi bạn đăng ký)" in text
    assert "Lời khuyên phòng tránh lừa đảo, cháy nổ, tai nạn: chưa nhận" in text
    assert "Cảnh báo của Công an Phường Ba Đình: chưa nhận" in text
    # What each brings and how often, before it is turned on.
    assert "Cảnh báo và thông báo của tổ dân phố, thôn chỉ gửi khi có việc." in text
    assert "gửi DỪNG" in text
    assert chat.choices == [
        ON_AWARENESS,
        ON_ALERTS,
        ON_WEEKLY,
        "menu:learn",
        "nav:menu",
        "nav:emergency",
    ]
    text = await chat.pick(ON_AWARENESS)
    assert "Đã đăng ký nhận lời khuyên phòng tránh" in text
    assert "tai nạn: ✅ đang nhận" in text
    assert chat.choices[:2] == [OFF_AWARENESS, ON_ALERTS]
    text = await chat.pick(ON_ALERTS)
    assert "Đã đăng ký nhận cảnh báo của Công an Phường Ba Đình" in text
    assert "Phường Ba Đình: ✅ đang nhận" in text
    assert await active(chat) == [AWARENESS, ALERTS]
    labels = [c.label for c in chat.last[-1].choices]
    assert labels[:2] == ["🔕 Ngừng nhận lời khuyên", "🔕 Ngừng cảnh báo ở Phường Ba Đình"]
    text = await chat.pick(OFF_AWARENESS)
    assert "Đã ngừng gửi lời khuyên phòng tránh" in text
    assert await active(chat) == [ALERTS]
    text = await chat.pick("menu:learn")  # back
    assert "Tìm hiểu để phòng tránh" in text


async def test_subscriptions_from_settings_and_back(chat: Chat) -> None:
    await chat.onboard()
    await chat.pick("menu:settings")
    assert "settings:subs" in chat.choices
    text = await chat.pick("settings:subs")
    assert "Nhận tin từ Bình Yên" in text
    assert "menu:settings" in chat.choices
    await chat.pick(ON_ALERTS)
    assert await active(chat) == [ALERTS]
    assert "menu:settings" in chat.choices  # the way back survives a toggle
    text = await chat.pick("menu:settings")
    assert "Cài đặt" in text


async def test_a_second_opt_in_stores_nothing_new(chat: Chat) -> None:
    await subscribed_to_both(chat)
    uow = chat.dispatcher.unit_of_work()
    try:
        profile = await uow.residents.for_identity(chat.channel, "acc", chat.user)
        at = datetime(2026, 11, 24, tzinfo=UTC)
        assert not await uow.awareness.subscribe(profile.resident_id, AWARENESS, at)
        assert not await uow.awareness.unsubscribe(
            profile.resident_id, Subscription(SubscriptionKind.ALERTS, THUAN_HOA), at
        )
        await uow.commit()
    finally:
        await uow.close()
    assert await active(chat) == [AWARENESS, ALERTS]


STEPS = ["menu", "card", "quiz", "tip", "settings", "subscriptions", "report"]


async def go_to(chat: Chat, step: str) -> None:
    if step == "menu":
        await chat.say("menu")
    elif step in ("card", "quiz"):
        await chat.pick("menu:learn")
        await chat.pick("learn:topic:fire_safety")
        if step == "quiz":  # the quiz is offered under the topic's last card
            fire = awareness.topic("fire_safety")
            assert fire is not None
            for index in range(1, len(fire.cards)):
                await chat.pick(f"learn:card:fire_safety:{index}")
            await chat.pick("learn:quiz:fire_safety")
    elif step == "tip":
        await chat.pick("menu:learn")
        await chat.pick("learn:tip")
    elif step == "settings":
        await chat.pick("menu:settings")
    elif step == "subscriptions":
        await chat.pick("menu:settings")
        await chat.pick("settings:subs")
    elif step == "report":
        await chat.pick("menu:tip")
        await chat.pick("tip:consent_yes")
        await chat.pick("cat:drugs")


WORDS = ["STOP", "DỪNG", "dừng", "Dừng lại!", "/stop", "stop", "Dừng"]


# Where the stop leaves the chat: its own screen from the menu and the settings, else the step
# it was at, with nothing of it lost (a tip's draft, a quiz's score).
STAYS = {"card": "learn:topics", "quiz": "quiz:a:fire_safety:0:0", "tip": "learn:topics"}


@pytest.mark.parametrize(("step", "word"), list(zip(STEPS, WORDS, strict=True)))
async def test_stop_ends_every_subscription_from_any_step(chat: Chat, step: str, word: str) -> None:
    await subscribed_to_both(chat)
    await go_to(chat, step)
    text = await chat.say(word)
    assert "Đã dừng: Bình Yên sẽ không gửi lời khuyên hay cảnh báo nào cho bạn nữa." in text
    assert await active(chat) == []
    assert chat.choices[0] == "subs:resume"
    if step in STAYS:
        assert STAYS[step] in chat.choices  # still at the step
        await chat.pick("subs:resume")
        assert len(await active(chat)) == 2 and STAYS[step] in chat.choices
    elif step == "report":
        assert "tip:done" not in chat.choices or "Mô tả" in chat.text  # the tip goes on
    else:
        assert chat.choices == ["subs:resume", "nav:menu", "nav:emergency"]


async def test_a_bare_dung_inside_a_flow_is_not_a_stop(chat: Chat) -> None:
    """Typed without marks at a quiz or in a tip, "dung" is "đúng" as often as "dừng"."""
    await subscribed_to_both(chat)
    await go_to(chat, "quiz")
    await chat.say("dung")
    assert len(await active(chat)) == 2
    assert "quiz:a:fire_safety:0:0" in chat.choices


async def test_one_tap_signs_up_again_after_stop(chat: Chat) -> None:
    await subscribed_to_both(chat)
    await chat.say("dừng")
    text = await chat.pick("subs:resume")
    assert "Đã đăng ký nhận tin lại." in text
    assert "tai nạn: ✅ đang nhận" in text and "Phường Ba Đình: ✅ đang nhận" in text
    assert await active(chat) == [AWARENESS, ALERTS]
    text = await chat.say("menu")
    assert "menu:tip" in chat.choices


async def test_stop_with_nothing_to_stop_says_so(chat: Chat) -> None:
    await chat.onboard()
    text = await chat.say("STOP")
    assert "Bạn chưa đăng ký nhận tin nào" in text
    assert chat.choices == ["subs:open", "nav:menu", "nav:emergency"]
    text = await chat.pick("subs:open")
    assert "Nhận tin từ Bình Yên" in text


async def test_stop_before_a_commune_is_chosen_keeps_the_step(chat: Chat) -> None:
    await chat.say("/start")
    await chat.pick("lang:vi")
    await chat.say("ha noi")
    text = await chat.say("dừng")
    assert "Bạn chưa đăng ký nhận tin nào" in text
    assert "xã, phường" in text  # the commune step, again
    await chat.say("phuong ba dinh")
    assert "menu:tip" in chat.choices


def test_stop_wins_over_a_label_it_only_begins() -> None:
    pending = [["a", "Dùng mật khẩu mạnh"], ["c", "Stop safety advice"]]
    assert typed_choice(pending, "dừng") is None  # stop, not "Dùng mật khẩu mạnh"
    assert typed_choice(pending, "dung") is None  # typed without marks: DỪNG, as the bot says
    assert typed_choice(pending, "STOP") is None
    assert typed_choice(pending, "dùng") == "a"  # "Dùng" with its mark is not "Dừng"
    assert typed_choice(pending, "dùng mật") == "a"
    # A label on offer that folds to the same word wins: a quiz answer "Đúng".
    assert typed_choice([["a", "Đúng"], ["b", "Sai"]], "đúng") == "a"


async def test_alerts_of_a_commune_left_behind_can_be_stopped(chat: Chat) -> None:
    await subscribed_to_both(chat)
    await chat.say("menu")
    await chat.pick("menu:settings")
    await chat.pick("settings:area")
    await chat.say("hue")
    await chat.say("phuong thuan hoa")
    await chat.pick("menu:settings")
    text = await chat.pick("settings:subs")
    assert "Cảnh báo của Công an Phường Thuận Hóa: chưa nhận" in text
    assert "Cảnh báo của Công an Phường Ba Đình: ✅ đang nhận" in text
    assert chat.choices[:3] == [OFF_AWARENESS, f"subs:on:alerts:{THUAN_HOA}", OFF_ALERTS]
    await chat.pick(f"subs:on:alerts:{THUAN_HOA}")
    text = await chat.pick(OFF_ALERTS)
    assert "Đã ngừng gửi cảnh báo của Công an Phường Ba Đình" in text
    assert await active(chat) == [AWARENESS, Subscription(SubscriptionKind.ALERTS, THUAN_HOA)]


async def test_english_subscriptions_and_stop(chat: Chat) -> None:
    await chat.say("/start")
    await chat.pick("lang:en")
    await chat.say("ha noi")
    await chat.say("phuong ba dinh")
    await chat.pick("menu:settings")
    assert "🔔 Messages (advice, alerts)" in [c.label for c in chat.last[-1].choices]
    text = await chat.pick("settings:subs")
    assert "Messages from Bình Yên (only if you sign up)" in text
    assert "Alerts from the police of Phường Ba Đình: off" in text
    text = await chat.pick(ON_AWARENESS)
    assert "You will get safety advice. Send STOP at any time" in text
    assert "accidents: ✅ on" in text
    text = await chat.say("stop")
    assert "Stopped: Bình Yên will send you no more advice or alerts." in text
    assert chat.last[-1].choices[0].label == "🔔 Sign up again"
    text = await chat.pick("subs:resume")
    assert "You are signed up again." in text
    assert await active(chat) == [AWARENESS]


async def test_the_weekly_scams_on_and_off_with_one_tap(chat: Chat) -> None:
    await chat.onboard()
    await chat.pick("menu:settings")
    text = await chat.pick("settings:subs")
    assert "Tin lừa đảo trong tuần ở Thành phố Hà Nội: chưa nhận" in text
    # What it brings and how often, before it is turned on.
    assert "sáng thứ Hai, mỗi tuần một lần" in text
    assert "đã được Công an xác nhận" in text
    text = await chat.pick(ON_WEEKLY)
    assert "Đã đăng ký nhận tin lừa đảo trong tuần ở Thành phố Hà Nội" in text
    assert "Tin lừa đảo trong tuần ở Thành phố Hà Nội: ✅ đang nhận" in text
    assert await active(chat) == [WEEKLY]
    assert chat.choices[:3] == [ON_AWARENESS, ON_ALERTS, OFF_WEEKLY]
    assert "🔕 Ngừng tin lừa đảo trong tuần" in [c.label for c in chat.last[-1].choices]
    text = await chat.pick(OFF_WEEKLY)
    assert "Đã ngừng gửi tin lừa đảo trong tuần cho bạn." in text
    assert await active(chat) == []
    assert "menu:settings" in chat.choices


async def test_stop_ends_the_weekly_scams_too_and_one_tap_resumes(chat: Chat) -> None:
    await subscribed_to_both(chat)
    await chat.pick(ON_WEEKLY)
    assert await active(chat) == [AWARENESS, ALERTS, WEEKLY]
    await chat.say("DỪNG")
    assert await active(chat) == []
    await chat.pick("subs:resume")
    assert await active(chat) == [AWARENESS, ALERTS, WEEKLY]


async def test_a_weekly_choice_with_a_commune_is_stale(chat: Chat) -> None:
    await chat.onboard()
    await chat.pick("menu:learn")
    await chat.pick("learn:subs")
    text = await chat.pick(f"subs:on:weekly:{BA_DINH}")
    assert await active(chat) == []
    assert "Nhận tin từ Bình Yên" in text


async def test_english_weekly_scams(chat: Chat) -> None:
    await chat.say("/start")
    await chat.pick("lang:en")
    await chat.say("ha noi")
    await chat.say("phuong ba dinh")
    await chat.pick("menu:settings")
    text = await chat.pick("settings:subs")
    assert "Weekly scam round-up for Thành phố Hà Nội: off" in text
    text = await chat.pick(ON_WEEKLY)
    assert "You will get the weekly scam round-up for Thành phố Hà Nội." in text
    assert "🔕 Stop the weekly scam round-up" in [c.label for c in chat.last[-1].choices]
