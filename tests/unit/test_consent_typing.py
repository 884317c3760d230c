"""Issue 18 (found by a review): a typed answer to the consent question is read whole, with
its marks or without any, never a word that only resembles agreement. Agreeing when the
resident did not is a harmful misread."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.conftest import Chat, memory_of


async def _at_consent(chat: Chat) -> None:
    await chat.onboard()
    await chat.pick("menu:tip")
    assert "tip:consent_yes" in chat.choices, chat.text


def _consented(chat: Chat) -> bool:
    [resident] = memory_of(chat.dispatcher).residents.rows.values()
    return bool(resident.consent_version)


@pytest.mark.parametrize(
    "typed",
    [
        "đóng",
        "Đồng",
        "dong",
        "dòng",
        "đông",
        "Đúng",
        "đóng ý",
        "có",
        "ok",
        "ừ",
        "dạ",
        "vâng",
        "1 2",
    ],
)
async def test_a_look_alike_is_never_consent(chat: Chat, typed: str) -> None:
    await _at_consent(chat)
    await chat.say(typed)
    assert not _consented(chat), typed
    assert "tip:consent_yes" in chat.choices  # asked again


@pytest.mark.parametrize(
    "typed",
    ["đồng ý", "Đồng ý.", "dong y", "Dạ đồng ý", "đồng ý ạ", "Tôi đồng ý", "2", "✅ Đồng ý"],
)
async def test_a_clear_yes_is_consent(chat: Chat, typed: str) -> None:
    await _at_consent(chat)
    await chat.say(typed)
    assert _consented(chat), (typed, chat.text)
    assert "cat:" in " ".join(chat.choices)  # on to the category


@pytest.mark.parametrize(
    "typed",
    ["không", "khong", "Không đồng ý", "khong dong y", "ko", "3", "Dạ không ạ", "tôi chưa đồng ý"],
)
async def test_a_no_declines(chat: Chat, typed: str) -> None:
    await _at_consent(chat)
    text = await chat.say(typed)
    assert not _consented(chat) and "chưa được tạo" in text, (typed, text)


async def test_the_notice_names_the_operator_the_deployment_names(chat: Chat) -> None:
    chat.dispatcher.config = replace(
        chat.dispatcher.config, operator_name="Công an tỉnh Hà Nội", operator_contact="069 219 4000"
    )
    await _at_consent(chat)
    assert "Công an tỉnh Hà Nội giữ những gì bạn gửi" in chat.text
    text = await chat.pick("tip:consent_more")
    assert "và Công an tỉnh Hà Nội là bên kiểm soát" in text
    assert "Liên hệ đơn vị vận hành: 069 219 4000." in text


async def test_a_one_typed_twice_reads_more_instead_of_agreeing(chat: Chat) -> None:
    """Found by a review: "1" for "Báo tin", then "1" again, agreed unread."""
    await chat.onboard()
    await chat.say("1")
    assert "tip:consent_yes" in chat.choices, chat.text
    await chat.say("1")
    assert not _consented(chat) and "bên kiểm soát dữ liệu" in chat.text
