"""The awareness packs (content/packs/awareness/*.yaml): every pack loads and meets its rules,
the fixed topic and scam-card ids exist, the tip of the day rotates, and a broken pack gives a
clear problem instead of a crash."""

from __future__ import annotations

import re
import shutil
import unicodedata
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml

from bot.cli import main
from content import awareness, screen
from content.check import check_all
from content.schema.base import PackError

ALL_SCAM_CARDS = {
    "fake_authority",
    "virtual_kidnapping",
    "fake_public_app",
    "online_tasks",
    "overseas_jobs",
    "fake_investment",
    "romance_gift",
    "fake_bank_sms",
    "deepfake_call",
    "hacked_account",
    "fake_utility_staff",
    "child_emergency",
    "job_course_fees",
    "fake_shipper",
    "recovery_scam",
    "sim_swap",
    "already_paid",
}
TOPICS = [
    "scam_phone",
    "scam_online",
    "fire_safety",
    "drink_driving",
    "student_vehicles",
    "drugs_ecig",
    "gangs_racing",
    "day_19_8",
    # issue 21: the topics the directives ask for
    "false_info",
    "personal_data",
    "gambling_betting",
    "tet_safety",
    "drowning_summer",
    "loan_jobs",
    "mediation",
    "recognition",
]


def _clear_caches() -> None:
    awareness._loaded.cache_clear()
    awareness._rotation.cache_clear()


@pytest.fixture
def fresh() -> Iterator[None]:
    _clear_caches()
    yield
    _clear_caches()


@pytest.fixture
def packs(tmp_path: Path) -> Path:
    """A copy of the real packs to break one at a time."""
    folder = tmp_path / "awareness"
    shutil.copytree(awareness.PACK_DIR, folder)
    return folder


def _edit(folder: Path, name: str, change: Callable[[dict[str, Any]], None]) -> None:
    path = folder / f"{name}.yaml"
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(raw)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _card(raw: dict[str, Any], card_id: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in raw["cards"] if c["id"] == card_id)
    return found


def _pack(name: str) -> dict[str, Any]:
    raw: dict[str, Any] = yaml.safe_load((awareness.PACK_DIR / f"{name}.yaml").read_text("utf-8"))
    return raw


# Where the broken items below stand in scam_phone.yaml, as a problem names them.
_SCAM_PHONE = _pack("scam_phone")
FAKE = "cards[{}] (id fake_authority)".format(
    [c["id"] for c in _SCAM_PHONE["cards"]].index("fake_authority")
)
Q0 = f"quiz[0] (id {_SCAM_PHONE['quiz'][0]['id']})"
SP = "awareness/scam_phone.yaml"


def _all_texts() -> Iterator[awareness.Text]:
    for topic in awareness.topics():
        yield topic.title
        yield topic.summary
        for card in topic.cards:
            yield from (card.title, card.body, card.action, card.source)
        for question in topic.quiz:
            yield from (question.prompt, question.explanation, *question.options)


# --- the shipped packs --------------------------------------------------------------------


def test_every_pack_loads_in_menu_order() -> None:
    files = sorted(awareness.PACK_DIR.glob("*.yaml"))
    assert len(files) == len(TOPICS)
    for path in files:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert raw["version"] == 1 and raw["id"] == path.stem
    assert [t.id for t in awareness.topics()] == TOPICS
    assert list(awareness.TOPIC_IDS) == TOPICS


def test_the_packs_have_no_problems() -> None:
    assert awareness.problems() == []


def test_required_topics_and_scam_cards_exist() -> None:
    for topic_id in TOPICS:
        topic = awareness.topic(topic_id)
        assert topic is not None and topic.id == topic_id
        assert len(topic.cards) >= 3 and len(topic.quiz) >= 3
    scam_topics = [t for t in awareness.topics() if t.id in ("scam_phone", "scam_online")]
    scam_cards = {card.id for topic in scam_topics for card in topic.cards}
    assert scam_cards >= ALL_SCAM_CARDS
    assert set(awareness.SCAM_CARD_IDS) == ALL_SCAM_CARDS
    found = awareness.find_card("already_paid")
    assert found is not None
    topic, card = found
    assert topic.id in ("scam_phone", "scam_online") and card.id == "already_paid"
    assert awareness.topic("no_such_topic") is None
    assert awareness.find_card("no_such_card") is None


def test_cards_fit_one_screen_and_say_whom_to_call() -> None:
    for topic in awareness.topics():
        for index, card in enumerate(topic.cards):
            for lang in ("vi", "en"):
                parts = {
                    "title": card.title.get(lang),
                    "body": card.body.get(lang),
                    "action": card.action.get(lang),
                    "source": card.source.get(lang),
                }
                shown = screen.card_lines(
                    parts, lang, index=index, total=len(topic.cards), has_quiz=True
                )
                advice = screen.advice_lines(parts, topic.title.get(lang), lang)
                assert len(shown) <= 18 and len(advice) <= 18, (card.id, lang)
                assert all(screen.width(row) <= 36 for row in shown + advice)
                assert len(card.title.get(lang)) <= awareness.TITLE_MAX
                assert re.search(r"(?:19|20)\d\d", card.source.get(lang))
            assert re.search(r"\d{3,}|công an", card.action.vi, re.IGNORECASE)
            assert re.search(r"\d{3,}|police", card.action.en, re.IGNORECASE)


def test_a_phone_row_is_36_columns_wrapped_at_spaces() -> None:
    assert screen.wrap("Gọi 113 ngay") == ["Gọi 113 ngay"]
    words = "Không chuyển tiền cho người lạ qua điện thoại"
    assert screen.wrap(words) == ["Không chuyển tiền cho người lạ qua", "điện thoại"]
    assert screen.wrap("x" * 80) == ["x" * 36, "x" * 36, "x" * 8]  # a link is cut
    assert screen.width("👉 Gọi 114") == 10  # an emoji takes two columns
    assert screen.rows("a\n\nb") == ["a", "", "b"]  # an empty line is a row
    assert screen.card_buttons(0, 3, True) == ("learn.next", "learn.back_to_topics")
    assert screen.card_buttons(1, 3, True) == ("learn.next", "learn.previous")
    # the last card: the quiz, whose score offers the topics; four choices with the two ways
    # home, as many as a Zalo OA message carries
    assert screen.card_buttons(2, 3, True) == ("learn.previous", "learn.take_quiz")
    assert screen.card_buttons(2, 3, False) == ("learn.previous", "learn.back_to_topics")
    assert screen.card_buttons(0, 1, False) == ("learn.back_to_topics",)


def test_text_is_nfc_vietnamese_with_diacritics_and_english() -> None:
    texts = list(_all_texts())
    assert all(unicodedata.is_normalized("NFC", t.vi + t.en) for t in texts)
    assert all(t.vi.strip() and t.en.strip() for t in texts)
    fire = awareness.topic("fire_safety")
    assert fire is not None and fire.title.vi == "An toàn phòng cháy, chữa cháy"
    assert any("Tổ liên gia" in c.title.vi for c in fire.cards)


def test_quiz_answers_point_at_an_option() -> None:
    for topic in awareness.topics():
        assert len({q.id for q in topic.quiz}) == len(topic.quiz)
        for question in topic.quiz:
            assert 2 <= len(question.options) <= 4
            assert 0 <= question.answer < len(question.options)
            assert question.explanation.vi and question.explanation.en


def test_card_ids_are_unique_across_topics() -> None:
    ids = [card.id for topic in awareness.topics() for card in topic.cards]
    assert len(ids) == len(set(ids))


# --- tip of the day -----------------------------------------------------------------------


def test_tip_of_the_day_is_deterministic_and_changes_daily() -> None:
    day = date(2026, 11, 25)
    assert awareness.tip_of_the_day(day) == awareness.tip_of_the_day(day)
    cards = [card.id for topic in awareness.topics() for card in topic.cards]
    days = [day + timedelta(days=n) for n in range(len(cards))]
    picked = [awareness.tip_of_the_day(d)[1].id for d in days]
    assert all(a != b for a, b in pairwise(picked))
    assert sorted(picked) == sorted(cards)  # every card once per cycle
    assert awareness.tip_of_the_day(day + timedelta(days=len(cards))) == (
        awareness.tip_of_the_day(day)
    )
    topics = [awareness.tip_of_the_day(d)[0].id for d in days]
    for start in range(len(topics)):  # topics alternate: no run of one topic's cards
        week = (topics + topics)[start : start + 7]
        assert len(set(week)) >= 5, week


def test_tip_of_the_day_card_belongs_to_its_topic() -> None:
    for n in range(30):
        topic, card = awareness.tip_of_the_day(date(2026, 1, 1) + timedelta(days=n))
        assert card in topic.cards


# --- broken packs -------------------------------------------------------------------------


def test_a_copy_of_the_packs_is_clean(packs: Path) -> None:
    assert awareness.problems(packs) == []


def _without_vi(raw: dict[str, Any]) -> None:
    del _card(raw, "fake_authority")["title"]["vi"]


def _not_nfc(raw: dict[str, Any]) -> None:
    body = _card(raw, "fake_authority")["body"]
    body["vi"] = unicodedata.normalize("NFD", body["vi"])


def _too_long(raw: dict[str, Any]) -> None:
    _card(raw, "fake_authority")["body"]["en"] += " More words." * 20


def _many_lines(raw: dict[str, Any]) -> None:
    # Short lines, few characters: the rows a phone shows are what counts.
    _card(raw, "fake_authority")["body"]["vi"] = "\n".join(["• Cẩn thận."] * 12)


def _cites_another_document(raw: dict[str, Any]) -> None:
    _card(raw, "fake_authority")["body"]["en"] = "Fined under Decree 100/2019/NĐ-CP."


def _no_source(raw: dict[str, Any]) -> None:
    del _card(raw, "fake_authority")["source"]  # a card of numbers with nothing to check them by


def _law_without_article(raw: dict[str, Any]) -> None:
    _card(raw, "fake_authority")["source"]["vi"] = "Bộ luật Hình sự 2015"


def _quiz_names_no_card(raw: dict[str, Any]) -> None:
    raw["quiz"][0]["card"] = "no_such_card"


def _empty_refs(raw: dict[str, Any]) -> None:
    _card(raw, "fake_authority")["refs"] = ["  "]


def _long_title(raw: dict[str, Any]) -> None:
    _card(raw, "fake_authority")["title"]["vi"] = "Cảnh báo " * 10


def _bad_answer(raw: dict[str, Any]) -> None:
    raw["quiz"][0]["answer"] = 7


def _text_answer(raw: dict[str, Any]) -> None:
    raw["quiz"][0]["answer"] = "B"


def _one_option(raw: dict[str, Any]) -> None:
    raw["quiz"][0]["options"] = raw["quiz"][0]["options"][:1]
    raw["quiz"][0]["answer"] = 0


def _no_year(raw: dict[str, Any]) -> None:
    _card(raw, "fake_authority")["source"]["en"] = "Ministry of Public Security"


def _nobody_to_call(raw: dict[str, Any]) -> None:
    _card(raw, "fake_authority")["action"]["vi"] = "Hãy cẩn thận."


def _no_diacritics(raw: dict[str, Any]) -> None:
    _card(raw, "fake_authority")["title"]["vi"] = "Gia danh cong an goi dien"


def _no_version(raw: dict[str, Any]) -> None:
    del raw["version"]


def _typo_key(raw: dict[str, Any]) -> None:
    card = _card(raw, "fake_authority")
    card["acton"] = card.pop("action")


def _few_quiz(raw: dict[str, Any]) -> None:
    raw["quiz"] = raw["quiz"][:2]


def _lost_scam_card(raw: dict[str, Any]) -> None:
    raw["cards"] = [c for c in raw["cards"] if c["id"] != "fake_authority"]


def _card_not_a_mapping(raw: dict[str, Any]) -> None:
    raw["cards"][0] = "fake_authority"


def _renamed(raw: dict[str, Any]) -> None:
    raw["id"] = "scam_calls"


def _repeated_question(raw: dict[str, Any]) -> None:
    raw["quiz"][1]["id"] = raw["quiz"][0]["id"]


def _wrong_version(raw: dict[str, Any]) -> None:
    raw["version"] = 2


def _order_as_text(raw: dict[str, Any]) -> None:
    raw["order"] = "first"


def _ids_not_snake_case(raw: dict[str, Any]) -> None:
    _card(raw, "fake_authority")["id"] = "Fake-Authority"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_without_vi, f"{SP}: {FAKE}: title.vi: is missing"),
        (_not_nfc, f"{SP}: {FAKE}: body.vi: is not NFC (near "),
        (_too_long, f"{SP}: {FAKE}: screen: en takes "),
        (_many_lines, f"{SP}: {FAKE}: screen: vi takes "),
        (_cites_another_document, f"{SP}: {FAKE}: source: en does not name 100/2019"),
        (_no_source, f"{SP}: {FAKE}: source: is missing"),
        (_law_without_article,
         f"{SP}: {FAKE}: source: vi names a legal document but not its article"),
        (_quiz_names_no_card, f"{SP}: {Q0}: card: no_such_card is no card of this topic"),
        (_empty_refs, f"{SP}: {FAKE}: refs[0] ('  '): is empty"),
        (_long_title, f"{SP}: {FAKE}: title: vi has 89 characters (max 60)"),
        (_bad_answer, f"{SP}: {Q0}: answer: 7 is outside options 0..2"),
        (_text_answer, f"{SP}: {Q0}: answer: Input should be a valid integer"),
        (_one_option, f"{SP}: {Q0}: options: has 1 entries (needs at least 2)"),
        (_no_year, f"{SP}: {FAKE}: source: en names no year"),
        (_nobody_to_call, f"{SP}: {FAKE}: action: vi names no number to call"),
        (_no_diacritics, f"{SP}: {FAKE}: title: vi has no Vietnamese diacritics"),
        (_no_version, f"{SP}: version: is missing"),
        (_typo_key, f"{SP}: {FAKE}: acton: unknown key"),
        (_few_quiz, f"{SP}: quiz: has 2 entries (needs at least 3)"),
        (_lost_scam_card, "awareness: scam card fake_authority is missing"),
        (_card_not_a_mapping, f"{SP}: cards[0] ('fake_authority'): expected a mapping"),
        (_repeated_question, f"{SP}: quiz: question id "),
        (_renamed, f"{SP}: id: scam_calls does not match the file name"),
        (_wrong_version, f"{SP}: version: expected 1, found 2"),
        (_order_as_text, f"{SP}: order: Input should be a valid integer"),
        (_ids_not_snake_case,
         f"{SP}: {FAKE.replace('fake_authority', 'Fake-Authority')}: id: 'Fake-Authority' is not"),
    ],
)  # fmt: skip
def test_a_broken_pack_yields_a_clear_problem(
    packs: Path, change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    _edit(packs, "scam_phone", change)
    found = awareness.problems(packs)
    # Each problem names the file (or the folder), then the item and the field.
    assert any(p.startswith(f"{packs.parent}/{expected}") for p in found), found
    assert all(p.startswith(f"{packs}") for p in found), found


def test_every_problem_of_a_file_is_named_at_once(packs: Path) -> None:
    def two_wrongs(raw: dict[str, Any]) -> None:
        _without_vi(raw)
        _bad_answer(raw)

    _edit(packs, "scam_phone", two_wrongs)
    assert awareness.problems(packs) == [
        f"{packs}/scam_phone.yaml: {FAKE}: title.vi: is missing",
        f"{packs}/scam_phone.yaml: {Q0}: answer: 7 is outside options 0..2",
    ]


def test_an_order_used_twice_is_reported(packs: Path) -> None:
    order = _pack("fire_safety")["order"]

    def take_fire_safetys_order(raw: dict[str, Any]) -> None:
        raw["order"] = order

    _edit(packs, "scam_phone", take_fire_safetys_order)
    found = awareness.problems(packs)
    assert f"{packs}/scam_phone.yaml: order: {order} is also used in fire_safety.yaml" in found


def test_a_card_repeated_in_another_topic_is_reported(packs: Path) -> None:
    def copy_card(raw: dict[str, Any]) -> None:
        raw["cards"].append(dict(raw["cards"][0], id="fake_authority"))

    _edit(packs, "fire_safety", copy_card)
    found = awareness.problems(packs)
    assert (
        f"{packs}/scam_phone.yaml: {FAKE}: id: fake_authority is also used in fire_safety.yaml"
        in found
    )


def test_a_card_repeated_in_its_own_topic_is_reported(packs: Path) -> None:
    def copy_card(raw: dict[str, Any]) -> None:
        raw["cards"].append(dict(_card(raw, "fake_authority")))

    _edit(packs, "scam_phone", copy_card)
    last = len(_SCAM_PHONE["cards"])
    found = awareness.problems(packs)
    assert (
        f"{packs}/scam_phone.yaml: cards[{last}] (id fake_authority): id: fake_authority"
        " is also used in this file"
    ) in found


def test_unreadable_and_odd_files_are_problems_not_crashes(packs: Path) -> None:
    (packs / "broken.yaml").write_text("version: 1\ncards: [unclosed\n", encoding="utf-8")
    (packs / "list.yaml").write_text("- just\n- a list\n", encoding="utf-8")
    (packs / "latin1.yaml").write_bytes("title: Bình".encode("latin-1", "replace"))
    found = awareness.problems(packs)
    assert any(p.startswith(f"{packs}/broken.yaml: cannot be read") for p in found)
    assert f"{packs}/list.yaml: expected a mapping" in found
    assert any(p.startswith(f"{packs}/latin1.yaml: cannot be read") for p in found)
    assert all("\n" not in p for p in found)  # one line each, even YAML's long messages


def test_an_empty_folder_is_a_problem(tmp_path: Path) -> None:
    found = awareness.problems(tmp_path)
    assert f"{tmp_path}: no topic files (*.yaml)" in found
    assert f"{tmp_path}: topic scam_phone is missing" in found


def test_topics_refuse_a_broken_pack(
    packs: Path, fresh: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    _edit(packs, "fire_safety", _bad_answer)
    monkeypatch.setattr(awareness, "PACK_DIR", packs)
    with pytest.raises(
        PackError, match=r"fire_safety\.yaml: quiz\[0\] \(id \w+\): answer: 7 is outside"
    ):
        awareness.topics()
    assert issubclass(PackError, ValueError)  # callers that caught ValueError still do


def test_content_check_reports_a_broken_pack(
    packs: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def without_vi(raw: dict[str, Any]) -> None:
        del raw["cards"][0]["body"]["vi"]

    _edit(packs, "day_19_8", without_vi)
    monkeypatch.setattr(awareness, "PACK_DIR", packs)
    assert main(["content", "check"]) == 1
    captured = capsys.readouterr()
    first = _pack("day_19_8")["cards"][0]["id"]
    assert f"awareness/day_19_8.yaml: cards[0] (id {first}): body.vi: is missing" in captured.err
    assert "problem(s)" in captured.out


# --- `binhyen content check` --------------------------------------------------------------


def test_content_check_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert check_all() == []
    assert main(["content", "check"]) == 0
    assert "content: ok" in capsys.readouterr().out
