"""Text normalisation shared by every lookup that must ignore accents and case."""

from __future__ import annotations

import re
import unicodedata

_SPACES = re.compile(r"\s+")
# Control and invisible formatting characters, and the blanks that look like nothing: the
# Arabic letter mark, the Mongolian vowel separator, the Hangul fillers, the blank braille
# pattern and the tag characters.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\u2800\u3164\ufeff\uffa0\U000e0000-\U000e007f]"
)


def fold(text: str) -> str:
    """Lower-case, strip diacritics (đ → d) and collapse white space: 'Ba  Đình' → 'ba dinh'."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return _SPACES.sub(" ", bare).strip().lower()


def clean(text: str) -> str:
    """NFC text without control or invisible formatting characters, trimmed."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", text)).strip()


def has_words(text: str) -> bool:
    """True when the text holds at least one letter or digit (not only emoji or symbols)."""
    return any(ch.isalnum() for ch in text)


def letters(text: str) -> str:
    """Lower-case letters and digits, marks kept, single spaces: 'Tổ  5.' → 'tổ 5'."""
    kept = "".join(ch if ch.isalnum() else " " for ch in clean(text).casefold())
    return " ".join(kept.split())


def typed_as(typed: str, name: str) -> bool:
    """Whether what was typed spells `name`, marks left out allowed but never other ones:
    'thon dong' and 'Thon Đông' spell 'Thôn Đông'; 'Thôn Đồng' does not (a resident who
    typed a mark meant it, and Đông and Đồng are two places)."""
    said, meant = letters(typed), letters(name)
    if len(said) != len(meant):
        return False
    return all(s == m or (fold(s) == s and fold(m) == s) for s, m in zip(said, meant, strict=True))


def words(text: str) -> list[str]:
    """The words of a message, lower case with their marks, NFC: 'Cứu  tôi!!' → ['cứu', 'tôi']."""
    return letters(text).split()


def spells(typed: str, meant: str) -> bool:
    """Whether a typed word spells `meant`: each letter is the meant letter, or that letter
    without any mark ('u' for 'ừ', 'd' for 'đ'), never with another mark or with only some
    of them ('thương' is a word of its own, not 'thường' typed without its tone): 'dung' and
    'dừng' spell 'dừng'; 'đúng', 'dùng' and 'dưng' do not; 'chay' spells 'cháy' and 'chạy',
    'chạy' only 'chạy'. Both words lower case NFC (`words` gives them so)."""
    if typed == meant:
        return True
    if len(typed) != len(meant):
        return False
    return all(
        said == written or said == fold(written) for said, written in zip(typed, meant, strict=True)
    )
