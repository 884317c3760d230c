import pytest

from content import areas
from content.text import clean, fold, has_words
from tests.conftest import Chat


def test_there_are_34_provinces_and_3321_communes() -> None:
    assert len(areas.provinces()) == 34
    assert sum(len(areas.communes_of(p.code)) for p in areas.provinces()) == 3321


def test_codes_are_zero_padded_gso_codes() -> None:
    hanoi = areas.find_provinces("Hà Nội")[0]
    assert hanoi.code == "01"
    ba_dinh = areas.find_communes("01", "Ba Đình")[0]
    assert (ba_dinh.code, ba_dinh.name, ba_dinh.province_code) == ("00004", "Phường Ba Đình", "01")


def test_commune_search_ignores_accents_case_and_unit_word() -> None:
    for query in ("phuong ba dinh", "Ba Đình", "BA DINH", "  ba   đình ", "Phường Ba Đình"):
        found = areas.find_communes("01", query)
        assert [c.code for c in found] == ["00004"], query


def test_nothing_matches() -> None:
    assert areas.find_communes("01", "không có nơi này") == []
    assert areas.find_provinces("atlantis") == []
    assert areas.find_communes("01", "") == []
    assert areas.find_communes("99", "ba dinh") == []


def test_a_short_query_matches_many_by_word_start() -> None:
    found = areas.find_communes("79", "an")
    assert len(found) > 8
    assert all(" an" in f" {c.folded}" for c in found)


def test_province_aliases() -> None:
    assert areas.find_provinces("tphcm")[0].code == "79"
    assert areas.find_provinces("sai gon")[0].code == "79"
    assert areas.find_provinces("da nang")[0].name == "Thành phố Đà Nẵng"


def test_names_are_tidy() -> None:
    for p in areas.provinces():
        for c in areas.communes_of(p.code):
            assert c.name == " ".join(c.name.split())
            assert c.name[0].isupper(), c.name


def test_fold_and_clean() -> None:
    assert fold("Đắk  Lắk") == "dak lak"
    assert clean("a\x00b\u200bc\x1b ") == "abc"
    assert clean("dòng 1\ndòng 2") == "dòng 1\ndòng 2"
    assert not has_words("🙂🙂 !!")
    assert has_words("🙂 ok")


# --- the commune step (handlers/area.py), driven through the dispatcher -----------------------


async def _at_commune_step(chat: Chat, province: str = "hcm", lang: str = "vi") -> None:
    await chat.say("/start")
    await chat.pick(f"lang:{lang}")
    await chat.say(province)
    assert "area:browse" in chat.choices


def _code(province_code: str, name: str) -> str:
    return next(c.code for c in areas.communes_of(province_code) if c.name == name)


async def _saved(chat: Chat, choice_id: str) -> str:
    text = await chat.pick(choice_id)
    if "hood:skip" in chat.choices:
        await chat.pick("hood:skip")
    return text


@pytest.mark.parametrize("typed", ["Q1", "quận 1", "Q.1"])
async def test_an_old_district_lists_the_communes_it_went_into(chat: Chat, typed: str) -> None:
    await _at_commune_step(chat)
    text = await chat.say(typed)
    assert "Quận 1 cũ nay thuộc 4 xã, phường" in text
    communes = [c for c in chat.choices if c.startswith("commune:")]
    assert sorted(communes) == sorted(
        f"commune:{_code('79', n)}"
        for n in ("Phường Sài Gòn", "Phường Tân Định", "Phường Bến Thành", "Phường Cầu Ông Lãnh")
    )
    text = await _saved(chat, f"commune:{_code('79', 'Phường Tân Định')}")
    assert "Đã lưu khu vực của bạn: Phường Tân Định, Thành phố Hồ Chí Minh." in text


async def test_an_old_ward_is_offered_as_the_commune_it_became(chat: Chat) -> None:
    await _at_commune_step(chat)
    text = await chat.say("Bến Nghé")
    assert "Phường Bến Nghé, Quận 1 cũ nay là Phường Sài Gòn." in text
    sai_gon = f"commune:{_code('79', 'Phường Sài Gòn')}"
    assert chat.choices[0] == sai_gon
    assert "✅ Đúng, Phường Sài Gòn" in [c.label for c in chat.last[-1].choices]
    text = await _saved(chat, sai_gon)
    assert "Đã lưu khu vực của bạn: Phường Sài Gòn" in text


async def test_ward_1_asks_which_district_over_two_pages(chat: Chat) -> None:
    await _at_commune_step(chat)
    text = await chat.say("phường 1")
    assert "Trước sáp nhập có 11 nơi tên “phường 1”" in text
    assert "Trang 1/2." in text
    formers = [c for c in chat.choices if c.startswith("area:former:")]
    assert len(formers) == 8
    assert "area:page:1" in chat.choices
    text = await chat.pick("area:page:1")
    assert "Trang 2/2." in text
    assert "area:page:0" in chat.choices
    assert len([c for c in chat.choices if c.startswith("area:former:")]) == 3
    text = await chat.pick("area:page:0")
    assert "Phường 1, Quận 3 (cũ)" in [c.label for c in chat.last[-1].choices]
    quan_3 = next(c.id for c in chat.last[-1].choices if c.label == "Phường 1, Quận 3 (cũ)")
    text = await chat.pick(quan_3)
    assert "Phường 1, Quận 3 cũ nay là Phường Bàn Cờ." in text
    text = await chat.say("1")  # the first choice, typed: the commune offered
    if "hood:skip" in chat.choices:
        text = await chat.pick("hood:skip")
    assert "menu:tip" in chat.choices


async def test_ward_1_with_its_district_is_one_answer(chat: Chat) -> None:
    await _at_commune_step(chat)
    text = await chat.say("P1, Q3")
    assert "Phường 1, Quận 3 cũ nay là Phường Bàn Cờ." in text


async def test_a_split_ward_lists_its_new_communes(chat: Chat) -> None:
    await _at_commune_step(chat)
    text = await chat.say("Đa Kao")
    assert "Phường Đa Kao, Quận 1 cũ đã được chia vào 2 xã, phường." in text
    assert [c for c in chat.choices if c.startswith("commune:")] == [
        f"commune:{_code('79', 'Phường Sài Gòn')}",
        f"commune:{_code('79', 'Phường Tân Định')}",
    ]


async def test_a_typo_is_answered_with_the_nearest_names(chat: Chat) -> None:
    await _at_commune_step(chat, "ha noi")
    text = await chat.say("ba dihn")
    assert "Không có nơi nào tên đúng là “ba dihn”" in text
    assert chat.choices[0] == "commune:00004"
    assert any(c.startswith("area:former:") for c in chat.choices)  # Quận Ba Đình
    text = await _saved(chat, "commune:00004")
    assert "Đã lưu khu vực của bạn: Phường Ba Đình, Thành phố Hà Nội." in text


async def test_a_name_typed_with_other_marks_is_not_taken(chat: Chat) -> None:
    await _at_commune_step(chat, "ha noi")
    text = await chat.say("Bà Đình")
    assert "Không có nơi nào tên đúng là “Bà Đình”" in text
    assert "menu:tip" not in chat.choices
    assert chat.choices[0] == "commune:00004"
    await _at_commune_step(chat)
    text = await chat.say("Bến Nghè")
    assert "Không có nơi nào tên đúng" in text
    text = await chat.pick(chat.choices[0])
    assert "Phường Bến Nghé, Quận 1 cũ nay là Phường Sài Gòn." in text


async def test_browsing_by_first_letter(chat: Chat) -> None:
    await _at_commune_step(chat)
    text = await chat.pick("area:browse")
    assert "bắt đầu bằng chữ nào" in text
    letters = [c for c in chat.last[-1].choices if c.id.startswith("area:letter:")]
    assert 1 < len(letters) <= 10
    assert letters[0].label.startswith("A (")
    assert "area:letters:1" in chat.choices
    await chat.pick("area:letters:1")
    t = next(c for c in chat.last[-1].choices if c.label.startswith("T ("))
    text = await chat.pick(t.id)
    assert "Các xã, phường có tên bắt đầu bằng “T”" in text
    page_1 = [c for c in chat.choices if c.startswith("commune:")]
    assert len(page_1) == 8
    await chat.pick(t.id.removesuffix(":0") + ":1")
    page_2 = [c for c in chat.choices if c.startswith("commune:")]
    assert page_2 and not set(page_1) & set(page_2)
    assert "area:browse" in chat.choices  # another letter
    await chat.pick("area:browse")
    assert "bắt đầu bằng chữ nào" in chat.text
    await chat.pick("area:letters:1")
    await chat.pick(t.id)
    text = await _saved(chat, page_1[0])
    assert "Đã lưu khu vực của bạn" in text


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("a" * 200, "Tin bạn gõ dài quá (200 ký tự)"),
        ("12345", "Chỉ có số thì chưa biết là nơi nào"),
        ("🏠🏠", "Bình Yên chưa hiểu"),
        ("xyzabc", "Không tìm thấy xã, phường nào tên “xyzabc”"),
    ],
)
async def test_bad_input_gets_a_clear_message_and_the_step_again(
    chat: Chat, typed: str, expected: str
) -> None:
    await _at_commune_step(chat)
    text = await chat.say(typed)
    assert expected in text
    assert "area:browse" in chat.choices and "area:province" in chat.choices
    text = await chat.say("ben nghe")
    assert "cũ nay là Phường Sài Gòn" in text


async def test_an_old_province_is_taken_as_the_one_it_is_part_of(chat: Chat) -> None:
    await chat.say("/start")
    await chat.pick("lang:vi")
    text = await chat.say("Bình Dương")
    assert "Tỉnh Bình Dương cũ nay thuộc Thành phố Hồ Chí Minh." in text
    text = await chat.say("phường Phú Cường")
    assert "Thành phố Thủ Dầu Một, Tỉnh Bình Dương cũ nay là Phường Thủ Dầu Một" in text


async def test_the_old_names_in_english(chat: Chat) -> None:
    await _at_commune_step(chat, lang="en")
    text = await chat.say("Q1")
    assert "Quận 1, as it was before the merger, now lies in 4 communes and wards" in text
    text = await chat.say("phường 1")
    assert "Before the merger, 11 places were called “phường 1”" in text
    assert "Page 1 of 2." in text
    assert "Phường 1, Quận 3 (former)" in [c.label for c in chat.last[-1].choices]


async def test_a_name_now_and_of_an_old_district_asks_before_saving(chat: Chat) -> None:
    await _at_commune_step(chat, "ha noi")
    text = await chat.say("hoan kiem")
    assert "Đã lưu" not in text and "menu:tip" not in chat.choices
    assert (
        "“hoan kiem” là tên một xã, phường hiện nay (nơi đầu tiên bên dưới), và trước sáp nhập "
        "cũng là tên Quận Hoàn Kiếm, nay thuộc 5 xã, phường." in text
    )
    communes = [c for c in chat.choices if c.startswith("commune:")]
    assert communes[0] == f"commune:{_code('01', 'Phường Hoàn Kiếm')}"
    others = (
        "Phường Cửa Nam",
        "Phường Ba Đình",
        "Phường Hồng Hà",
        "Phường Văn Miếu - Quốc Tử Giám",
    )
    assert sorted(communes[1:]) == sorted(f"commune:{_code('01', n)}" for n in others)
    text = await _saved(chat, f"commune:{_code('01', 'Phường Cửa Nam')}")
    assert "Đã lưu khu vực của bạn: Phường Cửa Nam, Thành phố Hà Nội." in text


async def test_old_thu_duc_city_is_asked_over_two_pages(chat: Chat) -> None:
    await _at_commune_step(chat)
    text = await chat.say("thu duc")
    assert "Thành phố Thủ Đức, nay thuộc 12 xã, phường" in text and "Trang 1/2." in text
    assert chat.choices[0] == f"commune:{_code('79', 'Phường Thủ Đức')}"
    assert len([c for c in chat.choices if c.startswith("commune:")]) == 8
    await chat.pick("area:page:1")
    assert len([c for c in chat.choices if c.startswith("commune:")]) == 4


async def test_a_name_now_and_of_an_old_district_in_english(chat: Chat) -> None:
    await _at_commune_step(chat, "ha noi", lang="en")
    text = await chat.say("Đống Đa")
    assert "before the merger it was also the name of Quận Đống Đa, which now lies in 7" in text
    assert chat.choices[0] == f"commune:{_code('01', 'Phường Đống Đa')}"


@pytest.mark.parametrize("letter", ["D", "Đ"])
async def test_a_letter_typed_on_the_browse_page_means_that_letter(chat: Chat, letter: str) -> None:
    await _at_commune_step(chat)
    await chat.pick("area:browse")
    text = await chat.say(letter)
    under = areas.under_initial("79", letter)
    assert f"Các xã, phường có tên bắt đầu bằng “{letter}” ({len(under)}):" in text
    listed = [c.label for c in chat.last[-1].choices if c.id.startswith("commune:")]
    assert listed == [c.name for c in under]
    assert all(areas.plain(c)[0] == letter for c in under)


async def test_a_stale_page_button_is_an_old_menu(chat: Chat) -> None:
    await _at_commune_step(chat)
    await chat.say("phường 1")
    await chat.say("Bến Nghé")
    text = await chat.pick("area:page:1")
    assert "Nút này thuộc một menu cũ" in text


async def test_a_name_now_is_saved_with_a_word_on_the_old_unit_of_that_name(chat: Chat) -> None:
    await _at_commune_step(chat, "ha noi")
    text = await chat.say("Chương Dương")
    assert "Đã lưu khu vực của bạn: Xã Chương Dương, Thành phố Hà Nội." in text
    assert (
        "Lưu ý: trước sáp nhập, Phường Chương Dương, Quận Hoàn Kiếm cũng mang tên này, "
        "nay thuộc Phường Hồng Hà." in text
    )
