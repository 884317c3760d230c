"""Saying which neighbourhood one lives in, through the dispatcher on the in-memory ports:
asked after the commune only where the commune has a list, always skippable; picked, typed
with or without marks, or by number, and never guessed; an old button after the police
retired the place; moving to another commune; changing and clearing it in settings. The
store's side is in tests/integration/test_ports_contract.py."""

from __future__ import annotations

import pytest

from tests.conftest import Chat, Clock, memory_of

BA_DINH = "00004"
ASKED = "Bạn ở tổ dân phố, thôn nào? (không bắt buộc)"
WHY = "Để thông báo của tổ trưởng, trưởng thôn đến đúng người."
WAYS = ["hood:skip", "nav:menu", "nav:emergency"]


def seed(chat: Chat, *names: str, commune: str = BA_DINH) -> dict[str, str]:
    """The commune's neighbourhoods, as the police made them: each name's choice id."""
    db = memory_of(chat.dispatcher)
    return {name: f"hood:{db.add_neighbourhood(commune, name)}" for name in names}


async def at_the_question(chat: Chat) -> None:
    await chat.say("/start")
    await chat.pick("lang:vi")
    await chat.say("ha noi")
    await chat.say("phuong ba dinh")
    assert ASKED in chat.text, chat.text


async def stored(chat: Chat) -> int | None:
    uow = chat.dispatcher.unit_of_work()
    try:
        me = await uow.residents.for_identity(chat.channel, "acc", chat.user)
    finally:
        await uow.close()
    return memory_of(chat.dispatcher).neighbourhood_of(me.resident_id)


def hood(choice_id: str) -> int:
    return int(choice_id.removeprefix("hood:"))


def labels(chat: Chat) -> list[str]:
    return [c.label for c in chat.last[-1].choices]


# -- a commune without a list ----------------------------------------------------------------


async def test_a_commune_without_neighbourhoods_asks_nothing(chat: Chat) -> None:
    seed(chat, "Tổ 1", commune="19786")  # another commune's list
    await chat.say("/start")
    await chat.pick("lang:vi")
    await chat.say("ha noi")
    text = await chat.say("phuong ba dinh")  # straight to the menu, as before
    assert "Đã lưu khu vực của bạn: Phường Ba Đình" in text and ASKED not in text
    assert "menu:tip" in chat.choices
    await chat.pick("menu:settings")
    assert chat.choices[:3] == ["settings:language", "settings:area", "settings:subs"]


async def test_a_list_entered_later_shows_in_settings_within_ten_minutes(chat: Chat) -> None:
    await chat.onboard()  # Ba Đình, no list yet: settings remember that for a while
    await chat.pick("menu:settings")
    assert "settings:hood" not in chat.choices
    ids = seed(chat, "Tổ 1")  # the police enter the list
    await chat.pick("nav:menu")
    await chat.pick("menu:settings")
    assert "settings:hood" not in chat.choices  # still believed: no query for it
    clock = chat.dispatcher.config.clock
    assert isinstance(clock, Clock)
    clock.advance(minutes=11)
    await chat.pick("nav:menu")
    await chat.pick("menu:settings")
    assert "settings:hood" in chat.choices
    await chat.pick("settings:hood")
    assert ids["Tổ 1"] in chat.choices


# -- asked after the commune -----------------------------------------------------------------


async def test_asked_after_the_commune_and_picked(chat: Chat) -> None:
    ids = seed(chat, "Tổ 2", "Tổ 10", "Tổ 1")
    await at_the_question(chat)
    assert "Đã lưu khu vực của bạn: Phường Ba Đình, Thành phố Hà Nội." in chat.text
    assert WHY in chat.text
    assert chat.choices == [ids["Tổ 1"], ids["Tổ 2"], ids["Tổ 10"], *WAYS]  # 2 before 10
    assert labels(chat)[:4] == ["Tổ 1", "Tổ 2", "Tổ 10", "Bỏ qua"]
    text = await chat.pick(ids["Tổ 10"])
    assert "Đã lưu: bạn ở Tổ 10." in text
    assert "menu:tip" in chat.choices
    assert await stored(chat) == hood(ids["Tổ 10"])


async def test_skipping_says_it_can_wait_and_blocks_nothing(chat: Chat) -> None:
    seed(chat, "Tổ 1", "Tổ 2")
    await at_the_question(chat)
    text = await chat.say("bo qua")  # the skip, typed without marks
    assert "Bạn có thể chọn sau trong mục Cài đặt." in text
    assert "menu:tip" in chat.choices
    assert await stored(chat) is None
    await chat.say("/start")  # not asked again: the menu
    assert "menu:tip" in chat.choices and ASKED not in chat.text


async def test_going_elsewhere_instead_leaves_it_unsaid(chat: Chat) -> None:
    seed(chat, "Tổ 1")
    await at_the_question(chat)
    await chat.pick("nav:menu")
    assert "menu:tip" in chat.choices
    text = await chat.pick("menu:tip")  # a tip goes ahead as ever
    assert "tổ dân phố" not in text
    assert await stored(chat) is None


async def test_a_long_list_comes_in_pages(chat: Chat) -> None:
    ids = seed(chat, *(f"Tổ {n}" for n in range(1, 21)))
    await at_the_question(chat)
    assert "Trang 1/3." in chat.text
    assert chat.choices == [ids[f"Tổ {n}"] for n in range(1, 9)] + ["hood:page:1", *WAYS]
    await chat.pick("hood:page:1")
    assert "Trang 2/3." in chat.text
    assert chat.choices[:8] == [ids[f"Tổ {n}"] for n in range(9, 17)]
    assert chat.choices[8:10] == ["hood:page:0", "hood:page:2"]
    assert labels(chat)[8:10] == ["⬅️ Trang trước", "➡️ Xem thêm"]
    await chat.say("xem them")
    assert "Trang 3/3." in chat.text
    assert chat.choices == [ids[f"Tổ {n}"] for n in range(17, 21)] + ["hood:page:1", *WAYS]
    text = await chat.say("Tổ 3")  # a name on another page
    assert "Đã lưu: bạn ở Tổ 3." in text
    assert await stored(chat) == hood(ids["Tổ 3"])


# -- typed names and numbers, never guessed ---------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "meant"),
    [
        ("Thôn Đồng", "Thôn Đồng"),
        ("thôn đồng", "Thôn Đồng"),
        ("  THÔN   ĐÔNG. ", "Thôn Đông"),
        ("Thon Đông", "Thôn Đông"),  # a mark left out: the one typed still counts
        ("thon tay", "Thôn Tây"),  # no marks, and one place spelled so
    ],
)
async def test_a_typed_name_with_or_without_marks(chat: Chat, typed: str, meant: str) -> None:
    ids = seed(chat, "Thôn Đông", "Thôn Đồng", "Thôn Tây")
    await at_the_question(chat)
    text = await chat.say(typed)
    assert f"Đã lưu: bạn ở {meant}." in text
    assert await stored(chat) == hood(ids[meant])


async def test_a_name_without_marks_that_spells_two_places_asks_which(chat: Chat) -> None:
    ids = seed(chat, "Thôn Đông", "Thôn Đồng", "Thôn Tây")
    await at_the_question(chat)
    text = await chat.say("thon dong")
    assert "Có 2 lựa chọn khớp với “thon dong”. Bạn chọn một:" in text
    assert chat.choices == [ids["Thôn Đông"], ids["Thôn Đồng"], *WAYS]
    assert await stored(chat) is None
    text = await chat.say("2")  # the second of the two now shown
    assert "Đã lưu: bạn ở Thôn Đồng." in text


async def test_a_typed_mark_is_never_read_as_another_place(chat: Chat) -> None:
    """A name typed with its marks is only that name ("Đúng" was once read as "dừng")."""
    ids = seed(chat, "Thôn Đông", "Thôn Tây")
    await at_the_question(chat)
    for typed in ("Thôn Đồng", "Thôn Đống", "thôn đồng"):  # not "Thôn Đông", nor a guess
        text = await chat.say(typed)
        assert f"Không thấy tổ dân phố, thôn nào tên “{typed}”." in text
        assert ASKED in text and ids["Thôn Đông"] in chat.choices
    assert await stored(chat) is None
    text = await chat.say("thon dong")  # unmarked, and only one place spelled so
    assert "Đã lưu: bạn ở Thôn Đông." in text


async def test_a_global_word_is_not_read_as_a_name_that_folds_to_it(chat: Chat) -> None:
    ids = seed(chat, "Dũng", "Tổ 1", "Tổ 113")
    await at_the_question(chat)
    await chat.say("113")  # the police's number, not Tổ 113
    assert [phone for r in chat.last for _label, phone in r.calls][:1] == ["113"]
    await chat.pick("nav:back")
    assert ASKED in chat.text
    text = await chat.say("dung")  # without marks, inside a flow: not DỪNG, nor the place Dũng
    assert "Đã lưu" not in text and "Bạn chưa đăng ký nhận tin nào" not in text
    assert await stored(chat) is None
    await chat.pick("nav:menu")
    await chat.pick("menu:settings")
    await chat.pick("settings:hood")
    text = await chat.say("Dũng")  # typed with its mark, it is the place
    assert "Đã lưu: bạn ở Dũng." in text
    assert await stored(chat) == hood(ids["Dũng"])


async def test_a_number_names_its_place_only_when_it_names_one(chat: Chat) -> None:
    ids = seed(chat, *(f"Tổ {n}" for n in range(1, 13)))
    await at_the_question(chat)  # page 1: Tổ 1-8, then "Xem thêm", "Bỏ qua", the menu, SOS
    text = await chat.say("3")  # Tổ 3, and the third choice: the same place
    assert "Đã lưu: bạn ở Tổ 3." in text
    await chat.pick("menu:settings")
    await chat.pick("settings:hood")
    await chat.pick("hood:page:1")  # page 2: Tổ 9-12
    text = await chat.say("2")  # Tổ 2, or the second choice shown (Tổ 10)?
    assert "Có 2 lựa chọn khớp với “2”. Bạn chọn một:" in text
    assert chat.choices[:2] == [ids["Tổ 2"], ids["Tổ 10"]]
    assert await stored(chat) == hood(ids["Tổ 3"])  # nothing guessed
    text = await chat.pick(ids["Tổ 10"])
    assert "Đã lưu: bạn ở Tổ 10." in text
    await chat.pick("menu:settings")
    await chat.pick("settings:hood")
    text = await chat.say("99")
    assert "Không thấy tổ dân phố, thôn nào tên “99”." in text
    assert await stored(chat) == hood(ids["Tổ 10"])


async def test_names_without_numbers_are_picked_by_their_place_in_the_list(chat: Chat) -> None:
    ids = seed(chat, "Ấp Bắc", "Ấp Nam", "Ấp Đông")
    await at_the_question(chat)
    assert labels(chat)[:3] == ["Ấp Bắc", "Ấp Đông", "Ấp Nam"]
    text = await chat.say("2")
    assert "Đã lưu: bạn ở Ấp Đông." in text
    assert await stored(chat) == hood(ids["Ấp Đông"])


# -- the police change the list ---------------------------------------------------------------


async def test_an_old_button_after_the_place_was_retired(chat: Chat) -> None:
    ids = seed(chat, "Tổ 1", "Tổ 2", "Tổ 3")
    await at_the_question(chat)
    memory_of(chat.dispatcher).retire_neighbourhood(hood(ids["Tổ 2"]))
    text = await chat.pick(ids["Tổ 2"])
    assert "Nơi này không còn trong danh sách. Bạn chọn lại nhé." in text
    assert chat.choices == [ids["Tổ 1"], ids["Tổ 3"], *WAYS]  # the list as it is now
    assert await stored(chat) is None
    for left in ("Tổ 1", "Tổ 3"):
        memory_of(chat.dispatcher).retire_neighbourhood(hood(ids[left]))
    text = await chat.pick(ids["Tổ 1"])
    assert "Xã, phường của bạn hiện chưa có danh sách tổ dân phố, thôn." in text
    assert "menu:tip" in chat.choices
    text = await chat.pick(ids["Tổ 3"])  # a button of a step long gone
    assert "Nút này thuộc một menu cũ" in text
    assert await stored(chat) is None


async def test_a_retired_place_is_no_longer_the_residents(chat: Chat) -> None:
    ids = seed(chat, "Tổ 1", "Tổ 2")
    await at_the_question(chat)
    await chat.pick(ids["Tổ 1"])
    memory_of(chat.dispatcher).retire_neighbourhood(hood(ids["Tổ 1"]))
    await chat.pick("menu:settings")
    assert "🏘️ Tổ dân phố, thôn: chưa chọn" in labels(chat)


# -- moving, and settings ---------------------------------------------------------------------


async def test_moving_to_another_commune_forgets_the_old_place(chat: Chat) -> None:
    ids = seed(chat, "Tổ 1", "Tổ 2")
    await at_the_question(chat)
    await chat.pick(ids["Tổ 2"])
    await chat.pick("menu:settings")
    await chat.pick("settings:area")
    await chat.say("hue")
    text = await chat.say("phuong thuan hoa")  # a commune without a list: nothing asked
    assert "Đã lưu khu vực của bạn: Phường Thuận Hóa, Thành phố Huế." in text
    assert ASKED not in text and "menu:tip" in chat.choices
    assert await stored(chat) is None
    await chat.pick("menu:settings")
    assert "settings:hood" not in chat.choices


async def test_moving_to_a_commune_with_a_list_asks_from_that_list(chat: Chat) -> None:
    seed(chat, "Tổ 1")
    there = seed(chat, "Thôn An Hòa", commune="19786")
    await at_the_question(chat)  # in Ba Đình, not answered
    await chat.pick("nav:menu")
    await chat.pick("menu:settings")
    await chat.pick("settings:area")
    await chat.say("hue")
    text = await chat.say("phuong thuan hoa")
    assert ASKED in text
    assert chat.choices == [there["Thôn An Hòa"], *WAYS]


async def test_settings_show_change_and_clear_the_place(chat: Chat) -> None:
    ids = seed(chat, "Tổ 1", "Tổ 2")
    await at_the_question(chat)
    await chat.pick("hood:skip")
    await chat.pick("menu:settings")
    assert chat.choices[:4] == [
        "settings:language",
        "settings:area",
        "settings:hood",
        "settings:subs",
    ]
    assert labels(chat)[2] == "🏘️ Tổ dân phố, thôn: chưa chọn"
    text = await chat.pick("settings:hood")
    assert ASKED in text and "Hiện bạn chọn" not in text
    assert chat.choices == [ids["Tổ 1"], ids["Tổ 2"], "menu:settings", "nav:menu", "nav:emergency"]
    assert labels(chat)[2] == "↩️ Quay lại"
    text = await chat.say("to 2")
    assert "Đã lưu: bạn ở Tổ 2." in text
    await chat.pick("menu:settings")
    assert labels(chat)[2] == "🏘️ Tổ dân phố, thôn: Tổ 2"
    text = await chat.pick("settings:hood")
    assert "Hiện bạn chọn: Tổ 2." in text
    assert "hood:clear" in chat.choices
    assert labels(chat)[chat.choices.index("hood:clear")] == "✖️ Không chọn tổ/thôn nào"
    await chat.pick("menu:settings")  # back, nothing changed
    assert labels(chat)[2] == "🏘️ Tổ dân phố, thôn: Tổ 2"
    await chat.pick("settings:hood")
    text = await chat.pick("hood:clear")
    assert "Đã xóa tổ dân phố, thôn của bạn." in text
    assert await stored(chat) is None
    await chat.pick("menu:settings")
    assert labels(chat)[2] == "🏘️ Tổ dân phố, thôn: chưa chọn"


async def test_in_english(chat: Chat) -> None:
    seed(chat, "Tổ 1")
    await chat.say("/start")
    await chat.pick("lang:en")
    await chat.say("ha noi")
    text = await chat.say("phuong ba dinh")
    assert "Which neighbourhood (tổ dân phố, thôn) do you live in? (optional)" in text
    assert labels(chat)[:2] == ["Tổ 1", "Skip"]
    text = await chat.pick("hood:skip")
    assert "You can choose it later in Settings." in text
