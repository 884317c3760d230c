"""What the tip page says of an attachment's metadata (issue 18), from the summary stored
with it (handlers.media_metadata.summary): for a named reporter's file, the kinds found and
the camera, the time taken and the place; for an anonymous reporter's, the kinds removed and
the hash of the file as received, never a value."""

from __future__ import annotations

from content.i18n import translate
from handlers.media_metadata import parse_summary
from storage.casework.views import AttachmentInfo


def _(msgid: str) -> str:
    """Marks a catalog id used through a table, so that the catalog check sees it."""
    return msgid


KIND_IDS = {
    "location": _("panel.metadata.location"),
    "serial": _("panel.metadata.serial"),
    "owner": _("panel.metadata.owner"),
    "camera": _("panel.metadata.camera"),
    "taken": _("panel.metadata.taken"),
    "other": _("panel.metadata.other"),
}


def _kinds(kinds: tuple[str, ...], lang: str) -> str:
    return ", ".join(translate(KIND_IDS[k], lang) for k in kinds if k in KIND_IDS) or "—"


def _taken(value: str) -> str:
    """'2026-11-20 21:03' → '20/11/2026 21:03' (the camera's own clock: no time zone)."""
    day, _sep, time = value.partition(" ")
    parts = day.split("-")
    return f"{parts[2]}/{parts[1]}/{parts[0]} {time}".strip() if len(parts) == 3 else value


def metadata_lines(attachment: AttachmentInfo, lang: str) -> list[str]:
    """The lines shown under an attachment; none for a file stored before issue 18."""
    said = parse_summary(attachment.metadata_summary)
    if not said.status:
        return []
    if attachment.metadata_removed:
        return [
            translate(
                "panel.attachment.metadata_removed", lang, {"kinds": _kinds(said.removed, lang)}
            ),
            translate(
                "panel.attachment.received_sha256", lang, {"sha256": attachment.received_sha256}
            ),
        ]
    if said.status == "unchecked":
        return [translate("panel.attachment.metadata_unchecked", lang)]
    if not said.found:
        return [translate("panel.attachment.metadata_none", lang)]
    lines = [
        translate("panel.attachment.metadata_found", lang, {"kinds": _kinds(said.found, lang)})
    ]
    if said.camera:
        lines.append(translate("panel.attachment.metadata_camera", lang, {"camera": said.camera}))
    if said.taken:
        lines.append(
            translate("panel.attachment.metadata_taken", lang, {"taken": _taken(said.taken)})
        )
    if said.gps is not None:
        lat, lon = said.gps
        point = {"lat": f"{lat:.5f}", "lon": f"{lon:.5f}"}
        lines.append(translate("panel.attachment.metadata_gps", lang, point))
    return lines
