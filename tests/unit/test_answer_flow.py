"""The reporter's side of the dialogue through the core: answering a police question and
rating the outcome, from buttons of pushed messages the chat never offered."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.answer import typed_answer
from handlers.common import NAV_EMERGENCY
from handlers.receipt import new_code
from handlers.router import typed_choice
from tests.conftest import Chat, memory_of
from tests.e2e.channels import vi
from tests.fakes.memory_db import StoredEvent, StoredTip
from tests.unit.test_report_flow import receipt_of, through_description, to_review

QUESTION = "Hai người đó đi xe máy màu gì?"


async def reported(chat: Chat) -> str:
    await to_review(chat)
    code, _pin = receipt_of(await chat.pick("tip:confirm"))
    return code


async def tip_of(chat: Chat, code: str) -> StoredTip:
    return memory_of(chat.dispatcher).tip(code)


async def events(chat: Chat, code: str, kind: str) -> list[StoredEvent]:
    stored = memory_of(chat.dispatcher)
    return stored.tip_events(stored.tip(code).id, kind)


async def police(chat: Chat, code: str, kind: str, body: str = "", **tip: object) -> None:
    """What the panel's use cases leave behind: a reporter-visible event, a tip change."""
    stored = memory_of(chat.dispatcher)
    tip_id = stored.tip(code).id
    at = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    stored.add_event(tip_id, at, kind, "reporter", body=body, actor="officer")
    if tip:
        stored.change_tip(tip_id, **tip)


async def test_the_reporter_answers_from_the_pushed_button(chat: Chat) -> None:
    code = await reported(chat)
    await police(chat, code, "question", QUESTION)
    assert f"answer:{code}" not in chat.choices  # pushed, never offered by this chat
    text = await chat.pick(f"answer:{code}")
    assert text.startswith(vi("answer.ask", code=code, limit=4000))
    assert "answer:cancel" in chat.choices
    text = await chat.say("Xe Honda Wave màu đỏ, biển 29-X1 123.45")
    assert vi("answer.saved", code=code) in text
    assert "menu:tip" in chat.choices  # back where the chat was: the menu
    [answer] = await events(chat, code, "reporter_answer")
    assert answer.body == "Xe Honda Wave màu đỏ, biển 29-X1 123.45"
    assert answer.visibility == "reporter"
    tip = await tip_of(chat, code)
    assert tip.reporter_replied_at is not None and tip.updated_at is not None


async def test_my_tips_shows_the_question_and_the_answer(chat: Chat) -> None:
    code = await reported(chat)
    await police(chat, code, "acknowledged", status="acknowledged")
    await police(chat, code, "question", QUESTION)
    await chat.say(f"TRẢ LỜI {code}: màu đỏ")
    await chat.pick("menu:mytips")
    mine = next(c for c in chat.choices if c.startswith("mytip:"))
    text = await chat.pick(mine)
    assert f"Công an hỏi: “{QUESTION}”" in text
    assert "Bạn trả lời: “màu đỏ”" in text
    assert vi("tip.event_acknowledged") in text


async def test_answering_puts_a_tip_in_progress_aside_and_comes_back_to_it(chat: Chat) -> None:
    code = await reported(chat)
    await police(chat, code, "question", QUESTION)
    await through_description(chat)  # a second tip, at the "when" step
    await chat.pick(f"answer:{code}")
    text = await chat.say("Màu đỏ")
    assert vi("answer.saved", code=code) in text
    assert "when:today" in chat.choices, text  # the second tip goes on where it was
    await chat.pick("when:today")
    assert "Số 12 ngõ 5" not in chat.text  # its own next step, not a fresh start
    assert len(await events(chat, code, "reporter_answer")) == 1


async def test_cancel_by_button_or_word_sends_nothing(chat: Chat) -> None:
    code = await reported(chat)
    await police(chat, code, "question", QUESTION)
    await chat.pick(f"answer:{code}")
    text = await chat.pick("answer:cancel")
    assert vi("answer.cancelled") in text and "menu:tip" in chat.choices
    await chat.pick(f"answer:{code}")
    text = await chat.say("Hủy")
    assert vi("answer.cancelled") in text
    await chat.pick(f"answer:{code}")
    text = await chat.say("/cancel")
    assert vi("answer.cancelled") in text
    assert await events(chat, code, "reporter_answer") == []


async def test_an_empty_answer_is_asked_again(chat: Chat) -> None:
    code = await reported(chat)
    await police(chat, code, "question", QUESTION)
    await chat.pick(f"answer:{code}")
    for nothing in ("   ", "👍"):
        text = await chat.say(nothing)
        assert vi("answer.ask", code=code, limit=4000) in text, text
    assert await events(chat, code, "reporter_answer") == []
    await chat.say("0912 345 678")  # digits only is an answer
    [answer] = await events(chat, code, "reporter_answer")
    assert answer.body == "0912 345 678"


async def test_one_message_answers_with_the_typed_form(chat: Chat) -> None:
    code = await reported(chat)
    await police(chat, code, "question", QUESTION)
    text = await chat.say(f"tl {code.lower()} xe màu đỏ")
    assert vi("answer.saved", code=code) in text and "menu:tip" in chat.choices
    [answer] = await events(chat, code, "reporter_answer")
    assert answer.body == "xe màu đỏ"
    await chat.say(f"answer {code}")  # the code alone: the answer comes next
    await chat.say("also: red")
    assert [e.body for e in await events(chat, code, "reporter_answer")] == [
        "xe màu đỏ",
        "also: red",
    ]


async def test_only_the_reporter_may_answer_and_nobody_learns_the_code_exists(
    chat: Chat,
) -> None:
    code = await reported(chat)
    await police(chat, code, "question", QUESTION)
    other = Chat(chat.dispatcher, channel="other")
    await other.onboard()
    unknown = new_code()
    tapped = await other.pick(f"answer:{code}")
    assert tapped == await other.pick(f"answer:{unknown}")
    assert tapped.startswith(vi("input.stale_choice"))
    typed = await other.say(f"TRẢ LỜI {code} tôi biết")
    assert typed == vi("answer.unknown", code=code) + "\n" + vi("menu.title")
    assert (await other.say(f"TRẢ LỜI {unknown} tôi biết")).replace(unknown, code) == typed
    assert await events(chat, code, "reporter_answer") == []


async def test_a_closed_tip_takes_no_more_answers(chat: Chat) -> None:
    code = await reported(chat)
    await police(chat, code, "question", QUESTION)
    await chat.pick(f"answer:{code}")
    await police(chat, code, "closed", "handled", status="closed", resolution="handled")
    text = await chat.say("Màu đỏ")  # closed while the answer was being written
    assert vi("answer.closed", code=code) in text
    text = await chat.pick(f"answer:{code}")
    assert vi("answer.closed", code=code) in text
    assert await events(chat, code, "reporter_answer") == []


async def test_nothing_to_answer_before_a_question(chat: Chat) -> None:
    code = await reported(chat)
    text = await chat.say(f"TRẢ LỜI {code} xin chào")
    assert vi("answer.no_question", code=code) in text
    assert await events(chat, code, "reporter_answer") == []


async def test_a_closed_tip_is_rated_once(chat: Chat) -> None:
    code = await reported(chat)
    text = await chat.pick(f"rate:{code}:4")  # not closed yet: a stale button
    assert text.startswith(vi("input.stale_choice"))
    await police(chat, code, "closed", "handled", status="closed", resolution="handled")
    text = await chat.pick(f"rate:{code}:4")
    assert vi("rating.saved", code=code, stars=4) in text and "menu:tip" in chat.choices
    text = await chat.pick(f"rate:{code}:1")
    assert vi("rating.already", code=code, stars=4) in text
    assert (await tip_of(chat, code)).rating == 4
    [rating] = await events(chat, code, "rating")
    assert (rating.body, rating.visibility) == ("4", "reporter")
    await chat.pick("menu:mytips")
    text = await chat.pick(next(c for c in chat.choices if c.startswith("mytip:")))
    assert vi("tip.event_rating", stars="4") in text
    assert vi("tip.event_closed", outcome=vi("notice.outcome_handled")) in text


async def test_nobody_else_rates_and_odd_ratings_are_stale(chat: Chat) -> None:
    code = await reported(chat)
    await police(chat, code, "closed", "unfounded", status="closed", resolution="unfounded")
    other = Chat(chat.dispatcher, channel="other")
    await other.onboard()
    for choice in (f"rate:{code}:5", f"rate:{code}:9", f"rate:{code}:x", "rate:nonsense"):
        assert (await other.pick(choice)).startswith(vi("input.stale_choice")), choice
    assert (await chat.pick(f"rate:{code}:0")).startswith(vi("input.stale_choice"))
    assert (await tip_of(chat, code)).rating is None
    assert await events(chat, code, "rating") == []


async def test_a_number_or_a_labels_first_words_are_an_answer_not_a_button(
    chat: Chat,
) -> None:
    code = await reported(chat)
    await police(chat, code, "question", "Có mấy người? Bạn liên lạc bằng gì?")
    await chat.pick(f"answer:{code}")
    assert chat.choices == ["answer:cancel", "nav:emergency"]
    await chat.say("2")  # not the second button
    await chat.pick(f"answer:{code}")
    await chat.say("Khẩn")  # elsewhere the first word of "🆘 Khẩn cấp"
    bodies = [e.body for e in await events(chat, code, "reporter_answer")]
    assert bodies == ["2", "Khẩn"]
    offered = [["answer:cancel", "Hủy"], [NAV_EMERGENCY, "🆘 Khẩn cấp"]]
    assert typed_choice(offered, "Khẩn") == NAV_EMERGENCY  # in any other step
    await chat.pick(f"answer:{code}")
    text = await chat.say(vi("answer.cancel"))  # a label typed in full (Zalo OA's buttons)
    assert vi("answer.cancelled") in text


CODE = new_code()  # a code with a right check character: "BY-XXXX-XX"
BARE = CODE.replace("-", "")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"TRẢ LỜI {CODE} xe màu đỏ", (CODE, "xe màu đỏ")),
        (f"tra loi {BARE.lower()}: Xe Wave, biển 29", (CODE, "Xe Wave, biển 29")),
        (f"TL {CODE.replace('-', ' ')}", (CODE, "")),
        (f"Answer {CODE} — a red motorbike", (CODE, "a red motorbike")),
        (f"{CODE} xe màu đỏ", None),  # a code alone follows the tip up instead
        (f"tôi muốn trả lời {CODE}", None),
        ("trả lời sau", None),
    ],
    # the code is new each run: ids that do not name it, so that every test process
    # collects the same tests
    ids=[
        "capitals",
        "bare_code",
        "spaced_code",
        "english",
        "code_alone",
        "in_a_sentence",
        "no_code",
    ],
)
def test_typed_answers_are_read_with_the_words_of_the_keyword_pack(
    text: str, expected: tuple[str, str] | None
) -> None:
    assert typed_answer(text) == expected
