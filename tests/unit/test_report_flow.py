"""The resident's tip through the dispatcher, on the in-memory ports: every step, cancel, edit,
emergency diversion, receipt, my tips and follow-up by code and PIN."""

from __future__ import annotations

import re
import unicodedata
from typing import Any

import pytest

from handlers.model import Kind, Media, MediaType
from tests.conftest import TEST_FILES, Chat, memory_of
from tests.fakes.memory_db import StoredTip

RECEIPT = re.compile(r"(BY-[0-9A-Z]{4}-[0-9A-Z]{2}).*?PIN: (\d{6})", re.S)


async def start_tip(chat: Chat) -> None:
    await chat.onboard()
    await chat.pick("menu:tip")
    if "tip:consent_yes" in chat.choices:
        await chat.pick("tip:consent_yes")
    assert "cat:fraud_phone" in chat.choices, chat.text


async def through_description(chat: Chat, category: str = "cat:theft_robbery") -> None:
    await start_tip(chat)
    await chat.pick(category)
    await chat.say("Tối qua có hai người lạ đi xe máy")
    await chat.say("lấy trộm xe đạp trước nhà số 12 ngõ 5")
    await chat.pick("tip:done")
    assert "when:today" in chat.choices, chat.text


async def to_review(chat: Chat, *, anonymous: bool = False) -> None:
    await through_description(chat)
    await chat.pick("when:today")
    await chat.say("Số 12 ngõ 5 phố Đội Cấn")
    await chat.pick("tip:media_done")
    await chat.pick("tip:details_no")
    if anonymous:
        await chat.pick("id:anonymous")
        await chat.say("Hai thanh niên khoảng 20 tuổi, áo đen")
        await chat.say("Camera nhà số 14 quay được cổng")
    else:
        await chat.pick("id:named")
        await chat.say("Nguyễn Văn An")
        await chat.say("0912 345 678")
    assert "tip:confirm" in chat.choices, chat.text


def receipt_of(text: str) -> tuple[str, str]:
    found = RECEIPT.search(text)
    assert found, text
    return found[1], found[2]


async def count(chat: Chat, table: str) -> int:
    return memory_of(chat.dispatcher).count(table)


async def only_tip(chat: Chat) -> StoredTip:
    [tip] = memory_of(chat.dispatcher).all_tips()
    return tip


async def test_the_notice_comes_once_and_declining_makes_nothing(chat: Chat) -> None:
    await chat.onboard()
    text = await chat.pick("menu:tip")
    assert "Bạn đồng ý" in text
    text = await chat.pick("tip:consent_no")
    assert "chưa được tạo" in text
    await chat.pick("menu:tip")
    await chat.pick("tip:consent_yes")
    assert "cat:other" in chat.choices
    await chat.say("hủy")
    text = await chat.pick("menu:tip")
    assert "Bạn đồng ý" not in text  # accepted once, recorded
    assert await count(chat, "tips") == 0


async def test_a_named_tip_with_a_photo_and_details_end_to_end(chat: Chat) -> None:
    TEST_FILES["photo-1"] = b"\xff\xd8\xff fake jpeg bytes"
    await through_description(chat)
    text = await chat.pick("when:date")
    assert "05/11/2026" in text
    await chat.say("20/11")
    await chat.send_event(chat.event(Kind.LOCATION, lat=21.0333, lon=105.8145))
    assert "tip:media_done" in chat.choices, chat.text
    # A caption arrives as the platform sent it: decomposed accents, an invisible mark.
    caption = unicodedata.normalize("NFD", "biển số xe") + "\u200b"
    photo = Media(MediaType.PHOTO, "photo-1", "image/jpeg", 17, caption)
    await chat.send_event(chat.event(Kind.MEDIA, media=photo))
    assert "Đã nhận 1 tệp" in chat.text
    await chat.pick("tip:media_done")
    await chat.pick("tip:details_yes")
    await chat.say("Hai thanh niên")
    await chat.say("Xe Wave màu đỏ, biển 29X1-234.56")
    await chat.pick("tip:skip")
    await chat.say("Tôi nhìn thấy qua cửa sổ")
    await chat.pick("id:named")
    await chat.say("Nguyễn Văn An")
    text = await chat.say("0912 345 678")
    assert "Trộm cắp – cướp" in text and "Ngày 20/11/2026" in text
    assert "Nguyễn Văn An, 0912 345 678" in text and "Tệp đính kèm: 1" in text
    text = await chat.pick("tip:confirm")
    code, pin = receipt_of(text)
    assert "chậm nhất ngày 26/11/2026" in text  # 3 working days after Monday 23/11
    assert "chuyển Cơ quan điều tra có thẩm quyền chậm nhất ngày 30/11/2026" in text
    assert "menu:tip" in chat.choices
    tip = await only_tip(chat)
    assert (tip.code, tip.status, tip.anonymous, tip.urgent) == (code, "new", False, False)
    assert tip.commune_code == "00004" and tip.lat == pytest.approx(21.0333)
    assert tip.incident_when == "date" and str(tip.incident_date) == "2026-11-20"
    assert "biển số xe" in tip.description  # stored NFC, without the invisible mark
    assert tip.details["vehicles"].startswith("Xe Wave")
    assert "Nguyễn" not in tip.contact_sealed and "0912" not in tip.contact_sealed
    assert pin not in tip.pin_hash
    assert await count(chat, "tip_attachments") == 1
    assert await count(chat, "tip_events") == 1


async def test_an_anonymous_tip_asks_for_checkable_details(chat: Chat) -> None:
    await through_description(chat)
    await chat.pick("when:unknown")
    await chat.pick("where:commune")
    await chat.pick("tip:media_done")
    await chat.pick("tip:details_no")
    text = await chat.pick("id:anonymous")
    assert "ẩn danh chỉ được xử lý khi có thông tin cụ thể" in text
    await chat.say("Người đàn ông khoảng 40 tuổi")
    text = await chat.pick("tip:skip")
    assert "Người báo: ẩn danh" in text
    await chat.pick("tip:confirm")
    tip = await only_tip(chat)
    assert tip.anonymous and tip.contact_sealed == ""
    assert tip.details == {"suspects": "Người đàn ông khoảng 40 tuổi"}


@pytest.mark.parametrize(
    "step",
    ["category", "description", "when", "where", "media", "details", "identity", "review"],
)
async def test_cancel_at_any_step_keeps_nothing(chat: Chat, step: str) -> None:
    await start_tip(chat)
    steps = [
        ("category", None),
        ("description", ("pick", "cat:drugs")),
        ("when", ("say", "Có người bán ma túy ở quán nước đầu ngõ")),
        ("when", ("pick", "tip:done")),
        ("where", ("pick", "when:now")),
        ("media", ("pick", "where:commune")),
        ("details", ("pick", "tip:media_done")),
        ("identity", ("pick", "tip:details_no")),
        ("review", ("pick", "id:named")),
        ("review", ("say", "Lê Thị B")),
        ("review", ("say", "0987654321")),
    ]
    order = [name for name, _ in steps]
    path = [action for name, action in steps[: len(order) - order[::-1].index(step)] if action]
    for how, value in path:
        await (chat.pick(value) if how == "pick" else chat.say(value))
    text = await chat.say("hủy")
    assert "Đã hủy" in text
    assert "menu:tip" in chat.choices
    assert await count(chat, "tips") == 0


async def test_cancel_from_the_review_button(chat: Chat) -> None:
    await to_review(chat)
    text = await chat.pick("tip:cancel")
    assert "không được lưu" in text
    assert await count(chat, "tips") == 0


async def test_edit_a_field_from_the_review(chat: Chat) -> None:
    await to_review(chat)
    await chat.pick("tip:edit")
    await chat.pick("edit:where")
    text = await chat.say("Chợ Ngọc Hà")
    assert "tip:confirm" in chat.choices and "Chợ Ngọc Hà" in text
    await chat.pick("tip:edit")
    await chat.pick("edit:description")
    await chat.say("Mô tả mới: hai người lấy trộm xe đạp lúc 22 giờ")
    text = await chat.pick("tip:done")
    assert "Mô tả mới" in text and "Tối qua" not in text
    await chat.pick("tip:edit")
    await chat.pick("edit:identity")
    await chat.pick("id:anonymous")
    await chat.pick("tip:skip")
    text = await chat.pick("tip:skip")
    assert "Người báo: ẩn danh" in text
    await chat.pick("tip:confirm")
    tip = await only_tip(chat)
    assert (
        tip.address == "Chợ Ngọc Hà" and tip.anonymous and tip.description.startswith("Mô tả mới")
    )


async def test_a_category_in_progress_diverts_to_emergency_numbers_first(chat: Chat) -> None:
    await start_tip(chat)
    await chat.pick("cat:happening_now")
    calls = [phone for r in chat.last for _label, phone in r.calls]
    assert chat.last[0].calls and calls[:4] == ["113", "114", "115", "112"]
    assert "cat:happening_now" not in chat.choices and "cat:theft_robbery" in chat.choices
    await chat.pick("cat:theft_robbery")
    await chat.say("Có kẻ đang phá khóa cửa nhà hàng xóm")
    await chat.pick("tip:done")
    await chat.pick("when:now")
    await chat.pick("where:commune")
    await chat.pick("tip:media_done")
    await chat.pick("tip:details_no")
    await chat.pick("id:named")
    await chat.say("Trần Văn C")
    await chat.say("+84 987 654 321")
    await chat.pick("tip:confirm")
    assert (await only_tip(chat)).urgent


async def test_words_of_danger_answer_with_the_numbers_before_anything_else(chat: Chat) -> None:
    await start_tip(chat)
    await chat.pick("cat:fire_risk")
    await chat.say("Nhà bên cạnh đang cháy, khói rất nhiều")
    assert chat.last[0].calls, chat.text
    assert "114" in chat.last[0].text
    assert "tip:done" in chat.choices  # and the tip goes on


async def test_duplicate_delivery_of_the_confirmation_makes_one_tip(chat: Chat) -> None:
    await to_review(chat)
    event = chat.event(Kind.CHOICE, choice="tip:confirm", event_id="confirm-1")
    first = await chat.dispatcher.dispatch(event)
    second = await chat.dispatcher.dispatch(event)
    assert first and "Mã tin báo" in first[0].text and second is None
    again = await chat.pick("tip:confirm")  # a second tap on the old button
    assert "menu cũ" in again
    assert await count(chat, "tips") == 1


async def test_a_failure_while_the_receipt_is_made_stores_nothing_and_the_retry_does_once(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The replies are rendered before the commit (they are recorded with it, bot/owed.py):
    a failure there rolls the tip back, and the platform's retry stores it once. A process
    killed after the commit is tests/integration/test_owed_replies.py's."""
    from bot import dispatcher as dispatcher_module

    await to_review(chat)
    real = dispatcher_module.render.replies
    crashed = False

    def crash_once(items: Any, lang: str) -> Any:
        nonlocal crashed
        if not crashed and any("tip.receipt" in str(r.text) for r in items):
            crashed = True
            raise RuntimeError("failed before the commit")
        return real(items, lang)

    monkeypatch.setattr(dispatcher_module.render, "replies", crash_once)
    event = chat.event(Kind.CHOICE, choice="tip:confirm", event_id="confirm-crash")
    first = await chat.dispatcher.dispatch(event)
    assert first and "đã có lỗi" in first[0].text
    assert await count(chat, "tips") == 0  # rolled back with the turn
    retry = await chat.dispatcher.dispatch(event)  # the platform delivers it again
    assert retry is not None
    code, _pin = receipt_of(retry[0].text)
    assert code == (await only_tip(chat)).code
    assert await count(chat, "tips") == 1
    assert await chat.dispatcher.dispatch(event) is None  # and only once


async def test_the_daily_tip_limit(chat: Chat) -> None:
    for n in range(5):
        await to_review(chat) if n == 0 else await _again(chat)
        text = await chat.pick("tip:confirm")
        assert "Mã tin báo" in text
    text = await chat.pick("menu:tip")
    assert "5 tin báo trong 24 giờ" in text
    chat.dispatcher.config.clock.advance(hours=25)  # type: ignore[attr-defined]
    await chat.pick("menu:tip")
    assert "cat:fraud_phone" in chat.choices


async def _again(chat: Chat) -> None:
    await chat.pick("menu:tip")
    await chat.pick("cat:gambling")
    await chat.say("Sòng bạc trong nhà kho cuối xóm mỗi tối")
    await chat.pick("tip:done")
    await chat.pick("when:unknown")
    await chat.pick("where:commune")
    await chat.pick("tip:media_done")
    await chat.pick("tip:details_no")
    await chat.pick("id:named")
    await chat.say("Phạm D")
    await chat.say("0912345678")


@pytest.mark.parametrize(
    ("media", "expected"),
    [
        (Media(MediaType.PHOTO, "big", "image/jpeg", 50 * 1024 * 1024), "Tệp quá lớn"),
        (Media(MediaType.VIDEO, "missing-file", "video/mp4", 10), "Chưa nhận được tệp"),
    ],
)
async def test_bad_files_get_a_clear_message(chat: Chat, media: Media, expected: str) -> None:
    await through_description(chat)
    await chat.pick("when:now")
    await chat.pick("where:commune")
    await chat.send_event(chat.event(Kind.MEDIA, media=media))
    assert expected in chat.text
    assert "tip:media_done" in chat.choices


async def test_files_over_the_count_limit(chat: Chat) -> None:
    TEST_FILES["small"] = b"x" * 10
    await through_description(chat)
    await chat.pick("when:now")
    await chat.pick("where:commune")
    for _ in range(10):
        await chat.send_event(chat.event(Kind.MEDIA, media=Media(MediaType.FILE, "small")))
    await chat.send_event(chat.event(Kind.MEDIA, media=Media(MediaType.FILE, "small")))
    assert "Đã đủ 10 tệp" in chat.text


async def test_huge_and_odd_input_inside_the_flow(chat: Chat) -> None:
    await start_tip(chat)
    await chat.pick("cat:other")
    text = await chat.say("x" * 100_000)
    assert "quá dài" in text
    text = await chat.pick("tip:done")
    assert "stale" not in text
    await chat.say("ngắn")
    text = await chat.pick("tip:done")
    assert "còn ngắn quá" in text
    await chat.say("🙂🙂🙂")
    assert "Bình Yên chưa hiểu" in chat.text
    await chat.say("thêm mô tả về sự việc cho đủ dài")
    await chat.pick("tip:done")
    text = await chat.pick("when:date")
    text = await chat.say("31/02/2026")
    assert "Ngày không hợp lệ" in text
    text = await chat.say("01/01/2099")
    assert "Ngày không hợp lệ" in text


async def test_my_tips_and_follow_up_from_another_account(dispatcher: Any) -> None:
    reporter = Chat(dispatcher)
    await to_review(reporter)
    code, pin = receipt_of(await reporter.pick("tip:confirm"))
    text = await reporter.pick("menu:mytips")
    assert code in text or code in str(reporter.last[-1].choices)
    tip_choice = next(c for c in reporter.choices if c.startswith("mytip:"))
    text = await reporter.pick(tip_choice)
    assert "Mới nhận, chờ thông báo tiếp nhận" in text and "Đã nhận tin báo." in text

    other = Chat(dispatcher, channel="other")
    await other.onboard()
    text = await other.pick("menu:mytips")
    assert "chưa gửi tin báo nào" in text
    await other.pick("mytips:code")
    await other.say(code.lower().replace("-", " "))
    text = await other.say(pin)
    # Not forwarded yet: no decision deadline runs (the investigation body's, from its receipt).
    assert f"Tin báo {code}" in text and "Thông báo tiếp nhận: chậm nhất ngày 26/11/2026" in text
    assert "Cơ quan điều tra giải quyết" not in text


async def test_wrong_pins_are_limited_and_slowed(dispatcher: Any) -> None:
    reporter = Chat(dispatcher)
    await to_review(reporter)
    code, pin = receipt_of(await reporter.pick("tip:confirm"))
    guesser = Chat(dispatcher)
    await guesser.onboard()
    await guesser.pick("menu:mytips")
    await guesser.pick("mytips:code")
    for guess in ("000000", "111111", "222222"):
        await guesser.say(code)
        assert "Mã hoặc PIN không đúng" in await guesser.say(guess)
    await guesser.say(code)
    text = await guesser.say(pin)  # right PIN, but locked for a while after 3 wrong ones
    assert "thử sai quá nhiều lần" in text
    dispatcher.config.clock.advance(minutes=2)
    await guesser.pick("menu:mytips")
    await guesser.pick("mytips:code")
    await guesser.say(code)
    assert f"Tin báo {code}" in await guesser.say(pin)


async def test_unknown_code_answers_like_a_wrong_pin(chat: Chat) -> None:
    await chat.onboard()
    await chat.pick("menu:mytips")
    await chat.pick("mytips:code")
    from handlers import receipt

    text = await chat.say(receipt.new_code())  # well formed, but no tip has it
    assert "Gõ mã PIN" in text
    assert "Mã hoặc PIN không đúng" in await chat.say("123456")
    assert "Mã chưa đúng" in await chat.say("BY-ABCD-EF")  # a wrong check character
    assert "Mã chưa đúng" in await chat.say("abc")


async def test_a_receipt_code_typed_anywhere_leads_to_its_pin(dispatcher: Any) -> None:
    reporter = Chat(dispatcher)
    await to_review(reporter)
    code, pin = receipt_of(await reporter.pick("tip:confirm"))
    stranger = Chat(dispatcher, channel="web")
    text = await stranger.say(code.lower())  # a brand-new chat: no language, no commune yet
    assert "PIN" in text
    text = await stranger.say(pin)
    assert f"Tin báo {code}" in text
    other = Chat(dispatcher, channel="cli")
    await other.say("tra cứu tin báo")
    assert "Gõ mã tin báo" in other.text


async def test_pin_tries_per_chat_outlive_leaving_the_flow(dispatcher: Any) -> None:
    from handlers import receipt

    reporter = Chat(dispatcher)
    await to_review(reporter)
    code, pin = receipt_of(await reporter.pick("tip:confirm"))
    guesser = Chat(dispatcher)
    for _ in range(10):  # codes that exist nowhere: no tip gets locked, only this chat counts
        await guesser.say(receipt.new_code())
        assert "Mã hoặc PIN không đúng" in await guesser.say("123456")
        await guesser.say("menu")
    await guesser.say(code)
    assert "thử sai quá nhiều lần" in await guesser.say(pin)
    dispatcher.config.clock.advance(hours=1, minutes=1)
    await guesser.say(code)
    assert f"Tin báo {code}" in await guesser.say(pin)


async def test_a_new_chat_typing_danger_words_gets_the_numbers_not_the_greeting(chat: Chat) -> None:
    text = await chat.say("khẩn cấp")
    assert "113" in text and "Xin chào" not in text
