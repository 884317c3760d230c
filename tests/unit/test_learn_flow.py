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


async def to_quiz(chat: Chat, topic_id: str = TOPIC) -> str:
    """From a topic's first card to its last, where the quiz is offered, and into the quiz."""
    for index in range(1, len(topic(topic_id).cards)):
        await chat.pick(f"learn:card:{topic_id}:{index}")
    return await chat.pick(f"learn:quiz:{topic_id}")


def clock(chat: Chat) -> Clock:
    found = chat.dispatcher.config.clock
    assert isinstance(found, Clock)
    return found


async def test_the_topic_list_offers_every_topic_the_tip_and_subscriptions(chat: Chat) -> None:
    text = await open_learn(chat)
    assert "Tìm hiểu để phòng tránh" in text
    ids = [f"learn:topic:{t.id}" for t in awareness.topics()]
    assert len(ids) == 16  # two pages of eight
    assert chat.choices == [
        *ids[:8],
        "learn:topics:1",
        "learn:tip",
        "learn:subs",
        "nav:menu",
        "nav:emergency",
    ]
    await chat.pick("learn:topics:1")
    assert chat.choices == [
        *ids[8:],
        "learn:topics:0",
        "learn:tip",
        "learn:subs",
        "nav:menu",
        "nav:emergency",
    ]
    await chat.pick("learn:topics:0")
    labels = [c.label for c in chat.last[-1].choices]
    assert labels[0] == awareness.topics()[0].title.vi  # nothing seen yet: the title alone
    assert "💡 Lời khuyên hôm nay" in labels and "🔔 Nhận tin (lời khuyên, cảnh báo)" in labels


async def test_a_topic_shows_its_summary_then_cards_next_previous_and_back(chat: Chat) -> None:
    fire = topic()
    n = len(fire.cards)
    await open_learn(chat)
    text = await chat.pick(f"learn:topic:{TOPIC}")
    first = fire.cards[0]
    assert fire.summary.vi in text
    assert f"Bài 1/{n} · {first.title.vi}" in text
    assert first.body.vi in text and f"👉 {first.action.vi}" in text
    assert f"Nguồn: {first.source.vi}" in text
    assert chat.choices == [f"learn:card:{TOPIC}:1", "learn:topics", "nav:menu", "nav:emergency"]
    text = await chat.say("tiếp")  # the label typed
    assert f"Bài 2/{n} · {fire.cards[1].title.vi}" in text
    assert fire.summary.vi not in text
    assert chat.choices[:2] == [f"learn:card:{TOPIC}:2", f"learn:card:{TOPIC}:0"]
    text = await chat.pick(f"learn:card:{TOPIC}:0")  # previous
    assert f"Bài 1/{n}" in text
    for index in range(1, n):
        text = await chat.pick(f"learn:card:{TOPIC}:{index}")
    assert f"Bài {n}/{n} · {fire.cards[-1].title.vi}" in text
    assert f"learn:card:{TOPIC}:{n}" not in chat.choices  # no next on the last card
    assert chat.choices == [
        f"learn:card:{TOPIC}:{n - 2}",
        f"learn:quiz:{TOPIC}",  # the quiz after the last card; its score offers the topics
        "nav:menu",
        "nav:emergency",
    ]
    text = await chat.say("các chủ đề")  # asked for in words on any page
    assert "Tìm hiểu để phòng tránh" in text
    label = next(c.label for c in chat.last[-1].choices if c.id == f"learn:topic:{TOPIC}")
    assert label == f"{fire.title.vi} · ✓{n}/{n}"


async def test_every_topic_summary_is_short(chat: Chat) -> None:
    """The cards themselves are measured row by row in test_card_screen.py."""
    await open_learn(chat)
    for number, t in enumerate(awareness.topics()):
        await chat.pick("learn:topics")
        if number >= 8:
            await chat.pick("learn:topics:1")
        await chat.pick(f"learn:topic:{t.id}")
        assert len(chat.last[0].text) <= 400, (t.id, "summary")


async def test_bad_input_and_old_buttons_show_the_card_again(chat: Chat) -> None:
    await open_learn(chat)
    await chat.pick(f"learn:topic:{TOPIC}")
    await chat.pick(f"learn:card:{TOPIC}:1")
    text = await chat.say("asdfgh")
    assert "Bình Yên chưa hiểu" in text and "Bài 2/" in text
    text = await chat.pick(f"learn:card:{TOPIC}:1")  # the next button of card 1, gone
    assert "menu cũ" in text and "Bài 2/" in text
    text = await chat.say("/help")
    assert "Cách dùng" in text and "Bài 2/" in text


async def test_tip_of_the_day_is_the_same_all_day_and_changes_with_the_date(chat: Chat) -> None:
    await open_learn(chat)
    tip_topic, card = awareness.tip_of_the_day(date(2026, 11, 23))
    text = await chat.pick("learn:tip")
    assert "Lời khuyên hôm nay, 23/11/2026" in text
    assert card.title.vi in text and card.body.vi in text and "Nguồn:" in text
    at = tip_topic.cards.index(card)  # "the whole topic" opens at the advice shown
    assert chat.choices[:2] == [f"learn:topic:{tip_topic.id}:{at}", "learn:topics"]
    await chat.pick("learn:topics")
    clock(chat).advance(hours=8)  # 18:00 in Vietnam: the same day
    assert card.title.vi in await chat.pick("learn:tip")
    await chat.pick("learn:topics")
    clock(chat).advance(hours=6)  # 00:00 on the 24th in Vietnam, still the 23rd in UTC
    next_topic, next_card = awareness.tip_of_the_day(date(2026, 11, 24))
    assert next_card != card
    text = await chat.pick("learn:tip")
    assert ", 24/11/2026" in text and next_card.title.vi in text
    at = next_topic.cards.index(next_card)
    text = await chat.pick(f"learn:topic:{next_topic.id}:{at}")
    assert next_topic.summary.vi in text and f"Bài {at + 1}/{len(next_topic.cards)}" in text


async def test_a_full_quiz_with_right_and_wrong_answers(chat: Chat) -> None:
    fire = topic()
    total = len(fire.quiz)
    await open_learn(chat)
    await chat.pick(f"learn:topic:{TOPIC}")
    text = await to_quiz(chat)
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
    cards = len(fire.cards)  # every card was passed on the way to the quiz
    assert label == f"{fire.title.vi} · ✓{cards}/{cards} · 📝{total}/{total}"


async def test_an_answer_counts_once_and_the_quiz_can_be_left(chat: Chat) -> None:
    fire = topic()
    await open_learn(chat)
    await chat.pick(f"learn:topic:{TOPIC}")
    await to_quiz(chat)
    answer = f"quiz:a:{TOPIC}:0:{fire.quiz[0].answer}"
    await chat.pick(answer)
    text = await chat.pick(answer)  # tapped twice
    assert "menu cũ" in text and "✅ Đúng rồi!" in text
    assert chat.choices[0] == f"quiz:q:{TOPIC}:1"
    await chat.pick(f"quiz:q:{TOPIC}:1")
    text = await chat.say("asdfgh")
    assert "Bình Yên chưa hiểu" in text and f"Câu 2/{len(fire.quiz)}" in text
    text = await chat.pick(f"learn:topic:{TOPIC}")  # "back to the cards"
    assert "Bài 1/" in text


async def test_progress_outlives_the_conversation_state(chat: Chat) -> None:
    fire = topic()
    scam = topic("scam_phone")
    await open_learn(chat)
    await chat.pick(f"learn:topic:{TOPIC}")
    await chat.pick(f"learn:card:{TOPIC}:1")
    await chat.pick(f"learn:card:{TOPIC}:2")
    await chat.pick(f"learn:card:{TOPIC}:1")  # seen before: counted once
    await chat.pick("nav:menu")  # a middle card has no list of topics: the menu has
    await chat.pick("menu:learn")
    await chat.pick("learn:topic:scam_phone")
    await to_quiz(chat, "scam_phone")
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
    assert labels[f"learn:topic:{TOPIC}"] == f"{fire.title.vi} · ✓3/{len(fire.cards)}"
    quiz = f"📝{len(scam.quiz)}/{len(scam.quiz)}"
    assert labels["learn:topic:scam_phone"] == (
        f"{scam.title.vi} · ✓{len(scam.cards)}/{len(scam.cards)} · {quiz}"
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
    assert fire.title.en in labels and "💡 Advice for today" in labels
    text = await chat.pick(f"learn:topic:{TOPIC}")
    assert (
        fire.summary.en in text and f"Page 1/{len(fire.cards)} · {fire.cards[0].title.en}" in text
    )
    assert f"Source: {fire.cards[0].source.en}" in text and "Nguồn" not in text
    assert [c.label for c in chat.last[-1].choices][:2] == ["Next ▶", "📚 All topics"]
    text = await chat.pick(f"learn:card:{TOPIC}:1")
    assert fire.cards[1].title.en in text
    for index in range(2, len(fire.cards)):
        await chat.pick(f"learn:card:{TOPIC}:{index}")
    assert [c.label for c in chat.last[-1].choices][:2] == ["◀ Previous", "📝 Take the quiz"]
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
    assert "Advice for today, 23/11/2026" in text and card.title.en in text
    await chat.pick("learn:topics")
    label = next(c.label for c in chat.last[-1].choices if c.id == f"learn:topic:{TOPIC}")
    assert label.startswith(f"{fire.title.en} · ") and f"· 📝{total - 1}/{total}" in label


@pytest.mark.parametrize("day", [date(2026, 1, 1), date(2026, 8, 19), date(2027, 2, 28)])
def test_the_tip_of_the_day_is_a_card_of_some_topic(day: date) -> None:
    tip_topic, card = awareness.tip_of_the_day(day)
    assert card in tip_topic.cards
    assert awareness.tip_of_the_day(day) == (tip_topic, card)


@pytest.mark.parametrize("typed", ["trắc nghiệm", "trac nghiem", "Làm trắc nghiệm nhé", "quiz"])
async def test_the_quiz_is_asked_for_in_words_from_any_page(chat: Chat, typed: str) -> None:
    fire = topic()
    await open_learn(chat)
    await chat.pick(f"learn:topic:{TOPIC}")
    await chat.pick(f"learn:card:{TOPIC}:1")  # a middle page: no quiz button
    assert f"learn:quiz:{TOPIC}" not in chat.choices
    text = await chat.say(typed)
    assert f"Câu 1/{len(fire.quiz)}: {fire.quiz[0].prompt.vi}" in text
    text = await chat.say(typed)  # inside the quiz it starts nothing again
    assert f"Câu 1/{len(fire.quiz)}" in text and "chưa hiểu" in text


@pytest.mark.parametrize("typed", ["các chủ đề", "chu de", "quay lại", "Chủ đề nhé", "back"])
async def test_the_topics_are_asked_for_in_words_and_open_at_the_topics_page(
    chat: Chat, typed: str
) -> None:
    topics = awareness.topics()
    later = topics[11]  # on the second page of the list
    await open_learn(chat)
    await chat.pick("learn:topics:1")
    await chat.pick(f"learn:topic:{later.id}")
    await chat.pick(f"learn:card:{later.id}:1")
    await chat.say(typed)
    assert f"learn:topic:{later.id}" in chat.choices  # the page that holds it
    assert "learn:topics:0" in chat.choices
    await chat.pick(f"learn:topic:{later.id}")
    await chat.pick("learn:topics")  # the button on the first page: the same
    assert f"learn:topic:{later.id}" in chat.choices


@pytest.mark.parametrize("typed", ["đừng", "đúng", "dũng", "trắc", "chủ để"])
async def test_words_with_other_marks_are_not_read_as_a_button(chat: Chat, typed: str) -> None:
    await open_learn(chat)
    await chat.pick(f"learn:topic:{TOPIC}")
    await chat.pick(f"learn:card:{TOPIC}:1")
    text = await chat.say(typed)
    assert "chưa hiểu" in text and f"Bài 2/{len(topic().cards)}" in text
