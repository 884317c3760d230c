from content import areas
from content.text import clean, fold, has_words


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
