"""The organisations scammers imitate: whose address a domain is, and whose it looks like
(look-alike letters, a brand hidden in the name, a letter or two away from it).
"""

from __future__ import annotations

import re
import unicodedata

from content.scamcheck.loading import packs

_CONFUSABLE = str.maketrans(
    {
        "а": "a", "в": "b", "е": "e", "ё": "e", "к": "k", "м": "m", "н": "h", "о": "o",
        "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "і": "i", "ї": "i", "ј": "j",
        "ѕ": "s", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w", "ӏ": "l", "α": "a", "β": "b",
        "ε": "e", "ι": "i", "κ": "k", "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u",
        "χ": "x", "ı": "i", "ł": "l", "ɡ": "g", "ɑ": "a", "ℓ": "l",
    }
)  # fmt: skip
_DIGIT_AS = (str.maketrans("013457", "oleast"), str.maketrans("013457", "oieast"))


def _fold_char(ch: str) -> str:
    """One character folded to one (positions kept): accents and case gone, đ → d."""
    if ch in "đĐ":
        return "d"
    base = unicodedata.normalize("NFD", ch)[0]
    lower = base.lower()
    return lower if len(lower) == 1 else base


class _FoldTable(dict[int, str]):
    """str.translate table that folds each character on first sight and remembers it."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_FOLD_TABLE = _FoldTable()


def fold_keep(text: str) -> str:
    """`fold` without collapsing spaces: the folded text has the same length as the text."""
    return text.translate(_FOLD_TABLE)


def _skeletons(text: str) -> set[str]:
    """What a name looks like to a reader: look-alike letters and digits mapped to the Latin
    letter they imitate, "rn" read as "m", accents dropped; one skeleton per reading of "1"."""
    base = fold_keep(text.lower()).translate(_CONFUSABLE)
    out = set()
    for digits in _DIGIT_AS:
        mapped = base.translate(digits).replace("rn", "m").replace("vv", "w")
        out.add(re.sub(r"[^a-z0-9]", "", mapped))
    return out


def _within(a: str, b: str, limit: int) -> bool:
    """Levenshtein distance of a and b at most `limit`."""
    if abs(len(a) - len(b)) > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


def official_of(domain: str) -> str:
    best, best_len = "", 0
    for entry in packs().official:
        for known in entry.domains:
            if (domain == known or domain.endswith("." + known)) and len(known) > best_len:
                best, best_len = entry.id, len(known)
    return best


def lookalike_of(unicode_host: str) -> str:
    """The organisation whose address this name imitates, or ""."""
    p = packs()
    joined = _skeletons(unicode_host)
    tokens = {s for part in re.split(r"[.\-_]", unicode_host) if part for s in _skeletons(part)}
    extra = p.extra_words

    def short_match(brand: str, token: str) -> bool:
        if token == brand:
            return True
        if token.startswith(brand) and token[len(brand) :] in extra:
            return True
        return token.endswith(brand) and token[: -len(brand)] in extra

    for entry in p.official:  # a brand written out, or hidden in the name
        for brand in entry.brands:
            if len(brand) >= 5 and any(brand in j for j in joined):
                return entry.id
            if len(brand) < 5 and any(short_match(brand, t) for t in tokens):
                return entry.id
    sized = [(t, frozenset(t)) for t in tokens if len(t) >= 5]
    for entry in p.official:  # a letter or two away from a brand
        for brand in entry.brands:
            if len(brand) < 5:
                continue
            limit = 1 if len(brand) < 8 else 2
            letters = frozenset(brand)
            for token, token_letters in sized:
                # Cheap tests first: each edit changes the length or loses a letter by one.
                if abs(len(token) - len(brand)) > limit or len(letters - token_letters) > limit:
                    continue
                if _within(brand, token, limit):
                    return entry.id
    return ""
