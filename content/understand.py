"""What a resident means by what they type: an intent, a tip's category, an awareness topic,
and whether someone is in danger now, from the packs keywords.yaml, intents.yaml and
emergency_words.yaml. No channel and no storage here: text in, a `Reading` out.

Vietnamese done right: words are compared with their marks (content.text.spells), so text
typed with diacritics means what it says ("Đúng" is not "Dừng", "chạy" is not "cháy") and text
typed without them matches every word it could spell, the packs' `not_danger` phrases and the
weights settling which. Short forms people text ("ko", "đc", "sđt", "ck") are read as the
words they stand for.

Where a message is read changes what may be taken from it (`Where`): at the menu everything;
inside a flow the same, but a stop only as written ("dừng", not "dung", which is "đúng" as
often); at a step where text is content (a tip's description) only a whole-message word; in
an answer to the police only "menu", "hủy" and a stop word naming the messages, typed as
written and alone ("dừng nhận tin"): any sentence there is the answer.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache
from pathlib import Path

from content.schema.base import Reader, load
from content.schema.intents import Intents, split_weight
from content.schema.words import EmergencyWords, Keywords
from content.text import fold, spells, words

__all__ = [
    "Reading",
    "Where",
    "named_category",
    "named_language",
    "read",
    "tokens",
    "urgency",
    "whole_intent",
]

PACKS = Path(__file__).parent / "packs"

# Below this score an intent is a guess: asked about, never acted on.
SURE = 2.0
# Two intents this close are asked about.
CLOSE = 1.0
# Scam words in a message with a phone number, link or account: a check is what helps.
INDICATOR_WEIGHT = 3.0
# A sentence asking to stop messages is read as such only when it is short.
STOP_WORDS = 12
# Intents that, sure beside a way to reach the police, say what the message is for ("liên hệ
# công an để tố cáo" is a tip; "tôi bị lừa, liên hệ công an thế nào", the help for it).
_BEFORE_CONTACT = ("report", "scammed", "check", "follow")


class Where(enum.StrEnum):
    MENU = "menu"  # the main menu
    STEP = "step"  # inside a flow: a bare "dung" there is "đúng" as often as "dừng"
    TEXT = "text"  # a step where text is content: a tip's description, a date, a name
    ANSWER = "answer"  # an answer to a police question


@dataclass(frozen=True, slots=True)
class Reading:
    intent: str | None = None  # None: nothing to act on
    category: str | None = None  # a tip category the text names
    topic: str | None = None  # an awareness topic the text names
    urgent: tuple[str, ...] = ()  # the words that say someone is in danger now, as typed
    maybe: tuple[str, ...] = ()  # unsure: the likely intents, best first
    scores: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class _Hit:
    start: int
    end: int
    label: str
    weight: float


class _Phrases:
    """Phrases found in a list of typed words, each word spelled as content.text.spells says;
    indexed by the folded first word, so a message costs a lookup per word."""

    def __init__(self, phrases: Iterable[tuple[str, str, float]]) -> None:
        self._index: dict[str, list[tuple[tuple[str, ...], str, float]]] = {}
        for text, label, weight in phrases:
            said = tuple(words(text))
            if said:
                self._index.setdefault(fold(said[0]), []).append((said, label, weight))

    def find(self, said: Sequence[str], folded: Sequence[str]) -> list[_Hit]:
        hits = []
        for i, first in enumerate(folded):
            for phrase, label, weight in self._index.get(first, ()):
                end = i + len(phrase)
                if end <= len(said) and all(
                    spells(said[i + k], word) for k, word in enumerate(phrase)
                ):
                    hits.append(_Hit(i, end, label, weight))
        return hits

    def firsts(self) -> frozenset[str]:
        """The folded first words of the phrases: a message with none of them has no hit."""
        return frozenset(self._index)

    def whole(self, said: Sequence[str], folded: Sequence[str]) -> tuple[str, bool] | None:
        """The label of a phrase that is the whole of `said`, if any, and whether it was typed
        as written (every mark, or a phrase without marks), not only spelled."""
        for hit in self.find(said, folded):
            if hit.start == 0 and hit.end == len(said):
                return hit.label, self._as_written(said)
        return None

    def _as_written(self, said: Sequence[str]) -> bool:
        for phrase, _label, _weight in self._index.get(fold(said[0]), ()):
            if tuple(said) == phrase:
                return True
        return False


@cache
def _keywords() -> Keywords:
    return load(Keywords, PACKS / "keywords.yaml")


@cache
def _intents() -> Intents:
    return load(Intents, PACKS / "intents.yaml")


@cache
def _danger() -> EmergencyWords:
    return load(EmergencyWords, PACKS / "emergency_words.yaml")


def _weighted(label: str, phrases: Iterable[str]) -> Iterable[tuple[str, str, float]]:
    for phrase in phrases:
        text, weight = split_weight(phrase)
        yield text, label, weight


@cache
def _whole_words() -> _Phrases:
    return _Phrases(
        (word, intent, 1.0)
        for intent, listed in _keywords().intent_words().items()
        for word in listed
    )


@cache
def _as_written() -> dict[str, str]:
    """keywords.yaml's words as written, lower case: the message that is exactly one of them."""
    return {
        " ".join(word.casefold().split()): intent
        for intent, listed in _keywords().intent_words().items()
        for word in listed
    }


@cache
def _free() -> tuple[_Phrases, _Phrases, _Phrases]:
    pack = _intents()
    return (
        _Phrases(p for intent, ps in pack.intents.items() for p in _weighted(intent, ps)),
        _Phrases(p for cat, ps in pack.categories.items() for p in _weighted(cat, ps)),
        _Phrases(p for topic, ps in pack.topics.items() for p in _weighted(topic, ps)),
    )


@cache
def _urgency_lists() -> dict[str, _Phrases]:
    pack = _danger()
    lists = {
        "danger": pack.danger,
        "needs_now": pack.needs_now,
        "now": pack.now,
        "now_words": pack.now_words,
        "past": pack.past,
        "unreal": pack.unreal,
        "story": pack.story,
        "negation": pack.negation,
        "not_danger": pack.not_danger,
    }
    return {name: _Phrases((p, name, 1.0) for p in phrases) for name, phrases in lists.items()}


@cache
def _other_senders() -> _Phrases:
    return _Phrases((p, "other", 1.0) for p in _intents().other_senders)


@cache
def _contact_words() -> tuple[_Phrases, _Phrases]:
    """intents.yaml's `contact_words`: a call received, and the police needed now (labelled
    with the phrase itself, to tell a word typed as written from one only spelled)."""
    found = _intents().contact_words
    return (
        _Phrases((p, "received", 1.0) for p in found.received),
        _Phrases((split_weight(p)[0], split_weight(p)[0], 1.0) for p in found.now),
    )


@cache
def _abbreviations() -> dict[str, tuple[str, ...]]:
    return {short: tuple(words(full)) for short, full in _intents().abbreviations.items()}


_CLAUSE = re.compile(r"[,;.!?:()\n]+")
BREAK = ","  # between clauses: no phrase reaches across it


# One message is read by several checks of the router in one turn (a whole word, danger, free
# text): each reading is kept for the next check, a few hundred messages back.
_RECENT = 512


def tokens(text: str) -> list[str]:
    """The words of a message as they are read: lower case, marks kept, NFC (NFD input too),
    short forms written out ('ko' → 'không', 'sđt' → 'số điện thoại'), and `BREAK` between
    clauses so that no phrase is read across a comma ("bị bố dượng đánh, người tím")."""
    return list(_tokens(text))


@lru_cache(maxsize=_RECENT)
def _tokens(text: str) -> tuple[str, ...]:
    short = _abbreviations()
    said: list[str] = []
    for clause in _CLAUSE.split(text):
        found = words(clause)
        if not found:
            continue
        if said:
            said.append(BREAK)
        for word in found:
            word = _once_each(word)
            said.extend(short.get(word, (word,)))
    return tuple(said)


def _once_each(word: str) -> str:
    """A letter held down, as in a cry for help: 'cứuuu' → 'cứu', 'cuuu' → 'cuu', 'dừngggg' →
    'dừng'. A letter three times or more is kept twice if a vowel, once if a consonant (no
    Vietnamese word has more); digits and letters twice ('hello', 'cừu') are left as typed."""
    kept: list[str] = []
    run: list[str] = []
    for letter in [*word, ""]:
        if run and letter and fold(letter) == fold(run[0]) and letter.isalpha():
            run.append(letter)
            continue
        if len(run) >= 3:
            run = run[:2] if fold(run[0]) in _VOWELS else run[:1]
        kept.extend(run)
        run = [letter] if letter else []
    return "".join(kept)


_VOWELS = frozenset("aeiouy")


def _words_only(said: list[str]) -> list[str]:
    return [word for word in said if word != BREAK]


def _folded(said: Sequence[str]) -> list[str]:
    return [fold(word) for word in said]


def _trimmed(said: list[str]) -> list[str]:
    """The words without the polite ones at the end ('dừng nhé' → 'dừng'), never none."""
    end = len(said)
    polite = _keywords().polite
    while end > 1 and any(spells(said[end - 1], word) for word in polite):
        end -= 1
    return said[:end]


@lru_cache(maxsize=_RECENT)
def whole_intent(text: str, *, where: Where = Where.MENU) -> str | None:
    """The intent a whole message names by one of keywords.yaml's words ('Menu', 'dừng nhé',
    'khẩn cấp'), or None. Inside a flow a stop must be typed as written ('dừng', 'STOP'):
    'dung' there answers the step as often as it stops. In an answer to the police only menu,
    cancel and a stop naming the messages, typed as written ('dừng nhận tin'); 'Dừng' alone
    answers the question."""
    written = _as_written().get(" ".join(text.casefold().split()).strip(" .!?"))
    # "menu", "khẩn cấp", "113" typed as written: found at once (in an answer a stop goes the
    # long way below: it must name the messages).
    if written is not None and (where is not Where.ANSWER or written in ("menu", "cancel")):
        return written
    said = _trimmed(_words_only(tokens(text)))
    if not said:
        return None
    found = _whole_words().whole(said, _folded(said))
    if found is None:
        return None
    intent, as_written = found
    if where is Where.ANSWER:
        if intent == "stop":  # "dừng nhận tin" on its own, as written; never "Dừng" alone
            return intent if as_written and len(said) > 1 and _about_messages(said) else None
        return intent if intent in ("menu", "cancel") else None
    if intent == "stop" and where is not Where.MENU and not as_written:
        return None
    return intent


# Words in quotes are someone else's ("Tôi nhận được tin nhắn: 'Con đang bị tai nạn…'"): a
# scam's story, not a danger the resident sees. A single quote opens after a space or a colon
# only, so "it's" and "don't" quote nothing.
_QUOTED = re.compile(
    r"“[^”]{8,}”|\"[^\"]{8,}\"|‘[^’]{8,}’|«[^»]{8,}»|(?:^|(?<=[\s:]))'[^']{8,}'(?=$|[\s.,!?;:])"
)


def _unquoted(text: str) -> str:
    return _QUOTED.sub(" , ", text)


# A day or a year written in figures puts a story in the past ("Ngày 20/11 có người đánh
# nhau", "năm 2020 có cháy lớn"); a danger happening now carries no date.
_DATED = re.compile(r"(?<!\d)\d{1,2}\s*[/.-]\s*\d{1,2}(?!\d)|\bn[aă]m\s+(?:19|20)\d\d\b", re.I)


@lru_cache(maxsize=_RECENT)
def urgency(text: str) -> tuple[str, ...]:
    """The words that say someone is in danger now, as the resident typed them; () when the
    message does not say so (in the past, denied, a question, quoted, or nothing of danger)."""
    unquoted = _unquoted(text)
    return _urgency_of(tokens(unquoted), dated=bool(_DATED.search(unquoted)))


def _near_before(hits: list[_Hit], start: int, reach: int = 3) -> _Hit | None:
    return next((h for h in hits if start - reach <= h.start and h.end <= start), None)


def _near(hits: list[_Hit], hit: _Hit, reach: int = 4) -> _Hit | None:
    """A hit up to `reach` words before or after `hit`, not overlapping it."""
    return next(
        (
            h
            for h in hits
            if (hit.start - reach <= h.start and h.end <= hit.start)
            or (hit.end <= h.start and h.end <= hit.end + reach)
        ),
        None,
    )


@cache
def _danger_firsts() -> frozenset[str]:
    lists = _urgency_lists()
    return lists["danger"].firsts() | lists["needs_now"].firsts() | lists["now"].firsts()


def _urgency_of(said: list[str], *, dated: bool = False) -> tuple[str, ...]:
    folded = _folded(said)
    if _danger_firsts().isdisjoint(folded):  # most messages: not one word of danger
        return ()
    lists = _urgency_lists()
    found = {name: phrases.find(said, folded) for name, phrases in lists.items()}
    other_meaning = [(h.start, h.end) for h in found["not_danger"]]

    def meant(hit: _Hit) -> bool:
        return not any(hit.start < end and start < hit.end for start, end in other_meaning)

    def denied(hit: _Hit) -> bool:
        return _near_before(found["negation"], hit.start) is not None

    if found["story"]:  # a scam's story told to them, a tip already sent: nobody in danger
        return ()
    in_past = dated or bool(found["past"])
    unreal = bool(found["unreal"])
    for hit in found["now"]:
        if meant(hit) and not denied(hit):
            return (" ".join(said[hit.start : hit.end]),)
    for name in ("danger", "needs_now"):
        for hit in sorted(found[name], key=lambda h: h.start - h.end):  # longest first
            if not meant(hit) or denied(hit):
                continue
            marker = _near([h for h in found["now_words"] if meant(h)], hit)
            if marker is not None and not in_past:
                start, end = min(marker.start, hit.start), max(marker.end, hit.end)
                return (" ".join(said[start:end]),)
            if name == "danger" and not in_past and not unreal:
                return (" ".join(said[hit.start : hit.end]),)
    return ()


def _best(scores: dict[str, float]) -> str | None:
    return max(scores, key=lambda key: scores[key]) if scores else None


@lru_cache(maxsize=_RECENT)
def read(text: str, *, where: Where = Where.MENU, indicators: bool = False) -> Reading:
    """What a message means, read where it was typed. `indicators`: the message holds a phone
    number, a link or a bank account (the scam check's extractor says so; the caller asks it,
    this module knows no checks)."""
    said = tokens(text)
    if not said:
        return Reading()
    whole = whole_intent(text, where=where)
    if where is Where.ANSWER:  # the police asked: a sentence is their answer, whatever it says
        return Reading(intent=whole)
    urgent = urgency(text)
    if whole is not None and not (whole in ("start", "help") and urgent):
        return Reading(intent=whole, urgent=urgent)
    if where is Where.TEXT:
        return Reading(urgent=urgent)
    if urgent:
        return Reading(intent="emergency", urgent=urgent)
    if named_language(text):  # "đổi sang tiếng Anh giúp tôi": asked for, plainly
        return Reading(intent="settings")
    dated = bool(_DATED.search(_unquoted(text)))
    return _free_reading(said, indicators=indicators, dated=dated)


def _about_messages(said: list[str]) -> bool:
    """An answer to the police asks to stop only when it names the messages ("đừng gửi tin
    nữa"): "hủy đăng ký" alone may be what a scammer told them to do."""
    named = _intents().messages
    return any(spells(word, meant) for word in said for meant in named)


def named_language(text: str) -> str | None:
    """The one language a message asks for ("đổi sang tiếng Anh" → "en"): named right after
    an ask ("đổi sang", "switch to"); "tôi không biết tiếng Anh" asks for none."""
    said = tokens(text)
    folded = _folded(said)
    if _urgency_lists()["negation"].find(said, folded):  # "tôi không nói tiếng Anh"
        return None
    asks = {hit.end for hit in _language_asks().find(said, folded)}
    found = {hit.label for hit in _languages().find(said, folded) if hit.start in asks}
    return found.pop() if len(found) == 1 else None


@cache
def _languages() -> _Phrases:
    return _Phrases((p, lang, 1.0) for lang, ps in _intents().languages.items() for p in ps)


@cache
def _language_asks() -> _Phrases:
    return _Phrases((p, "ask", 1.0) for p in _intents().language_asks)


def named_category(text: str) -> str | None:
    """The tip category a few typed words name ("cướp", "bị gọi điện lừa"), danger or not."""
    said = tokens(text)
    found: dict[str, float] = {}
    for hit in _free()[1].find(said, _folded(said)):
        found[hit.label] = found.get(hit.label, 0.0) + hit.weight
    return _best(found)


def _asks_to_stop(said: list[str]) -> bool:
    """A clear sentence asking to stop this bot's messages ("đừng gửi tin nhắn cho tôi nữa"),
    not another sender's ("hủy đăng ký gói cước", "ngừng nhận tin nhắn rác") nor a question
    about how to."""
    folded = _folded(said)
    if len(_words_only(said)) > STOP_WORDS or _other_senders().find(said, folded):
        return False
    return any(hit.label == "stop" for hit in _free()[0].find(said, folded))


def _free_reading(said: list[str], *, indicators: bool, dated: bool = False) -> Reading:
    folded = _folded(said)
    intents, categories, topics = _free()
    scores: dict[str, float] = {}
    for hit in intents.find(said, folded):
        scores[hit.label] = scores.get(hit.label, 0.0) + hit.weight
    if "stop" in scores and not _asks_to_stop(said):
        del scores["stop"]
    by_category: dict[str, float] = {}
    for hit in categories.find(said, folded):
        by_category[hit.label] = by_category.get(hit.label, 0.0) + hit.weight
    by_topic: dict[str, float] = {}
    for hit in topics.find(said, folded):
        by_topic[hit.label] = by_topic.get(hit.label, 0.0) + hit.weight
    category, topic = _best(by_category), _best(by_topic)
    if category:
        # What a tip is about says "report" less when the message asks for a check or a
        # lesson, or says they lost money: it then mostly names the category.
        asked = max(
            scores.get("check", 0.0),
            scores.get("scammed", 0.0),
            scores.get("learn", 0.0),
            INDICATOR_WEIGHT * indicators,
        )
        share = 0.5 if asked >= SURE else 1.0
        scores["report"] = scores.get("report", 0.0) + by_category[category] * share
    if topic:
        scores["learn"] = scores.get("learn", 0.0) + by_topic[topic] / 2
        named = max(by_topic.values())
        if any(h.start == 0 and h.end == len(said) for h in topics.find(said, folded)):
            scores["learn"] = scores.get("learn", 0.0) + named  # the topic's name alone
    if indicators:
        scores["check"] = scores.get("check", 0.0) + INDICATOR_WEIGHT
        # "số điện thoại công an 0912…": about that number (a check), never the way to the
        # commune police's own page.
        scores.pop("contact", None)
    if "scammed" in scores and scores.get("learn", 0.0) >= SURE:  # "làm sao để tránh bị lừa"
        scores["scammed"] /= 2
    if "contact" in scores:
        urgent = _contact_urgent(said, scores, dated=dated)
        if urgent:
            return Reading(intent="emergency", category=category, topic=topic, urgent=urgent)
    ranked = sorted(scores, key=lambda key: scores[key], reverse=True)
    if not ranked:
        return Reading(category=category, topic=topic)
    first = ranked[0]
    second = ranked[1] if len(ranked) > 1 else None
    close = second is not None and scores[second] >= max(SURE, scores[first] - CLOSE)
    if scores[first] < SURE or close:
        maybe = tuple(ranked[:3])
        return Reading(category=category, topic=topic, maybe=maybe, scores=scores)
    return Reading(intent=first, category=category, topic=topic, scores=scores)


def _contact_urgent(said: list[str], scores: dict[str, float], *, dated: bool) -> tuple[str, ...]:
    """A way to reach the police, read with the rest of the message: the words saying someone
    is in danger now, when they do (the emergency numbers, not the page); otherwise `scores`
    without "contact" when the police are the caller or the sender ("số công an phường gọi
    tôi …": a call from someone calling themselves police, a tip when nothing else is read),
    when another intent is sure ("liên hệ công an để tố cáo"), or when a word typed without
    its marks may say it is urgent ("gap": "gấp" or "gặp")."""
    folded = _folded(said)
    received, now = _contact_words()
    if received.find(said, folded):
        weight = scores.pop("contact")
        if not any(scores.get(intent) for intent in _BEFORE_CONTACT):  # nothing else read
            scores["report"] = weight
        return ()
    # The way to the police read as no other words ("so" of "so dien thoai" is no "sợ"): a
    # danger urgency() would have seen without them.
    ways = [h for h in _free()[0].find(said, folded) if h.label == "contact"]
    rest = [BREAK if any(h.start <= i < h.end for h in ways) else w for i, w in enumerate(said)]
    urgent = _urgency_of(rest, dated=dated)
    if urgent:
        return urgent
    # What the rest of the message asks for, sure, comes first: "số điện thoại" names a
    # category of tips, but only beside the way to the police it is part of.
    other = _free_reading(rest, indicators=False, dated=dated).scores
    if any(other.get(intent, 0.0) >= SURE for intent in _BEFORE_CONTACT):
        del scores["contact"]
        return ()
    # Asking for the police makes a danger now ("liên hệ công an có người bị đánh"), unless
    # the message puts it in the past, a question, a what-if or a scam's story.
    hits, spelled = _needed_now(rest, now, dated=dated)
    if hits:
        return hits
    if spelled:
        del scores["contact"]
    return ()


def _needed_now(rest: list[str], now: _Phrases, *, dated: bool) -> tuple[tuple[str, ...], bool]:
    """The words of a danger, or of the police needed now, in `rest` (the message but its way
    to the police), and whether a word of urgency was only spelled, not typed as written."""
    folded = _folded(rest)
    lists = _urgency_lists()
    found = {name: phrases.find(rest, folded) for name, phrases in lists.items()}
    if dated or found["past"] or found["unreal"] or found["story"]:
        return (), False
    other_meaning = [(h.start, h.end) for h in found["not_danger"]]

    def meant(hit: _Hit) -> bool:
        overlaps = any(hit.start < end and start < hit.end for start, end in other_meaning)
        return not overlaps and _near_before(found["negation"], hit.start) is None

    dangers = [h for h in found["danger"] + found["needs_now"] if meant(h)]
    if dangers:
        return (" ".join(rest[dangers[0].start : dangers[0].end]),), False
    urgent = [h for h in now.find(rest, folded) if meant(h)]
    written = [h for h in urgent if " ".join(rest[h.start : h.end]) == h.label]
    if written:
        return (" ".join(rest[written[0].start : written[0].end]),), False
    return (), bool(urgent)


def problems(folder: Path | None = None) -> list[str]:
    """What is wrong with intents.yaml; never raises (keywords.yaml and emergency_words.yaml
    are checked with their own modules)."""
    reader = Reader()
    reader.load(Intents, (folder or PACKS) / "intents.yaml")
    return reader.problems
