"""Campaigns (content/packs/campaigns/*.yaml): the shipped ones load and keep their rules,
the loader says which messages go out on which local date (a one-time campaign and yearly ones,
one of them over New Year), the notice points to its card, and a broken pack fails
`binhyen content check` naming the file and the message. Then `binhyen campaigns`."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from bot.cli import main
from content import awareness, campaigns
from content.campaigns import MonthDay, Sending
from content.check import check_packs
from content.i18n import translate
from content.schema.base import PackError
from handlers.broadcasts.words import MAX_TEXT

SHIPPED = {"tet_2027", "festival_19_8", "fire_season", "back_to_school"}


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    campaigns._loaded.cache_clear()
    yield
    campaigns._loaded.cache_clear()


@pytest.fixture
def packs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the real campaigns, read instead of them, to break one at a time."""
    folder = tmp_path / "campaigns"
    shutil.copytree(campaigns.PACK_DIR, folder)
    monkeypatch.setattr(campaigns, "PACK_DIR", folder)
    return folder


def _replace(folder: Path, name: str, old: str, new: str, count: int = 1) -> Path:
    path = folder / f"{name}.yaml"
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= count, f"{old!r} not in {name}.yaml"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def _one(name: str) -> campaigns.Campaign:
    found = campaigns.campaign(name)
    assert found is not None
    return found


# --- the shipped campaigns --------------------------------------------------------------------


def test_the_shipped_campaigns_load_clean() -> None:
    assert campaigns.problems() == []
    assert set(campaigns.names()) >= SHIPPED
    assert list(campaigns.names()) == sorted(campaigns.names())


def test_each_has_three_to_six_messages_each_pointing_to_a_real_card() -> None:
    cards = {c.id for t in awareness.topics() for c in t.cards}
    for found in campaigns.all_campaigns():
        assert 3 <= len(found.messages) <= 6, found.name
        for message in found.messages:
            assert message.card in cards, (found.name, message.id)


def test_a_notice_with_its_sender_line_and_stop_hint_fits_one_zalo_message() -> None:
    for found in campaigns.all_campaigns():
        for message in found.messages:
            for lang in ("vi", "en"):
                sender = translate("broadcast.from_leader", lang, {"icon": "💡", "area": "x" * 300})
                whole = "\n".join(
                    (
                        sender,
                        campaigns.notice(message, lang),
                        translate("broadcast.stop_hint", lang),
                    )
                )
                assert len(whole) <= MAX_TEXT, (found.name, message.id, lang)


def test_tet_2027_runs_once_around_the_sixth_of_february() -> None:
    tet = _one("tet_2027")
    assert not tet.yearly
    assert tet.runs.covers(date(2027, 2, 6))  # mùng 1 Tết Đinh Mùi
    assert not tet.runs.covers(date(2027, 3, 1))
    assert not tet.runs.covers(date(2028, 2, 6))
    assert {m.card for m in tet.messages} >= {"zero_alcohol", "tet_ticket_scams"}
    assert all(isinstance(m.date, date) for m in tet.messages)


def test_due_messages_of_a_one_time_campaign_come_in_its_year_only() -> None:
    tet = _one("tet_2027")
    due = campaigns.due_messages(tet, date(2027, 1, 18))
    assert [m.id for m in due] == ["fake_tickets"]
    assert campaigns.due_messages(tet, date(2028, 1, 18)) == ()
    assert campaigns.due_messages(tet, date(2027, 1, 19)) == ()


def test_due_messages_of_a_yearly_campaign_come_back_every_year() -> None:
    festival = _one("festival_19_8")
    assert festival.yearly
    for year in (2026, 2027, 2031):
        assert [m.id for m in campaigns.due_messages(festival, date(year, 8, 19))] == [
            "festival_day"
        ]
    assert campaigns.due_messages(festival, date(2026, 8, 20)) == ()


def test_a_yearly_run_over_new_year() -> None:
    fire = _one("fire_season")
    assert fire.runs.covers(date(2026, 11, 1))
    assert fire.runs.covers(date(2027, 1, 5))
    assert fire.runs.covers(date(2027, 4, 30))
    assert not fire.runs.covers(date(2027, 6, 1))
    months = [m.date.month for m in fire.in_order() if isinstance(m.date, MonthDay)]
    assert months[0] == 11 and months[-1] == 4  # in the season's order, not the calendar's


def test_messages_on_a_day_across_campaigns_with_a_key_per_sending() -> None:
    found = campaigns.messages_on(date(2027, 1, 12))
    assert [(s.campaign.name, s.message.id) for s in found] == [("fire_season", "second_exit")]
    assert found[0].key == "fire_season/second_exit/2027-01-12"
    assert campaigns.messages_on(date(2027, 7, 1)) == ()
    only = campaigns.messages_on(date(2027, 1, 12), (_one("tet_2027"),))
    assert only == ()  # the campaigns given, e.g. those turned on, not every one


def test_schedule_and_next_sending() -> None:
    school = _one("back_to_school")
    year = campaigns.schedule(school, date(2026, 1, 1), date(2027, 12, 31))
    assert len(year) == 2 * len(school.messages)
    assert [s.day for s in year] == sorted(s.day for s in year)
    assert all(isinstance(s, Sending) and s.campaign is school for s in year)

    nxt = campaigns.next_sending(school, date(2026, 10, 1))
    assert nxt is not None and nxt.day == date(2027, 8, 22)
    tet = _one("tet_2027")
    first = campaigns.next_sending(tet, date(2026, 12, 5))
    assert first is not None and first.day == date(2027, 1, 18)
    assert campaigns.next_sending(tet, date(2027, 2, 5)) is None  # its last message went out


def test_the_notice_ends_with_how_to_read_the_card() -> None:
    message = next(m for m in _one("back_to_school").messages if m.id == "online_kidnapping")
    found = awareness.find_card("virtual_kidnapping")
    assert found is not None
    topic, card = found
    n = topic.cards.index(card) + 1
    for lang in ("vi", "en"):
        text = campaigns.notice(message, lang)
        assert text.startswith(message.text.get(lang))
        last = text.splitlines()[-1]
        assert "MENU" in last and card.title.get(lang) in last
        assert topic.title.get(lang) in last and str(n) in last
        assert translate("menu.learn", lang) in last


# --- broken packs -----------------------------------------------------------------------------


def _problems(folder: Path) -> list[str]:
    found = campaigns.problems(folder)
    assert found, "the broken pack passed"
    return found


def test_a_date_that_does_not_exist(packs: Path) -> None:
    # Unquoted, as the shipped packs write dates: YAML's own date type would fail the file.
    _replace(packs, "tet_2027", "date: 2027-01-18", "date: 2027-02-30")
    (problem,) = _problems(packs)
    assert problem.endswith(
        "campaigns/tet_2027.yaml: messages[0] (id fake_tickets): date: "
        "2027-02-30 is no date (day is out of range for month)"
    )


def test_a_month_day_that_does_not_exist(packs: Path) -> None:
    _replace(packs, "festival_19_8", "date: 08-03", 'date: "02-30"')
    (problem,) = _problems(packs)
    assert problem.endswith(
        "festival_19_8.yaml: messages[0] (id security_teams): date: "
        "02-30 is no day of the year (day is out of range for month)"
    )


def test_the_29th_of_february_does_not_come_every_year(packs: Path) -> None:
    _replace(packs, "fire_season", "date: 02-24", "date: 02-29")
    (problem,) = _problems(packs)
    assert "(id fire_safety_group): date: 02-29 does not come every year" in problem


def test_a_card_that_does_not_exist(packs: Path) -> None:
    _replace(packs, "back_to_school", "card: vehicle_ages", "card: scooter_ages")
    (problem,) = _problems(packs)
    assert problem.endswith(
        "back_to_school.yaml: messages[1] (id vehicle_ages): card: "
        "scooter_ages is no card of the awareness packs"
    )


def test_a_message_over_the_limit(packs: Path) -> None:
    long = "Cẩn thận. " * 101  # 1,010 characters
    _replace(packs, "tet_2027", "Gần Tết, nhiều người", long + "Gần Tết, nhiều người")
    (problem,) = _problems(packs)
    assert "tet_2027.yaml: messages[0] (id fake_tickets): text: vi has " in problem
    assert problem.endswith("characters (max 1000)")


def test_a_duplicate_message_id(packs: Path) -> None:
    _replace(packs, "tet_2027", "id: empty_homes", "id: fake_tickets")
    (problem,) = _problems(packs)
    assert problem.endswith(
        "tet_2027.yaml: messages[1] (id fake_tickets): id: "
        "fake_tickets is also the id of another message"
    )


def test_a_date_outside_the_run(packs: Path) -> None:
    _replace(packs, "tet_2027", "date: 2027-02-04", "date: 2027-03-04")
    (problem,) = _problems(packs)
    assert problem.endswith(
        "tet_2027.yaml: messages[4] (id fake_li_xi): date: 2027-03-04 is outside the "
        "campaign's run (2027-01-15 to 2027-02-24)"
    )


def test_a_month_day_outside_a_yearly_run(packs: Path) -> None:
    _replace(packs, "fire_season", "date: 04-13", "date: 06-13")
    (problem,) = _problems(packs)
    assert "(id public_fire_point): date: 06-13 is outside the campaign's run" in problem


def test_a_date_of_the_wrong_form(packs: Path) -> None:
    _replace(packs, "festival_19_8", "date: 08-19", "date: 2027-08-19")
    _replace(packs, "tet_2027", "date: 2027-01-26", "date: 01-26")
    found = _problems(packs)
    assert any(
        "festival_19_8.yaml: messages[3] (id festival_day): date: 2027-08-19 has a year, but "
        "the campaign runs every year: write MM-DD" in p
        for p in found
    )
    assert any(
        "tet_2027.yaml: messages[1] (id empty_homes): date: 01-26 has no year, but the "
        "campaign runs once: write YYYY-MM-DD" in p
        for p in found
    )


def test_two_messages_on_one_day(packs: Path) -> None:
    _replace(packs, "back_to_school", "date: 09-13", "date: 09-06")
    (problem,) = _problems(packs)
    assert "(id lending_vehicle): date: 09-06 is also the day of message helmets" in problem


def test_a_run_that_ends_before_it_starts_or_has_two_forms(packs: Path) -> None:
    _replace(packs, "tet_2027", "to: 2027-02-24", "to: 2027-01-01")
    _replace(packs, "fire_season", "runs:\n", "runs:\n  from: 11-01\n")
    found = _problems(packs)
    assert any(
        p.endswith("tet_2027.yaml: runs: to (2027-01-01) is before from (2027-01-15)")
        for p in found
    )
    assert any(
        p.endswith("fire_season.yaml: runs: give months, or from and to, not both") for p in found
    )


def test_the_name_is_the_file_name_and_unknown_keys_are_refused(packs: Path) -> None:
    _replace(packs, "tet_2027", "name: tet_2027", "name: tet_2028")
    _replace(packs, "festival_19_8", "    card: festival_origin", "    cards: festival_origin")
    found = _problems(packs)
    assert any("tet_2027.yaml: name: tet_2028 does not match the file name" in p for p in found)
    assert any(
        "festival_19_8.yaml: messages[3] (id festival_day): cards: unknown key" in p for p in found
    )
    assert any(
        "festival_19_8.yaml: messages[3] (id festival_day): card: is missing" in p for p in found
    )


def test_a_source_must_name_a_year(packs: Path) -> None:
    _replace(
        packs,
        "back_to_school",
        'source: "Báo An ninh Thủ đô (Công an TP. Hà Nội) và Dân trí, 12/2022"',
        'source: "Báo An ninh Thủ đô"',
    )
    (problem,) = _problems(packs)
    assert problem.endswith("(id disguised_drugs): source: names no year")


def test_a_broken_campaign_fails_content_check_and_start_up(
    packs: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _replace(packs, "tet_2027", "card: zero_alcohol", "card: no_such_card")
    problem = (
        "tet_2027.yaml: messages[3] (id drink_driving): card: "
        "no_such_card is no card of the awareness packs"
    )
    assert any(p.endswith(problem) for p in check_packs())
    assert main(["content", "check"]) == 1
    assert problem in capsys.readouterr().err
    with pytest.raises(PackError, match=r"messages\[3\] \(id drink_driving\): card"):
        campaigns.all_campaigns()


def test_an_empty_folder_is_a_problem(tmp_path: Path) -> None:
    assert campaigns.problems(tmp_path) == [f"{tmp_path}: no campaign files (*.yaml)"]


# --- `binhyen campaigns` ----------------------------------------------------------------------


def test_campaigns_list(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["campaigns", "list", "--today", "2026-10-01"]) == 0
    out = capsys.readouterr().out
    lines = {line.split()[0]: line for line in out.splitlines() if line.strip()}
    assert set(lines) >= SHIPPED
    assert "2027-01-15 to 2027-02-24" in lines["tet_2027"]
    assert "2027-01-18" in lines["tet_2027"]  # the next date one goes out
    assert "Đón Tết Đinh Mùi 2027 an toàn" in lines["tet_2027"]
    assert "every year, months 11, 12, 1, 2, 3, 4" in lines["fire_season"]
    assert "2026-11-10" in lines["fire_season"]
    assert " 6 " in lines["fire_season"]  # its messages
    assert "2027-08-03" in lines["festival_19_8"]


def test_campaigns_list_says_when_one_is_over_and_which_are_on(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["campaigns", "list", "--today", "2027-03-01", "--lang", "en"]) == 0
    out = capsys.readouterr().out
    tet = next(line for line in out.splitlines() if line.startswith("tet_2027"))
    assert " over " in tet and "A safe Tết 2027" in tet
    fire = next(line for line in out.splitlines() if line.startswith("fire_season"))
    assert " on " in fire


def test_campaigns_preview_prints_what_residents_get(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["campaigns", "preview", "tet_2027", "--today", "2027-01-01"]) == 0
    out = capsys.readouterr().out
    tet = _one("tet_2027")
    for message in tet.messages:
        assert campaigns.notice(message, "vi") in out
        assert message.date.isoformat() in out  # type: ignore[union-attr]
    assert "card: tet_safety/tet_ticket_scams" in out
    assert out.index("fake_tickets") < out.index("fake_li_xi")


def test_campaigns_preview_in_english_with_next_dates_of_a_yearly_one(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert (
        main(["campaigns", "preview", "fire_season", "--lang", "en", "--today", "2026-12-01"]) == 0
    )
    out = capsys.readouterr().out
    for message in _one("fire_season").messages:
        assert campaigns.notice(message, "en") in out
    assert "11-10 every year (next: 2027-11-10" in out
    assert "12-08 every year (next: 2026-12-08" in out
    assert "Read more: type MENU" in out


def test_campaigns_preview_of_an_unknown_name(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["campaigns", "preview", "tet_2099"]) == 2
    err = capsys.readouterr().err
    assert "tet_2099" in err
    for name in SHIPPED:
        assert name in err


def test_campaigns_on_a_broken_pack(packs: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _replace(packs, "tet_2027", "date: 2027-01-18", "date: 2027-02-30")
    assert main(["campaigns", "list"]) == 1
    captured = capsys.readouterr()
    assert "messages[0] (id fake_tickets): date: 2027-02-30 is no date" in captured.err
    assert "Traceback" not in captured.err


def test_a_cited_document_must_be_in_the_source_and_a_law_needs_its_article(
    packs: Path,
) -> None:
    _replace(
        packs,
        "back_to_school",
        "Nhiều em đã phải đi cấp cứu sau khi dùng thử.",
        "Nhiều em đã phải đi cấp cứu sau khi dùng thử (Nghị định 100/2019/NĐ-CP).",
    )
    (problem,) = _problems(packs)
    assert problem.endswith(
        "(id disguised_drugs): source: does not name 100/2019, which the text cites"
    )
    _replace(
        packs,
        "back_to_school",
        'source: "Báo An ninh Thủ đô (Công an TP. Hà Nội) và Dân trí, 12/2022"',
        'source: "Nghị định 100/2019/NĐ-CP (2019)"',
    )
    (problem,) = _problems(packs)
    assert problem.endswith(
        "(id disguised_drugs): source: names a legal document but not its article"
    )
