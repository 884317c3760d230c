"""The privacy notice before the first tip (issue 18, Personal Data Protection Law 91/2025 art.
9): short on the screen, the whole of it behind "read more", choices by tap, number or words,
the accepted version and time recorded; and a "no" is never read as a "yes"."""

from __future__ import annotations

import unicodedata
from dataclasses import replace

import pytest

from bot.dispatcher import Dispatcher
from content.i18n import translate
from handlers.report import entry
from tests.conftest import Chat, Clock, memory_core, memory_of
from tests.fakes.memory_db import StoredResident

ZALO_LIMIT = 2000  # characters in one Zalo message; Telegram allows 4,096


def resident(chat: Chat) -> StoredResident:
    [me] = memory_of(chat.dispatcher).residents.rows.values()
    return me


async def to_notice(chat: Chat) -> str:
    await chat.onboard()
    text = await chat.pick("menu:tip")
    assert chat.choices[:3] == ["tip:consent_more", "tip:consent_yes", "tip:consent_no"], text
    return text


def agreed(chat: Chat) -> bool:
    return resident(chat).consent_version == entry.CONSENT_VERSION


# -- what the resident reads ---------------------------------------------------------------------


async def test_the_short_notice_names_the_unit_what_is_kept_who_may_reveal_and_my_data(
    chat: Chat,
) -> None:
    text = await to_notice(chat)
    assert "Công an Phường Ba Đình" in text  # the unit the tip goes to, by name
    assert "đơn vị vận hành dịch vụ" in text
    for kept in ("điều bạn viết và gửi", "mã tài khoản chat", "vị trí", "mã hóa"):
        assert kept in text
    assert "cán bộ được giao tin và Trưởng Công an xã, phường" in text
    assert "ghi lý do" in text and "nhật ký" in text
    assert "Dữ liệu của tôi" in text
    # The old promise was untrue (any officer of the commune could reveal): gone.
    assert "chỉ cán bộ được giao mới xem được" not in text


def test_the_short_notice_is_clearly_shorter_than_the_one_it_replaces() -> None:
    for lang in ("vi", "en"):
        shown = translate(
            "tip.consent", lang, {"unit": "Công an Phường Ba Đình", "operator": "Sở X"}
        )
        assert len(shown) <= 650, (lang, len(shown))  # the issue 17 text was ~720 / ~700
        assert len(shown.splitlines()) <= 8
        assert unicodedata.is_normalized("NFC", shown) and "{" not in shown


async def test_read_more_shows_the_whole_notice_in_short_messages_then_asks_again(
    chat: Chat,
) -> None:
    await to_notice(chat)
    text = await chat.pick("tip:consent_more")
    assert len(chat.last) >= 4
    for message in chat.last:
        assert len(message.text) < ZALO_LIMIT, message.text
    # Who controls the data and for what.
    assert "bên kiểm soát dữ liệu" in text and "Công an Phường Ba Đình" in text
    assert "Bộ luật Tố tụng hình sự" in text and "Điều 19" in text
    # What is kept, and that photos of anonymous tips lose their metadata.
    for kept in ("ảnh, video, ghi âm, tệp", "khóa bí mật", "không bắt buộc, được mã hóa"):
        assert kept in text
    assert "xóa thông tin vị trí và thiết bị" in text
    # Who may reveal: the assigned officer and the chief, with a reason, logged; nobody else.
    assert "chỉ cán bộ được giao tin và Trưởng Công an xã, phường được mở xem" in text
    assert "cán bộ cấp tỉnh và tổ trưởng, trưởng thôn không mở xem được" in text
    # How long, from the settings the service runs with.
    assert "xóa sau 24 giờ" in text and "xóa sau 30 ngày" in text
    assert "xóa sau 5 năm kể từ khi đóng" in text
    assert "hồ sơ của Công an" in text
    # The rights and how to use them.
    assert "Cài đặt → Dữ liệu của tôi" in text and "mã tin báo và mã PIN" in text
    assert "Rút lại sự đồng ý" in text and "DỪNG" in text
    assert "Cục An ninh mạng và phòng, chống tội phạm sử dụng công nghệ cao" in text
    assert "113" in text
    # Agree or decline again; "read more" is not offered twice.
    assert chat.choices[:2] == ["tip:consent_yes", "tip:consent_no"]
    assert "tip:consent_more" not in chat.choices
    assert not agreed(chat)  # reading is not agreeing


async def test_the_whole_notice_reads_in_english_too(chat: Chat) -> None:
    await chat.say("/start")
    await chat.pick("lang:en")
    await chat.say("ha noi")
    await chat.say("phuong ba dinh")
    if "hood:skip" in chat.choices:
        await chat.pick("hood:skip")
    text = await chat.pick("menu:tip")
    assert "Do you agree?" in text and "Settings → My data" in text
    text = await chat.pick("tip:consent_more")
    assert "the police of Phường Ba Đình" in text
    assert "deleted 5 years after it closes" in text and "after 24 hours" in text
    assert "A05" in text and "{" not in text
    assert all(len(m.text) < ZALO_LIMIT for m in chat.last)


async def test_the_periods_told_follow_the_settings() -> None:
    base = memory_core()
    config = replace(base.config, retention_chat_days=14, retention_closed_tip_days=2000)
    chat = Chat(
        Dispatcher(
            conversations=base.conversations,
            unit_of_work=base.unit_of_work,
            config=config,
            media=base.media,
        )
    )
    await to_notice(chat)
    text = await chat.pick("tip:consent_more")
    assert "xóa sau 14 ngày" in text and "xóa sau 2000 ngày kể từ khi đóng" in text


# -- what is recorded ----------------------------------------------------------------------------


async def test_agreeing_records_the_version_and_time_and_goes_on(chat: Chat) -> None:
    await to_notice(chat)
    await chat.pick("tip:consent_more")
    await chat.pick("tip:consent_yes")
    assert "cat:fraud_phone" in chat.choices, chat.text
    me = resident(chat)
    assert me.consent_version == "2026-12-privacy"
    clock = chat.dispatcher.config.clock
    assert isinstance(clock, Clock) and me.consent_at == clock.now


async def test_declining_after_reading_records_nothing_and_makes_no_tip(chat: Chat) -> None:
    await to_notice(chat)
    await chat.pick("tip:consent_more")
    text = await chat.pick("tip:consent_no")
    assert "chưa được tạo" in text and "113" in text
    assert "menu:tip" in chat.choices
    assert resident(chat).consent_version == "" and resident(chat).consent_at is None
    assert memory_of(chat.dispatcher).count("tips") == 0


async def test_residents_who_agreed_to_the_old_notice_see_the_new_one_once(
    chat: Chat, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(entry, "CONSENT_VERSION", "2026-12")
    await to_notice(chat)
    await chat.pick("tip:consent_yes")
    assert resident(chat).consent_version == "2026-12"
    await chat.say("hủy")
    monkeypatch.setattr(entry, "CONSENT_VERSION", "2026-12-privacy")
    text = await chat.pick("menu:tip")
    assert "Bạn đồng ý?" in text and "tip:consent_yes" in chat.choices
    await chat.pick("tip:consent_yes")
    await chat.say("hủy")
    text = await chat.pick("menu:tip")
    assert "tip:consent_yes" not in chat.choices and "cat:fraud_phone" in chat.choices, text


# -- typed answers -------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["đồng ý", "Đồng ý.", "dong y", "DONG Y", "2"])
async def test_typing_agree_or_its_number_agrees(chat: Chat, typed: str) -> None:
    await to_notice(chat)
    await chat.say(typed)
    assert agreed(chat), chat.text
    assert "cat:fraud_phone" in chat.choices


@pytest.mark.parametrize("typed", ["không", "Không đồng ý", "khong dong y", "KHÔNG", "3"])
async def test_typing_no_or_its_number_declines(chat: Chat, typed: str) -> None:
    await to_notice(chat)
    text = await chat.say(typed)
    assert "chưa được tạo" in text, text
    assert not agreed(chat) and resident(chat).consent_at is None


# Consent must be given clearly (art. 9(3)-(4)): words that do not say "agree" (or say it with a
# "not" in front) are never taken for it; the question is asked again.
@pytest.mark.parametrize(
    "typed", ["có", "ok", "tôi không đồng ý", "chưa đồng ý", "ko đồng ý", "không nhé", "ừ"]
)
async def test_words_that_do_not_clearly_agree_never_record_consent(chat: Chat, typed: str) -> None:
    await to_notice(chat)
    await chat.say(typed)
    assert not agreed(chat), (typed, chat.text)
    assert resident(chat).consent_at is None
    assert "cat:fraud_phone" not in chat.choices
    assert memory_of(chat.dispatcher).count("tips") == 0


async def test_typing_read_more_or_its_number_shows_the_whole_notice(chat: Chat) -> None:
    await to_notice(chat)
    text = await chat.say("đọc thêm")
    assert "4. Quyền của bạn" in text
    await chat.say("hủy")
    await to_notice_again(chat)
    text = await chat.say("1")
    assert "4. Quyền của bạn" in text
    text = await chat.say("không")  # after the whole notice, "no" still declines
    assert "chưa được tạo" in text and not agreed(chat)


async def to_notice_again(chat: Chat) -> None:
    await chat.pick("menu:tip")
    assert chat.choices[:3] == ["tip:consent_more", "tip:consent_yes", "tip:consent_no"]


async def test_in_english_yes_agrees_and_no_declines(chat: Chat) -> None:
    await chat.say("/start")
    await chat.pick("lang:en")
    await chat.say("ha noi")
    await chat.say("phuong ba dinh")
    if "hood:skip" in chat.choices:
        await chat.pick("hood:skip")
    await chat.pick("menu:tip")
    text = await chat.say("no")
    assert "no tip was made" in text and not agreed(chat)
    await chat.pick("menu:tip")
    await chat.say("yes")
    assert agreed(chat), chat.text
