"""The tip's vocabulary: the track it runs on, its status and the one table of moves between
them, and the outcomes it may be closed with. Storage, the panel, the API and the notices to
the reporter all read these; the deadlines and their legal sources are data
(content/packs/legal_rules.yaml, read by content/legal.py)."""

from __future__ import annotations

import enum


class Track(enum.StrEnum):
    """The procedure a tip runs under (issue 17): chosen from its category, changeable by an
    officer while it is still in the commune's hands."""

    CRIME = "crime"  # tố giác, tin báo về tội phạm: the Criminal Procedure Code's clock
    ADMINISTRATIVE = "administrative"  # Law on Handling Administrative Violations
    MEDIATION = "mediation"  # grassroots mediation (Luật Hòa giải ở cơ sở 2013)
    VIOLENCE = "violence"  # domestic violence and child abuse: urgent, protection first
    FIRE_RISK = "fire_risk"  # a fire-prevention check by the commune


class TipStatus(enum.StrEnum):
    NEW = "new"  # received, not yet acknowledged to the reporter
    ACKNOWLEDGED = "acknowledged"  # the reporter was told it was received
    VERIFYING = "verifying"  # preliminary check (or the fire-safety check) by the commune
    MEDIATING = "mediating"  # with the neighbourhood's mediation team (mediation only)
    FORWARDED = "forwarded"  # passed on to the competent body (investigation body or other)
    SUSPENDED = "suspended"  # crime only: resolution suspended (CPC art. 148), may resume
    CLOSED = "closed"  # decided; the reporter is told the outcome


TRANSITIONS: dict[TipStatus, frozenset[TipStatus]] = {
    TipStatus.NEW: frozenset({TipStatus.ACKNOWLEDGED, TipStatus.FORWARDED, TipStatus.CLOSED}),
    TipStatus.ACKNOWLEDGED: frozenset(
        {
            TipStatus.VERIFYING,
            TipStatus.MEDIATING,
            TipStatus.FORWARDED,
            TipStatus.SUSPENDED,
            TipStatus.CLOSED,
        }
    ),
    TipStatus.VERIFYING: frozenset({TipStatus.FORWARDED, TipStatus.SUSPENDED, TipStatus.CLOSED}),
    TipStatus.MEDIATING: frozenset({TipStatus.FORWARDED, TipStatus.CLOSED}),
    TipStatus.FORWARDED: frozenset({TipStatus.SUSPENDED, TipStatus.CLOSED}),
    # Resumed (CPC art. 149): back to the check, or to the body it had gone to.
    TipStatus.SUSPENDED: frozenset({TipStatus.VERIFYING, TipStatus.FORWARDED}),
    TipStatus.CLOSED: frozenset(),
}

# The statuses each track has: a mediation is never "verifying", only a crime report is ever
# suspended.
_COMMON = frozenset({TipStatus.NEW, TipStatus.ACKNOWLEDGED, TipStatus.FORWARDED, TipStatus.CLOSED})
TRACK_STATUSES: dict[Track, frozenset[TipStatus]] = {
    Track.CRIME: _COMMON | {TipStatus.VERIFYING, TipStatus.SUSPENDED},
    Track.ADMINISTRATIVE: _COMMON | {TipStatus.VERIFYING},
    Track.MEDIATION: _COMMON | {TipStatus.MEDIATING},
    Track.VIOLENCE: _COMMON | {TipStatus.VERIFYING},
    Track.FIRE_RISK: _COMMON | {TipStatus.VERIFYING},
}


class IllegalTransition(ValueError):
    def __init__(self, current: TipStatus, target: TipStatus, track: Track | None = None) -> None:
        on = f" on the {track.value} track" if track is not None else ""
        super().__init__(f"a tip cannot move from {current.value} to {target.value}{on}")
        self.current, self.target = current, target


def move(current: TipStatus, target: TipStatus, track: Track = Track.CRIME) -> TipStatus:
    """The one place a status changes; raises on a move the table or the track does not
    allow."""
    statuses = TRACK_STATUSES[track]
    if target not in TRANSITIONS[current] or not {current, target} <= statuses:
        raise IllegalTransition(current, target, track)
    return target


class Resolution(enum.StrEnum):
    """How a tip was decided; the reporter is told the outcome in these terms. Which belong
    to which track is `OUTCOMES`."""

    # Crime reports: the decisions of CPC art. 147(1) (suspension: art. 148).
    PROSECUTED = "prosecuted"  # khởi tố vụ án hình sự
    NOT_PROSECUTED = "not_prosecuted"  # không khởi tố vụ án hình sự
    SUSPENDED = "suspended"  # tạm đình chỉ việc giải quyết: the tip stays open, resumable
    # Administrative violations, violence and fire risks.
    SANCTIONED = "sanctioned"  # a sanction decided (warning or fine)
    NO_VIOLATION = "no_violation"  # checked: no violation found
    PROTECTED = "protected"  # violence: measures to protect the victim were taken
    SAFE = "safe"  # fire risk: checked, no hazard
    FIXED = "fixed"  # fire risk: the hazard was put right after the check
    # Mediation (Luật Hòa giải ở cơ sở 2013).
    AGREED = "agreed"  # hòa giải thành
    NOT_AGREED = "not_agreed"  # hòa giải không thành: the parties may go to the competent body
    WITHDRAWN = "withdrawn"  # the parties no longer ask for it
    # Every track.
    TRANSFERRED = "transferred"  # forwarded; the body it went to decides (needs a forward)
    DUPLICATE = "duplicate"  # the same matter as another tip
    # Before issue 17, kept so that old tips still read: not offered any more.
    HANDLED = "handled"
    FORWARDED = "forwarded"
    UNFOUNDED = "unfounded"
    INSUFFICIENT = "insufficient"
    NOT_COMPETENT = "not_competent"


OUTCOMES: dict[Track, tuple[Resolution, ...]] = {
    Track.CRIME: (
        Resolution.PROSECUTED,
        Resolution.NOT_PROSECUTED,
        Resolution.SUSPENDED,
        Resolution.TRANSFERRED,
        Resolution.DUPLICATE,
    ),
    Track.ADMINISTRATIVE: (
        Resolution.SANCTIONED,
        Resolution.NO_VIOLATION,
        Resolution.TRANSFERRED,
        Resolution.DUPLICATE,
    ),
    Track.MEDIATION: (
        Resolution.AGREED,
        Resolution.NOT_AGREED,
        Resolution.WITHDRAWN,
        Resolution.TRANSFERRED,
        Resolution.DUPLICATE,
    ),
    Track.VIOLENCE: (
        Resolution.PROTECTED,
        Resolution.SANCTIONED,
        Resolution.NO_VIOLATION,
        Resolution.TRANSFERRED,
        Resolution.DUPLICATE,
    ),
    Track.FIRE_RISK: (
        Resolution.SAFE,
        Resolution.FIXED,
        Resolution.SANCTIONED,
        Resolution.TRANSFERRED,
        Resolution.DUPLICATE,
    ),
}
# Outcomes of the past, no longer offered but still read on old tips.
LEGACY_OUTCOMES = frozenset(
    {
        Resolution.HANDLED,
        Resolution.FORWARDED,
        Resolution.UNFOUNDED,
        Resolution.INSUFFICIENT,
        Resolution.NOT_COMPETENT,
    }
)


# Outcomes that mean the tip led somewhere (issue 20): a case opened, a violation
# sanctioned, a victim protected, a hazard put right, a dispute settled. A tip whose scam
# indicator the police confirmed is useful too (storage decides that, by the indicator).
# Such a tip may be thanked and counts as useful in the movement's reports.
USEFUL_OUTCOMES = frozenset(
    {
        Resolution.PROSECUTED,
        Resolution.SANCTIONED,
        Resolution.PROTECTED,
        Resolution.FIXED,
        Resolution.AGREED,
    }
)


class Protection(enum.StrEnum):
    """What the reporter asked of the police about themselves (CPC arts. 484-486)."""

    NONE = ""
    SECRET = "secret"  # keep my identity secret
    THREATENED = "threatened"  # I am threatened
