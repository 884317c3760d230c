"""Geometry of the statistics charts, drawn by the templates as inline SVG (no JavaScript).

Each chart is plain data (rectangles, ticks, labels in viewBox units); the template draws it
with a <title> and the same numbers in a table beside it, for screen readers and for copying
into a report.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from babel.numbers import format_decimal

from admin.timefmt import day as day  # the stats pages format dates as charts.day
from content import tips
from content.i18n import translate
from storage.stats import Compliance, Week

# Colour-blind-safe where it matters (Okabe-Ito first), then distinct fill-ins.
PALETTE = (
    "#0072b2",
    "#e69f00",
    "#009e73",
    "#cc79a7",
    "#56b4e9",
    "#d55e00",
    "#f0e442",
    "#7f3c8d",
    "#11a579",
    "#3969ac",
    "#80ba5a",
    "#e73f74",
)
OTHER_COLOUR = "#8c8c8c"
ON_TIME, LATE = "#1a7f37", "#c62828"


def category_order(present: Sequence[str]) -> list[str]:
    """The categories to draw: in the resident's menu order, unknown ones last."""
    known = [c.id for c in tips.categories()]
    return [c for c in known if c in present] + sorted(c for c in present if c not in known)


def colours(categories: Sequence[str]) -> dict[str, str]:
    known = [c.id for c in tips.categories()]
    out = {}
    for category in categories:
        index = known.index(category) if category in known else -1
        out[category] = PALETTE[index % len(PALETTE)] if index >= 0 else OTHER_COLOUR
    return out


def nice_ceiling(value: int) -> int:
    """The smallest of 1, 2, 5 x 10^k that is at least `value` (at least 1)."""
    if value <= 1:
        return 1
    power = int("1" + "0" * (len(str(value - 1)) - 1))  # 10^k <= value - 1 < 10^(k+1)
    for step in (1, 2, 5, 10):
        if step * power >= value:
            return step * power
    return 10 * power


@dataclass(frozen=True)
class Rect:
    x: float
    y: float
    width: float
    height: float
    colour: str
    title: str


@dataclass(frozen=True)
class Tick:
    position: float
    label: str
    sub: str = ""  # a second, smaller line under the label: the week's Monday


def _(msgid: str) -> str:
    """Marks a catalog id chosen at run time, so that the catalog check sees it used."""
    return msgid


WEEK_TICK = _("panel.stats.week_tick")  # "Tuần 38": short enough under a bar
WEEK_TITLE = _("panel.stats.week_title")  # "Tuần 38 (15/9–21/9)": a bar's tooltip


def short_day(value: date) -> str:
    """15/9: day first as the panel writes dates, without the year or leading zeros."""
    return f"{value.day}/{value.month}"


def week_tick(week: Week, lang: str) -> str:
    return translate(WEEK_TICK, lang, {"number": week.number})


def week_title(week: Week, lang: str) -> str:
    """The week's number and its Monday-to-Sunday dates, in the interface language."""
    end = week.start + timedelta(days=6)
    params = {"number": week.number, "start": short_day(week.start), "end": short_day(end)}
    return translate(WEEK_TITLE, lang, params)


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    left: int
    top: int
    plot_width: int
    plot_height: int
    rects: list[Rect]
    y_ticks: list[Tick]
    x_ticks: list[Tick]
    maximum: int


def weekly_bars(
    weeks: Sequence[Week],
    order: Sequence[str],
    names: dict[str, str],
    width: int = 720,
    lang: str = "vi",
) -> BarChart:
    """A stacked bar per ISO week, one segment per category (bottom up in `order`); weeks are
    named in `lang` ("Tuần 38" over "15/9", the Monday), never as ISO codes."""
    height, left, top, bottom, right = 260, 40, 12, 36, 8
    plot_w, plot_h = width - left - right, height - top - bottom
    maximum = nice_ceiling(max((w.total for w in weeks), default=0))
    slot = plot_w / max(len(weeks), 1)
    bar = max(slot * 0.7, 1.0)
    palette = colours(order)
    rects: list[Rect] = []
    x_ticks: list[Tick] = []
    every = max(1, math.ceil(len(weeks) / 12))
    for index, week in enumerate(weeks):
        x = left + index * slot + (slot - bar) / 2
        base = float(top + plot_h)
        for category in order:
            count = week.counts.get(category, 0)
            if not count:
                continue
            h = plot_h * count / maximum
            base -= h
            title = f"{week_title(week, lang)} · {names.get(category, category)}: {count}"
            rects.append(
                Rect(
                    round(x, 1),
                    round(base, 1),
                    round(bar, 1),
                    round(h, 1),
                    palette[category],
                    title,
                )
            )
        if index % every == 0:
            tick = Tick(round(x + bar / 2, 1), week_tick(week, lang), short_day(week.start))
            x_ticks.append(tick)
    divisions = maximum if maximum <= 5 else 5  # maximum is 1, 2, 5, 10, 20, 50, ...
    y_ticks = [
        Tick(round(top + plot_h - plot_h * step / divisions, 1), str(maximum * step // divisions))
        for step in range(divisions + 1)
    ]
    return BarChart(width, height, left, top, plot_w, plot_h, rects, y_ticks, x_ticks, maximum)


@dataclass(frozen=True)
class ComplianceBar:
    label: str
    on_time: int
    late: int
    percent: int | None  # on time, rounded; None when nothing was due yet
    on_time_width: float  # of 100
    late_width: float


def compliance_bar(label: str, compliance: Compliance) -> ComplianceBar:
    share = compliance.share
    percent = None if share is None else round(share * 100)
    on_time = 0.0 if share is None else round(share * 100, 1)
    late = 0.0 if share is None else round(100 - on_time, 1)
    return ComplianceBar(label, compliance.on_time, compliance.late, percent, on_time, late)


def number(value: float | int | None, lang: str, digits: int = 0) -> str:
    """A number the way the language writes it: 1.234,5 in Vietnamese, 1,234.5 in English."""
    if value is None:
        return ""
    pattern = "#,##0" + ("." + "0" * digits if digits else "")
    return format_decimal(value, format=pattern, locale="vi" if lang == "vi" else "en")
