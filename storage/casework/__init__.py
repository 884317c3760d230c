"""Casework in storage: the SQL `CaseStore` the police's actions run on (store.py; the actions
themselves are handlers/casework/), and the reads the panel and the JSON API share.

Every read takes the request's session and the signed-in `Identity`, starts from the caller's
area (area.py) and only flushes (the route commits once). A tip outside the caller's area is
`NotFound`, never `Forbidden`. The modules: views (what is shown), area (scope), filters and
search, listing (the queue and its counts), tip_page (one tip), export (audited rows).
"""

from __future__ import annotations

from storage.casework.export import MAX_EXPORT_ROWS, export_rows
from storage.casework.filters import QUEUE_ORDER, filter_clauses
from storage.casework.listing import COUNT_CAP, MAX_PAGE_SIZE, PAGE_SIZE, queue, status_counts
from storage.casework.search import SEARCH_COUNT_CAP, SEARCH_WINDOW
from storage.casework.store import SqlCaseStore
from storage.casework.tip_page import allowed_actions, attachment, map_url, tip_detail
from storage.casework.views import (
    AttachmentInfo,
    AttachmentRef,
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
    "MAX_EXPORT_ROWS",
    "MAX_PAGE_SIZE",
    "PAGE_SIZE",
    "QUEUE_ORDER",
    "SEARCH_COUNT_CAP",
    "SEARCH_WINDOW",
    "AttachmentInfo",
    "AttachmentRef",
    "ExportRow",
    "QueueFilter",
    "QueueItem",
    "QueuePage",
    "RelatedTip",
    "SqlCaseStore",
    "TimelineItem",
    "TipDetail",
    "allowed_actions",
    "attachment",
    "export_rows",
    "filter_clauses",
    "map_url",
    "queue",
    "status_counts",
    "tip_detail",
]
