import unicodedata

from babel.messages.pofile import read_po

from content.check import check_all, used_ids
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
