"""`binhyen campaigns list` and `binhyen campaigns preview NAME`: the campaigns of
content/packs/campaigns/ as an officer or a content editor checks them in the terminal.

`list` gives each campaign's name, when it runs, how many messages it has, whether it is on
today and the next date one of them goes out; `preview` prints each message with its date and
exactly the words residents get (the notice and its card pointer; the broadcast adds the
sender line above and the stop hint below), then, marked as not sent, its source.
"Today" is the local date in Vietnam unless --today says otherwise.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import TextIO

from content import awareness, campaigns
from content.campaigns import Campaign, Message, MonthDay
from content.schema.base import PackError
from handlers.deadlines import local_date

EXIT_BROKEN = 1
EXIT_USAGE = 2
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def today() -> dt.date:
    return local_date(dt.datetime.now(dt.UTC))


def run(
    command: str,
    name: str = "",
    lang: str = "vi",
    on: dt.date | None = None,
    out: TextIO | None = None,
) -> int:
    """The `campaigns` subcommand; its exit status (2: an unknown campaign)."""
    out = out or sys.stdout
    day = on or today()
    try:
        found = campaigns.all_campaigns()
    except PackError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        print(f"campaigns: {len(exc.problems)} problem(s); see `binhyen content check`")
        return EXIT_BROKEN
    if command == "list":
        _list(found, lang, day, out)
        return 0
    chosen = campaigns.campaign(name)
    if chosen is None:
        known = ", ".join(c.name for c in found) or "none"
        print(f"binhyen campaigns: no campaign {name!r}. Known: {known}", file=sys.stderr)
        return EXIT_USAGE
    _preview(chosen, lang, day, out)
    return 0


def _shown(day: dt.date) -> str:
    return f"{day.isoformat()} {_WEEKDAYS[day.weekday()]}"


def _list(found: tuple[Campaign, ...], lang: str, day: dt.date, out: TextIO) -> None:
    header = ("NAME", "RUNS", "MESSAGES", "NOW", "NEXT", "TITLE")
    rows = [header]
    for c in found:
        upcoming = campaigns.next_sending(c, day)
        rows.append(
            (
                c.name,
                str(c.runs),
                str(len(c.messages)),
                "on" if c.runs.covers(day) else "-",
                _shown(upcoming.day) if upcoming else "over",
                c.title.get(lang),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    for row in rows:
        cells = [
            cell.rjust(width) if i == 2 else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=False))
        ]
        print("  ".join([*cells, row[-1]]), file=out)
    print(f"\n{len(found)} campaign(s); today is {_shown(day)} (Vietnam).", file=out)


def _preview(chosen: Campaign, lang: str, day: dt.date, out: TextIO) -> None:
    messages = chosen.in_order()
    print(f"{chosen.name}: {chosen.title.get(lang)}", file=out)
    print(f"Runs {chosen.runs} · {len(messages)} message(s) · language {lang}", file=out)
    print(
        "Each goes to residents subscribed to awareness messages, under the sender line and "
        "above the stop hint.",
        file=out,
    )
    for n, message in enumerate(messages, 1):
        text = campaigns.notice(message, lang)
        print(f"\n[{n}/{len(messages)}] {_when(message, chosen, day)} · {message.id}", file=out)
        print(f"card: {_card(message)} · {len(text)} characters", file=out)
        print("-" * 40, file=out)
        print(text, file=out)
        print("-" * 40, file=out)
        print(f"source (not sent): {message.source}", file=out)


def _when(message: Message, chosen: Campaign, day: dt.date) -> str:
    if isinstance(message.date, MonthDay):
        upcoming = campaigns.schedule(chosen, day, day + dt.timedelta(days=366))
        nxt = next(s.day for s in upcoming if s.message.id == message.id)
        return f"{message.date} every year (next: {_shown(nxt)})"
    past = " (past)" if message.date < day else ""
    return f"{_shown(message.date)}{past}"


def _card(message: Message) -> str:
    found = awareness.find_card(message.card)
    return f"{found[0].id}/{message.card}" if found else f"{message.card} (missing)"
