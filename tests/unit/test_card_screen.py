"""The screen measure of `content check` (content/screen.py) is what residents really get.

Every card of every topic is opened through the dispatcher, in Vietnamese and in English, and
the reply the bot sends (its text wrapped at 36 columns, then one row per button) must take
exactly the rows the measure counted, and at most 18; drawn for Zalo OA (text and at most four
buttons) and for the Zalo Bot (text and numbered choices) it also takes at most 18. So the
check cannot pass a card that the bot draws longer, and a change to a template or a button
shows here first."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.channels import zalo_oa
from bot.channels.zalo_bot import rendering as zalo_bot
from content import awareness, screen
from content.awareness import Card, Topic
from handlers.model import RenderedReply
from tests.conftest import Chat, Clock


def _parts(card: Card, lang: str) -> dict[str, str]:
    return {k: getattr(card, k).get(lang) for k in ("title", "body", "action", "source")}


def _drawn(reply: RenderedReply) -> list[str]:
    """Text, the blank row kept above the choices after a numbered list, one row a choice."""
    buttons = [f"{n}. {c.label}" for n, c in enumerate(reply.choices, 1)]
    text = screen.rows(reply.text) + screen.gap(reply.text)
    return text + [row for b in buttons for row in screen.wrap(b)]


def _on_zalo_oa(reply: RenderedReply) -> list[str]:
    """The rows a reply takes on Zalo OA: its text, then its buttons (no numbered list of the
    same choices when they are four or fewer)."""
    drawn = zalo_oa.render(reply)
    text = [row for m in drawn if "text" in m for row in screen.rows(m["text"])]
    payloads = [m.get("attachment", {}).get("payload", {}) for m in drawn]
    buttons = [b["title"] for p in payloads for b in p.get("buttons", [])]
    assert [m["text"] for m in drawn if "text" in m] == [reply.text.strip()]  # no list added
    return text + [row for b in buttons for row in screen.wrap(b)]


def _on_zalo_bot(reply: RenderedReply) -> list[str]:
    """The rows a reply takes on the Zalo Bot: its messages' text, numbered choices included."""
    return [row for call in zalo_bot.render(reply) for row in screen.rows(call.params["text"])]


async def _open(chat: Chat, lang: str) -> None:
    await chat.say("/start")
    await chat.pick(f"lang:{lang}")
    await chat.say("ha noi")
    await chat.say("phuong ba dinh")
    await chat.pick("menu:learn")


@pytest.mark.parametrize("lang", ["vi", "en"])
async def test_every_card_as_sent_takes_the_rows_the_check_counted(chat: Chat, lang: str) -> None:
    await _open(chat, lang)
    for number, topic in enumerate(awareness.topics()):
        await chat.pick("nav:menu")
        await chat.pick("menu:learn")
        if number >= 8:
            await chat.pick("learn:topics:1")  # the page of the list it is on
        await chat.pick(f"learn:topic:{topic.id}")
        for index, card in enumerate(topic.cards):
            if index:
                await chat.pick(f"learn:card:{topic.id}:{index}")
            drawn = _drawn(chat.last[-1])
            counted = screen.card_lines(
                _parts(card, lang),
                lang,
                index=index,
                total=len(topic.cards),
                has_quiz=bool(topic.quiz),
            )
            assert drawn == counted, (topic.id, card.id, lang)
            assert len(drawn) <= screen.SCREEN_ROWS, (topic.id, card.id, lang, drawn)
            reply = chat.last[-1]
            assert len(reply.choices) <= screen.MAX_CHOICES == zalo_oa.MAX_BUTTONS
            for channel, sent in (
                ("zalo_oa", _on_zalo_oa(reply)),
                ("zalo_bot", _on_zalo_bot(reply)),
            ):
                assert len(sent) <= screen.SCREEN_ROWS, (channel, topic.id, card.id, lang, sent)


def _advice_days() -> list[tuple[date, Topic, Card]]:
    """One day for each topic whose card is the advice of that day."""
    found: dict[str, tuple[date, Topic, Card]] = {}
    day = date(2026, 12, 1)
    for n in range(400):
        topic, card = awareness.tip_of_the_day(day + timedelta(days=n))
        found.setdefault(topic.id, (day + timedelta(days=n), topic, card))
    return list(found.values())


async def test_the_advice_of_the_day_as_sent_takes_the_rows_the_check_counted(chat: Chat) -> None:
    await _open(chat, "vi")
    clock = chat.dispatcher.config.clock
    assert isinstance(clock, Clock)
    days = _advice_days()
    assert len(days) == len(awareness.topics())
    for day, topic, card in days:
        clock.now = datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)
        await chat.pick("learn:topics")
        await chat.pick("learn:tip")
        drawn = _drawn(chat.last[-1])
        assert card.title.vi in chat.last[-1].text
        # the measure draws the widest day ("28/12/2026"); a day is always 10 characters
        assert len(drawn) == len(screen.advice_lines(_parts(card, "vi"), topic.title.vi, "vi"))
        assert len(drawn) <= screen.SCREEN_ROWS
        reply = chat.last[-1]
        for channel, sent in (("zalo_oa", _on_zalo_oa(reply)), ("zalo_bot", _on_zalo_bot(reply))):
            assert len(sent) <= screen.SCREEN_ROWS, (channel, topic.id, card.id, sent)


async def test_the_topic_list_comes_in_pages_that_fit_a_phone(chat: Chat) -> None:
    await _open(chat, "vi")
    topics = awareness.topics()
    first = [c for c in chat.choices if c.startswith("learn:topic:")]
    assert first == [f"learn:topic:{t.id}" for t in topics[:8]]
    assert "learn:topics:1" in chat.choices and "learn:tip" in chat.choices
    assert len(_drawn(chat.last[-1])) <= 20  # the list's text, 8 topics, more, 4 ways on
    await chat.pick("learn:topics:1")
    second = [c for c in chat.choices if c.startswith("learn:topic:")]
    assert second == [f"learn:topic:{t.id}" for t in topics[8:16]]
    assert "learn:topics:0" in chat.choices
    text = await chat.say("xyz")  # not understood: the same page again
    assert [c for c in chat.choices if c.startswith("learn:topic:")] == second, text
    await chat.pick("learn:topics:9")  # a page that is not there: a stale button
    assert chat.choices
    await chat.pick("learn:topics:0")
    assert [c for c in chat.choices if c.startswith("learn:topic:")] == first
