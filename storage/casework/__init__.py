"""Casework: the police side of a tip. Every use case the panel and the JSON API share.

Every function takes the request's session and the signed-in `Identity`, checks the role and
the area first (area.py), and only flushes (the route commits once). A tip outside the
caller's area is `NotFound`, never `Forbidden`. Refusals are the kinds of handlers/errors.py:
NotFound, Forbidden, Conflict (the tip is not in a state for the action), BadInput (what was
sent is wrong). The rules that need no database (what a tip offers to whom, deadlines,
extensions) are handlers/casework/rules.py. Status changes, assignments, extensions,
identity reveals and exports are written to the audit log; messages to the reporter go to
the outbox in the same transaction.

The modules: views (what is shown), area (scope, colleagues), filters and search, listing
(the queue and its counts), tip_page (one tip, reveal), assignment and actions, export.
"""

from __future__ import annotations

from handlers.casework.rules import (
    DUE_SOON_DAYS,
    MAX_NOTE,
    MAX_QUESTION,
    MAX_REASON,
    MIN_REASON,
    Action,
    DueState,
    due_state,
)
from handlers.errors import BadInput, Conflict, Forbidden, Invalid, NotFound
from storage.casework.actions import (
    acknowledge,
    add_note,
    ask_reporter,
    close,
    extend_deadline,
    forward,
    verify,
)
from storage.casework.area import colleagues, scope
from storage.casework.assignment import assign, set_urgency, take
from storage.casework.export import MAX_EXPORT_ROWS, export_rows
from storage.casework.filters import QUEUE_ORDER, filter_clauses
from storage.casework.listing import COUNT_CAP, MAX_PAGE_SIZE, PAGE_SIZE, queue, status_counts
from storage.casework.search import SEARCH_COUNT_CAP, SEARCH_WINDOW
from storage.casework.tip_page import (
    allowed_actions,
    attachment,
    map_url,
    reveal_identity,
    tip_detail,
)
from storage.casework.views import (
    AttachmentInfo,
    AttachmentRef,
    Colleague,
    Contact,
    ExportRow,
    QueueFilter,
    QueueItem,
    QueuePage,
    RelatedTip,
    TimelineItem,
    TipDetail,
)

__all__ = [
    "COUNT_CAP",
    "DUE_SOON_DAYS",
    "MAX_EXPORT_ROWS",
    "MAX_NOTE",
    "MAX_PAGE_SIZE",
    "MAX_QUESTION",
    "MAX_REASON",
    "MIN_REASON",
    "PAGE_SIZE",
    "QUEUE_ORDER",
    "SEARCH_COUNT_CAP",
    "SEARCH_WINDOW",
    "Action",
    "AttachmentInfo",
    "AttachmentRef",
    "BadInput",
    "Colleague",
    "Conflict",
    "Contact",
    "DueState",
    "ExportRow",
    "Forbidden",
    "Invalid",
    "NotFound",
    "QueueFilter",
    "QueueItem",
    "QueuePage",
    "RelatedTip",
    "TimelineItem",
    "TipDetail",
    "acknowledge",
    "add_note",
    "allowed_actions",
    "ask_reporter",
    "assign",
    "attachment",
    "close",
    "colleagues",
    "due_state",
    "export_rows",
    "extend_deadline",
    "filter_clauses",
    "forward",
    "map_url",
    "queue",
    "reveal_identity",
    "scope",
    "set_urgency",
    "status_counts",
    "take",
    "tip_detail",
    "verify",
]
