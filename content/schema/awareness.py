"""The awareness topic files (content/packs/awareness/*.yaml), one topic each::

    version: 1
    id: fire_safety            # snake_case, the file's name (fire_safety.yaml)
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

The rules, each a constraint or a validator below:

* No key beyond these; every text has a non-empty `vi` and `en`, in Unicode NFC; Vietnamese
  titles, bodies, actions, summaries, prompts and explanations carry diacritics (at least one
  non-ASCII letter). Ids are snake_case; `order` and `answer` are whole numbers.
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
  the explanation at most EXPLANATION_MAX. Question ids do not repeat within a topic.
* Across the folder (the `Folder` validation context): the topic id is its file's name (so no
  two files hold one topic), no two topics share an order, no two cards an id. The required
  topics (TOPIC_IDS) and the scam cards other features link to (SCAM_CARD_IDS) exist, the scam
  cards inside the two scam topics (`Library`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    Field,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)

from content.schema.base import LANGS, Id, Model, Text, refuse, repeated

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

_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_NUMBER = re.compile(r"\d{3,}")
_WHOM = {"vi": re.compile(r"công an", re.IGNORECASE), "en": re.compile(r"police", re.IGNORECASE)}


def _accented(text: Text) -> Text:
    if text.vi.isascii():
        raise ValueError("vi has no Vietnamese diacritics")
    return text


# Text whose Vietnamese is prose: a Vietnamese sentence without a single accent was typed on
# an English keyboard. (Sources and options may be a name, a number or an acronym.)
Prose = Annotated[Text, AfterValidator(_accented)]


def _longer(text: Text, limit: int) -> list[str]:
    return [
        f"{lang} has {len(text.get(lang))} characters (max {limit})"
        for lang in LANGS
        if len(text.get(lang)) > limit
    ]


def _screen(body: Text, action: Text) -> list[str]:
    """Body and action must fit one phone screen together, in each language."""
    problems: list[str] = []
    for lang in LANGS:
        screen = body.get(lang) + "\n" + action.get(lang)
        if len(screen) > SCREEN_MAX:
            problems.append(
                f"{lang} body + action have {len(screen)} characters (max {SCREEN_MAX})"
            )
        lines = len(screen.splitlines())
        if lines > SCREEN_LINES:
            problems.append(f"{lang} body + action have {lines} lines (max {SCREEN_LINES})")
    return problems


@dataclass
class Folder:
    """The validation context of one folder's files, read one after the other: what the files
    read so far have used, so that an order or a card id is refused the second time."""

    file: str = ""  # the file being read
    orders: dict[int, str] = field(default_factory=dict)
    cards: dict[str, str] = field(default_factory=dict)

    def claim(self, used: dict[Any, str], key: Any) -> None:
        if key in used:
            where = "this file" if used[key] == self.file else used[key]
            raise ValueError(f"{key} is also used in {where}")
        used[key] = self.file


def _folder(info: ValidationInfo) -> Folder | None:
    return info.context if isinstance(info.context, Folder) else None


class Card(Model):
    id: Id
    title: Prose
    body: Prose  # the facts and the red flags
    action: Prose  # what to do and whom to call
    source: Text  # the law or agency, and its date

    @field_validator("id")
    @classmethod
    def _unique(cls, card_id: str, info: ValidationInfo) -> str:
        folder = _folder(info)
        if folder is not None:
            folder.claim(folder.cards, card_id)
        return card_id

    @field_validator("title")
    @classmethod
    def _short(cls, title: Text) -> Text:
        refuse(_longer(title, TITLE_MAX))
        return title

    @field_validator("action")
    @classmethod
    def _whom_and_screen(cls, action: Text, info: ValidationInfo) -> Text:
        problems = [
            f"{lang} names no number to call and not the police"
            for lang in LANGS
            if not (_NUMBER.search(action.get(lang)) or _WHOM[lang].search(action.get(lang)))
        ]
        body = info.data.get("body")  # absent when the body itself is wrong
        if isinstance(body, Text):
            problems += _screen(body, action)
        refuse(problems)
        return action

    @field_validator("source")
    @classmethod
    def _dated(cls, source: Text) -> Text:
        problems = _longer(source, SOURCE_MAX)
        problems += [
            f"{lang} names no year" for lang in LANGS if not _YEAR.search(source.get(lang))
        ]
        refuse(problems)
        return source


class Question(Model):
    id: Id
    prompt: Prose
    options: tuple[Text, ...] = Field(min_length=MIN_OPTIONS, max_length=MAX_OPTIONS)
    answer: StrictInt  # index into options
    explanation: Prose

    @field_validator("options")
    @classmethod
    def _options(cls, options: tuple[Text, ...], info: ValidationInfo) -> tuple[Text, ...]:
        problems: list[str] = []
        prompt = info.data.get("prompt")
        for lang in LANGS:
            labels = [o.get(lang) for o in options]
            if repeated(labels):
                problems.append(f"{lang} options repeat")
            problems += [
                f"{lang} option {n} has {len(label)} characters (max {OPTION_MAX})"
                for n, label in enumerate(labels)
                if len(label) > OPTION_MAX
            ]
            if isinstance(prompt, Text):
                size = len(prompt.get(lang)) + sum(len(label) for label in labels)
                if size > QUESTION_MAX:
                    problems.append(
                        f"{lang} prompt + options have {size} characters (max {QUESTION_MAX})"
                    )
        refuse(problems)
        return options

    @field_validator("answer")
    @classmethod
    def _an_option(cls, answer: int, info: ValidationInfo) -> int:
        options = info.data.get("options")
        if options is not None and not 0 <= answer < len(options):
            raise ValueError(f"{answer} is outside options 0..{len(options) - 1}")
        return answer

    @field_validator("explanation")
    @classmethod
    def _short(cls, explanation: Text) -> Text:
        refuse(_longer(explanation, EXPLANATION_MAX))
        return explanation


class Topic(Model):
    version: Literal[1]
    id: Id
    order: StrictInt  # menu position
    title: Prose
    summary: Prose
    cards: tuple[Card, ...] = Field(min_length=MIN_CARDS)
    quiz: tuple[Question, ...] = Field(min_length=MIN_QUESTIONS)

    @field_validator("id")
    @classmethod
    def _named_as_file(cls, topic_id: str, info: ValidationInfo) -> str:
        folder = _folder(info)
        if folder is not None and f"{topic_id}.yaml" != folder.file:
            raise ValueError(f"{topic_id} does not match the file name {folder.file}")
        return topic_id

    @field_validator("order")
    @classmethod
    def _unique(cls, order: int, info: ValidationInfo) -> int:
        folder = _folder(info)
        if folder is not None:
            folder.claim(folder.orders, order)
        return order

    @field_validator("quiz")
    @classmethod
    def _question_ids(cls, quiz: tuple[Question, ...]) -> tuple[Question, ...]:
        refuse([f"question id {q} is used twice" for q in repeated(q.id for q in quiz)])
        return quiz


class Library(Model):
    """Every topic of the folder, once each file is valid: what other features need is there."""

    topics: tuple[Topic, ...]

    @model_validator(mode="after")
    def _complete(self) -> Library:
        ids = {t.id for t in self.topics}
        scam_cards = {c.id for t in self.topics if t.id in SCAM_TOPIC_IDS for c in t.cards}
        problems = [f"topic {t} is missing" for t in TOPIC_IDS if t not in ids]
        problems += [
            f"scam card {c} is missing from {' or '.join(SCAM_TOPIC_IDS)}"
            for c in SCAM_CARD_IDS
            if c not in scam_cards
        ]
        refuse(problems)
        return self
