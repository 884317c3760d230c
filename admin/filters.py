"""The queue's filters as query parameters, the same for the pages, the exports and the API.

    status=new|acknowledged|verifying|forwarded|closed|all   (absent: every open tip)
    category=<id>  urgent=1|0  overdue=1  due_soon=1  assignee=me|none|<user id>
    from=YYYY-MM-DD  to=YYYY-MM-DD  (or dd/mm/yyyy)  q=<words>  commune=<5 digits>
    track=crime|administrative|mediation|violence|fire_risk  protection=1

Empty values mean "no filter", so a plain HTML form can send every field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime

from handlers.errors import BadInput
from handlers.tips.words import TipStatus, Track
from storage.casework import QueueFilter

STATUSES = frozenset({s.value for s in TipStatus} | {"all"})
TRACKS = frozenset(t.value for t in Track)
CATEGORY = re.compile(r"[a-z][a-z0-9_]{0,31}")
COMMUNE = re.compile(r"\d{5}")
MAX_QUERY = 200
_TRUE = {"1", "true", "on", "yes"}
_FALSE = {"0", "false", "off", "no"}


def _flag(value: str, name: str) -> bool | None:
    value = value.strip().lower()
    if not value:
        return None
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise BadInput("filter", f"{name} must be 1 or 0")


FIRST_YEAR, LAST_YEAR = 2000, 2100  # the dates a filter takes


def _date(value: str, name: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = datetime.strptime(value, pattern).date()
        except ValueError:
            continue
        # Year 1 or 9999 would overflow the day's bounds in UTC (a 500, issue 20).
        if not FIRST_YEAR <= day.year <= LAST_YEAR:
            raise BadInput("filter", f"{name} must be a date between {FIRST_YEAR} and {LAST_YEAR}")
        return day
    raise BadInput("filter", f"{name} must be a date like 2026-11-25 or 25/11/2026")


def parse_filter(params: Mapping[str, str]) -> QueueFilter:
    """A QueueFilter from query parameters; BadInput("filter") names the first bad one."""
    status = params.get("status", "").strip() or None
    if status is not None and status not in STATUSES:
        raise BadInput("filter", "unknown status")
    category = params.get("category", "").strip() or None
    if category is not None and not CATEGORY.fullmatch(category):
        raise BadInput("filter", "unknown category")
    assignee = params.get("assignee", "").strip() or None
    if assignee is not None and assignee not in ("me", "none") and not assignee.isdigit():
        raise BadInput("filter", "assignee must be me, none or a user id")
    commune = params.get("commune", "").strip() or None
    if commune is not None and not COMMUNE.fullmatch(commune):
        raise BadInput("filter", "commune must be a 5-digit code")
    track = params.get("track", "").strip() or None
    if track is not None and track not in TRACKS:
        raise BadInput("filter", "unknown track")
    received_from = _date(params.get("from", ""), "from")
    received_to = _date(params.get("to", ""), "to")
    if received_from and received_to and received_from > received_to:
        raise BadInput("filter", "from must not be after to")
    return QueueFilter(
        status=status,
        category=category,
        urgent=_flag(params.get("urgent", ""), "urgent"),
        overdue=bool(_flag(params.get("overdue", ""), "overdue")),
        due_soon=bool(_flag(params.get("due_soon", ""), "due_soon")),
        assignee=assignee,
        received_from=received_from,
        received_to=received_to,
        q=params.get("q", "").strip()[:MAX_QUERY],
        commune=commune,
        track=track,
        protection=bool(_flag(params.get("protection", ""), "protection")),
    )


def filter_query(f: QueueFilter) -> dict[str, str]:
    """The query parameters that give `f` back through parse_filter (links, exports)."""
    query: dict[str, str] = {}
    if f.status:
        query["status"] = f.status
    if f.category:
        query["category"] = f.category
    if f.urgent is not None:
        query["urgent"] = "1" if f.urgent else "0"
    if f.overdue:
        query["overdue"] = "1"
    if f.due_soon:
        query["due_soon"] = "1"
    if f.assignee:
        query["assignee"] = f.assignee
    if f.received_from:
        query["from"] = f.received_from.isoformat()
    if f.received_to:
        query["to"] = f.received_to.isoformat()
    if f.q:
        query["q"] = f.q
    if f.commune:
        query["commune"] = f.commune
    if f.track:
        query["track"] = f.track
    if f.protection:
        query["protection"] = "1"
    return query
