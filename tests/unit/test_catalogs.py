import os
import re
import subprocess
import sys
import unicodedata
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from content.check import KEYWORDS, ROOT, SOURCE_DIRS, check_all, used_ids
from content.extract import extract
from content.i18n import LANGUAGES, po_path, translate


def test_catalogs_compile_and_cover_every_id_in_both_languages() -> None:
    assert check_all() == []


def test_extraction_finds_the_ids_the_flows_use() -> None:
    ids = used_ids()
    assert {"start.greeting", "menu.title", "emergency.text", "input.too_long"} <= ids


def test_vietnamese_catalog_is_nfc_with_diacritics() -> None:
    with po_path("vi").open("rb") as fh:
        catalog = read_po(fh)
    texts = [str(m.string) for m in catalog if m.id]
    assert all(unicodedata.is_normalized("NFC", t) for t in texts)
    assert any("ư" in t or "ơ" in t or "đ" in t for t in texts)


def test_translate_falls_back_and_formats() -> None:
    assert translate("area.saved", "en", {"commune": "A", "province": "B"}) == (
        "Your area is saved: A, B."
    )
    assert translate("area.saved", "xx", {"commune": "A", "province": "B"}).startswith("Đã lưu")
    assert translate("no.such.id", "vi") == "no.such.id"
    assert set(LANGUAGES) == {"vi", "en"}


# Every form in which the source names a message id; the line before each call uses names that
# are also keywords (`event.choice`, `self.say`), which once made Babel's tokenizer lose the call.
CALL_FORMS = """
from handlers.common import choice, say
from handlers.model import Msg
from content.i18n import translate


def flow(event, ctx, lang):
    if event.kind is Kind.CHOICE and event.choice in ITEMS:
        return [say("forms.say_after_attribute", item=ITEMS[event.choice]), *show(ctx)]
    ctx.say = event.say
    replies = [say("forms.say_plain"), say("forms.say_kwargs", a=1, b=event.choice)]
    replies.append(Msg("forms.msg_params", {"n": 1}))
    text = Msg(
        "forms.msg_multiline",
        {"when": event.choice},
    )
    items = [choice("menu:x", "forms.choice_second"), choice(f"x:{lang}", "forms.choice_fstring")]
    items.append(choice(NAV, "forms.choice_kwargs", commune=event.choice))
    label = translate("forms.translate", lang, {"x": 1})
    nested = say("forms.nested_outer", inner=translate("forms.nested_inner", lang))
    return replies, text, items, label, nested, lambda: say("forms.in_lambda")
"""
CALL_FORM_IDS = {
    "forms.say_after_attribute",
    "forms.say_plain",
    "forms.say_kwargs",
    "forms.msg_params",
    "forms.msg_multiline",
    "forms.choice_second",
    "forms.choice_fstring",
    "forms.choice_kwargs",
    "forms.translate",
    "forms.nested_outer",
    "forms.nested_inner",
    "forms.in_lambda",
}


def _extracted(folder: Path) -> set[str]:
    found = extract_from_dir(
        str(folder), method_map=[("**.py", extract)], keywords=KEYWORDS, strip_comment_tags=True
    )
    return {message for _file, _line, message, _comments, _ctx in found}


def test_extraction_finds_every_call_form_the_code_uses(tmp_path: Path) -> None:
    (tmp_path / "flows.py").write_text(CALL_FORMS, encoding="utf-8")
    found = _extracted(tmp_path)
    assert found == CALL_FORM_IDS
    # choice's first argument is the button's id, never a message
    assert "menu:x" not in found


def test_pybabel_with_the_projects_config_finds_the_same_ids(tmp_path: Path) -> None:
    source = tmp_path / "src"
    source.mkdir()
    (source / "flows.py").write_text(CALL_FORMS, encoding="utf-8")
    config = tmp_path / "babel.cfg"
    config.write_text((ROOT / "babel.cfg").read_text().replace("bot/**.py", "src/**.py"))
    pot = tmp_path / "out.pot"
    pybabel = Path(sys.executable).with_name("pybabel")
    keywords = ["-k", "Msg", "-k", "say", "-k", "translate", "-k", "choice:2"]
    subprocess.run(
        [pybabel, "-q", "extract", "-F", config, *keywords, "-o", pot, "."],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
    )
    with pot.open("rb") as fh:
        assert {str(m.id) for m in read_po(fh) if m.id} == CALL_FORM_IDS


def test_every_id_of_the_source_is_found_by_the_tree_and_no_call_is_missed() -> None:
    """Each `say(`/`Msg(`/`translate(` with a literal first argument in our source gives an
    id (a line-based count, independent of any extractor)."""
    literal = re.compile(r"\b(?:say|Msg|translate)\(\s*\"([a-z0-9_]+\.[a-z0-9_.]+)\"")
    written: set[str] = set()
    for folder in SOURCE_DIRS:
        for path in (ROOT / folder).rglob("*.py"):
            written |= set(literal.findall(path.read_text(encoding="utf-8")))
    assert written and written <= used_ids()
