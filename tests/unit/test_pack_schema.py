"""The schema of the content packs (content/schema/): the shipped packs pass, and a broken copy
of each pack is refused with a message naming the file, the item and the field. A broken pack
stops the service before it starts, with that message and no traceback."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from unicodedata import normalize

import pytest
import yaml

from bot import runtime
from bot.cli import main
from content import awareness, keywords, scamcheck, tips, understand
from content.check import load_packs
from content.schema.base import PackError, where_in

Change = Callable[[dict[str, Any]], None]


@pytest.fixture
def packs(tmp_path: Path) -> Path:
    """A copy of the real packs, to break one at a time."""
    folder = tmp_path / "packs"
    shutil.copytree(scamcheck.PACKS, folder)
    return folder


def _edit(folder: Path, name: str, change: Change) -> None:
    path = folder / name
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(raw)
    path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")


def _served_caches() -> list[Any]:
    return [
        awareness._loaded,
        awareness._rotation,
        scamcheck.packs,
        tips.categories,
        keywords._pack,
        keywords.answer_words,
        understand._keywords,
        understand._intents,
        understand._danger,
        understand._whole_words,
        understand._free,
        understand._urgency_lists,
        understand._abbreviations,
        understand._as_written,
        understand._languages,
        understand._language_asks,
        understand._danger_firsts,
        understand._other_senders,
        understand._tokens,
        understand.whole_intent,
        understand.urgency,
        understand.read,
    ]


@pytest.fixture
def fresh() -> Iterator[None]:
    """Packs read anew in the test, and anew again after it (the real ones)."""
    for cached in _served_caches():
        cached.cache_clear()
    yield
    for cached in _served_caches():
        cached.cache_clear()


# --- the shipped packs ------------------------------------------------------------------------


def test_the_shipped_packs_all_pass() -> None:
    assert awareness.problems() == []
    assert scamcheck.check_packs() == []
    assert tips.problems() == []
    assert keywords.problems() == []
    load_packs()  # what start-up reads: no error


def test_a_copy_of_the_packs_is_clean(packs: Path) -> None:
    assert scamcheck.check_packs(packs) == []
    assert tips.problems(packs) == []
    assert keywords.problems(packs / "keywords.yaml") == []


# --- the scam check's packs -------------------------------------------------------------------


def _set(*path: str | int, to: Any) -> Change:
    """A change that sets raw[path...] to a value (or deletes it, for `to=...`)."""

    def change(raw: dict[str, Any]) -> None:
        node: Any = raw
        for key in path[:-1]:
            node = node[key]
        if to is ...:
            del node[path[-1]]
        else:
            node[path[-1]] = to

    return change


@pytest.mark.parametrize(
    ("name", "change", "expected"),
    [
        # banks.yaml
        ("banks.yaml", _set("banks", 0, "swift", to="BFTVVNVX"),
         "banks.yaml: banks[0] (code VCB): swift: unknown key"),
        ("banks.yaml", _set("banks", 0, "name", to=...),
         "banks.yaml: banks[0] (code VCB): name: is missing"),
        ("banks.yaml", _set("banks", 0, "bin", to=970436),
         "banks.yaml: banks[0] (code VCB): bin: Input should be a valid string"),
        ("banks.yaml", _set("banks", 0, "bin", to="97043"),
         "banks.yaml: banks[0] (code VCB): bin: '97043' must be 6 digits"),
        ("banks.yaml", _set("banks", 0, "code", to="vcb"),
         "banks.yaml: banks[0] (code vcb): code: 'vcb' must be 2-12 capitals or digits"),
        ("banks.yaml", _set("banks", 1, "bin", to="970436"),
         "banks.yaml: banks: bin 970436 is used by more than one bank"),
        ("banks.yaml", _set("banks", 1, "aliases", 0, to="Vietcombank"),
         "banks.yaml: banks: alias 'vietcombank' names VCB and CTG"),
        ("banks.yaml", _set("banks", 0, "aliases", to=[]),
         "banks.yaml: banks[0] (code VCB): aliases: has 0 entries (needs at least 1)"),
        # link_lists.yaml
        ("link_lists.yaml", _set("public_suffixes", to=["com.vn"]),
         "link_lists.yaml: public_suffixes: unknown key"),
        ("link_lists.yaml", _set("official", 0, "domains", to=...),
         "link_lists.yaml: official[0] (id vietcombank): domains: is missing"),
        ("link_lists.yaml", _set("official", 0, "brands", to="vietcombank"),
         "link_lists.yaml: official[0] (id vietcombank): brands: expected a list"),
        ("link_lists.yaml", _set("official", 0, "domains", 0, to="Vietcombank.com.vn"),
         "link_lists.yaml: official[0] (id vietcombank): domains[0] ('Vietcombank.com.vn'):"
         " 'Vietcombank.com.vn' is not a lower-case ASCII domain"),
        ("link_lists.yaml", _set("official", 0, "name", to={"vi": "Vietcombank"}),
         "link_lists.yaml: official[0] (id vietcombank): name.en: is missing"),
        ("link_lists.yaml", _set("official", 1, "id", to="vietcombank"),
         "link_lists.yaml: official: id vietcombank is used twice"),
        ("link_lists.yaml", _set("official", 0, "brands", 0, to="online"),
         "link_lists.yaml: official: vietcombank: brand 'online' is also an extra word"),
        ("link_lists.yaml", _set("tlds", 0, to="vnn"),
         "link_lists.yaml: tlds: 'vnn' is no top-level domain of the Public Suffix List"),
        ("link_lists.yaml", _set("shorteners", 0, to="https://bit.ly"),
         "link_lists.yaml: shorteners[0] ('https://bit.ly'): 'https://bit.ly' is not a"),
        # scam_rules.yaml
        ("scam_rules.yaml", _set("rules", 0, "weight", to=3),
         "scam_rules.yaml: rules[0] (id fake_authority): weight: unknown key"),
        ("scam_rules.yaml", _set("rules", 0, "name", to=...),
         "scam_rules.yaml: rules[0] (id fake_authority): name: is missing"),
        ("scam_rules.yaml", _set("rules", 0, "advice", to="no"),
         "scam_rules.yaml: rules[0] (id fake_authority): advice: Input should be a valid boolean"),
        ("scam_rules.yaml", _set("rules", 0, "strong", 0, to=1900),
         "scam_rules.yaml: rules[0] (id fake_authority): strong[0]: Input should be a valid"),
        ("scam_rules.yaml", _set("rules", 0, "card", to="fake_police"),
         "scam_rules.yaml: rules[0] (id fake_authority): card: fake_police is no card of the"
         " awareness packs"),
        ("scam_rules.yaml", _set("rules", 1, "id", to="fake_authority"),
         "scam_rules.yaml: rules: rule fake_authority is defined twice"),
        ("scam_rules.yaml", _set("rules", 0, "phrases", 0, to="Lệnh bắt"),
         "scam_rules.yaml: rules[0] (id fake_authority): phrases: 'lenh bat' is listed twice"),
        ("scam_rules.yaml", _set("threshold", to=0),
         "scam_rules.yaml: threshold: Input should be greater than or equal to 1"),
        ("scam_rules.yaml", _set("threshold", to=200),
         "scam_rules.yaml: rules: rule fake_authority: its phrases can never reach the"
         " threshold 200"),
        ("scam_rules.yaml", _set("odd_phone_prefixes", 0, to="840"),
         "scam_rules.yaml: odd_phone_prefixes[0] ('840'): '840' is not like +882"),
        ("scam_rules.yaml", _set("version", to="1"),
         "scam_rules.yaml: version: expected 1, found '1'"),
    ],
)  # fmt: skip
def test_a_broken_scam_pack_names_file_item_and_field(
    packs: Path, name: str, change: Change, expected: str
) -> None:
    _edit(packs, name, change)
    found = scamcheck.check_packs(packs)
    assert any(p.startswith(f"{packs}/{expected}") for p in found), found
    assert all(p.startswith(f"{packs}/{name}: ") for p in found), found


def test_every_scam_card_needs_a_rule_that_leads_to_it(packs: Path) -> None:
    def drop_the_last_rule(raw: dict[str, Any]) -> None:
        raw["rules"] = [r for r in raw["rules"] if r["card"] != "already_paid"]

    _edit(packs, "scam_rules.yaml", drop_the_last_rule)
    assert scamcheck.check_packs(packs) == [
        f"{packs}/scam_rules.yaml: rules: no rule leads to the scam card already_paid"
    ]


def test_a_scam_rule_without_a_category_is_refused(packs: Path) -> None:
    _edit(packs, "scam_rules.yaml", _set("rules", 0, "category", to=...))
    assert scamcheck.check_packs(packs) == [
        f"{packs}/scam_rules.yaml: rules[0] (id fake_authority): category: '' must be one of"
        " fraud_phone, fraud_online"
    ]


def test_an_advice_rule_needs_no_category(packs: Path) -> None:
    _edit(packs, "scam_rules.yaml", _set("rules", 0, "advice", to=True))
    assert scamcheck.check_packs(packs) == []
    assert scamcheck._read(packs, None).rules[0].category == ""


# --- the packs of words -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "change", "expected"),
    [
        ("tip_categories.yaml", _set("categories", 0, "urgent", to=True),
         "tip_categories.yaml: categories[0] (id happening_now): urgent: unknown key"),
        ("tip_categories.yaml", _set("categories", 1, "vi", to=...),
         "tip_categories.yaml: categories[1] (id fraud_phone): vi: is missing"),
        ("tip_categories.yaml", _set("categories", 0, "in_progress", to="yes"),
         "tip_categories.yaml: categories[0] (id happening_now): in_progress: Input should be a"
         " valid boolean"),
        ("tip_categories.yaml", _set("categories", 2, "id", to="fraud_phone"),
         "tip_categories.yaml: categories: id fraud_phone is used twice"),
        ("tip_categories.yaml", _set("categories", 1, "id", to="Fraud phone"),
         "tip_categories.yaml: categories[1] (id Fraud phone): id: 'Fraud phone' is not"),
        ("tip_categories.yaml", _set("categories", 1, "vi", to=normalize("NFD", "Lừa đảo")),
         "tip_categories.yaml: categories[1] (id fraud_phone): vi: is not NFC (near "),
        ("emergency_words.yaml", _set("danger", to=[]),
         "emergency_words.yaml: danger: has 0 entries (needs at least 1)"),
        ("emergency_words.yaml", _set("not_danger", 0, to="cháy nhà"),
         "emergency_words.yaml: 'cháy nhà' is both danger and not danger"),
        ("emergency_words.yaml", _set("phrase", to=["cháy"]),
         "emergency_words.yaml: phrase: unknown key"),
        ("emergency_words.yaml", _set("danger", 0, to=["dang chay"]),
         "emergency_words.yaml: danger[0]: Input should be a valid string"),
        ("emergency_words.yaml", _set("version", to=...),
         "emergency_words.yaml: version: is missing"),
    ],
)  # fmt: skip
def test_a_broken_words_pack_names_file_item_and_field(
    packs: Path, name: str, change: Change, expected: str
) -> None:
    _edit(packs, name, change)
    found = tips.problems(packs)
    assert any(p.startswith(f"{packs}/{expected}") for p in found), found
    assert all(p.startswith(f"{packs}/{name}: ") for p in found), found


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_set("goodbye", to=["bye"]), "keywords.yaml: goodbye: unknown key"),
        (_set("cancel", to=...), "keywords.yaml: cancel: is missing"),
        (_set("menu", to="menu"), "keywords.yaml: menu: expected a list"),
        (_set("help", 1, to=True), "keywords.yaml: help[1]: Input should be a valid string"),
        (_set("cancel", 0, to="Menu"), "keywords.yaml: 'menu' is a word of menu and cancel"),
    ],
)
def test_a_broken_keywords_pack_names_file_item_and_field(
    packs: Path, change: Change, expected: str
) -> None:
    _edit(packs, "keywords.yaml", change)
    found = keywords.problems(packs / "keywords.yaml")
    assert any(p.startswith(f"{packs}/{expected}") for p in found), found


def test_where_names_the_item_by_id_code_or_text() -> None:
    raw = {"cards": [{"id": "gas_leak", "body": {}}], "banks": [{"code": "VCB"}], "menu": ["x"]}
    assert where_in(raw, ("cards", 0, "body", "vi")) == "cards[0] (id gas_leak): body.vi"
    assert where_in(raw, ("banks", 0, "bin")) == "banks[0] (code VCB): bin"
    assert where_in(raw, ("menu", 0)) == "menu[0] ('x')"
    assert where_in(raw, ("name", "vi")) == "name.vi"
    assert where_in(raw, ()) == ""


# --- start-up ---------------------------------------------------------------------------------


def _broken_awareness(packs: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """Breaks a card of the copy, points the service at it; the problem it must name."""
    folder = packs / "awareness"
    raw = yaml.safe_load((folder / "fire_safety.yaml").read_text(encoding="utf-8"))
    del raw["cards"][1]["action"]
    card = raw["cards"][1]["id"]
    (folder / "fire_safety.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), "utf-8")
    monkeypatch.setattr(awareness, "PACK_DIR", folder)
    return f"{folder}/fire_safety.yaml: cards[1] (id {card}): action: is missing"


def test_a_broken_pack_stops_start_up_with_its_file_item_and_field(
    packs: Path, monkeypatch: pytest.MonkeyPatch, fresh: None
) -> None:
    problem = _broken_awareness(packs, monkeypatch)
    _edit(packs, "tip_categories.yaml", _set("categories", 0, "vi", to=...))
    monkeypatch.setattr(tips, "PACKS", packs)
    with pytest.raises(SystemExit) as stopped:
        runtime.load_content()
    message = str(stopped.value.code)
    assert message.splitlines()[0] == "Bad content packs:"
    assert problem in message.splitlines()
    assert f"{packs}/tip_categories.yaml: categories[0] (id happening_now): vi: is missing" in (
        message.splitlines()
    )
    assert "Traceback" not in message


def test_binhyen_serve_refuses_to_start_on_a_broken_pack(
    packs: Path, monkeypatch: pytest.MonkeyPatch, fresh: None
) -> None:
    import uvicorn

    problem = _broken_awareness(packs, monkeypatch)

    def serve(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("the service started with a broken pack")

    monkeypatch.setattr(uvicorn, "run", serve)
    with pytest.raises(SystemExit) as stopped:
        main(["serve", "--port", "0"])
    # A string code: Python prints it to stderr and exits with status 1.
    assert isinstance(stopped.value.code, str) and problem in stopped.value.code


def test_flows_refuse_a_broken_pack_with_the_same_message(
    packs: Path, monkeypatch: pytest.MonkeyPatch, fresh: None
) -> None:
    problem = _broken_awareness(packs, monkeypatch)
    with pytest.raises(PackError) as refused:
        awareness.topics()
    assert refused.value.problems == (problem,)
    with pytest.raises(PackError, match="action: is missing"):
        scamcheck.packs()  # its rules lead to the awareness cards


def test_a_broken_holiday_pack_stops_start_up_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from content import holidays

    broken = tmp_path / "holidays.yaml"
    broken.write_text("version: 2\ndays_off:\n  - {date: 2026-09-03, name_vi: x}\n", "utf-8")
    monkeypatch.setattr(holidays, "_PATH", broken)
    holidays.pack.cache_clear()
    try:
        with pytest.raises(SystemExit) as stopped:
            runtime.load_content()
    finally:
        holidays.pack.cache_clear()
    problem = "holidays.yaml: days_off[0] (date 2026-09-03): name_en: is missing"
    assert problem in str(stopped.value.code)
