"""The units before the 2025 arrangement (content/packs/areas/) and the commune step's finder."""

from __future__ import annotations

import pytest

from content import areas
from content.areas import Found
from content.schema.areas import Before
from content.schema.base import PackError, validate
from content.text import fold

HCMC, HANOI = "79", "01"


def names(communes: tuple[areas.Commune, ...]) -> set[str]:
    return {c.name for c in communes}


def code_of(province_code: str, name: str) -> str:
    return next(c.code for c in areas.communes_of(province_code) if c.name == name)


# --- the data ----------------------------------------------------------------------------------


def test_every_province_has_its_units_before_and_every_commune_is_reached() -> None:
    assert areas.problems() == []
    wards = sum(len(areas.wards_before(p.code)) for p in areas.provinces())
    districts = sum(len(areas.districts_before(p.code)) for p in areas.provinces())
    assert (wards, districts) == (10_035, 696)  # and 5 island districts without wards


def test_district_1_of_ho_chi_minh_city_as_resolution_1685_arranged_it() -> None:
    district_1 = next(d for d in areas.districts_before(HCMC) if d.name == "Quận 1")
    wards = {
        w.name: names(areas.communes_from(w))
        for w in areas.wards_before(HCMC)
        if w.district == "760"
    }
    assert len(wards) == 10
    assert wards["Phường Bến Nghé"] == {"Phường Sài Gòn"}
    assert wards["Phường Đa Kao"] == {"Phường Sài Gòn", "Phường Tân Định"}
    assert wards["Phường Cầu Kho"] == {"Phường Cầu Ông Lãnh"}
    assert names(areas.communes_from(district_1)) == {
        "Phường Sài Gòn",
        "Phường Tân Định",
        "Phường Bến Thành",
        "Phường Cầu Ông Lãnh",
    }


def test_ba_dinh_district_of_hanoi_as_resolution_1656_arranged_it() -> None:
    wards = {
        w.name: names(areas.communes_from(w))
        for w in areas.wards_before(HANOI)
        if w.district == "001"
    }
    assert wards["Phường Trúc Bạch"] == {"Phường Ba Đình"}
    assert wards["Phường Kim Mã"] == {"Phường Ba Đình", "Phường Giảng Võ", "Phường Ngọc Hà"}


@pytest.mark.parametrize(
    ("new", "old"),
    [
        (
            "Phường Hoàn Kiếm",
            "Cửa Nam, Cửa Đông, Hàng Buồm, Hàng Bông, Hàng Bạc, Hàng Bồ, Hàng Gai, Hàng Mã, "
            "Hàng Trống, Hàng Đào, Lý Thái Tổ, Tràng Tiền, Điện Biên, Đồng Xuân",
        ),
        (
            "Phường Cửa Nam",
            "Cửa Nam, Hàng Bài, Hàng Bông, Hàng Trống, Nguyễn Du, Phan Chu Trinh, Phạm Đình Hổ, "
            "Tràng Tiền, Trần Hưng Đạo",
        ),
        (
            "Phường Ba Đình",
            "Cửa Nam, Cửa Đông, Kim Mã, Ngọc Hà, Quán Thánh, Thụy Khuê, Trúc Bạch, Điện Biên, "
            "Đồng Xuân, Đội Cấn",
        ),
        (
            "Phường Ngọc Hà",
            "Cống Vị, Kim Mã, Liễu Giai, Nghĩa Đô, Ngọc Hà, Ngọc Khánh, Vĩnh Phúc, Đội Cấn",
        ),
    ],
)
def test_four_wards_of_hanoi_as_resolution_1656_made_them(new: str, old: str) -> None:
    code = code_of(HANOI, new)
    made_of = {
        w.name.removeprefix("Phường ") for w in areas.wards_before(HANOI) if code in w.communes
    }
    assert made_of == set(old.split(", "))


def _pack(**ward: object) -> dict[str, object]:
    base: dict[str, object] = {
        "code": "26740",
        "name": "Phường Bến Nghé",
        "now": ["Phường Sài Gòn"],
    }
    district = {"code": "760", "name": "Quận 1", "wards": [base | ward]}
    return {"province": "79", "before": [{"province": "X", "districts": [district]}]}


@pytest.mark.parametrize(
    ("ward", "problem"),
    [
        ({"now": ["Phường Không Có"]}, "'Phường Không Có' is not a commune of the province"),
        ({"now": []}, "now: has 0 entries"),
        ({"now": ["Phường Sài Gòn", "Phường Sài Gòn"]}, "is listed twice"),
        ({"code": "123"}, "is not a code of 5 digits"),
        ({"name": "Bến Nghé"}, "does not begin with Phường or Xã or Thị trấn"),
        ({"name": "Phường Be\u0301n Nghé"}, "is not NFC"),
        ({"extra": 1}, "unknown key"),
    ],
)
def test_the_schema_names_each_problem(ward: dict[str, object], problem: str) -> None:
    context = {"code": "79", "communes": {"Phường Sài Gòn"}}
    with pytest.raises(PackError) as caught:
        validate(Before, _pack(**ward), areas.PACK_DIR / "x.yaml", context)
    assert any(problem in p for p in caught.value.problems), caught.value.problems


def test_the_schema_wants_every_commune_reached_and_codes_once() -> None:
    context = {"code": "79", "communes": {"Phường Sài Gòn", "Phường Bến Thành"}}
    raw = _pack()
    district = raw["before"][0]["districts"][0]  # type: ignore[index]
    district["wards"].append(district["wards"][0])
    with pytest.raises(PackError) as caught:
        validate(Before, raw, areas.PACK_DIR / "x.yaml", context)
    assert any("no unit went into 'Phường Bến Thành'" in p for p in caught.value.problems)
    assert any("code 26740 is listed twice" in p for p in caught.value.problems)


def test_old_provinces_are_the_files_own() -> None:
    for p in areas.provinces():
        before = areas.load_before(p.code)
        assert before is not None
        assert {old.province for old in before.before} <= set(areas._provinces_before()[p.code])


# --- old districts and wards -------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["Q1", "q1", "Q.1", "Q 1", "quận 1", "Quan 1", "quận 01"])
def test_district_1_in_its_short_forms(typed: str) -> None:
    found = areas.find(HCMC, typed)
    assert found.found is Found.FORMER, typed
    assert found.formers[0].name == "Quận 1"
    assert names(found.communes) == {
        "Phường Sài Gòn",
        "Phường Tân Định",
        "Phường Bến Thành",
        "Phường Cầu Ông Lãnh",
    }


@pytest.mark.parametrize(
    ("typed", "district"),
    [
        ("H. Củ Chi", "Huyện Củ Chi"),
        ("huyen cu chi", "Huyện Củ Chi"),
        ("TP Thủ Đức", "Thành phố Thủ Đức"),
        ("tp. thu duc", "Thành phố Thủ Đức"),
        ("TX Thuận An", "Thành phố Thuận An"),  # a town (thị xã) until 2020: the name it had last
        ("quận Bình Thạnh", "Quận Bình Thạnh"),
    ],
)
def test_other_district_words(typed: str, district: str) -> None:
    found = areas.find(HCMC, typed)
    assert found.found is Found.FORMER, typed
    assert found.formers[0].name == district
    assert len(found.communes) > 1


def test_a_district_lists_first_the_communes_most_of_its_wards_went_into() -> None:
    found = areas.find(HCMC, "TP Thủ Đức")
    wards = [w for w in areas.wards_before(HCMC) if w.district == found.formers[0].code]
    counts = [sum(c.code in w.communes for w in wards) for c in found.communes]
    assert counts == sorted(counts, reverse=True)


def test_a_ward_of_a_district_of_another_old_province_says_which() -> None:
    found = areas.find(HCMC, "huyện Côn Đảo")
    assert found.found is Found.FORMER
    assert found.formers[0].place == "Huyện Côn Đảo, Tỉnh Bà Rịa - Vũng Tàu"
    assert names(found.communes) == {"Đặc khu Côn Đảo"}
    found = areas.find(HCMC, "phường Phú Cường")
    assert found.formers[0].place == "Phường Phú Cường, Thành phố Thủ Dầu Một, Tỉnh Bình Dương"


@pytest.mark.parametrize("typed", ["Bến Nghé", "ben nghe", "phường Bến Nghé", "P. Bến Nghé"])
def test_an_old_ward_that_went_into_one_commune(typed: str) -> None:
    found = areas.find(HCMC, typed)
    assert found.found is Found.FORMER
    assert found.formers[0].place == "Phường Bến Nghé, Quận 1"
    assert names(found.communes) == {"Phường Sài Gòn"}


def test_a_split_ward_lists_its_new_communes() -> None:
    found = areas.find(HCMC, "Đa Kao")
    assert found.found is Found.FORMER
    assert names(found.communes) == {"Phường Sài Gòn", "Phường Tân Định"}
    found = areas.find(HANOI, "phường Điện Biên")
    assert names(found.communes) >= {"Phường Ba Đình", "Phường Hoàn Kiếm"}


def test_ward_1_of_ho_chi_minh_city_asks_which_district() -> None:
    found = areas.find(HCMC, "phường 1")
    assert found.found is Found.FORMERS
    assert len(found.formers) >= 9
    assert {f.name for f in found.formers} == {"Phường 1"}
    assert len({f.within for f in found.formers}) == len(found.formers)
    assert "Phường 1, Quận 3" in {f.place for f in found.formers}


@pytest.mark.parametrize(
    "typed",
    [
        "phường 1, quận 3",
        "P1 Q3",
        "p.1 q.3",
        "Phường 01 Quận 3",
        "P1, Q3, TP HCM",
        "phuong 1 quan 3",
    ],
)
def test_ward_1_with_its_district(typed: str) -> None:
    found = areas.find(HCMC, typed)
    assert found.found is Found.FORMER, typed
    assert found.formers[0].place == "Phường 1, Quận 3"
    assert names(found.communes) == {"Phường Bàn Cờ"}


def test_a_ward_named_with_its_district_is_read_before_a_commune_of_that_name() -> None:
    found = areas.find(HCMC, "Bến Thành, Quận 1")
    assert found.found is Found.FORMER
    assert found.formers[0].place == "Phường Bến Thành, Quận 1"
    assert areas.find(HCMC, "Bến Thành").found is Found.COMMUNE


def test_a_town_is_read_as_the_town_before_the_commune_of_its_name() -> None:
    found = areas.find(HCMC, "TT Củ Chi")
    assert found.found is Found.FORMER
    assert found.formers[0].name == "Thị trấn Củ Chi"
    assert names(found.communes) == {"Xã Tân An Hội"}  # not Xã Củ Chi
    found = areas.find(HCMC, "Củ Chi")  # also old Huyện Củ Chi's name: asked
    assert (found.found, names(found.communes)) == (Found.NOW_OR_DISTRICT, {"Xã Củ Chi"})
    assert [f.name for f in found.formers] == ["Huyện Củ Chi", "Thị trấn Củ Chi"]


def test_a_name_now_that_an_old_unit_elsewhere_had_names_both() -> None:
    found = areas.find(HANOI, "Chương Dương")
    assert found.found is Found.BOTH
    assert names(found.communes) == {"Xã Chương Dương"}
    assert [f.place for f in found.formers] == ["Phường Chương Dương, Quận Hoàn Kiếm"]
    assert areas.find(HANOI, "xã Chương Dương").found is Found.COMMUNE
    found = areas.find(HANOI, "phường Chương Dương")
    assert (found.found, names(found.communes)) == (Found.FORMER, {"Phường Hồng Hà"})
    # an old unit that went into the commune of its name is no other place
    assert areas.find(HCMC, "ben thanh").found is Found.COMMUNE


@pytest.mark.parametrize(
    ("province_code", "typed", "district"),
    [
        (HCMC, "thu duc", "Thành phố Thủ Đức"),
        (HANOI, "hoan kiem", "Quận Hoàn Kiếm"),
        (HANOI, "dong da", "Quận Đống Đa"),
        (HANOI, "cau giay", "Quận Cầu Giấy"),
        (HANOI, "tay ho", "Quận Tây Hồ"),
        (HCMC, "go vap", "Quận Gò Vấp"),
        (HCMC, "binh thanh", "Quận Bình Thạnh"),
        (HCMC, "Phú Nhuận", "Quận Phú Nhuận"),
    ],
)
def test_a_name_now_that_an_old_district_split_into_several_had_asks(
    province_code: str, typed: str, district: str
) -> None:
    found = areas.find(province_code, typed)
    commune = "Phường " + district.removeprefix("Quận ").removeprefix("Thành phố ")
    assert (found.found, names(found.communes)) == (Found.NOW_OR_DISTRICT, {commune}), typed
    assert found.formers[0].name == district
    went_into = names(areas.communes_from(found.formers[0]))
    assert commune in went_into and len(went_into) > 1
    # with its unit word, the name is one place
    assert areas.find(province_code, f"phường {typed}").found is Found.COMMUNE
    assert areas.find(province_code, f"quận {typed}").formers[0].name == district


def test_old_thu_duc_city_went_into_twelve_communes() -> None:
    found = areas.find(HCMC, "Thủ Đức")
    assert found.found is Found.NOW_OR_DISTRICT
    assert len(found.formers[0].communes) == 12


def test_every_name_now_of_a_split_district_asks() -> None:
    """Each commune named as an old district of its province that went into several is asked
    about, Ba Đình too: "phường ba đình" names the ward."""
    saved: list[str] = []
    for p in areas.provinces():
        by_name = {areas.plain(c): c for c in areas.communes_of(p.code)}
        for d in areas.districts_before(p.code):
            commune = by_name.get(areas.plain(d))  # "Xã Nà Hang" is not "Huyện Na Hang"
            if commune is None or len(d.communes) < 2:
                continue
            found = areas.find(p.code, areas.plain(commune))
            if found.found is not Found.NOW_OR_DISTRICT:
                saved.append(d.place)
            else:
                assert d in found.formers and commune in found.communes, d.place
    assert saved == []
    found = areas.find(HANOI, "ba dinh")
    assert found.found is Found.NOW_OR_DISTRICT and found.communes[0].code == "00004"
    found = areas.find(HANOI, "phường ba đình")
    assert (found.found, [c.code for c in found.communes]) == (Found.COMMUNE, ["00004"])
    found = areas.find(HANOI, "quận Ba Đình")
    assert found.found is Found.FORMER
    assert "Phường Ba Đình" in names(found.communes)


@pytest.mark.parametrize(
    ("typed", "found"), [("Nam Định", Found.NOW_OR_DISTRICT), ("tp nam dinh", Found.FORMER)]
)
def test_a_place_named_as_an_old_province_is_found(typed: str, found: Found) -> None:
    assert areas.find("37", typed).found is found, typed  # Ninh Bình, with old Nam Định
    assert areas.find("37", "tỉnh Nam Định").found is Found.NOTHING  # the province alone
    assert areas.find("80", "long an").communes[0].name == "Phường Long An"  # in Tây Ninh


def test_where_two_old_provinces_had_a_district_of_the_name_its_own_comes_first() -> None:
    found = areas.find("82", "chau thanh")  # Tiền Giang's and Đồng Tháp's Huyện Châu Thành
    assert found.found is Found.NOW_OR_DISTRICT
    assert [f.place for f in found.formers] == [
        "Huyện Châu Thành, Tỉnh Tiền Giang",
        "Huyện Châu Thành, Tỉnh Đồng Tháp",
    ]
    assert found.communes[0].code in found.formers[0].communes
    assert found.communes[0].code not in found.formers[1].communes


@pytest.mark.parametrize(
    ("typed", "place"),
    [
        ("Phường Phúc Xá, Quận Ba Đình", "Phường Phúc Xá, Quận Ba Đình"),  # "Xá" is no "xã"
        ("Quán Thánh", "Phường Quán Thánh, Quận Ba Đình"),  # "Quán" is no "quận"
        ("quan thanh", "Phường Quán Thánh, Quận Ba Đình"),
        ("phuong mai quan dong da", "Phường Phương Mai, Quận Đống Đa"),
        ("tho quan quan dong da", "Phường Thổ Quan, Quận Đống Đa"),
        ("xa dang xa, huyen gia lam", "Xã Đặng Xá, Huyện Gia Lâm"),
    ],
)
def test_a_unit_word_that_is_a_word_of_a_name(typed: str, place: str) -> None:
    found = areas.find(HANOI, typed)
    assert found.found is Found.FORMER, typed
    assert found.formers[0].place == place


def test_names_with_an_apostrophe_or_a_dash() -> None:
    found = areas.find("48", "Xã Ch'ơm, Huyện Tây Giang")
    assert found.found is Found.FORMER
    assert found.formers[0].name == "Xã Ch'ơm"
    found = areas.find("56", "phuong do vinh tp phan rang thap cham")
    assert found.formers[0].place.startswith("Phường Đô Vinh, Thành phố Phan Rang - Tháp Chàm")


def test_every_old_ward_is_found_with_its_district() -> None:
    for p in (HANOI, HCMC, "48"):
        districts = {d.code: d.name for d in areas.districts_before(p)}
        for w in areas.wards_before(p):
            found = areas.find(p, f"{w.name}, {districts[w.district]}")
            assert w in found.formers, (w.place, found.found)


# --- typos and marks ---------------------------------------------------------------------------


def test_a_typo_suggests_the_nearest_names() -> None:
    found = areas.find(HANOI, "ba dihn")
    assert found.found is Found.SUGGESTED
    assert found.nearest[0].name == "Phường Ba Đình"
    assert "Quận Ba Đình" in [n.name for n in found.nearest]
    found = areas.find(HCMC, "ben nge")
    assert found.found is Found.SUGGESTED
    assert [n.name for n in found.nearest] == ["Phường Bến Nghé"]
    assert len(areas.find(HCMC, "ta").nearest) <= areas.NEAREST


def test_a_name_with_other_marks_is_suggested_not_taken() -> None:
    found = areas.find(HCMC, "Bến Nghè")
    assert found.found is Found.SUGGESTED
    assert [n.name for n in found.nearest] == ["Phường Bến Nghé"]
    found = areas.find(HANOI, "Bà Đình")
    assert found.found is Found.SUGGESTED
    assert found.nearest[0].name == "Phường Ba Đình"
    # marks left out are no other marks
    assert areas.find(HANOI, "Phường Ba Đinh").found is Found.COMMUNE


def test_two_communes_that_differ_by_a_mark() -> None:
    twins = [c for c in areas.communes_of(HCMC) if c.bare == "thanh an"]
    assert {c.name for c in twins} == {"Xã Thạnh An", "Xã Thanh An"}
    found = areas.find(HCMC, "thanh an")  # no marks: either
    assert found.found is Found.LISTED
    assert names(found.communes) == {"Xã Thạnh An", "Xã Thanh An"}
    found = areas.find(HCMC, "Thạnh An")
    assert (found.found, names(found.communes)) == (Found.COMMUNE, {"Xã Thạnh An"})


def test_the_tone_of_oa_and_uy_may_sit_on_either_vowel() -> None:
    assert areas.same_marks("Thuận Hòa", "Thuận Hoà")
    assert areas.same_marks("thủy", "Thuỷ")
    assert not areas.same_marks("Thuận Hóa", "Thuận Hoà")
    found = areas.find("08", "Thuận Hòa")  # the package writes "Xã Thuận Hoà"
    assert (found.found, names(found.communes)) == (Found.COMMUNE, {"Xã Thuận Hoà"})


def test_nothing_near() -> None:
    assert areas.find(HCMC, "xyzabc").found is Found.NOTHING
    assert areas.find(HCMC, "").found is Found.NOTHING
    assert areas.find(HCMC, "TP HCM").found is Found.NOTHING  # the province alone
    assert areas.find("99", "ba dinh").found is Found.NOTHING


def test_a_short_query_still_lists_communes_by_word_start() -> None:
    found = areas.find(HCMC, "an")
    assert found.found is Found.LISTED
    assert len(found.communes) > 8


# --- provinces before 2025 ---------------------------------------------------------------------


def test_an_old_province_names_the_province_it_is_part_of() -> None:
    found = areas.former_province("Bình Dương")
    assert found is not None
    assert (found[0], found[1].code) == ("Tỉnh Bình Dương", HCMC)
    found = areas.former_province("tỉnh Quảng Nam")
    assert found is not None and found[1].code == "48"
    found = areas.former_province("Thừa Thiên Huế")
    assert found is not None and found[1].code == "46"
    assert areas.former_province("Hà Nội") is None  # the same name now
    assert areas.former_province("atlantis") is None


# --- browsing ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("province_code", "typed", "letter"),
    [(HCMC, "D", "D"), (HCMC, "d", "D"), (HCMC, "Đ", "Đ"), (HCMC, "đ", "Đ"), (HANOI, "Đ", "Đ")],
)
def test_a_letter_typed_alone_lists_the_names_under_it(
    province_code: str, typed: str, letter: str
) -> None:
    found = areas.find(province_code, typed)
    assert found.found is Found.LETTER
    assert found.communes == areas.under_initial(province_code, letter)
    assert {areas.plain(c)[0] for c in found.communes} == {letter}


def test_a_letter_typed_with_its_mark_means_it() -> None:
    assert [c.name for c in areas.starting_with("33", "Â")] == ["Xã Ân Thi"]
    assert "Xã Ân Thi" in names(areas.starting_with("33", "A"))  # a mark left out
    assert names(areas.starting_with(HANOI, "Ư")) == {"Xã Ứng Hòa", "Xã Ứng Thiên"}  # no tone
    assert areas.find(HANOI, "Â").found is Found.NOTHING  # not the names beginning with A
    assert areas.find("04", "D").found is Found.NOTHING  # Cao Bằng: Đ names only
    # "Phường V" of old Vị Thanh: with its unit word; alone, the letter V
    assert areas.find("92", "phường V").formers[0].name == "Phường V"
    assert areas.find("92", "V").found is Found.LETTER


def test_first_letters_in_the_order_of_the_alphabet() -> None:
    letters = areas.initials(HCMC)
    keys = [k for k, _ in letters]
    assert keys.index("D") + 1 == keys.index("Đ")
    assert sum(n for _, n in letters) == len(areas.communes_of(HCMC))
    for letter, count in letters:
        under = areas.under_initial(HCMC, letter)
        assert len(under) == count
        for c in under:
            first = areas.plain(c)[0]
            assert fold(first) == fold(letter) and (first == "Đ") == (letter == "Đ"), c.name
