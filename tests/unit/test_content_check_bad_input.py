"""`binhyen content check` against the mistakes a hurried content writer makes, on copies of the
real packs: a document cited by its number or its name only, a topic or campaign saved as .yml,
a key written twice, an emoji the screen measure must count as wide. Each is refused, naming
the file, the item (or line) and the field."""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from content import awareness, campaigns, screen
from content.check import check_files, check_packs

TOPIC = "fire_safety"
CAMPAIGN = "tet_2027"


@pytest.fixture(autouse=True)
def fresh() -> Iterator[None]:
    awareness._loaded.cache_clear()
    campaigns._loaded.cache_clear()
    yield
    awareness._loaded.cache_clear()
    campaigns._loaded.cache_clear()


@pytest.fixture
def packs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the awareness topics and campaigns, read instead of the real ones."""
    for name in ("awareness", "campaigns"):
        shutil.copytree(awareness.PACK_DIR.parent / name, tmp_path / name)
    monkeypatch.setattr(awareness, "PACK_DIR", tmp_path / "awareness")
    monkeypatch.setattr(campaigns, "PACK_DIR", tmp_path / "campaigns")
    return tmp_path


def _edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(raw)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _topic(packs: Path) -> Path:
    return packs / "awareness" / f"{TOPIC}.yaml"


def _campaign(packs: Path) -> Path:
    return packs / "campaigns" / f"{CAMPAIGN}.yaml"


def _first_card(packs: Path) -> str:
    raw = yaml.safe_load(_topic(packs).read_text(encoding="utf-8"))
    return f"awareness/{TOPIC}.yaml: cards[0] (id {raw['cards'][0]['id']})"


def _first_message(packs: Path) -> str:
    raw = yaml.safe_load(_campaign(packs).read_text(encoding="utf-8"))
    return f"campaigns/{CAMPAIGN}.yaml: messages[0] (id {raw['messages'][0]['id']})"


def _agency_source(card: dict[str, Any]) -> None:
    """A card whose source is an agency and a year: no legal document, no number."""
    card["title"] = {"vi": "Mỗi nhà cần gì", "en": "What every home needs"}
    card["body"] = {"vi": "Nhà ở cần có bình chữa cháy.", "en": "Homes need an extinguisher."}
    card["source"] = {"vi": "Cục Cảnh sát PCCC, 2024", "en": "Fire Police Department, 2024"}


def _ends(problems: list[str], wanted: str) -> bool:
    return any(problem.endswith(wanted) for problem in problems)


# --- a document cited by its number alone, or by its name --------------------------------


def test_a_card_citing_a_decree_by_its_number_alone_needs_it_in_the_source(packs: Path) -> None:
    def change(raw: dict[str, Any]) -> None:
        body = raw["cards"][0]["body"]
        body["vi"] += "\nPhạt theo Nghị định 100."

    _edit(_topic(packs), change)
    problems = awareness.problems()
    assert _ends(
        problems, f"{_first_card(packs)}: source: vi does not name 100, which the card cites"
    )


def test_a_card_citing_a_code_by_name_needs_a_legal_source(packs: Path) -> None:
    _edit(_topic(packs), lambda raw: _agency_source(raw["cards"][0]))
    assert not [p for p in awareness.problems() if f"{TOPIC}.yaml" in p]  # no citation: fine

    def change(raw: dict[str, Any]) -> None:
        card = raw["cards"][0]
        card["body"]["vi"] += "\nBộ luật Hình sự phạt tù."
        card["body"]["en"] += "\nThe Criminal Code punishes it."

    _edit(_topic(packs), change)
    problems = awareness.problems()
    where = f"{_first_card(packs)}: source:"
    assert _ends(
        problems, f"{where} vi does not name a legal document ('Bộ luật'), which the card cites"
    )
    assert _ends(
        problems, f"{where} en does not name a legal document ('Code'), which the card cites"
    )


def test_a_campaign_citing_a_code_by_name_needs_a_legal_source(packs: Path) -> None:
    def change(raw: dict[str, Any]) -> None:
        message = raw["messages"][0]
        message["text"]["vi"] += "\nBộ luật Hình sự phạt tù kẻ lừa đảo."
        message["source"] = "Công an tỉnh, cảnh báo ngày 7/2/2026"

    _edit(_campaign(packs), change)
    problems = campaigns.problems()
    wanted = (
        f"{_first_message(packs)}: source: "
        "does not name a legal document ('Bộ luật'), which the text cites"
    )
    assert _ends(problems, wanted)


# --- files the folders do not read, keys YAML drops -----------------------------------------


def test_a_campaign_saved_as_yml_is_named_instead_of_left_out(packs: Path) -> None:
    _campaign(packs).rename(packs / "campaigns" / f"{CAMPAIGN}.yml")
    assert campaigns.problems() == []  # the folder reads *.yaml only: it is not seen there
    wanted = f"campaigns/{CAMPAIGN}.yml: is not read: a pack file ends in .yaml"
    assert _ends(check_files(), wanted)
    assert _ends(check_packs(), wanted)


def test_a_key_written_twice_in_a_card_is_named_with_its_lines(packs: Path) -> None:
    path = _topic(packs)
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    first = next(n for n, line in enumerate(lines) if line == "    source:")
    lines[first:first] = ["    source:", '      vi: "Cục Cảnh sát PCCC"', '      en: "Fire police"']
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    wanted = (
        f"awareness/{TOPIC}.yaml: line {first + 4}: source is given twice "
        f"(first on line {first + 1}): the first is lost; keep one"
    )
    assert _ends(check_files(packs), wanted)
    assert _ends(check_packs(), wanted)


def test_a_key_written_twice_in_a_campaign_is_named(packs: Path) -> None:
    path = _campaign(packs)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\nversion: 1\n", "\nversion: 1\nversion: 1\n", 1), "utf-8")
    assert any(
        f"campaigns/{CAMPAIGN}.yaml: line " in p and ": version is given twice" in p
        for p in check_files(packs)
    )


# --- the screen measure ------------------------------------------------------------------


def test_an_emoji_selector_makes_a_narrow_sign_two_columns_wide() -> None:
    assert screen.width("⚠️") == 2  # U+26A0 U+FE0F, drawn as an emoji
    assert screen.width("⚠") == 1
    # 18 warning emoji and a letter: 37 columns, more than one row of 36
    assert len(screen.wrap("⚠️" * 18 + "x")) == 2


# --- how a problem is named --------------------------------------------------------------


def test_an_empty_topic_file_is_called_empty(packs: Path) -> None:
    _topic(packs).write_text("# to be written\n", encoding="utf-8")
    assert f"{_topic(packs)}: is empty: no YAML in it" in awareness.problems()


def test_an_empty_campaign_file_is_called_empty(packs: Path) -> None:
    _campaign(packs).write_text("", encoding="utf-8")
    assert f"{_campaign(packs)}: is empty: no YAML in it" in campaigns.problems()


def test_a_long_reference_is_named_by_its_start(packs: Path) -> None:
    ref = "Luật Phòng cháy, chữa cháy và cứu nạn, cứu hộ số 55/2024/QH15, Điều 20 khoản 1 (2024)"

    def change(raw: dict[str, Any]) -> None:
        raw["cards"][0]["refs"] = [unicodedata.normalize("NFD", ref)]

    _edit(_topic(packs), change)
    problems = [p for p in awareness.problems() if ": refs[0] " in p]
    assert len(problems) == 1 and ": is not NFC (near " in problems[0]
    start = unicodedata.normalize("NFD", ref)[:60]
    assert f"refs[0] ({start + '…'!r}): is not NFC" in problems[0]
