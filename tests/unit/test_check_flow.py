"""The scam check through the dispatcher, on the in-memory ports: menu → check → paste →
verdict (confirmed, reported by N, the wording of a known scam with its card, nothing known),
the check turned into a tip whose indicators become "reported". Police decisions and CSV
imports, which only the SQL store has, are in tests/integration/test_indicator_imports.py."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.dispatcher import Dispatcher
from content.scamcheck import Known
from content.text import fold
from handlers.model import Kind, Media, MediaType
from tests.conftest import Chat, memory_of
from tests.unit.test_report_flow import only_tip, receipt_of

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
SCAM = (
    "Tôi là cán bộ Công an TP Hà Nội. Anh có liên quan đến đường dây rửa tiền, phải chuyển "
    "tiền vào tài khoản tạm giữ để xác minh. Gọi lại ngay 0912 345 678."
)


def never_safe(text: str) -> None:
    assert "an toan" not in fold(text) and "safe" not in text.lower(), text


async def stored(chat: Chat, kind: str, value: str) -> Known | None:
    return memory_of(chat.dispatcher).indicator(kind, value)


async def open_check(chat: Chat) -> None:
    await chat.onboard()
    text = await chat.pick("menu:check")
    assert "Kiểm tra lừa đảo" in text
    assert "nav:menu" in chat.choices


async def test_a_number_the_police_confirmed(chat: Chat) -> None:
    # As the import of "kind,value\nphone,0912 345 678\n" stores it (test_indicator_imports).
    memory_of(chat.dispatcher).add_indicator(
        "phone", "+84912345678", NOW, status="confirmed", source="import:test"
    )
    await open_check(chat)
    text = await chat.say(SCAM)
    assert "CẢNH BÁO: đây là lừa đảo" in text
    assert "0912 345 678: công an đã xác nhận là dùng để lừa đảo" in text
    assert "Giả danh công an" in text  # the wording matches too
    assert "Nhớ rằng" in text  # and the general advice
    never_safe(text)
    assert {"check:card:fake_authority", "check:tip", "check:again"} <= set(chat.choices)


async def test_the_wording_of_a_known_scam_with_its_card(chat: Chat) -> None:
    await open_check(chat)
    text = await chat.say(
        "Công an phường thông báo: để cập nhật thông tin cư trú sau sáp nhập, bà con tải ứng "
        "dụng Dịch vụ công tại https://dichvucong-gov.vn/app.apk"
    )
    assert "lời lẽ của tin nhắn này giống một kiểu lừa đảo" in text
    assert "“cập nhật thông tin cư trú”" in text
    assert "dichvucong-gov.vn trông giống địa chỉ của Cổng Dịch vụ công quốc gia" in text
    assert ".apk" in text
    never_safe(text)
    assert "check:card:fake_public_app" in chat.choices
    card = await chat.pick("check:card:fake_public_app")
    assert card.startswith("📖 ")
    assert "Nguồn:" in card
    assert "check:tip" in chat.choices  # the way on is still there after reading


async def test_nothing_known_gives_general_advice_and_never_says_safe(chat: Chat) -> None:
    await open_check(chat)
    text = await chat.say("Số 0987 111 222 gọi cho mẹ tôi hôm qua")
    assert "Chưa có thông tin gì về nội dung này" in text
    assert "Chưa có thông tin về: 0987 111 222." in text
    assert "Nhớ rằng" in text
    never_safe(text)
    text = await chat.pick("check:again")
    assert "Kiểm tra lừa đảo" in text
    text = await chat.say("Chào bạn, chiều nay họp tổ dân phố nhé")
    assert "Không thấy số điện thoại, đường link hay số tài khoản nào" in text
    never_safe(text)


async def test_english_verdicts_never_say_safe(dispatcher: Dispatcher) -> None:
    chat = Chat(dispatcher)
    await chat.say("/start")
    await chat.pick("lang:en")
    await chat.say("ha noi")
    await chat.say("phuong ba dinh")
    await chat.pick("menu:check")
    text = await chat.say("Unknown caller +1 202 555 0143 and link evil-shop.xyz")
    assert "No one has reported this yet, but there are warning signs" in text
    assert "+12025550143 is a foreign number" in text
    never_safe(text)
    text = await chat.say("They asked me to move my savings to a safe account")
    assert "matches a known kind of scam" in text
    never_safe(text)


async def test_files_and_contacts(chat: Chat) -> None:
    await open_check(chat)
    photo = Media(MediaType.PHOTO, "screenshot-1")
    await chat.send_event(chat.event(Kind.MEDIA, media=photo))
    assert "chưa đọc được chữ trong ảnh" in chat.text
    captioned = Media(MediaType.PHOTO, "screenshot-2", caption="Số lạ +882 1234 5678 gọi")
    await chat.send_event(chat.event(Kind.MEDIA, media=captioned))
    assert "đầu số lạ +882" in chat.text
    await chat.pick("check:again")
    await chat.send_event(chat.event(Kind.CONTACT, phone="+84912345678"))
    assert "0912 345 678" in chat.text and "Chưa có thông tin" in chat.text


async def test_a_scam_typed_at_the_menu_is_checked_at_once(chat: Chat) -> None:
    await chat.onboard()
    text = await chat.say(SCAM)  # a number in a scam's words: straight to the check
    assert "CẨN THẬN: lời lẽ" in text and "0912 345 678" in text
    await chat.pick("nav:menu")
    text = await chat.say("xin chào mọi người")  # an ordinary message is not checked
    assert "check:run" not in chat.choices and "CẨN THẬN" not in text


async def send_tip_from_check(chat: Chat, message: str) -> str:
    """Check a message, turn it into a tip in one tap, fill in the rest and confirm."""
    await chat.pick("menu:check")
    await chat.say(message)
    await chat.pick("check:tip")
    if "tip:consent_yes" in chat.choices:
        await chat.pick("tip:consent_yes")
    assert "tip:done" in chat.choices, chat.text  # the description is there already
    await chat.pick("tip:done")
    await chat.pick("when:today")
    await chat.pick("where:commune")
    await chat.pick("tip:media_done")
    await chat.pick("tip:details_no")
    await chat.pick("id:named")
    await chat.say("Nguyễn Văn An")
    await chat.say("0988 777 666")  # the reporter's own number is never reported
    assert "Lừa đảo qua điện thoại" in chat.text  # the category came from the check
    text = await chat.pick("tip:confirm")
    receipt_of(text)
    return text


async def test_a_check_becomes_a_tip_and_its_indicators_are_reported(
    dispatcher: Dispatcher,
) -> None:
    message = SCAM + " Chi tiết tại https://bocongan-gov.com/vu-an"
    first, second, third = Chat(dispatcher), Chat(dispatcher), Chat(dispatcher)
    await first.onboard()
    await send_tip_from_check(first, message)
    phone = await stored(first, "phone", "+84912345678")
    assert phone is not None and (phone.status, phone.reports, phone.source) == (
        "reported",
        1,
        "tip",
    )
    assert await stored(first, "domain", "bocongan-gov.com") is not None
    assert await stored(first, "url", "bocongan-gov.com/vu-an") is not None
    assert await stored(first, "phone", "+84988777666") is None
    tip = await only_tip(first)
    assert tip.category == "fraud_phone"
    assert tip.description.startswith(SCAM[:40])
    assert "⚑ 0912 345 678 · bocongan-gov.com" in tip.description
    links = memory_of(dispatcher).indicator_links()
    assert {link.tip_id for link in links} == {tip.id} and len(links) == 3

    await first.pick("nav:menu")
    await send_tip_from_check(first, message)  # the same resident again: still one
    phone = await stored(first, "phone", "+84912345678")
    assert phone is not None and phone.reports == 1
    await second.onboard()
    await send_tip_from_check(second, message)
    phone = await stored(first, "phone", "+84912345678")
    assert phone is not None and phone.reports == 2

    await third.onboard()
    await third.pick("menu:check")
    text = await third.say("Ai gọi từ số 0912345678 vậy?")
    assert "CẨN THẬN: người dân đã báo lừa đảo" in text
    assert "0912 345 678: 2 người dân đã báo là lừa đảo; công an chưa xác nhận" in text
    never_safe(text)


async def test_every_step_can_be_shown_again(chat: Chat) -> None:
    await open_check(chat)
    assert "Kiểm tra lừa đảo" in await chat.say("/help")
    await chat.send_event(chat.event(Kind.LOCATION, lat=21.03, lon=105.84))
    assert "Kiểm tra lừa đảo" in chat.text
    await chat.say("Số 0987 111 222 gọi tôi")
    text = await chat.say("/help")
    assert "Bạn muốn làm gì tiếp?" in text
    assert {"check:tip", "check:again"} <= set(chat.choices)
    await chat.pick("nav:menu")
    await chat.say(SCAM)
    assert "Bạn muốn làm gì tiếp?" in await chat.say("/help")
    assert "check:tip" in chat.choices
