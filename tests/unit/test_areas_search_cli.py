"""`binhyen areas search TEXT`: communes with their codes and provinces, found by names now
and before 2025 as the bot's commune step finds them; clear refusals and exit codes."""

from __future__ import annotations

import io

import pytest

from bot.areas_cli import EXIT_NOTHING, EXIT_USAGE, run
from bot.cli import main
from content import area_search, areas


def _search(text: str, province: str = "") -> tuple[int, list[list[str]]]:
    """The exit status and stdout's rows, each cut into its cells."""
    out = io.StringIO()
    status = run(text, province, out)
    rows = [line.split("  ") for line in out.getvalue().splitlines()]
    return status, [[cell.strip() for cell in row if cell.strip()] for row in rows]


def _codes(rows: list[list[str]]) -> list[str]:
    return [row[0] for row in rows]


def test_a_name_without_accents_finds_every_commune_of_that_name_with_its_province() -> None:
    status, rows = _search("ba dinh")
    assert status == 0
    by_code = {row[0]: row[1:] for row in rows}
    assert by_code["00004"][:2] == ["Phường Ba Đình", "Thành phố Hà Nội"]
    assert by_code["16171"][0] == "Xã Ba Đình"  # Thanh Hóa
    assert by_code["21499"][0] == "Xã Ba Dinh"  # Quảng Ngãi: same letters, other marks
    # The communes now by that name come first, then those old Quận Ba Đình went into.
    assert _codes(rows)[:3] == ["00004", "16171", "21499"]
    assert by_code["00008"] == ["Phường Ngọc Hà", "Thành phố Hà Nội", "before 2025: Quận Ba Đình"]
    assert len(rows) == len(set(_codes(rows)))  # each commune once


def test_case_accents_and_the_unit_word_do_not_matter() -> None:
    plain = _search("ba dinh")[1]
    for typed in ("BA ĐÌNH", "  Ba   Đình ", "phuong ba dinh"):
        status, rows = _search(typed)
        assert status == 0 and "00004" in _codes(rows), typed
    assert _codes(_search("Ba Đình")[1])[0] == "00004" and plain


def test_an_old_ward_name_leads_to_the_commune_it_went_into() -> None:
    status, rows = _search("ben nghe")
    assert status == 0
    assert rows == [
        [
            "26740",
            "Phường Sài Gòn",
            "Thành phố Hồ Chí Minh",
            "before 2025: Phường Bến Nghé, Quận 1",
        ]
    ]


def test_a_code_without_its_leading_zeros_is_that_commune() -> None:
    for typed in ("4", "0004", "00004"):
        assert _search(typed)[1] == [["00004", "Phường Ba Đình", "Thành phố Hà Nội"]]


def test_province_narrows_the_search_by_code_or_name() -> None:
    assert _codes(_search("ba dinh", "38")[1]) == ["16171", "14797", "14812"]
    assert _codes(_search("ba dinh", "Hà Nội")[1])[0] == "00004"
    assert "16171" not in _codes(_search("ba dinh", "1")[1])


def test_nothing_found_says_so_on_stderr_with_the_nearest_names(
    capsys: pytest.CaptureFixture[str],
) -> None:
    status, rows = _search("ba dihn")
    err = capsys.readouterr().err
    assert (status, rows) == (EXIT_NOTHING, [])
    assert "no commune matches 'ba dihn'" in err
    assert "nearest names:" in err and "00004  Phường Ba Đình" in err
    status, rows = _search("xyzzy qwerty")
    err = capsys.readouterr().err
    assert (status, rows) == (EXIT_NOTHING, [])
    assert "no commune matches 'xyzzy qwerty'" in err and "nearest" not in err


@pytest.mark.parametrize(
    "typed",
    ["a" * 1000, "'; DROP TABLE tips; --", ".*[(\\", "%_%", "!!!", "…", "99999", "ba dinh " * 120],
)
def test_hostile_or_huge_text_is_a_normal_answer(
    typed: str, capsys: pytest.CaptureFixture[str]
) -> None:
    status, _rows = _search(typed)
    assert status in (0, EXIT_NOTHING)
    err = capsys.readouterr().err
    assert "Traceback" not in err
    if status == EXIT_NOTHING:
        assert "no commune matches" in err
        assert len(err.splitlines()[0]) < 140  # the text is shown cut, not 1,000 characters


@pytest.mark.parametrize("typed", ["", "   ", "\t\n"])
def test_empty_text_is_a_usage_error(typed: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert _search(typed)[0] == EXIT_USAGE
    assert "error: give a commune's name (or code)" in capsys.readouterr().err


def test_an_unknown_province_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert _search("ba dinh", "Atlantis")[0] == EXIT_USAGE
    assert "--province 'Atlantis' is not one province" in capsys.readouterr().err


def test_the_command_line(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["areas", "search", "ba dinh"]) == 0
    assert capsys.readouterr().out.splitlines()[0].startswith("00004  Phường Ba Đình")
    assert main(["areas", "search", "zzqzzq"]) == EXIT_NOTHING
    assert main(["areas", "search", "ba dinh", "--province", "79"]) == EXIT_NOTHING
    with pytest.raises(SystemExit) as missing:
        main(["areas", "search"])  # argparse: TEXT is required
    assert missing.value.code == EXIT_USAGE


def test_the_search_is_the_bots_and_exact_names_are_apart() -> None:
    found = area_search.search("q1")  # an old district, as residents type it
    assert {m.commune.code for m in found.matches} >= {"26740", "26743"}
    assert all(m.before and m.before.name == "Quận 1" for m in found.matches)
    named = area_search.named("Bến Nghé")  # an old ward's name that went to one commune
    assert named.one is not None and named.one.commune.code == "26740"
    assert area_search.named("ba dinh").one is None  # twelve communes
    assert area_search.named("Bàn").one is None  # a part of "Bàn Cờ", not a name
    assert area_search.padded("4", 5) == "00004" and area_search.padded("123456", 5) is None
    assert area_search.padded("٤", 5) is None  # an Arabic-Indic digit is not a code


def test_a_ward_with_its_district_is_that_ward_alone() -> None:
    """The other provinces' wards called "Phường 1" were in other districts: not listed."""
    for typed in ("Phường 1, Quận 3", "phuong 1 quan 3", "P1 Q3", "p.1, q.3"):
        status, rows = _search(typed)
        assert status == 0 and rows == [
            ["27160", "Phường Bàn Cờ", "Thành phố Hồ Chí Minh", "before 2025: Phường 1, Quận 3"]
        ], typed
    # Without the district, every "Phường 1" of the country is still offered.
    assert len(_search("Phường 1")[1]) > 10


def test_whole_names_come_before_names_that_hold_the_words() -> None:
    # In the provinces' order, Hồ Chí Minh's Phường An Hội Đông and Tây (which hold the words)
    # come before Vĩnh Long's Phường An Hội (which is the name).
    found = area_search.search("an hoi")
    assert found.matches[0].commune.name == "Phường An Hội" and found.matches[0].exact
    assert not found.matches[1].exact and "An Hội" in found.matches[1].commune.name
    exact = [m.exact for m in found.matches]
    assert exact == sorted(exact, reverse=True)  # no whole name after a partial one
    assert not any(m.exact for m in area_search.search("Bàn").matches)


QUERIES = (
    "ba dinh", "q1", "P1 Q3", "Phường 1, Quận 3", "Bến Nghé, TP HCM", "phuong", "Nam Định",
    "Phường Vĩnh Phúc", "vinh phuc", "Hoàn Kiếm", "TT Củ Chi", "ben tha", "a", "Đ",
    "Bình Dương", "thu dau mot binh duong", "xã Tân Hưng", "Châu Thành", "Phú Lâm",
)  # fmt: skip


def test_asking_only_the_provinces_that_can_answer_finds_what_asking_all_finds() -> None:
    """The search skips the provinces that could only offer near names: the same communes,
    in the same order, as areas.find in all 34 (a sample of names now and before, whole,
    cut short and with their province)."""
    every = [p.code for p in areas.provinces()]
    sample: list[str] = list(QUERIES)
    for p in areas.provinces()[::5]:
        sample += [w.place for w in areas.wards_before(p.code)[::90]]
        sample += [c.name + ", " + p.name for c in areas.communes_of(p.code)[::60]]
        sample += [c.bare[:5] for c in areas.communes_of(p.code)[::70]]
    for typed in sample:
        query = " ".join(typed.split())
        answering = area_search._answering(query)
        if answering is not None:
            assert area_search._look(query, answering)[0] == area_search._look(query, every)[0]
