"""One numbered list per turn (bot/render.py `one_list`): whatever replies a turn holds, the
numbers a channel shows never restart, and a typed number picks the choice shown beside it
(the chat's pending choices are what was displayed)."""

from __future__ import annotations

import re
import uuid
from typing import Any

import pytest

from bot.channels import cli, web, zalo_bot, zalo_oa
from bot.channels import telegram as tg
from bot.render import one_list
from handlers.model import RenderedChoice, RenderedReply
from handlers.router import typed_choice
from handlers.state import ConversationState
from tests.conftest import Chat

NUMBERED = re.compile(r"^\s*(\d+)\. (.+)$", re.M)


def c(choice_id: str, label: str | None = None) -> RenderedChoice:
    return RenderedChoice(choice_id, label or choice_id)


def ids(reply: RenderedReply) -> list[str]:
    return [choice.id for choice in reply.choices]


# -- the rule ----------------------------------------------------------------------------------


def test_a_turn_with_one_list_is_left_as_it_is() -> None:
    turn = [RenderedReply("a"), RenderedReply("b", (c("x"), c("nav:back"), c("nav:menu")))]
    assert one_list(turn) == turn


def test_two_lists_become_one_on_the_last_reply_with_the_ways_home_last() -> None:
    numbers = RenderedReply("113…", (c("nav:menu"),), calls=(("Gọi 113", "113"),))
    note = RenderedReply("Nếu bạn đã an toàn…")
    step = RenderedReply("Loại việc?", (c("cat:a"), c("cat:b"), c("nav:menu"), c("nav:emergency")))
    first, middle, last = one_list([numbers, note, step])
    assert first.choices == () and first.calls == numbers.calls  # the call buttons stay
    assert middle == note
    assert ids(last) == ["cat:a", "cat:b", "nav:menu", "nav:emergency"]


def test_the_second_list_continues_from_the_first() -> None:
    turn = [
        RenderedReply("Đánh giá", (c("rate:1"), c("rate:2"), c("nav:menu"))),
        RenderedReply("Menu", (c("menu:tip"), c("menu:check"), c("nav:emergency"))),
    ]
    first, last = one_list(turn)
    assert first.choices == ()
    assert ids(last) == ["rate:1", "rate:2", "menu:tip", "menu:check", "nav:menu", "nav:emergency"]


# -- a whole turn, as each channel draws it ----------------------------------------------------


async def emergency_category_turn(chat: Chat) -> list[RenderedReply]:
    """The turn of 🚨 "happening now": the emergency numbers, a word, the categories again."""
    await chat.onboard()
    await chat.pick("menu:tip")
    if "tip:consent_yes" in chat.choices:
        await chat.pick("tip:consent_yes")
    await chat.pick("cat:happening_now")
    assert chat.last[0].calls, chat.text
    return chat.last


async def state_of(chat: Chat) -> ConversationState:
    key = chat.event().chat_key
    async with chat.dispatcher.conversations.turn(key, f"probe:{uuid.uuid4().hex}") as turn:
        assert turn.state is not None
        return turn.state


async def pending(chat: Chat) -> list[list[str]]:
    """The choices the chat's state keeps for a typed answer."""
    return (await state_of(chat)).pending


def zalo_bot_texts(turn: list[RenderedReply]) -> list[str]:
    return [o.params["text"] for r in turn for o in zalo_bot.render(r) if "text" in o.params]


def zalo_oa_texts(turn: list[RenderedReply]) -> list[str]:
    return [m["text"] for r in turn for m in zalo_oa.render(r) if "text" in m]


def cli_texts(turn: list[RenderedReply]) -> list[str]:
    return [cli.draw(r) for r in turn]


def shown(texts: list[str]) -> list[tuple[int, str]]:
    return [(int(n), label) for text in texts for n, label in NUMBERED.findall(text)]


@pytest.mark.parametrize("draw", [zalo_bot_texts, zalo_oa_texts, cli_texts])
async def test_numbers_never_restart_and_each_picks_the_choice_beside_it(
    chat: Chat, draw: Any
) -> None:
    turn = await emergency_category_turn(chat)
    numbered = shown(draw(turn))
    assert numbered, draw(turn)
    numbers = [n for n, _label in numbered]
    assert numbers == list(range(1, len(numbers) + 1))  # unique, from 1, never restarting
    offered = await pending(chat)
    labels = dict(map(tuple, offered))  # type: ignore[arg-type]
    for n, label in numbered:
        picked = typed_choice(offered, str(n))
        assert picked is not None and labels[picked] == label, (n, label)


async def test_typing_a_number_of_the_turn_does_what_it_says(chat: Chat) -> None:
    turn = await emergency_category_turn(chat)
    numbered = dict(shown(zalo_bot_texts(turn)))
    fraud = next(n for n, label in numbered.items() if "điện thoại" in label.lower())
    text = await chat.say(str(fraud))
    assert "Hãy kể lại việc đã xảy ra" in text  # that category's description step
    assert (await state_of(chat)).data["category"] == "fraud_phone"


async def test_telegram_buttons_of_a_turn_are_the_pending_choices_in_order(chat: Chat) -> None:
    turn = await emergency_category_turn(chat)
    buttons = [
        button["callback_data"]
        for r in turn
        for out in tg.render(r)
        if out.params.get("reply_markup") is not None
        and "inline_keyboard" in out.params["reply_markup"]
        for row in out.params["reply_markup"]["inline_keyboard"]
        for button in row
    ]
    assert buttons == [choice_id for choice_id, _label in await pending(chat)]
    texts = [out.params["text"] for r in turn for out in tg.render(r) if "text" in out.params]
    assert not shown(texts)  # Telegram's text lists no numbers: the buttons are the choices


async def test_the_web_chat_gets_one_list_per_turn(chat: Chat) -> None:
    turn = await emergency_category_turn(chat)
    lists = [web.reply_json(r)["choices"] for r in turn]
    assert sum(1 for found in lists if found) == 1
    last: Any = next(found for found in reversed(lists) if found)
    assert [item["id"] for item in last] == [cid for cid, _label in await pending(chat)]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("Đúng", "yes"),
        ("dung", "yes"),  # no marks at all: the label without its marks
        ("đúng rồi", None),  # more than the label and not its first words
        ("DỪNG", None),  # other marks: another word (and STOP), never the answer "Đúng"
        ("đừng", None),
        ("dũng", None),
        ("Sai", "no"),
        ("sái", None),
    ],
)
def test_a_label_is_typed_with_its_marks_or_none_never_with_others(
    typed: str, expected: str | None
) -> None:
    assert typed_choice([["yes", "Đúng"], ["no", "Sai"]], typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("lam trac", "quiz"),
        ("Làm trắc", "quiz"),
        ("lắm trắc", None),
        ("Đúng", "now"),  # with its marks: one label only
        ("dung", None),  # without them: "Đúng, …" and "Dùng …", two labels, so neither
        ("dùng", "charger"),
        ("đừng", None),
    ],
)
def test_the_first_words_of_a_label_keep_their_marks(typed: str, expected: str | None) -> None:
    offered = [
        ["quiz", "📝 Làm trắc nghiệm"],
        ["now", "Đúng, phải làm ngay"],
        ["charger", "Dùng bộ sạc nào cũng được"],
    ]
    assert typed_choice(offered, typed) == expected
