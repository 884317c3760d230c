"""Awareness content: topics of short cards and a quiz each, from content/packs/awareness/*.yaml.

One YAML file per topic, named after the topic id (fire_safety.yaml)::

    version: 1
    id: fire_safety            # snake_case, unique across packs
    order: 3                   # menu position (ascending), unique across packs
    title:   {vi: ..., en: ...}
    summary: {vi: ..., en: ...}
    cards:                     # at least MIN_CARDS
      - id: escape_fire        # snake_case, unique across every pack
        title:  {vi: ..., en: ...}
        body:   {vi: ..., en: ...}   # the facts and the red flags
        action: {vi: ..., en: ...}   # what to do and whom to call
        source: {vi: ..., en: ...}   # the law or agency, and its date
    quiz:                      # at least MIN_QUESTIONS
      - id: q1                 # unique within the topic
        prompt:  {vi: ..., en: ...}
        options: [{vi: ..., en: ...}, ...]   # 2 to 4
        answer: 0              # index into options
        explanation: {vi: ..., en: ...}

Rules that `problems()` enforces (and so `binhyen content check` and the tests):

* Every text has a non-empty `vi` and `en`, in Unicode NFC; Vietnamese titles, bodies, actions,
  summaries, prompts and explanations carry diacritics (at least one non-ASCII letter).
* One phone screen per card, per language: the title is at most TITLE_MAX (60) characters; body
  and action together at most SCREEN_MAX (600) characters on at most SCREEN_LINES (12) lines; the
  source at most SOURCE_MAX (120) characters. A cheap 5-inch phone shows about 18 rows of 36
  characters in a chat bubble, so 60 + 600 + 120 characters, with the line breaks, fit one screen.
* The source names a year (19xx or 20xx), so a reader can tell how current the fact is.
* The action says whom to call or where to go: it holds a number of three or more digits (113,
  114, 115, 111, 112, 156, 5656, a bank or utility hotline) or names the police ("Công an" in
  Vietnamese, "police" in English).
* A quiz question has 2 to 4 distinct options of at most OPTION_MAX characters, a valid answer
  index and an explanation; the prompt with its options is at most QUESTION_MAX characters and
  the explanation at most EXPLANATION_MAX.
* The required topics (TOPIC_IDS) and the scam cards other features link to (SCAM_CARD_IDS)
  exist, the scam cards inside the two scam topics.
"""

from __future__ import annotations

import datetime
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import yaml

PACK_DIR = Path(__file__).parent / "packs" / "awareness"
VERSION = 1

TOPIC_IDS = (
    "scam_phone",
    "scam_online",
    "fire_safety",
    "drink_driving",
    "student_vehicles",
    "drugs_ecig",
    "gangs_racing",
    "day_19_8",
)
SCAM_TOPIC_IDS = ("scam_phone", "scam_online")
SCAM_CARD_IDS = (
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
)

TITLE_MAX = 60
SCREEN_MAX = 600
SCREEN_LINES = 12
SOURCE_MAX = 120
OPTION_MAX = 80
QUESTION_MAX = 400
EXPLANATION_MAX = 400
MIN_CARDS = 3
MIN_QUESTIONS = 3
MIN_OPTIONS, MAX_OPTIONS = 2, 4

_ID = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")
_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_NUMBER = re.compile(r"\d{3,}")
_WHOM = {"vi": re.compile(r"công an", re.IGNORECASE), "en": re.compile(r"police", re.IGNORECASE)}
_LANGS = ("vi", "en")
_TOPIC_KEYS = {"version", "id", "order", "title", "summary", "cards", "quiz"}
_CARD_KEYS = {"id", "title", "body", "action", "source"}
_QUESTION_KEYS = {"id", "prompt", "options", "answer", "explanation"}
_T = TypeVar("_T")


@dataclass(frozen=True)
class Text:
    vi: str
    en: str

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


@dataclass(frozen=True)
class Card:
    id: str
    title: Text
    body: Text  # the facts and the red flags
    action: Text  # what to do and whom to call
    source: Text  # the law or agency, and its date


@dataclass(frozen=True)
class Question:
    id: str
    prompt: Text
    options: tuple[Text, ...]
    answer: int  # index into options
    explanation: Text


@dataclass(frozen=True)
class Topic:
    id: str
    title: Text
    summary: Text
    cards: tuple[Card, ...]
    quiz: tuple[Question, ...]


class _Pack:
    """Reads one pack file, collecting its problems instead of raising."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[str] = []

    def problem(self, where: str, message: str) -> None:
        self.problems.append(f"awareness/{self.name}: {where}: {message}" if where else message)

    def text(self, raw: Any, where: str, *, diacritics: bool = True) -> Text:
        if not isinstance(raw, dict):
            self.problem(where, "needs a mapping with vi and en")
            return Text("", "")
        values: dict[str, str] = {}
        for lang in _LANGS:
            value = raw.get(lang)
            if not isinstance(value, str) or not value.strip():
                self.problem(where, f"{lang} is missing or empty")
                values[lang] = ""
                continue
            if not unicodedata.is_normalized("NFC", value):
                self.problem(where, f"{lang} is not NFC")
            values[lang] = value.strip()
        for key in sorted(set(raw) - set(_LANGS), key=str):
            self.problem(where, f"unknown language key {key!r}")
        if diacritics and values["vi"] and values["vi"].isascii():
            self.problem(where, "vi has no Vietnamese diacritics")
        return Text(values["vi"], values["en"])

    def keys(self, raw: dict[Any, Any], allowed: set[str], where: str) -> None:
        for key in sorted(set(raw) - allowed, key=str):
            self.problem(where, f"unknown key {key!r}")

    def ident(self, raw: Any, where: str) -> str:
        if not isinstance(raw, str) or not _ID.fullmatch(raw):
            self.problem(where, f"id {raw!r} is not snake_case")
            return str(raw)
        return raw

    def card(self, raw: Any, where: str) -> Card | None:
        if not isinstance(raw, dict):
            self.problem(where, "a card must be a mapping")
            return None
        card_id = self.ident(raw.get("id"), where)
        where = f"card {card_id}" if raw.get("id") else where
        self.keys(raw, _CARD_KEYS, where)
        card = Card(
            id=card_id,
            title=self.text(raw.get("title"), f"{where} title"),
            body=self.text(raw.get("body"), f"{where} body"),
            action=self.text(raw.get("action"), f"{where} action"),
            source=self.text(raw.get("source"), f"{where} source", diacritics=False),
        )
        for lang in _LANGS:
            title = card.title.get(lang)
            if len(title) > TITLE_MAX:
                self.problem(where, f"{lang} title has {len(title)} characters (max {TITLE_MAX})")
            screen = card.body.get(lang) + "\n" + card.action.get(lang)
            if len(screen) > SCREEN_MAX:
                self.problem(
                    where, f"{lang} body + action have {len(screen)} characters (max {SCREEN_MAX})"
                )
            lines = len(screen.splitlines())
            if lines > SCREEN_LINES:
                self.problem(where, f"{lang} body + action have {lines} lines (max {SCREEN_LINES})")
            source = card.source.get(lang)
            if len(source) > SOURCE_MAX:
                self.problem(
                    where, f"{lang} source has {len(source)} characters (max {SOURCE_MAX})"
                )
            if source and not _YEAR.search(source):
                self.problem(where, f"{lang} source names no year")
            action = card.action.get(lang)
            if action and not (_NUMBER.search(action) or _WHOM[lang].search(action)):
                self.problem(where, f"{lang} action names no number to call and not the police")
        return card

    def question(self, raw: Any, where: str) -> Question | None:
        if not isinstance(raw, dict):
            self.problem(where, "a question must be a mapping")
            return None
        question_id = self.ident(raw.get("id"), where)
        where = f"question {question_id}" if raw.get("id") else where
        self.keys(raw, _QUESTION_KEYS, where)
        prompt = self.text(raw.get("prompt"), f"{where} prompt")
        raw_options = raw.get("options")
        if not isinstance(raw_options, list):
            self.problem(where, "options must be a list")
            raw_options = []
        elif not MIN_OPTIONS <= len(raw_options) <= MAX_OPTIONS:
            self.problem(
                where, f"has {len(raw_options)} options (needs {MIN_OPTIONS} to {MAX_OPTIONS})"
            )
        options = tuple(
            self.text(o, f"{where} option {n}", diacritics=False) for n, o in enumerate(raw_options)
        )
        answer = raw.get("answer")
        if isinstance(answer, bool) or not isinstance(answer, int):
            self.problem(where, f"answer {answer!r} is not an option index")
            answer = -1
        elif not 0 <= answer < len(options):
            self.problem(where, f"answer {answer} is outside options 0..{len(options) - 1}")
        explanation = self.text(raw.get("explanation"), f"{where} explanation")
        for lang in _LANGS:
            labels = [o.get(lang) for o in options]
            if len(set(labels)) != len(labels):
                self.problem(where, f"{lang} options repeat")
            for n, label in enumerate(labels):
                if len(label) > OPTION_MAX:
                    self.problem(
                        where, f"{lang} option {n} has {len(label)} characters (max {OPTION_MAX})"
                    )
            size = len(prompt.get(lang)) + sum(len(label) for label in labels)
            if size > QUESTION_MAX:
                self.problem(
                    where, f"{lang} prompt + options have {size} characters (max {QUESTION_MAX})"
                )
            if len(explanation.get(lang)) > EXPLANATION_MAX:
                self.problem(
                    where,
                    f"{lang} explanation has {len(explanation.get(lang))} characters"
                    f" (max {EXPLANATION_MAX})",
                )
        return Question(question_id, prompt, options, answer, explanation)

    def topic(self, raw: Any) -> tuple[int, Topic] | None:
        if not isinstance(raw, dict):
            self.problem("", f"awareness/{self.name}: expected a mapping")
            return None
        if raw.get("version") != VERSION:
            self.problem("version", f"expected version: {VERSION}, found {raw.get('version')!r}")
        self.keys(raw, _TOPIC_KEYS, "topic")
        topic_id = self.ident(raw.get("id"), "topic")
        order = raw.get("order")
        if isinstance(order, bool) or not isinstance(order, int):
            self.problem("topic", f"order {order!r} is not a whole number")
            order = 0
        cards = self._items(raw.get("cards"), "cards", MIN_CARDS, self.card)
        quiz = self._items(raw.get("quiz"), "quiz", MIN_QUESTIONS, self.question)
        seen: set[str] = set()
        for question in quiz:
            if question.id in seen:
                self.problem(f"question {question.id}", "id is used twice in this quiz")
            seen.add(question.id)
        topic = Topic(
            id=topic_id,
            title=self.text(raw.get("title"), "topic title"),
            summary=self.text(raw.get("summary"), "topic summary"),
            cards=tuple(cards),
            quiz=tuple(quiz),
        )
        return order, topic

    def _items(
        self, raw: Any, key: str, least: int, parse: Callable[[Any, str], _T | None]
    ) -> list[_T]:
        if not isinstance(raw, list):
            self.problem(key, "must be a list")
            return []
        if len(raw) < least:
            self.problem(key, f"has {len(raw)} entries (needs at least {least})")
        found = (parse(item, f"{key}[{n}]") for n, item in enumerate(raw))
        return [item for item in found if item is not None]


def _read(folder: Path) -> tuple[tuple[Topic, ...], list[str]]:
    """Every topic in the folder, in menu order, with the problems found on the way."""
    problems: list[str] = []
    loaded: list[tuple[int, str, Topic]] = []
    files = sorted(folder.glob("*.yaml"))
    if not files:
        problems.append(f"awareness: no packs in {folder}")
    for path in files:
        pack = _Pack(path.name)
        try:
            raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            problems.append(f"awareness/{path.name}: cannot be read: {exc}")
            continue
        found = pack.topic(raw)
        if found is not None and found[1].id != path.stem:
            pack.problem("topic", f"id {found[1].id} does not match the file name")
        problems.extend(pack.problems)
        if found is not None:
            loaded.append((found[0], path.name, found[1]))
    problems.extend(_across(loaded))
    loaded.sort(key=lambda entry: (entry[0], entry[1]))
    return tuple(topic for _order, _name, topic in loaded), problems


def _across(loaded: list[tuple[int, str, Topic]]) -> Iterator[str]:
    """Problems between packs: repeated ids or orders, missing required topics and cards."""
    topic_files: dict[str, str] = {}
    order_files: dict[int, str] = {}
    card_files: dict[str, str] = {}
    for order, name, topic in loaded:
        if topic.id in topic_files:
            yield f"awareness/{name}: topic {topic.id} is also in {topic_files[topic.id]}"
        topic_files.setdefault(topic.id, name)
        if order in order_files:
            yield f"awareness/{name}: order {order} is also used by {order_files[order]}"
        order_files.setdefault(order, name)
        for card in topic.cards:
            if card.id in card_files:
                yield f"awareness/{name}: card {card.id} is also in {card_files[card.id]}"
            card_files.setdefault(card.id, name)
    for topic_id in TOPIC_IDS:
        if topic_id not in topic_files:
            yield f"awareness: topic {topic_id} is missing"
    scam_cards = {
        card.id for _o, _n, topic in loaded if topic.id in SCAM_TOPIC_IDS for card in topic.cards
    }
    for card_id in SCAM_CARD_IDS:
        if card_id not in scam_cards:
            yield f"awareness: scam card {card_id} is missing from {' or '.join(SCAM_TOPIC_IDS)}"


@cache
def _loaded() -> tuple[Topic, ...]:
    found, problems = _read(PACK_DIR)
    if problems:
        raise ValueError("awareness packs are broken: " + "; ".join(problems))
    return found


def topics() -> tuple[Topic, ...]:
    """All topics in menu order, read once. Raises ValueError when a pack is broken."""
    return _loaded()


def topic(topic_id: str) -> Topic | None:
    return next((t for t in topics() if t.id == topic_id), None)


def find_card(card_id: str) -> tuple[Topic, Card] | None:
    for t in topics():
        for card in t.cards:
            if card.id == card_id:
                return t, card
    return None


@cache
def _rotation() -> tuple[tuple[Topic, Card], ...]:
    """Every card once, each topic's cards spread evenly over the cycle so topics alternate.

    Card i of a topic with n cards sits at i/n of the cycle (ties in menu order): a topic with
    10 cards comes back about every 10th of the cycle, one with 3 cards about every third.
    """
    placed = [
        (i / len(t.cards), order, i, t, c)
        for order, t in enumerate(topics())
        for i, c in enumerate(t.cards)
    ]
    placed.sort(key=lambda p: p[:3])
    return tuple((t, c) for *_key, t, c in placed)


def tip_of_the_day(day: datetime.date) -> tuple[Topic, Card]:
    """The card for a day: the same for everyone that day, cycling through every card."""
    rotation = _rotation()
    return rotation[day.toordinal() % len(rotation)]


def problems(folder: Path | None = None) -> list[str]:
    """Validation problems of every pack (empty when all is well); never raises."""
    return _read(folder if folder is not None else PACK_DIR)[1]
