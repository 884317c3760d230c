"""The resident's tip: notice and consent, category, what, when, where, files, details,
anonymity or contact, review, confirmation and receipt.

Nothing is a tip before the resident confirms. The draft lives in the conversation state;
the receipt code and PIN are drawn when the review is first shown, so that a retry after a
crash between the commit and the reply finds the stored tip and repeats the same receipt.

The package is the flow the router lists (`FLOW`, `prompt`, `on_event`); its modules go by
step group: `entry` (begin, consent, category), `describe`, `when_where`, `media`, `details`,
`contact` (anonymous or named, the phone, a request for secrecy), `review` (review, edit,
confirm, the receipt), and `steps`, the table that names them all. `base` holds what they
share; `threat` reads a reporter who says they are threatened.
"""

from __future__ import annotations

# Importing `steps` fills the table the steps move through (handlers/report/base.py).
from handlers.report import steps
from handlers.report.base import (
    BUTTON_STEPS,
    FLOW,
    MAX_DESCRIPTION,
    MAX_FIELD,
    STEPS,
    StepDef,
    on_event,
    prompt,
    reads_danger,
)
from handlers.report.entry import (
    CONSENT_VERSION,
    begin,
    begin_with,
    consenting,
    tells_what_happened,
    typed_consent,
)
from handlers.report.when_where import parse_date

__all__ = [
    "BUTTON_STEPS",
    "CONSENT_VERSION",
    "FLOW",
    "MAX_DESCRIPTION",
    "MAX_FIELD",
    "STEPS",
    "StepDef",
    "begin",
    "begin_with",
    "consenting",
    "on_event",
    "parse_date",
    "prompt",
    "reads_danger",
    "steps",
    "tells_what_happened",
    "typed_consent",
]
