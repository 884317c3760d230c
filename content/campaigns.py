"""Campaigns: dated series of awareness notices, from content/packs/campaigns/*.yaml.

One YAML file per campaign, named after it (tet_2027.yaml). Its form and every rule it must
meet are the models in content/schema/campaigns.py; this module reads the folder through them
and answers what the scheduler, the panel and `binhyen campaigns` ask:

* `all_campaigns()`, `campaign(name)`, `names()`: the campaigns, by name, read once;
* `due_messages(campaign, on)`: the messages of one campaign that go out on a local date;
* `messages_on(day)`: the same across every campaign, as `Sending`s;
* `schedule(campaign, start, end)` and `next_sending(campaign, on)`: what goes out when;
* `notice(message, lang)`: the words residents get, the text and the card pointer.

Whether a campaign is turned on for a commune or a province, and at what hour its messages
go out, is the scheduler's business: everything here is pure, about local dates
(Asia/Ho_Chi_Minh), and reads no clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from content import awareness
from content.i18n import translate
from content.schema.base import PackError, shown, validate
from content.schema.campaigns import (
    SOURCE_MAX,
    TEXT_MAX,
    Campaign,
    Message,
    MonthDay,
    Runs,
    Scope,
)

__all__ = [
    "PACK_DIR",
    "SOURCE_MAX",
    "TEXT_MAX",
    "Campaign",
    "Message",
    "MonthDay",
    "Runs",
    "Sending",
    "all_campaigns",
    "campaign",
    "day_of",
    "due_messages",
    "messages_on",
    "names",
    "next_sending",
    "notice",
    "problems",
    "schedule",
]

PACK_DIR = Path(__file__).parent / "packs" / "campaigns"


@dataclass(frozen=True)
class Sending:
    """One message of a campaign on the local date it goes out."""

    campaign: Campaign
    message: Message
    day: dt.date

    @property
    def key(self) -> str:
        """The same for every process that sees this sending: `tet_2027/fake_tickets/2027-01-18`.
        A yearly message has one key a year."""
        return f"{self.campaign.name}/{self.message.id}/{self.day.isoformat()}"

    def __repr__(self) -> str:
        return f"Sending({self.key})"


# --- reading the folder -----------------------------------------------------------------------


class _Loader(yaml.SafeLoader):
    """YAML without its date type: a date stays text, so that 2027-02-30 is refused with the
    message it belongs to instead of failing the whole file, and 2027-01-18 reads the same
    quoted or not."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise PackError([f"{shown(path)}: cannot be read: {' '.join(str(exc).split())}"]) from None


def _card_ids() -> frozenset[str] | None:
    try:
        return frozenset(card.id for topic in awareness.topics() for card in topic.cards)
    except PackError:
        return None  # the awareness packs report their own problems


def _read(folder: Path) -> tuple[tuple[Campaign, ...], list[str]]:
    """Every campaign of the folder, by name, with the problems found on the way."""
    files = sorted(folder.glob("*.yaml"))
    problems = [] if files else [f"{shown(folder)}: no campaign files (*.yaml)"]
    cards = _card_ids()
    found: list[Campaign] = []
    for path in files:
        try:
            scope = Scope(file=path.name, cards=cards)
            found.append(validate(Campaign, _yaml(path), path, scope))
        except PackError as exc:
            problems += exc.problems
    return tuple(sorted(found, key=lambda c: c.name)), problems


@cache
def _loaded() -> tuple[Campaign, ...]:
    found, problems = _read(PACK_DIR)
    if problems:
        raise PackError(problems)
    return found


def all_campaigns() -> tuple[Campaign, ...]:
    """Every campaign, by name, read once. Raises PackError (a ValueError) naming the file,
    the message and the field when a pack is broken."""
    return _loaded()


def names() -> tuple[str, ...]:
    return tuple(c.name for c in all_campaigns())


def campaign(name: str) -> Campaign | None:
    return next((c for c in all_campaigns() if c.name == name), None)


def problems(folder: Path | None = None) -> list[str]:
    """Validation problems of every campaign file (empty when all is well); never raises."""
    return _read(folder if folder is not None else PACK_DIR)[1]


# --- what goes out when -----------------------------------------------------------------------


def day_of(message: Message, year: int) -> dt.date:
    """The local date a message goes out in a year (a one-time message: its date)."""
    when = message.date
    return when.of(year) if isinstance(when, MonthDay) else when


def due_messages(campaign: Campaign, on: dt.date) -> tuple[Message, ...]:
    """The messages of the campaign that go out on this local date, in file order (at most
    one: the pack allows one a day)."""
    return tuple(m for m in campaign.messages if day_of(m, on.year) == on)


def messages_on(day: dt.date, campaigns: tuple[Campaign, ...] | None = None) -> tuple[Sending, ...]:
    """What every campaign (or those given, e.g. the ones turned on) sends on this local date,
    by campaign name."""
    chosen = all_campaigns() if campaigns is None else campaigns
    return tuple(Sending(c, m, day) for c in chosen for m in due_messages(c, day))


def schedule(campaign: Campaign, start: dt.date, end: dt.date) -> tuple[Sending, ...]:
    """Every sending of the campaign from `start` to `end` (both included), by date."""
    found = [
        Sending(campaign, message, day)
        for year in range(start.year, end.year + 1)
        for message in campaign.messages
        if start <= (day := day_of(message, year)) <= end
    ]
    return tuple(sorted(found, key=lambda s: (s.day, s.message.id)))


def next_sending(campaign: Campaign, on: dt.date) -> Sending | None:
    """The campaign's first sending on or after this local date; None once a one-time
    campaign is over."""
    found = schedule(campaign, on, on + _A_YEAR)  # a yearly message comes within a year
    return found[0] if found else None


_A_YEAR = dt.timedelta(days=366)


# --- the words residents get ------------------------------------------------------------------


def notice(message: Message, lang: str) -> str:
    """The notice as residents read it, in their language: the text, then where to read its
    card in the bot. (The broadcast machinery adds the sender line above and the stop hint
    below.) Raises PackError when the awareness packs are broken."""
    found = awareness.find_card(message.card)
    if found is None:  # the check refuses such a pack; a rewritten one may lose a card
        return message.text.get(lang)
    topic, card = found
    pointer = translate(
        "campaign.read_card",
        lang,
        {
            "menu": translate("menu.learn", lang),
            "topic": topic.title.get(lang),
            "n": topic.cards.index(card) + 1,
            "title": card.title.get(lang),
        },
    )
    return f"{message.text.get(lang)}\n\n{pointer}"
