"""Forwarded messages and shared contact cards through the dispatcher (handlers/forwarded.py):
offered a check at any step, the first message included, and checked once onboarding is done;
inside a tip or an answer they are what the step asks for."""

from __future__ import annotations

import pytest

from handlers import forwarded
from handlers.model import Kind, Media, MediaType
from tests.conftest import Chat, memory_of
from tests.e2e.channels import vi
from tests.unit.test_answer_flow import events, police, reported

SCAM = (
    "Tôi là cán bộ Công an TP Hà Nội. Anh có liên quan đến đường dây rửa tiền, phải chuyển "
    "tiền vào tài khoản tạm giữ để xác minh. Gọi lại ngay 0912 345 678."
)
OFFERED = "Bình Yên có thể kiểm tra tin này xem có dấu hiệu lừa đảo"
VERDICT = "Nhớ rằng"  # the general advice every verdict ends with


async def forward(chat: Chat, text: str) -> str:
    await chat.send_event(chat.event(Kind.TEXT, text=text, forwarded=True))
    return chat.text


async def share_contact(chat: Chat, phone: str) -> str:
    await chat.send_event(chat.event(Kind.CONTACT, phone=phone, forwarded=True))
    return chat.text


async def onboard_from_language(chat: Chat) -> str:
    await chat.pick("lang:vi")
    await chat.say("ha noi")
    text = await chat.say("phuong ba dinh")
    if "hood:skip" in chat.choices:
        text = await chat.pick("hood:skip")
    return text


async def test_a_first_message_forwarded_is_offered_then_checked_after_onboarding(
    chat: Chat,
) -> None:
    text = await forward(chat, SCAM)
    assert text.startswith("Xin chào!")  # greeted as any first message
    assert OFFERED in text
    assert chat.choices[:2] == ["lang:vi", "lang:en"]
    text = await onboard_from_language(chat)
    assert "Đã lưu khu vực" in text
    assert "kết quả kiểm tra tin bạn gửi lúc nãy" in text
    assert "Giả danh công an" in text and VERDICT in text
    assert "check:tip" in chat.choices and "menu:tip" not in chat.choices  # one list: the check's
    # Checked once: the menu afterwards is the menu.
    text = await chat.pick("nav:menu")
    assert "kết quả kiểm tra" not in text and "menu:tip" in chat.choices


async def test_messages_forwarded_during_onboarding_are_all_checked(chat: Chat) -> None:
    await chat.say("/start")
    await chat.pick("lang:vi")
    text = await forward(chat, "Chị ơi em gửi nhầm 2 triệu vào tài khoản, chị chuyển lại giúp em")
    assert OFFERED in text and "tỉnh, thành phố" in text  # the step goes on
    await forward(chat, SCAM)
    await chat.say("ha noi")
    text = await chat.say("phuong ba dinh")
    if "hood:skip" in chat.choices:
        text = await chat.pick("hood:skip")
    assert "Giả danh công an" in text and "0912 345 678" in text


async def test_a_scam_pasted_as_the_first_message_on_a_channel_without_forwards(
    chat: Chat,
) -> None:
    # Zalo cannot say a message was forwarded: its wording is what tells.
    text = await chat.say(SCAM)
    assert OFFERED in text and chat.choices[:2] == ["lang:vi", "lang:en"]
    text = await onboard_from_language(chat)
    assert "Giả danh công an" in text


async def test_a_plain_first_message_only_greets(chat: Chat) -> None:
    text = await chat.say("chào bạn")
    assert text.startswith("Xin chào!") and OFFERED not in text
    text = await onboard_from_language(chat)
    assert "kết quả kiểm tra" not in text and "menu:tip" in chat.choices


async def test_a_message_kept_too_long_is_not_checked_unasked(chat: Chat) -> None:
    await forward(chat, SCAM)
    chat.dispatcher.config.clock.advance(days=2)  # type: ignore[attr-defined]
    text = await onboard_from_language(chat)
    assert "kết quả kiểm tra" not in text and "menu:tip" in chat.choices


async def test_after_onboarding_a_forwarded_message_is_checked_at_once(chat: Chat) -> None:
    await chat.onboard()
    text = await forward(chat, SCAM)
    assert "Giả danh công an" in text and VERDICT in text
    assert "check:tip" in chat.choices
    await chat.pick("menu:learn")  # anywhere else, too
    text = await forward(chat, SCAM)
    assert "Giả danh công an" in text


async def test_a_forwarded_caption_is_checked(chat: Chat) -> None:
    await chat.onboard()
    photo = Media(MediaType.PHOTO, "p1", "image/jpeg", 100, SCAM)
    await chat.send_event(chat.event(Kind.MEDIA, media=photo, forwarded=True))
    assert "Giả danh công an" in chat.text


async def test_a_shared_contact_card_has_its_number_checked(chat: Chat) -> None:
    memory_of(chat.dispatcher).add_indicator(
        "phone", "+84912345678", chat.dispatcher.config.clock(), status="confirmed", source="t"
    )
    await chat.onboard()
    text = await share_contact(chat, "0912345678")
    assert "CẢNH BÁO: đây là lừa đảo" in text
    assert "công an đã xác nhận là dùng để lừa đảo" in text


async def test_a_contact_card_shared_before_onboarding_is_checked_after(chat: Chat) -> None:
    text = await share_contact(chat, "0987 111 222")
    assert OFFERED in text
    text = await onboard_from_language(chat)
    assert "Chưa có thông tin về: 0987 111 222." in text


async def test_ones_own_number_at_the_menu_is_not_a_check(chat: Chat) -> None:
    await chat.onboard()
    await chat.send_event(chat.event(Kind.CONTACT, phone="0912345678"))
    assert VERDICT not in chat.text and "menu:tip" in chat.choices


async def start_tip(chat: Chat) -> None:
    await chat.onboard()
    await chat.pick("menu:tip")
    if "tip:consent_yes" in chat.choices:
        await chat.pick("tip:consent_yes")


async def test_a_forwarded_message_in_a_description_is_the_description(chat: Chat) -> None:
    await start_tip(chat)
    await chat.pick("cat:fraud_phone")
    text = await forward(chat, SCAM)
    assert VERDICT not in text and OFFERED not in text
    assert "tip:done" in chat.choices  # the description step took it
    await chat.pick("tip:done")
    assert "when:today" in chat.choices


async def test_a_contact_card_at_the_tips_contact_step_is_the_residents_phone(
    chat: Chat,
) -> None:
    await start_tip(chat)
    await chat.pick("cat:theft_robbery")
    await chat.say("Có kẻ lấy trộm xe đạp trước nhà số 12 ngõ 5")
    await chat.pick("tip:done")
    await chat.pick("when:today")
    await chat.say("Số 12 ngõ 5 phố Đội Cấn")
    await chat.pick("tip:media_done")
    await chat.pick("tip:details_no")
    await chat.pick("id:named")
    await chat.say("Trần Văn C")
    text = await share_contact(chat, "+84 987 654 321")
    assert VERDICT not in text and "tip:confirm" in chat.choices


async def test_at_a_step_waiting_for_a_button_the_check_is_offered_and_the_tip_kept(
    chat: Chat,
) -> None:
    await start_tip(chat)
    await chat.pick("cat:theft_robbery")
    await chat.say("Có kẻ lấy trộm xe đạp trước nhà số 12 ngõ 5")
    await chat.pick("tip:done")
    assert "when:today" in chat.choices
    text = await forward(chat, SCAM)
    assert "Tin báo bạn đang viết vẫn được giữ nguyên" in text
    assert chat.choices[:2] == ["check:run", "check:back"]
    text = await chat.say("1")  # typed: the first choice shown
    assert "Giả danh công an" in text and "check:back" in chat.choices
    text = await chat.pick("check:back")
    assert "when:today" in chat.choices, text  # the tip's step again, the draft as it was
    await chat.pick("when:today")
    await chat.say("Số 12 ngõ 5 phố Đội Cấn")
    await chat.pick("tip:media_done")
    await chat.pick("tip:details_no")
    text = await chat.pick("id:anonymous")
    while "tip:skip" in chat.choices:  # an anonymous tip asks for what it lacks
        text = await chat.pick("tip:skip")
    assert "tip:confirm" in chat.choices and "lấy trộm xe đạp" in text, text  # the review


async def test_the_offer_goes_back_to_the_tip_untouched(chat: Chat) -> None:
    await start_tip(chat)
    await chat.pick("cat:theft_robbery")
    await chat.say("Có kẻ lấy trộm xe đạp")
    await chat.pick("tip:done")
    await forward(chat, SCAM)
    await chat.say("2")  # ↩️ back to the tip, typed
    assert "when:today" in chat.choices


async def test_an_answer_to_the_police_takes_a_forwarded_message(chat: Chat) -> None:
    code = await reported(chat)
    await police(chat, code, "question", "Kẻ đó nhắn gì cho bạn?")
    await chat.pick(f"answer:{code}")
    text = await forward(chat, SCAM)
    assert vi("answer.saved", code=code) in text and VERDICT not in text
    [answer] = await events(chat, code, "reporter_answer")
    assert answer.body == SCAM


class _State:
    def __init__(self, flow: str, step: str) -> None:
        self.flow, self.step = flow, step


class _Ctx:
    def __init__(self, flow: str, step: str) -> None:
        self.state = _State(flow, step)


@pytest.mark.parametrize(
    ("flow", "step", "content"),
    [
        ("report", "description", True),
        ("report", "detail", True),
        ("report", "contact_phone", True),
        ("report", "where", True),
        ("report", "category", False),
        ("report", "review", False),
        ("answer", "text", True),
        ("leader_notice", "text", True),
        ("menu", "", False),
        ("learn", "quiz", False),
    ],
)
def test_which_steps_take_a_forwarded_message_as_their_own(
    flow: str, step: str, content: bool
) -> None:
    assert forwarded._is_content(_Ctx(flow, step)) is content  # type: ignore[arg-type]
