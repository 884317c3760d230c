"""Free text as residents type it, through the whole conversation (content/understand.py,
handlers/understood.py, the router): understood, asked about when unsure, never harmful."""

from __future__ import annotations

from content.text import spells
from content.understand import Where, read, tokens, urgency
from tests.conftest import Chat
from tests.unit.test_report_flow import only_tip, start_tip
from tests.unit.test_subscriptions import active, subscribed_to_both


def test_a_word_typed_with_marks_means_those_marks() -> None:
    assert spells("dung", "dừng") and spells("dừng", "dừng")
    assert not spells("đúng", "dừng") and not spells("dùng", "dừng")
    assert not spells("dưng", "dừng")  # a mark typed is meant: only none or all
    assert spells("chay", "cháy") and spells("chay", "chạy") and not spells("chạy", "cháy")
    assert not spells("thương", "thường") and spells("d", "đ") and not spells("đ", "d")


def test_nfd_and_short_forms_are_read_as_words() -> None:
    assert tokens("Du\u0300ng") == ["dùng"]
    assert tokens("ko bik sđt") == ["không", "biết", "số", "điện", "thoại"]
    assert read("Du\u0300ng").intent is None  # NFD "Dùng" is still not DỪNG


def test_danger_is_read_only_when_it_is_now() -> None:
    assert urgency("cháy nhà") and urgency("chay nha") and urgency("cứu tôi với")
    assert urgency("bọn nó đang đánh nhau, có đứa cầm dao")
    assert not urgency("Đối tượng đang chạy")
    assert not urgency("doi tuong dang chay ve huong cho")
    assert not urgency("Cô dạo này hay bị gọi điện")
    assert not urgency("co dao nay hay bi goi dien lam phien")
    assert not urgency("tuần trước có vụ cướp giật")
    assert not urgency("không phải đang cháy đâu, chỉ hỏi cách dập lửa")
    assert not urgency("nó gọi bảo con tôi đang cấp cứu, có phải lừa không")


def test_an_answer_to_the_police_keeps_its_words() -> None:
    for text in ("Đúng", "Dùng", "dung", "Dừng", "2", "STOP ở ngã tư rồi chạy", "cứu"):
        assert read(text, where=Where.ANSWER).intent is None, text
    assert read("menu", where=Where.ANSWER).intent == "menu"
    assert read("dừng nhận tin", where=Where.ANSWER).intent == "stop"


async def test_dung_or_dung_never_unsubscribes(chat: Chat) -> None:
    await subscribed_to_both(chat)
    await chat.say("menu")
    for text in ("Đúng", "Dùng", "đúng rồi"):
        await chat.say(text)
        assert len(await active(chat)) == 2, text
    await chat.say("Dừng")
    assert await active(chat) == []
    assert "subs:resume" in chat.choices  # one tap back


async def test_i_was_scammed_goes_to_what_to_do_now_then_the_tip(chat: Chat) -> None:
    await chat.onboard()
    text = await chat.say("tôi bị lừa mất tiền rồi, phải làm sao")
    assert "tổng đài ngân hàng" in text and "Công an xã, phường" in text
    assert "scammed:tip" in chat.choices
    text = await chat.pick("scammed:tip")
    assert "tip:consent_yes" in chat.choices
    text = await chat.pick("tip:consent_yes")
    assert "tip:done" in chat.choices  # the description is already there: add or go on


async def test_fire_at_the_menu_is_the_numbers_and_nothing_else(chat: Chat) -> None:
    await chat.onboard()
    text = await chat.say("cháy nhà")
    assert "114" in text and "chưa hiểu" not in text


async def test_everyday_words_at_the_menu_get_a_polite_answer(chat: Chat) -> None:
    await chat.onboard()
    assert "Không có gì" in await chat.say("cảm ơn cháu nhiều nhé")
    assert "Chào mừng" in await chat.say("xin chào")
    text = await chat.say("tôi muốn báo công an")
    assert "tip:consent_yes" in chat.choices or "cat:fraud_phone" in chat.choices, text


async def test_unsure_asks_one_question_and_the_answer_keeps_the_text(chat: Chat) -> None:
    await chat.onboard()
    assert "Cách dùng" in await chat.say("giúp tôi với")  # sure enough: the help
    text = await chat.say("giúp")
    assert "Bạn muốn làm việc nào" in text
    assert "unsure:help" in chat.choices and "nav:emergency" in chat.choices
    text = await chat.pick("unsure:help")
    assert "Cách dùng" in text


async def test_a_category_named_in_words_is_the_tips(chat: Chat) -> None:
    await chat.onboard()
    await chat.pick("menu:tip")
    if "tip:consent_yes" in chat.choices:
        await chat.pick("tip:consent_yes")
    text = await chat.say("có người gọi điện xưng công an đòi chuyển tiền")
    assert "Lừa đảo qua điện thoại" in text
    assert "tip:done" in chat.choices  # the words are the start of the description


async def test_a_tip_is_urgent_only_on_present_danger_and_says_why(chat: Chat) -> None:
    await chat.onboard()
    await chat.pick("menu:tip")
    if "tip:consent_yes" in chat.choices:
        await chat.pick("tip:consent_yes")
    await chat.pick("cat:theft_robbery")
    text = await chat.say("Đối tượng đang chạy về hướng chợ, tuần trước có vụ cướp giật")
    assert "113" not in text
    text = await chat.say("bây giờ bọn nó đang đánh nhau, có đứa cầm dao")
    assert "113" in text


async def test_the_officer_sees_why_a_tip_is_urgent_and_the_time_of_day(chat: Chat) -> None:
    await start_tip(chat)
    await chat.pick("cat:theft_robbery")
    await chat.say("Đối tượng đang chạy về hướng chợ")  # running, not burning: not urgent
    await chat.say("bây giờ bọn nó đang đánh nhau, có đứa cầm dao")
    await chat.pick("tip:done")
    await chat.say("khoảng 9h tối qua")
    await chat.say("Số 12 ngõ 5 phố Đội Cấn")
    await chat.pick("tip:media_done")
    await chat.pick("tip:details_no")
    await chat.pick("id:anonymous")
    await chat.say("Hai thanh niên khoảng 20 tuổi, áo đen")
    await chat.say("Camera nhà số 14 quay được cổng")
    review = chat.text
    assert "cầm dao" not in review.split("Chi tiết")[-1]  # not a detail the resident gave
    await chat.pick("tip:confirm")
    tip = await only_tip(chat)
    assert tip.urgent
    assert tip.details["urgent_words"] == "đang đánh nhau"
    assert tip.details["incident_time"] == "21:00"


async def test_a_mistyped_receipt_code_is_said_so_and_asked_again(chat: Chat) -> None:
    await chat.onboard()
    text = await chat.say("BY-8R2N-T5")  # the check letter is wrong
    assert "Mã chưa đúng" in text
    await chat.say("menu")
    text = await chat.say("by myself")  # words, not a code
    assert "Mã chưa đúng" not in text


async def test_stop_inside_a_tip_keeps_the_draft_and_a_bare_dung_is_not_a_stop(
    chat: Chat,
) -> None:
    await subscribed_to_both(chat)
    await chat.pick("nav:menu")
    await chat.pick("menu:tip")
    if "tip:consent_yes" in chat.choices:
        await chat.pick("tip:consent_yes")
    await chat.pick("cat:theft_robbery")
    await chat.say("Hai người lạ lấy trộm xe đạp trước nhà số 12 ngõ 5")
    await chat.say("dung")  # "đúng", typed without marks: part of the tip, not a stop
    assert len(await active(chat)) == 2
    text = await chat.say("Dừng")
    assert "Đã dừng" in text and await active(chat) == []
    assert "subs:resume" in chat.choices and "tip:done" in chat.choices  # the tip goes on
    await chat.pick("subs:resume")
    assert len(await active(chat)) == 2 and "tip:done" in chat.choices


def test_a_sentence_about_another_sender_stops_nothing() -> None:
    for text in (
        "tôi muốn hủy đăng ký gói cước",
        "huy dang ky 3g",
        "làm sao để không nhận tin nhắn rác nữa",
        "Hủy đăng ký nhận tin của ngân hàng thế nào",
        "ngừng nhận tin nhắn rác",
    ):
        assert read(text).intent != "stop", text
        assert read(text, where=Where.ANSWER).intent is None, text
    assert read("hủy đăng ký", where=Where.ANSWER).intent is None  # an answer, as typed
    assert read("đừng gửi tin cho tôi nữa").intent == "stop"


def test_over_or_told_is_not_urgent_and_a_cry_held_down_is() -> None:
    for text in (
        "Bọn cướp đã bỏ chạy mất rồi",
        "Đám cháy đã được dập tắt",
        "Ngày 20/11 có người đánh nhau",
        "cảnh báo bà con cẩn thận cướp giật",
        "đi cấp cứu hôm qua",
        "cơm cháy",
        "Tôi nhận được tin nhắn: 'Con đang bị tai nạn ở viện, mẹ chuyển gấp 20 triệu'",
    ):
        assert not urgency(text), text
    for text in ("cứuuu", "có người đang đập cửa nhà tôi", "tôi muốn chết", "tôi đang bị theo dõi"):
        assert urgency(text), text
    assert read("theo dõi tin báo của tôi").intent == "follow"


async def test_a_category_typed_by_name_is_not_a_danger(chat: Chat) -> None:
    await start_tip(chat)
    text = await chat.say("cướp")
    assert "113" not in text and "Trộm cắp" in text


async def test_a_first_message_saying_they_lost_money_gets_what_to_do_at_once(
    chat: Chat,
) -> None:
    text = await chat.say("tôi bị lừa mất tiền rồi phải làm sao")
    assert "tổng đài ngân hàng" in text and "lang:vi" in chat.choices


async def test_a_language_named_in_words_is_switched_at_once(chat: Chat) -> None:
    await chat.onboard()
    text = await chat.say("doi sang tieng anh giup toi")
    assert "What do you need?" in text and "menu:tip" in chat.choices
    text = await chat.say("switch to Vietnamese please")
    assert "Bạn cần gì?" in text


async def test_the_scammers_number_named_with_the_loss_is_checked_in_one_tap(chat: Chat) -> None:
    await chat.onboard()
    text = await chat.say("tôi lỡ chuyển khoản 5 triệu cho số 0912 345 678 rồi, làm sao giờ")
    assert "tổng đài ngân hàng" in text and "scammed:check" in chat.choices
    text = await chat.pick("scammed:check")
    assert "Chưa có thông tin" in text and "check:tip" in chat.choices  # the check ran


def test_an_answer_to_the_police_stops_nothing_but_its_own_words() -> None:
    for text in ("không nhận tin nhắn nữa", "tắt thông báo", "họ nói đừng gửi tin nữa", "STOP"):
        assert read(text, where=Where.ANSWER).intent is None, text  # their answer, sent
    assert read("dừng nhận tin nhắn", where=Where.ANSWER).intent == "stop"


async def test_a_greeting_inside_a_tip_keeps_the_draft(chat: Chat) -> None:
    await start_tip(chat)
    await chat.pick("cat:theft_robbery")
    await chat.say("Hai người lạ lấy trộm xe đạp trước nhà số 12 ngõ 5")
    text = await chat.say("alo")
    assert "Chào mừng" in text and "tip:done" in chat.choices


async def test_a_language_is_switched_only_when_asked_for(chat: Chat) -> None:
    await chat.onboard()
    text = await chat.say("tôi không biết tiếng anh")
    assert "What do you need?" not in text and "From now on" not in text
    text = await chat.say("I don't speak Vietnamese")
    assert "What do you need?" not in text


def test_a_burnt_battery_is_not_a_fire_and_a_wound_is_danger() -> None:
    assert not urgency("về dùng hai hôm thì bị cháy pin, shop không nhận đổi")
    assert urgency("Có người bị chém ở đầu ngõ, máu nhiều lắm")
    assert urgency("Có người bị ngất ở ngoài đường")


async def test_an_old_tap_back_does_not_undo_later_choices(chat: Chat) -> None:
    await subscribed_to_both(chat)
    await chat.pick("nav:menu")
    await chat.pick("menu:learn")
    await chat.pick("learn:topic:fire_safety")
    await chat.say("DỪNG")  # inside a flow: the tap back is kept
    await chat.say("menu")
    await chat.say("DỪNG")  # a later stop: the earlier tap back is gone
    await chat.pick("subs:resume")
    await chat.pick("subs:off:awareness:")
    before = await active(chat)
    await chat.pick("menu:learn")
    await chat.pick("subs:resume")  # the old button from inside the flow
    assert await active(chat) == before
