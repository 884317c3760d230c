"""The police side of a tip: the use cases an officer's action runs (actions, assignment,
reveal), over the `CaseStore` port (ports.py), and the rules they apply (rules.py)."""

from handlers.casework.actions import (
    acknowledge,
    add_note,
    ask_reporter,
    change_track,
    close,
    extend_deadline,
    forward,
    mediate,
    protect,
    resume,
    verify,
)
from handlers.casework.assignment import assign, colleagues, set_urgency, take
from handlers.casework.reveal import reveal_identity
from handlers.casework.thanks import thank

__all__ = [
    "acknowledge",
    "add_note",
    "ask_reporter",
    "assign",
    "change_track",
    "close",
    "colleagues",
    "extend_deadline",
    "forward",
    "mediate",
    "protect",
    "resume",
    "reveal_identity",
    "set_urgency",
    "take",
    "thank",
    "verify",
]
