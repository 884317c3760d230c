"""The scams of the week (issue 15, "Scam of the week"): on Monday morning a resident who
subscribed gets, for their province, the scam types most reported in the last seven days (a
count per category, never a tip's words) and the phone numbers, links and bank accounts the
police CONFIRMED in those days and that tips of the province named. A resident's report that
the police have not confirmed never appears. Nothing to say: no message that week.

Pure: storage/scam_week.py reads the counts and the indicators and queues the rows;
handlers/notices.py renders a row's parameters in the resident's language when it is sent.
Numbers are shown as people write them ("0912 345 678"), links defanged ("hxxp://vi-du[.]com")
so that no chat turns them into something to tap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from content import tips
from content.scamcheck.kinds import shown
from handlers.deadlines import LOCAL_TZ
from handlers.model import Label, Localized, Msg, Reply

SENT_FROM = time(9, 0)
SENT_UNTIL = time(12, 0)
KEY = "weekly"
MAX_INDICATORS = 10
MAX_TYPES = 5
CONFIRMED = "confirmed"  # the police's decision (storage/indicators.py DECISIONS)
FRAUD_PREFIX = "fraud_"  # the scam categories of content/packs/tip_categories.yaml
MARKS = {"phone": "📞", "account": "🏦", "domain": "🔗", "url": "🔗"}


@dataclass(frozen=True)
class Confirmed:
    """An indicator the police confirmed, as stored (content.scamcheck: normalised)."""

    kind: str
    value: str
    bank: str = ""


def fraud_categories() -> tuple[str, ...]:
    """The tip categories that are scams, whose counts the digest shows."""
    return tuple(c.id for c in tips.categories() if c.id.startswith(FRAUD_PREFIX))


def monday_due(now: datetime) -> date | None:
    """The Monday whose digest goes out now, or None (another day, before 09:00, after
    noon, local time)."""
    local = now.astimezone(LOCAL_TZ)
    if local.weekday() != 0 or not SENT_FROM <= local.time() < SENT_UNTIL:
        return None
    return local.date()


def week(monday: date) -> str:
    """The ISO week of the digest: "2026-W50"."""
    year, number, _ = monday.isocalendar()
    return f"{year}-W{number:02d}"


def key(monday: date) -> str:
    """The scheduled send's key: one digest per province (the target) and week."""
    return f"{KEY}/{week(monday)}"


def since(monday: date) -> datetime:
    """The start of the digest's seven days: 09:00 of the Monday before."""
    return datetime.combine(monday - timedelta(days=7), SENT_FROM, LOCAL_TZ)


def defang(text: str) -> str:
    """A link that no chat makes clickable: "https://vi-du.com/a" → "hxxps://vi-du[.]com/a"."""
    lowered = text.lower()
    for scheme, safe in (("https://", "hxxps://"), ("http://", "hxxp://")):
        if lowered.startswith(scheme):
            return safe + text[len(scheme) :].replace(".", "[.]")
    return text.replace(".", "[.]")


def show(indicator: Confirmed) -> str:
    """One indicator on its own line, with a mark for its kind."""
    mark = MARKS.get(indicator.kind, "•")
    if indicator.kind == "url":
        return f"{mark} {defang('http://' + indicator.value)}"
    if indicator.kind == "domain":
        return f"{mark} {defang(indicator.value)}"
    return f"{mark} {shown(indicator.kind, indicator.value, indicator.bank)}"


def params(
    province: str,
    monday: date,
    counts: Mapping[str, int],
    confirmed: Sequence[Confirmed],
) -> dict[str, str] | None:
    """The notice's parameters, or None when there is nothing to say (no message at all).
    Only scam categories with a count count; indicators each once, at most ten."""
    scams = sorted(
        ((c, n) for c, n in counts.items() if c in fraud_categories() and n > 0),
        key=lambda item: (-item[1], item[0]),
    )[:MAX_TYPES]
    lines: list[str] = []
    for indicator in confirmed:
        line = show(indicator)
        if line not in lines:
            lines.append(line)
    lines = lines[:MAX_INDICATORS]
    if not scams and not lines:
        return None
    return {
        "province": province,
        "week": week(monday),
        "from": (monday - timedelta(days=7)).isoformat(),
        "to": (monday - timedelta(days=1)).isoformat(),
        "types": ",".join(f"{c}={n}" for c, n in scams),
        "indicators": "\n".join(lines),
    }


class BadDigest(ValueError):
    """Parameters this code cannot turn into the digest."""


def _types(raw: str) -> list[tuple[Localized, int]]:
    found: list[tuple[Localized, int]] = []
    for item in filter(None, raw.split(",")):
        category_id, _, count = item.partition("=")
        category = tips.category(category_id)
        if category is None or not count.isdecimal():
            raise BadDigest(f"not a scam count: {item!r}")
        found.append((Localized(category.vi, category.en), int(count)))
    return found


def _day(iso: str) -> str:
    try:
        return date.fromisoformat(iso).strftime("%d/%m")
    except ValueError as exc:
        raise BadDigest("not an ISO date") from exc


def message(found: Mapping[str, str]) -> Reply:
    """The digest in the resident's language, from the outbox row's parameters."""
    scams = _types(found.get("types", ""))
    lines = [line for line in found.get("indicators", "").split("\n") if line.strip()]
    if not scams and not lines:
        raise BadDigest("an empty digest")
    text: list[Label] = [
        Msg(
            "weekly.title",
            {
                "province": found.get("province", ""),
                "from": _day(found.get("from", "")),
                "to": _day(found.get("to", "")),
            },
        )
    ]
    if scams:
        text.append(Msg("weekly.types"))
        text += [Msg("weekly.type_line", {"label": label, "count": n}) for label, n in scams]
    if lines:
        text += [Msg("weekly.confirmed"), "\n".join(lines), Msg("weekly.advice")]
    text.append(Msg("weekly.stop_hint"))
    return Reply(tuple(text))
