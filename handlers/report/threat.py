"""A reporter who says they, or someone close to them, are threatened ("tôi bị đe dọa",
"họ dọa sẽ giết tôi", "con tôi bị đe dọa"), read where they tell what happened: the tip asks
for protection (CPC art. 484(1): the reporter and their relatives are protected persons), is
urgent, and they are told at once to call 113 if in danger.

Who is threatened, as people write it:

* the writer: "tôi/tui/tao/em/cháu bị [đang] … đe dọa" (up to GAP words between "bị" and the
  verb: "tôi bị kẻ lạ mặt gọi điện đe dọa"), "mình" only as written (the name Minh is
  "minh"); "bị đe dọa" opening a sentence, with no subject, as Vietnamese drops it; "… dọa
  [sẽ] [giết] tôi";
* someone close: the same with a family word before the pronoun ("con tôi bị đe dọa", "dọa
  giết cả nhà tôi"): a relative is protected too, and the reply says so in other words;
* nobody else: "hắn đe dọa hàng xóm" is a tip about someone else.

Words are compared as content.text.spells says: a word typed without its marks spells the
marked word ("doa" is "dọa"), a word with other marks does not ("dọn", "đô" are not "dọa");
the tone of "oa" may sit on either vowel ("doạ" is "dọa"). Not when denied ("không ai dọa
tôi") or supposed ("nếu tôi bị đe dọa").
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Sequence

from content.text import spells
from content.understand import BREAK, tokens


class Threat(enum.Enum):
    NONE = "none"
    ME = "me"  # the writer
    CLOSE = "close"  # someone close to the writer


# Who "bị" (suffers) the threat, and who is threatened after the verb.
PRONOUNS = ("tôi", "tui", "tao", "em", "cháu")
AS_WRITTEN = ("mình",)  # "minh" is as often the name Minh ("anh Minh bị đe dọa")
# A family word before the pronoun makes it someone close: "con tôi", "vợ em", "cả nhà tôi".
FAMILY = (
    "con",
    "bố",
    "ba",
    "mẹ",
    "má",
    "vợ",
    "chồng",
    "anh",
    "chị",
    "em",
    "ông",
    "bà",
    "cháu",
    "nhà",
    "đình",  # gia đình tôi
    "gái",  # em gái tôi, con gái tôi
    "trai",
    "út",
    "bạn",  # someone close, not a relative: the reply says "người thân"
)
VERBS = (
    ("đe", "dọa"),
    ("hăm", "dọa"),
    ("hăm", "he"),
    ("uy", "hiếp"),
    ("khủng", "bố"),
    ("tống", "tiền"),
    ("trả", "thù"),
    ("dọa",),
)
# "sẽ giết tôi", "đòi giết cả nhà tôi": a harm meant, said without "dọa".
INTENT = ("sẽ", "đòi", "định", "muốn", "bảo")
KILL = ("giết", "chém", "đâm", "xử", "tạt", "đốt")
# A threat of arrest is a phone scam's script ("giả công an dọa bắt tôi"), not a threat to
# the reporter: "bắt" counts only as "bắt cóc" (kidnap).
KIDNAP = ("bắt", "cóc")
# Between "bị" and the verb, and between the verb and the person, these may stand.
ON_GOING = ("đang", "vẫn", "cứ", "liên", "tục", "sợ", "bị")
# What the threat is of: "dọa giết tôi", "dọa sẽ đánh tôi", "dọa tung ảnh của tôi".
BETWEEN = (
    "sẽ",
    "giết",
    "đánh",
    "chém",
    "đâm",
    "xử",
    "trả",
    "thù",
    "tạt",
    "đốt",
    "tung",
    "đăng",
    "ảnh",
    "clip",
    "hình",
    "của",
    "cả",
    "tinh",  # khủng bố tinh thần tôi
    "thần",
)
GAP = 5  # words between "bị" and the verb: "tôi bị bọn cho vay nặng lãi đe dọa"
NOT_SO = ("không", "chưa", "chẳng", "chả", "nếu")  # up to 3 words before: denied, supposed
NOT_SO_REACH = 3

_TONE = "[\u0300\u0301\u0303\u0309\u0323]"
_SECOND_VOWEL = re.compile(rf"(o)([ae])({_TONE})")


def _tone_placed(word: str) -> str:
    """The tone of oa and oe on the first vowel, as the words here are written: 'doạ' → 'dọa'."""
    moved = _SECOND_VOWEL.sub(r"\1\3\2", unicodedata.normalize("NFD", word))
    return unicodedata.normalize("NFC", moved)


def _is(word: str, options: Sequence[str]) -> bool:
    return any(spells(word, meant) for meant in options)


def _person(word: str) -> bool:
    return _is(word, PRONOUNS) or word in AS_WRITTEN


def _whose(said: Sequence[str], at: int) -> Threat:
    """The writer, or someone close when a family word stands before the pronoun at `at`."""
    if at > 1 and spells(said[at - 1], "nhà") and spells(said[at - 2], "cả"):
        return Threat.ME  # "cả nhà tôi": the writer's whole household, the writer too
    if at > 0 and said[at - 1] != BREAK and _is(said[at - 1], FAMILY):
        return Threat.CLOSE
    return Threat.ME


def _verb_at(said: Sequence[str], i: int) -> int:
    """The length of the threat verb at `i`, 0 when there is none."""
    for verb in VERBS:
        end = i + len(verb)
        if end <= len(said) and all(spells(said[i + k], w) for k, w in enumerate(verb)):
            return len(verb)
    return 0


def _denied(said: Sequence[str], start: int) -> bool:
    for word in reversed(said[max(0, start - NOT_SO_REACH) : start]):
        if word == BREAK:
            return False
        if _is(word, NOT_SO):
            return True
    return False


def _verb_after_bi(said: Sequence[str], at: int) -> bool:
    """A threat verb within GAP words from `at` (just after "bị"), in the same sentence."""
    for k in range(at, min(at + 1 + GAP, len(said))):
        if said[k] == BREAK:
            return False
        if _verb_at(said, k):
            return True
    return False


def _suffered(said: Sequence[str], i: int) -> Threat:
    """'tôi [đang] bị … đe dọa' from `i`; 'bị đe dọa' opening a sentence."""
    opens = i == 0 or said[i - 1] == BREAK
    if _person(said[i]):
        at = i + 1
        while at < len(said) and _is(said[at], ON_GOING) and not spells(said[at], "bị"):
            at += 1
        if at < len(said) and spells(said[at], "bị") and _verb_after_bi(said, at + 1):
            return _whose(said, i)
        return Threat.NONE
    if opens:
        at = i
        while at < len(said) and _is(said[at], ON_GOING) and not spells(said[at], "bị"):
            at += 1
        if at < len(said) and spells(said[at], "bị") and _verb_after_bi(said, at + 1):
            return Threat.ME
    return Threat.NONE


def _aimed(said: Sequence[str], i: int) -> Threat:
    """'đe dọa [sẽ giết] [cả nhà] tôi' from `i`."""
    length = _verb_at(said, i)
    if not length:
        return Threat.NONE
    return _object_from(said, i + length)


def _object_from(said: Sequence[str], at: int) -> Threat:
    """The person a threat is aimed at, from `at`: '[sẽ giết] [cả nhà] tôi'."""
    while at < len(said) and said[at] != BREAK:
        follows = at + 1 < len(said) and said[at + 1] != BREAK
        if _person(said[at]) and not (follows and _person(said[at + 1])):
            return _whose(said, at)  # "em" before "tôi" is a family word: "em tôi"
        if follows and spells(said[at], KIDNAP[0]) and spells(said[at + 1], KIDNAP[1]):
            at += 2
            continue
        if not (_is(said[at], BETWEEN) or _is(said[at], FAMILY)):
            return Threat.NONE
        at += 1
    return Threat.NONE


def _meant(said: Sequence[str], i: int) -> Threat:
    """'sẽ giết tôi', 'đòi giết cả nhà tôi', quoted 'tao sẽ giết mày': a killing meant."""
    if not _is(said[i], INTENT) or i + 1 >= len(said) or not _is(said[i + 1], KILL):
        return Threat.NONE
    at = i + 2
    if at < len(said) and said[at] in ("mày", "may") and "tao" in said[:i]:
        return Threat.ME  # a threat quoted as it was said to the writer
    return _object_from(said, at)


def who_threatened(text: str) -> Threat:
    """Whether the message says its writer, or someone close to them, is threatened."""
    english = _in_english(text)
    if english is not Threat.NONE:
        return english
    said = [_tone_placed(w) for w in tokens(text)]
    found = Threat.NONE
    for i in range(len(said)):
        for reading in (_suffered(said, i), _aimed(said, i), _meant(said, i)):
            if reading is Threat.NONE or _denied(said, i):
                continue
            if reading is Threat.ME:
                return Threat.ME
            found = Threat.CLOSE
    return found


_EN_ME = re.compile(
    r"\b(?:i|we)(?:'m| am| are|'ve been| have been| was| were)? ?(?:being )?threatened\b"
    r"|\bthreat(?:en|ens|ened|ening)\b(?: to \w+)? (?:me|us)\b",
    re.IGNORECASE,
)
_EN_CLOSE = re.compile(
    r"\bthreat(?:en|ens|ened|ening)\b(?: to \w+)? (?:my|our) \w+"
    r"|\b(?:my|our) \w+ (?:is|are|was|were|has been|have been) (?:being )?threatened\b",
    re.IGNORECASE,
)


def _in_english(text: str) -> Threat:
    if _EN_ME.search(text):
        return Threat.ME
    if _EN_CLOSE.search(text):
        return Threat.CLOSE
    return Threat.NONE


def threatened(text: str) -> bool:
    return who_threatened(text) is not Threat.NONE
