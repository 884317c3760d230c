"""Learn through the dispatcher, on the in-memory ports: topics and cards (next, previous, back),
the tip of the day, a quiz with its score and explanations, progress kept per resident, and
the same in English. Expected texts come from the packs, so new content does not break it."""

from __future__ import annotations

from datetime import date

import pytest

from content import awareness
from content.awareness import Topic
from tests.conftest import Chat, Clock

TOPIC = "fire_safety"


def topic(topic_id: str = TOPIC) -> Topic:
    found = awareness.topic(topic_id)
    assert found is not None
    return found


async def open_learn(chat: Chat, lang: str = "vi") -> str:
    if lang == "en":
        await chat.say("/start")
        await chat.pick("lang:en")
        await chat.say("ha noi")
        await chat.say("phuong ba dinh")
    else:
        await chat.onboard()
    return await chat.pick("menu:learn")


def clock(chat: Chat) -> Clock:
    found = chat.dispatcher.config.clock
    assert isinstance(found, Clock)
    return found


async def test_the_topic_list_offers_every_topic_the_tip_and_subscriptions(chat: Chat) -> None:
    text = await open_learn(chat)
    assert "Tìm hiểu để phòng tránh" in text
    ids = [f"learn:topic:{t.id}" for t in awareness.topics()]
    assert chat.choices == [*ids, "learn:tip", "learn:subs", "nav:menu", "nav:emergency"]
    labels = [c.label for c in chat.last[-1].choices]
    assert labels[0] == awareness.topics()[0].title.vi  # nothing seen yet: the title alone
    assert "💡 Mẹo hôm nay" in labels and "🔔 Nhận tin (mẹo, cảnh báo)" in labels


async def test_a_topic_shows_its_summary_then_cards_next_previous_and_back(chat: Chat) -> None:
    fire = topic()
    n = len(fire.cards)
    await open_learn(chat)
    text = await chat.pick(f"learn:topic:{TOPIC}")
    first = fire.cards[0]
    assert fire.summary.vi in text
    assert f"Thẻ 1/{n} · {first.title.vi}" in text
    assert first.body.vi in text and f"👉 {first.action.vi}" in text
    assert f"Nguồn: {first.source.vi}" in text
    assert chat.choices == [
        f"learn:card:{TOPIC}:1",
        f"learn:quiz:{TOPIC}",
        "learn:topics",
        "nav:menu",
        "nav:emergency",
    ]
    text = await chat.say("tiếp")  # the label typed
    assert f"Thẻ 2/{n} · {fire.cards[1].title.vi}" in text
    assert fire.summary.vi not in text
    assert chat.choices[:2] == [f"learn:card:{TOPIC}:2", f"learn:card:{TOPIC}:0"]
    text = await chat.pick(f"learn:card:{TOPIC}:0")  # previous
    assert f"Thẻ 1/{n}" in text
    for index in range(1, n):
        text = await chat.pick(f"learn:card:{TOPIC}:{index}")
    assert f"Thẻ {n}/{n} · {fire.cards[-1].title.vi}" in text
    assert f"learn:card:{TOPIC}:{n}" not in chat.choices  # no next on the last card
    assert chat.choices[0] == f"learn:card:{TOPIC}:{n - 2}"
    text = await chat.pick("learn:topics")
    assert "Tìm hiểu để phòng tránh" in text
    label = next(c.label for c in chat.last[-1].choices if c.id == f"learn:topic:{TOPIC}")
    assert label == f"{fire.title.vi} · {n}/{n} thẻ"


async def test_every_card_fits_a_phone_screen(chat: Chat) -> None:
    await open_learn(chat)
    for t in awareness.topics():
        await chat.pick("learn:topics")
        await chat.pick(f"learn:topic:{t.id}")
        assert len(chat.last[0].text) <= 400, (t.id, "summary")
        for index in range(len(t.cards)):
            if index:
                await chat.pick(f"learn:card:{t.id}:{index}")
            assert len(chat.last[-1].text) <= 850, (t.id, index, len(chat.last[-1].text))


async def test_bad_input_and_old_buttons_show_the_card_again(chat: Chat) -> None:
    await open_learn(chat)
    await chat.pick(f"learn:topic:{TOPIC}")
    await chat.pick(f"learn:card:{TOPIC}:1")
    text = await chat.say("asdfgh")
    assert "Tôi chưa hiểu" in text and "Thẻ 2/" in text
    text = await chat.pick(f"learn:card:{TOPIC}:1")  # the next button of card 1, gone
    assert "menu cũ" in text and "Thẻ 2/" in text
    text = await chat.say("/help")
    assert "Cách dùng" in text and "Thẻ 2/" in text


async def test_tip_of_the_day_is_the_same_all_day_and_changes_with_the_date(chat: Chat) -> None:
    await open_learn(chat)
    tip_topic, card = awareness.tip_of_the_day(date(2026, 11, 23))
    text = await chat.pick("learn:tip")
    assert "Mẹo hôm nay (23/11/2026)" in text and tip_topic.title.vi in text
    assert card.title.vi in text and card.body.vi in text and "Nguồn:" in text
    assert chat.choices[:2] == [f"learn:topic:{tip_topic.id}", "learn:topics"]
    await chat.pick("learn:topics")
    clock(chat).advance(hours=8)  # 18:00 in Vietnam: the same day
    assert card.title.vi in await chat.pick("learn:tip")
    await chat.pick("learn:topics")
    clock(chat).advance(hours=6)  # 00:00 on the 24th in Vietnam, still the 23rd in UTC
    next_topic, next_card = awareness.tip_of_the_day(date(2026, 11, 24))
    assert next_card != card
    text = await chat.pick("learn:tip")
    assert "(24/11/2026)" in text and next_card.title.vi in text
    text = await chat.pick(f"learn:topic:{next_topic.id}")
    assert next_topic.summary.vi in text and "Thẻ 1/" in text


async def test_a_full_quiz_with_right_and_wrong_answers(chat: Chat) -> None:
    fire = topic()
    total = len(fire.quiz)
    await open_learn(chat)
    await chat.pick(f"learn:topic:{TOPIC}")
    text = await chat.pick(f"learn:quiz:{TOPIC}")
    right = 0
    for index, question in enumerate(fire.quiz):
        assert f"Câu {index + 1}/{total}: {question.prompt.vi}" in text
        options = [f"quiz:a:{TOPIC}:{index}:{n}" for n in range(len(question.options))]
        assert chat.choices == [*options, f"learn:topic:{TOPIC}", "nav:menu", "nav:emergency"]
        correct = index % 2 == 0
        picked = question.answer if correct else (question.answer + 1) % len(question.options)
        text = await chat.pick(options[picked])
        if correct:
            right += 1
            assert "✅ Đúng rồi!" in text
        else:
            assert f"❌ Chưa đúng. Đáp án đúng: {question.options[question.answer].vi}" in text
        assert f"💡 {question.explanation.vi}" in text
        if index + 1 < total:
            assert chat.choices[0] == f"quiz:q:{TOPIC}:{index + 1}"
            text = await chat.pick(f"quiz:q:{TOPIC}:{index + 1}")
    assert f"🏁 Kết quả “{fire.title.vi}”: {right}/{total} câu đúng." in text
    assert f"Điểm cao nhất của bạn: {right}/{total}." in text
    assert chat.choices[:3] == [f"learn:quiz:{TOPIC}", f"learn:topic:{TOPIC}", "learn:topics"]
    # Again, all right by typing the option numbers: the best score rises.
    await chat.pick(f"learn:quiz:{TOPIC}")
    for index, question in enumerate(fire.quiz):
        text = await chat.say(str(question.answer + 1))
        assert "✅ Đúng rồi!" in text
        if index + 1 < total:
            await chat.say("câu tiếp")
    assert f"{total}/{total} câu đúng" in text and "Xuất sắc" in text
    assert f"Điểm cao nhất của bạn: {total}/{total}." in text
    # And all wrong: the best score stays.
    await chat.pick(f"learn:quiz:{TOPIC}")
    for index, question in enumerate(fire.quiz):
        wrong = (question.answer + 1) % len(question.options)
        text = await chat.pick(f"quiz:a:{TOPIC}:{index}:{wrong}")
        if index + 1 < total:
            await chat.pick(f"quiz:q:{TOPIC}:{index + 1}")
    assert f"0/{total} câu đúng" in text and f"Điểm cao nhất của bạn: {total}/{total}." in text
    await chat.pick("learn:topics")
    label = next(c.label for c in chat.last[-1].choices if c.id == f"learn:topic:{TOPIC}")
    assert label == f"{fire.title.vi} · 1/{len(fire.cards)} thẻ · Trắc nghiệm {total}/{total}"


async def test_an_answer_counts_once_and_the_quiz_can_be_left(chat: Chat) -> None:
    fire = topic()
    await open_learn(chat)
    await chat.pick(f"learn:topic:{TOPIC}")
    await chat.pick(f"learn:quiz:{TOPIC}")
    answer = f"quiz:a:{TOPIC}:0:{fire.quiz[0].answer}"
    await chat.pick(answer)
    text = await chat.pick(answer)  # tapped twice
    assert "menu cũ" in text and "✅ Đúng rồi!" in text
    assert chat.choices[0] == f"quiz:q:{TOPIC}:1"
    await chat.pick(f"quiz:q:{TOPIC}:1")
    text = await chat.say("asdfgh")
    assert "Tôi chưa hiểu" in text and f"Câu 2/{len(fire.quiz)}" in text
    text = await chat.pick(f"learn:topic:{TOPIC}")  # "back to the cards"
    assert "Thẻ 1/" in text


async def test_progress_outlives_the_conversation_state(chat: Chat) -> None:
    fire = topic()
    scam = topic("scam_phone")
    await open_learn(chat)
    await chat.pick(f"learn:topic:{TOPIC}")
    await chat.pick(f"learn:card:{TOPIC}:1")
    await chat.pick(f"learn:card:{TOPIC}:2")
    await chat.pick(f"learn:card:{TOPIC}:1")  # seen before: counted once
    await chat.pick("learn:topics")
    await chat.pick("learn:topic:scam_phone")
    await chat.pick("learn:quiz:scam_phone")
    for index, question in enumerate(scam.quiz):
        await chat.pick(f"quiz:a:scam_phone:{index}:{question.answer}")
        if index + 1 < len(scam.quiz):
            await chat.pick(f"quiz:q:scam_phone:{index + 1}")
    await chat.dispatcher.conversations.forget(chat.event().chat_key)
    again = Chat(chat.dispatcher, user=chat.user)
    text = await again.say("/start")
    assert "Chào mừng bạn trở lại" in text
    await again.pick("menu:learn")
    labels = {c.id: c.label for c in again.last[-1].choices}
    assert labels[f"learn:topic:{TOPIC}"] == f"{fire.title.vi} · 3/{len(fire.cards)} thẻ"
    quiz = f"Trắc nghiệm {len(scam.quiz)}/{len(scam.quiz)}"
    assert labels["learn:topic:scam_phone"] == (
        f"{scam.title.vi} · 1/{len(scam.cards)} thẻ · {quiz}"
    )
    other = Chat(chat.dispatcher)  # another resident starts from nothing
    await other.onboard()
    await other.pick("menu:learn")
    assert other.last[-1].choices[0].label == awareness.topics()[0].title.vi


async def test_english_topics_cards_tip_and_quiz(chat: Chat) -> None:
    fire = topic()
    text = await open_learn(chat, "en")
    assert "Learn to stay safe" in text
    labels = [c.label for c in chat.last[-1].choices]
    assert fire.title.en in labels and "💡 Tip of the day" in labels
    text = await chat.pick(f"learn:topic:{TOPIC}")
    assert (
        fire.summary.en in text and f"Card 1/{len(fire.cards)} · {fire.cards[0].title.en}" in text
    )
    assert f"Source: {fire.cards[0].source.en}" in text and "Nguồn" not in text
    assert [c.label for c in chat.last[-1].choices][:2] == ["Next ▶", "📝 Take the quiz"]
    text = await chat.pick(f"learn:card:{TOPIC}:1")
    assert fire.cards[1].title.en in text
    await chat.pick(f"learn:quiz:{TOPIC}")
    first = fire.quiz[0]
    assert first.prompt.en in chat.text
    assert [c.label for c in chat.last[-1].choices][: len(first.options)] == [
        o.en for o in first.options
    ]
    wrong = (first.answer + 1) % len(first.options)
    text = await chat.pick(f"quiz:a:{TOPIC}:0:{wrong}")
    assert f"Not quite. The right answer: {first.options[first.answer].en}" in text
    assert first.explanation.en in text
    for index in range(1, len(fire.quiz)):
        await chat.pick(f"quiz:q:{TOPIC}:{index}")
        text = await chat.pick(f"quiz:a:{TOPIC}:{index}:{fire.quiz[index].answer}")
        assert "✅ Right!" in text
    total = len(fire.quiz)
    assert f"Your result for “{fire.title.en}”: {total - 1}/{total} right." in text
    assert f"Your best score: {total - 1}/{total}." in text
    await chat.pick("learn:topics")
    text = await chat.pick("learn:tip")
    _tip_topic, card = awareness.tip_of_the_day(date(2026, 11, 23))
    assert "Tip of the day (23/11/2026)" in text and card.title.en in text
    await chat.pick("learn:topics")
    label = next(c.label for c in chat.last[-1].choices if c.id == f"learn:topic:{TOPIC}")
    assert label.startswith(f"{fire.title.en} · ") and f"· Quiz {total - 1}/{total}" in label


@pytest.mark.parametrize("day", [date(2026, 1, 1), date(2026, 8, 19), date(2027, 2, 28)])
def test_the_tip_of_the_day_is_a_card_of_some_topic(day: date) -> None:
    tip_topic, card = awareness.tip_of_the_day(day)
    assert card in tip_topic.cards
    assert awareness.tip_of_the_day(day) == (tip_topic, card)
