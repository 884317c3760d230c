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
        source: {vi: ..., en: ...}   # the law or agency, article or page, and its date
        refs: [...]            # optional: the fuller trail, for reviewers
    quiz:                      # at least MIN_QUESTIONS
      - id: q1                 # unique within the topic
        prompt:  {vi: ..., en: ...}
        options: [{vi: ..., en: ...}, ...]   # 2 to 4
        answer: 0              # index into options
        explanation: {vi: ..., en: ...}
        card: escape_fire      # optional: the card of this topic the question tests

The rules, each a constraint or a validator below:

* No key beyond these; every text has a non-empty `vi` and `en`, in Unicode NFC; Vietnamese
  titles, bodies, actions, summaries, prompts and explanations carry diacritics (at least one
  non-ASCII letter). Ids are snake_case; `order` and `answer` are whole numbers.
* One phone screen per card, per language, measured as residents see it (content/screen.py):
  the card drawn from the catalog's template with its header, title, body, action, source line
  and one row per button, wrapped at 36 characters, takes at most 18 rows, both at its place in
  the topic and as the advice of the day. The title is at most TITLE_MAX (60) characters and the
  source at most SOURCE_MAX (120).
* Every fact has its source: the source names a year (19xx or 20xx), so a reader can tell how
  current the fact is; a legal document it names comes with the article ("Điều 32", "Article
  32"); and every document number the title, body or action cites ("168/2024", "Nghị định
  100") is in it, and a law, code, decree or circular they cite by name only ("Bộ luật Hình
  sự") makes a source that names a legal document. The
  optional `refs` keep the fuller trail for reviewers (document or agency, article or page,
  date, address), which the bot does not show (docs/CONTENT.md).
* The action says whom to call or where to go: it holds a number of three or more digits (113,
  114, 115, 111, 112, 156, 5656, a bank or utility hotline) or names the police ("Công an" in
  Vietnamese, "police" in English).
* A quiz question has 2 to 4 distinct options of at most OPTION_MAX characters, a valid answer
  index and an explanation; the prompt with its options is at most QUESTION_MAX characters and
  the explanation at most EXPLANATION_MAX. Question ids do not repeat within a topic, and the
  card a question names is a card of its topic.
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

from content.schema.base import LANGS, Id, Line, Model, Text, refuse, repeated
from content.screen import SCREEN_COLUMNS, SCREEN_ROWS, advice_lines, card_lines

TOPIC_IDS = (
    "scam_phone",
    "scam_online",
    "fire_safety",
    "drink_driving",
    "student_vehicles",
    "drugs_ecig",
    "gangs_racing",
    "day_19_8",
    # issue 21: the topics the directives ask for
    "false_info",
    "personal_data",
    "gambling_betting",
    "tet_safety",
    "drowning_summer",
    "loan_jobs",
    "mediation",
    "recognition",
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
SOURCE_MAX = 120
OPTION_MAX = 80
QUESTION_MAX = 400
EXPLANATION_MAX = 400
MIN_CARDS = 3
MIN_QUESTIONS = 3
MIN_OPTIONS, MAX_OPTIONS = 2, 4

_YEAR = re.compile(r"(?<!\d)(?:19|20)\d{2}(?!\d)")
_NUMBER = re.compile(r"\d{3,}")
# A legal document named in a source, and the article it must then name.
_DOCUMENT = re.compile(
    r"\b(?:Luật|Bộ luật|Nghị định|Thông tư|Law|Code|Decree|Circular)\b|NĐ-CP|/QH\d"
)
_ARTICLE = re.compile(r"\b(?:Điều|Article|Articles|Art\.)\s*\d", re.IGNORECASE)
# A document's number as texts cite it: 168/2024, 44/2019, 521/QĐ-TTg.
_DOC_NUMBER = re.compile(r"(?<![\d/])\d{1,4}/(?:(?:19|20)\d{2}|[A-ZĐ]{2,}[\w-]*)")
# A document cited by its number alone: "Nghị định 100", "Decree No. 100".
_SHORT_NUMBER = re.compile(
    r"\b(?:Nghị định|Thông tư|Luật|Decree|Circular|Law)\s+(?:số\s+|No\.?\s*)?(\d{1,4})(?![\d/])"
)
_WHOM = {"vi": re.compile(r"công an", re.IGNORECASE), "en": re.compile(r"police", re.IGNORECASE)}


def source_problems(source: str) -> list[str]:
    """What a source line lacks: a year, and the article of a legal document it names."""
    problems = [] if _YEAR.search(source) else ["names no year"]
    if _DOCUMENT.search(source) and not _ARTICLE.search(source):
        problems.append("names a legal document but not its article")
    return problems


def uncited(texts: list[str], source: str) -> list[str]:
    """The documents the texts cite that the source lacks: by number ("168/2024", "521/QĐ-TTg",
    "Nghị định 100"), or, when the source names no legal document at all, by name ("Bộ luật
    Hình sự", "Decree")."""
    cited = {number for text in texts for number in _DOC_NUMBER.findall(text)}
    cited |= {number for text in texts for number in _SHORT_NUMBER.findall(text)}
    missing = sorted(number for number in cited if number not in source)
    if not _DOCUMENT.search(source):
        named = next((found for text in texts if (found := _DOCUMENT.search(text))), None)
        if named is not None and not missing:
            missing.append(f"a legal document ({named.group(0)!r})")
    return missing


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
    source: Text  # the law or agency, article or page, and its date
    refs: tuple[Line, ...] = ()  # the fuller trail, for reviewers; not shown

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
    def _whom(cls, action: Text) -> Text:
        problems = [
            f"{lang} names no number to call and not the police"
            for lang in LANGS
            if not (_NUMBER.search(action.get(lang)) or _WHOM[lang].search(action.get(lang)))
        ]
        refuse(problems)
        return action

    @field_validator("source")
    @classmethod
    def _dated(cls, source: Text) -> Text:
        problems = _longer(source, SOURCE_MAX)
        for lang in LANGS:
            problems += [f"{lang} {problem}" for problem in source_problems(source.get(lang))]
        refuse(problems)
        return source

    @model_validator(mode="after")
    def _cited(self) -> Card:
        """A document the card cites is one its source names."""
        problems: list[str] = []
        for lang in LANGS:
            texts = [part.get(lang) for part in (self.title, self.body, self.action)]
            problems += [
                f"source: {lang} does not name {number}, which the card cites"
                for number in uncited(texts, self.source.get(lang))
            ]
        refuse(problems)
        return self


class Question(Model):
    id: Id
    prompt: Prose
    options: tuple[Text, ...] = Field(min_length=MIN_OPTIONS, max_length=MAX_OPTIONS)
    answer: StrictInt  # index into options
    explanation: Prose
    card: Id | None = None  # the card of the topic the question tests

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

    @model_validator(mode="after")
    def _fits_and_refers(self) -> Topic:
        """Each card fits one phone screen where it is shown; each question's card exists."""
        problems: list[str] = []
        total = len(self.cards)
        for index, card in enumerate(self.cards):
            for lang in LANGS:
                parts = {
                    "title": card.title.get(lang),
                    "body": card.body.get(lang),
                    "action": card.action.get(lang),
                    "source": card.source.get(lang),
                }
                shown = len(
                    card_lines(parts, lang, index=index, total=total, has_quiz=bool(self.quiz))
                )
                advice = len(advice_lines(parts, self.title.get(lang), lang))
                worst = max(shown, advice)
                if worst > SCREEN_ROWS:
                    where = "in the topic" if shown >= advice else "as the advice of the day"
                    problems.append(
                        f"cards[{index}] (id {card.id}): screen: {lang} takes {worst} rows "
                        f"of {SCREEN_COLUMNS} characters {where} (max {SCREEN_ROWS}): "
                        "shorten the card or split it in two"
                    )
        ids = {card.id for card in self.cards}
        problems += [
            f"quiz[{n}] (id {q.id}): card: {q.card} is no card of this topic"
            for n, q in enumerate(self.quiz)
            if q.card is not None and q.card not in ids
        ]
        refuse(problems)
        return self


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
