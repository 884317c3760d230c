"""Spike alerts, a person decides: when tips of one kind in a commune rise clearly above that
commune's usual level, the panel suggests sending residents the awareness card on it.

The rule is data (content/packs/spike_rules.yaml, content/schema/spikes.py): a kind spikes in
a commune when the last `window_days` days (today included) hold at least `min_count` of its
tips and at least `factor` × its weekly mean over the `baseline_weeks` weeks before them. A
commune with no such tip in those weeks (a mean of 0) needs `min_count` alone: a first wave is
news, but one or two tips are not a wave.

`detect` is a pure function over counts (`History`); `narrow` names the scam type most of a
spike's tips match by their words (content/packs/scam_rules.yaml) when the pack asks for it;
`run` reads the counts through a `SpikeSource` (storage/spikes.py) and does both. What comes
out is a commune, a kind, counts, a mean and a card: no reporter, no tip's text. Nothing here
sends anything; a person composes the notice (admin/spike_suggestions.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from fractions import Fraction
from typing import Protocol

from content import scamcheck
from content.schema.spikes import SpikeRules


@dataclass(frozen=True)
class Window:
    """The days a run counts: the recent window (`start` to `today`) and, before it, the
    baseline's weeks, the most recent first."""

    today: date
    days: int
    weeks: int

    @classmethod
    def of(cls, today: date, rules: SpikeRules) -> Window:
        return cls(today, rules.window_days, rules.baseline_weeks)

    @property
    def start(self) -> date:
        """The window's first day."""
        return self.today - timedelta(days=self.days - 1)

    @property
    def first_day(self) -> date:
        """The baseline's first day: the earliest day a run reads."""
        return self.start - timedelta(weeks=self.weeks)

    def starts(self) -> tuple[date, ...]:
        """The first day of each bucket: the window (0), then baseline week 1 (the week just
        before the window) to `weeks`. Bucket i runs from starts[i] to the day before
        starts[i - 1] (the window to `today`)."""
        return tuple(self.start - timedelta(weeks=i) for i in range(self.weeks + 1))

    def bucket(self, day: date) -> int | None:
        """Which bucket a day falls in; None outside the run's days."""
        if day > self.today or day < self.first_day:
            return None
        if day >= self.start:
            return 0
        return (self.start - day - timedelta(days=1)).days // 7 + 1


@dataclass(frozen=True)
class History:
    """One kind of tip in one commune: its tips in the window and in each baseline week (the
    most recent week first; weeks left out count 0)."""

    commune_code: str
    kind: str
    count: int
    weekly: tuple[int, ...] = ()


@dataclass(frozen=True)
class Suggestion:
    """A spike: send residents of `commune_code` the card `card`? `new` when the baseline held
    no tip of the kind (min_count alone decided). With a scam type, `scam_count` of the
    `count` tips match it by their words and `card` is that type's card."""

    commune_code: str
    kind: str
    count: int
    baseline_mean: float
    card: str
    new: bool
    scam_type: str = ""
    scam_count: int = 0


def is_spike(count: int, baseline_total: int, rules: SpikeRules) -> bool:
    """At least min_count, and at least factor × the baseline's weekly mean (compared
    exactly: count × weeks ≥ factor × total, so that a count of exactly 3 × the mean is one)."""
    if count < rules.min_count:
        return False
    factor = Fraction(str(rules.factor))
    return count * rules.baseline_weeks >= factor * baseline_total


def detect(histories: Iterable[History], rules: SpikeRules) -> list[Suggestion]:
    """The spikes among the histories, the most tips first (then by commune and the pack's
    order of kinds). A kind the pack does not watch is ignored."""
    order = {k.id: i for i, k in enumerate(rules.kinds)}
    found: list[Suggestion] = []
    for h in histories:
        kind = rules.kind(h.kind)
        total = sum(h.weekly[: rules.baseline_weeks])
        if kind is None or not is_spike(h.count, total, rules):
            continue
        mean = total / rules.baseline_weeks
        found.append(Suggestion(h.commune_code, h.kind, h.count, mean, kind.card, total == 0))
    found.sort(key=lambda s: (-s.count, s.commune_code, order[s.kind]))
    return found


def scam_type_of(text: str) -> str:
    """The scam type (a rule of scam_rules.yaml) a text's words match best; "" for none. An
    advice rule names the resident's situation, not a scam type, and is passed over."""
    return next((m.rule for m in scamcheck.match_rules(text) if not m.advice), "")


def narrow(suggestion: Suggestion, types: Mapping[str, int], rules: SpikeRules) -> Suggestion:
    """The suggestion with the scam type most of its tips match, when the pack narrows its
    kind and one type holds at least min_count of the tips and more than half of them; its
    card is then that type's. Unchanged otherwise (a mix of scams keeps the kind's card)."""
    kind = rules.kind(suggestion.kind)
    if kind is None or not kind.scam_types or not types:
        return suggestion
    rule_id, count = min(types.items(), key=lambda item: (-item[1], item[0]))
    rule = scamcheck.packs().rule(rule_id)
    if rule is None or count < rules.min_count or 2 * count <= suggestion.count:
        return suggestion
    return replace(suggestion, card=rule.card, scam_type=rule_id, scam_count=count)


class SpikeSource(Protocol):
    """The counts a run reads (storage/spikes.py)."""

    async def histories(
        self, window: Window, kinds: Sequence[str], communes: Sequence[str] | None
    ) -> list[History]:
        """Per commune and kind with a tip in the window: that count and the baseline's
        weekly counts. `communes` None: every commune."""
        ...

    async def scam_types(self, commune_code: str, kind: str, window: Window) -> dict[str, int]:
        """How many of the window's tips of the kind in the commune match each scam type
        (`scam_type_of`); tips matching none are not counted."""
        ...


async def run(
    source: SpikeSource,
    rules: SpikeRules,
    today: date,
    communes: Sequence[str] | None = None,
) -> list[Suggestion]:
    """The suggestions of the communes (every commune when None) on `today`."""
    window = Window.of(today, rules)
    histories = await source.histories(window, [k.id for k in rules.kinds], communes)
    found = detect(histories, rules)
    out: list[Suggestion] = []
    for s in found:
        kind = rules.kind(s.kind)
        if kind is not None and kind.scam_types:
            s = narrow(s, await source.scam_types(s.commune_code, s.kind, window), rules)
        out.append(s)
    return out
