"""The conversation through the dispatcher, on the in-memory ports and conversation state."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from handlers.model import Kind, Media, MediaType, SystemEvent
from tests.conftest import Chat


async def test_any_first_message_greets(chat: Chat) -> None:
    text = await chat.say("chào bạn")
    assert text.startswith("Xin chào!")
    assert chat.choices[:2] == ["lang:vi", "lang:en"]


async def test_english_onboarding_and_menu(chat: Chat) -> None:
    await chat.say("/start")
    text = await chat.pick("lang:en")
    assert "From now on Bình Yên will answer in English." in text
    assert "Which province" in text
    text = await chat.say("Đà Nẵng")
    assert "Which commune or ward of Thành phố Đà Nẵng" in text
    await chat.say("hai chau")  # also old Quận Hải Châu's name: which (test_area_finder.py)
    text = await chat.pick(chat.choices[0])
    assert "Your area is saved: Phường Hải Châu, Thành phố Đà Nẵng." in text
    assert chat.choices == [
        "menu:tip",
        "menu:check",
        "menu:learn",
        "menu:mytips",
        "nav:emergency",
        "menu:settings",
        "menu:police",  # issue 21: the commune police's page
    ]


async def test_choices_answer_by_number_or_label(chat: Chat) -> None:
    await chat.say("/start")
    await chat.say("1")  # Tiếng Việt
    assert "tỉnh, thành phố" in chat.text
    await chat.say("thành phố hà nội")
    assert "xã, phường" in chat.text
    await chat.say("phuong ba dinh")
    await chat.say("🔍 Kiểm tra số điện thoại, đường link, tài khoản")
    assert "Kiểm tra lừa đảo" in chat.text  # the check: tests/unit/test_check_flow.py


async def test_emergency_numbers_from_every_step(chat: Chat) -> None:
    await chat.say("/start")
    assert "nav:emergency" in chat.choices  # language step
    await chat.pick("lang:vi")
    assert "nav:emergency" in chat.choices  # province step
    await chat.pick("nav:emergency")
    calls = [phone for r in chat.last for _label, phone in r.calls]
    assert calls == ["113", "114", "115", "112"]
    assert "nav:back" in chat.choices
    text = await chat.pick("nav:back")
    assert "tỉnh, thành phố" in text  # back where we were
    await chat.say("hà nội")
    assert "nav:emergency" in chat.choices  # commune step
    text = await chat.say("khẩn cấp")
    assert "113" in text and "114" in text and "115" in text and "112" in text


async def test_commune_with_no_match_and_too_many(chat: Chat) -> None:
    await chat.say("/start")
    await chat.pick("lang:vi")
    await chat.say("ho chi minh")
    text = await chat.say("xyzabc")
    assert "Không tìm thấy xã, phường nào tên “xyzabc”" in text
    assert "area:province" in chat.choices
    text = await chat.say("an")
    assert "Hãy gõ tên đầy đủ hơn" in text
    communes = [c for c in chat.choices if c.startswith("commune:")]
    assert len(communes) == 8
    text = await chat.pick(communes[0])
    assert "Đã lưu khu vực" in text


async def test_change_province_from_commune_step(chat: Chat) -> None:
    await chat.say("/start")
    await chat.pick("lang:vi")
    await chat.say("ha noi")
    await chat.pick("area:province")
    await chat.say("can tho")
    await chat.say("ninh kieu")  # also old Quận Ninh Kiều's name: which
    text = await chat.pick(chat.choices[0])
    assert "Phường Ninh Kiều, Thành phố Cần Thơ" in text


async def test_settings_change_language_and_commune(chat: Chat) -> None:
    await chat.onboard()
    text = await chat.pick("menu:settings")
    assert "Phường Ba Đình, Thành phố Hà Nội" in text
    await chat.pick("settings:language")
    text = await chat.pick("lang:en")
    assert "What do you need?" in text
    await chat.pick("menu:settings")
    await chat.pick("settings:area")
    await chat.say("hue")
    await chat.say("thuan hoa")  # also old Quận Thuận Hóa's name: which
    text = await chat.pick(chat.choices[0])
    assert "Your area is saved: Phường Thuận Hóa, Thành phố Huế." in text


async def test_profile_outlives_the_conversation_state(chat: Chat) -> None:
    await chat.onboard()
    await chat.dispatcher.conversations.forget(chat.event().chat_key)
    text = await chat.say("/start")
    assert "Chào mừng bạn trở lại" in text
    assert "menu:tip" in chat.choices


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("", "Tin nhắn trống"),
        ("   \n\t ", "Tin nhắn trống"),
        ("\x00\x07\x1b", "Tin nhắn trống"),
        ("🙂🙂🙂", "Bình Yên chưa hiểu"),
        ("asdfgh", "Bình Yên chưa hiểu"),
        ("/foo", "Không có lệnh “/foo”"),
        ("99", "Bình Yên chưa hiểu"),
    ],
)
async def test_bad_input_gets_a_short_reply_and_the_chat_goes_on(
    chat: Chat, message: str, expected: str
) -> None:
    await chat.onboard()
    text = await chat.say(message)
    assert expected in text
    assert "menu:tip" in chat.choices
    text = await chat.say("2")
    assert "Kiểm tra lừa đảo" in text  # the second item: the scam check


async def test_a_100kb_message_is_refused_with_its_length(chat: Chat) -> None:
    await chat.onboard()
    text = await chat.say("a" * 100_000)
    assert "Tin nhắn quá dài (100000 ký tự)" in text
    assert "4000" in text
    text = await chat.say("2")
    assert "Kiểm tra lừa đảo" in text  # the second item: the scam check


async def test_a_button_from_an_old_menu(chat: Chat) -> None:
    await chat.say("/start")
    await chat.pick("lang:vi")
    await chat.say("ha noi")
    await chat.say("an")  # offers a list of communes
    await chat.say("phuong ba dinh")
    text = await chat.pick("commune:00070")  # from the list two replies ago
    assert "Nút này thuộc một menu cũ" in text
    assert "menu:tip" in chat.choices
    text = await chat.pick("province:01")
    assert "menu cũ" in text


async def test_media_location_and_contact_where_not_expected(chat: Chat) -> None:
    await chat.onboard()
    for kind, values, expected in (
        (
            Kind.LOCATION,
            {"lat": 21.03, "lon": 105.83},
            "vị trí hay số điện thoại bạn gửi chưa được dùng",
        ),
        (
            Kind.CONTACT,
            {"phone": "+84912345678"},
            "vị trí hay số điện thoại bạn gửi chưa được dùng",
        ),
        (Kind.MEDIA, {"media": Media(MediaType.PHOTO, "x")}, "tệp không được lưu"),
    ):
        await chat.send_event(chat.event(kind, **values))
        assert expected in chat.text
        assert "menu:tip" in chat.choices


async def test_a_label_can_be_typed_by_its_first_words(chat: Chat) -> None:
    await chat.onboard()
    await chat.say("cài đặt")
    assert "settings:language" in chat.choices
    await chat.say("ngôn ngữ")
    assert "lang:en" in chat.choices


async def test_cancel_and_help_work_anywhere(chat: Chat) -> None:
    await chat.say("/start")
    await chat.pick("lang:vi")
    text = await chat.say("/help")
    assert "Cách dùng" in text and "tỉnh, thành phố" in text
    text = await chat.say("hủy")
    assert "Đã hủy." in text


async def test_duplicate_event_is_handled_once(chat: Chat) -> None:
    await chat.onboard()
    event = chat.event(Kind.CHOICE, choice="menu:settings", event_id="same-id")
    first = await chat.dispatcher.dispatch(event)
    second = await chat.dispatcher.dispatch(event)
    assert first and "Cài đặt" in first[-1].text
    assert second is None


async def test_events_of_one_chat_are_handled_in_order(chat: Chat) -> None:
    await chat.say("/start")
    events = [
        chat.event(Kind.CHOICE, choice="lang:vi"),
        chat.event(Kind.TEXT, text="ha noi"),
        chat.event(Kind.TEXT, text="phuong ba dinh"),
    ]
    results = await asyncio.gather(*(chat.dispatcher.dispatch(e) for e in events))
    assert results[2] is not None and "Đã lưu khu vực" in results[2][0].text


async def test_many_chats_at_once_keep_apart(dispatcher: object) -> None:
    chats = [Chat(dispatcher) for _ in range(10)]  # type: ignore[arg-type]
    await asyncio.gather(*(c.onboard() for c in chats))
    assert len({c.user for c in chats}) == 10


async def test_block_and_unblock_are_quiet(chat: Chat) -> None:
    await chat.onboard()
    for system in (SystemEvent.BLOCKED, SystemEvent.UNBLOCKED):
        assert await chat.send_event(chat.event(Kind.SYSTEM, system=system)) == []


async def test_a_failing_handler_apologises_and_loses_nothing(
    chat: Chat, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from handlers import router

    await chat.onboard()
    real = router.handle

    async def boom(ctx: Any) -> list[object]:
        raise RuntimeError(f"cannot handle {ctx.event.text}")

    monkeypatch.setattr(router, "handle", boom)
    event = chat.event(Kind.TEXT, text="Nguyễn Văn A 0912345678", event_id="retry-me")
    replies = await chat.dispatcher.dispatch(event)
    assert replies and "đã có lỗi" in replies[0].text
    assert "RuntimeError" in caplog.text
    assert "0912345678" not in caplog.text
    monkeypatch.setattr(router, "handle", real)
    replies = await chat.dispatcher.dispatch(event)  # the platform's retry is not a duplicate
    assert replies and "Chưa có thông tin" in replies[0].text  # a phone number: checked
