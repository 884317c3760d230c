"""The words the broadcast templates build at render time ("panel.broadcasts.status." ~
status), listed so that the catalog check sees them as used; the words a refusal shows on
these pages; and the helpers every broadcast template gets."""

from __future__ import annotations

from typing import Any

from admin.timefmt import local_time
from content import areas
from content.i18n import translate
from handlers.broadcasts.photo import MAX_PHOTO_MB
from handlers.broadcasts.words import MAX_TEXT, BroadcastKind, MessageState


def _(msgid: str) -> str:
    """Marks a catalog id that a template builds at render time, so that the catalog check
    sees it as used."""
    return msgid


BUILT_IDS = (
    _("panel.broadcasts.status.pending"),
    _("panel.broadcasts.status.rejected"),
    _("panel.broadcasts.status.sending"),
    _("panel.broadcasts.status.done"),
    _("panel.broadcasts.status.cancelled"),
    _("panel.broadcasts.kind.alert"),
    _("panel.broadcasts.kind.awareness"),
    _("panel.broadcasts.kind_note.alert"),
    _("panel.broadcasts.kind_note.awareness"),
    _("panel.broadcasts.state.sent"),
    _("panel.broadcasts.state.queued"),
    _("panel.broadcasts.state.failed"),
    _("panel.broadcasts.state.unreachable"),
    _("panel.broadcasts.state.opted_out"),
    _("panel.broadcasts.state.cancelled"),
    _("panel.broadcasts.channel.telegram"),
    _("panel.broadcasts.channel.zalo_bot"),
    _("panel.broadcasts.channel.zalo_oa"),
    _("panel.broadcasts.channel.web"),
    _("panel.broadcasts.channel.cli"),
    _("panel.broadcasts.done.sent"),
    _("panel.broadcasts.done.pending"),
    _("panel.broadcasts.done.approve"),
    _("panel.broadcasts.done.reject"),
    _("panel.broadcasts.done.cancel"),
    _("panel.broadcasts.everyone.leader"),
    _("panel.broadcasts.everyone.commune"),
    _("panel.broadcasts.everyone.province"),
)
STATUSES = frozenset(
    i.removeprefix("panel.broadcasts.status.") for i in BUILT_IDS if ".status." in i
)
CHANNELS = frozenset(
    i.removeprefix("panel.broadcasts.channel.") for i in BUILT_IDS if ".channel." in i
)
DONE = frozenset(i.removeprefix("panel.broadcasts.done.") for i in BUILT_IDS if ".done." in i)
# The order a reader takes in the counts: what arrived first, then what is still to come,
# then what will not arrive and why.
STATES = (
    MessageState.SENT,
    MessageState.QUEUED,
    MessageState.FAILED,
    MessageState.UNREACHABLE,
    MessageState.OPTED_OUT,
    MessageState.CANCELLED,
)

# A refusal on these pages in words about notices: the shared "panel.error.not_found" and
# "panel.error.forbidden" speak of tips. Any other code has its words in "panel.error.<code>"
# (admin/errors.py's MESSAGES).
ERRORS = {
    "not_found": _("panel.broadcasts.error.not_found"),
    "area": _("panel.broadcasts.error.area"),
    "forbidden": _("panel.broadcasts.error.forbidden"),
}


# A refused photo (handlers/broadcasts/photo.py): shown on the compose form, and the API's
# message for the same codes.
PHOTO_ERRORS = (
    _("panel.error.photo_empty"),
    _("panel.error.photo_size"),
    _("panel.error.photo_type"),
)


def error_id(code: str) -> str:
    return ERRORS.get(code) or f"panel.error.{code}"


def number(value: int, lang: str) -> str:
    """A count as each language groups thousands: 2.000 in Vietnamese, 2,000 in English."""
    grouped = f"{value:,}"
    return grouped.replace(",", ".") if lang == "vi" else grouped


EXCERPT = 140  # characters of a notice's first line in a list
LISTED_COMMUNES = 3  # communes a list names before "and N more"


def first_line(text: str) -> str:
    line = next((part.strip() for part in text.splitlines() if part.strip()), "")
    return line if len(line) <= EXCERPT else line[: EXCERPT - 1].rstrip() + "…"


def commune_name(code: str) -> str:
    found = areas.commune(code)
    return found.name if found else code


def communes_text(codes: tuple[str, ...], lang: str, listed: int = LISTED_COMMUNES) -> str:
    """The communes a broadcast goes to; a province's many, the first few and how many more."""
    names = ", ".join(commune_name(c) for c in codes[:listed])
    if len(codes) <= listed:
        return names
    more = number(len(codes) - listed, lang)
    return translate("panel.broadcasts.more_communes", lang, {"names": names, "count": more})


def helpers(lang: str) -> dict[str, Any]:
    return {
        "when": local_time,
        "commune_name": commune_name,
        "communes_text": lambda codes, listed=LISTED_COMMUNES: communes_text(codes, lang, listed),
        "first_line": first_line,
        "number": lambda value: number(value, lang),
        "kinds": [k.value for k in BroadcastKind],
        "states": [s.value for s in STATES],
        "channels": CHANNELS,
        "max_text": MAX_TEXT,
        "max_photo_mb": MAX_PHOTO_MB,
    }
