"""The words the tip templates build at render time ("panel.event." ~ kind), listed so that
the catalog check sees them as used, and the helpers every tip template gets."""

from __future__ import annotations

from datetime import date
from typing import Any

from admin.files import INLINE_IMAGES
from admin.timefmt import day, local_time
from content import areas, tips


def catalog_id(msgid: str) -> str:
    """Marks a catalog id that a template builds at render time ("panel.status." ~ value),
    so that the catalog check sees it as used."""
    return msgid


_ = catalog_id

BUILT_IDS = (
    _("panel.status.new"),
    _("panel.status.acknowledged"),
    _("panel.status.verifying"),
    _("panel.status.forwarded"),
    _("panel.status.closed"),
    _("panel.resolution.handled"),
    _("panel.resolution.forwarded"),
    _("panel.resolution.unfounded"),
    _("panel.resolution.insufficient"),
    _("panel.resolution.duplicate"),
    _("panel.resolution.not_competent"),
    _("panel.nav.queue"),
    _("panel.nav.stats"),
    _("panel.nav.indicators"),
    _("panel.nav.audit"),
    _("panel.nav.users"),
    _("panel.nav.account"),
    _("panel.nav.broadcasts"),
    _("panel.event.created"),
    _("panel.event.urgent"),
    _("panel.event.acknowledged"),
    _("panel.event.verifying"),
    _("panel.event.question"),
    _("panel.event.reporter_answer"),
    _("panel.event.note"),
    _("panel.event.assigned"),
    _("panel.event.urgency"),
    _("panel.event.forwarded"),
    _("panel.event.forwarded_to"),
    _("panel.event.extended"),
    _("panel.event.extension_reason"),
    _("panel.event.closed"),
    _("panel.event.rating"),
    _("panel.event.revealed"),
    _("panel.action.take"),
    _("panel.action.assign"),
    _("panel.action.urgency"),
    _("panel.action.acknowledge"),
    _("panel.action.verify"),
    _("panel.action.ask"),
    _("panel.action.forward"),
    _("panel.action.extend"),
    _("panel.action.close"),
    _("panel.action.note"),
    _("panel.action.reveal"),
    _("panel.done.take"),
    _("panel.done.assign"),
    _("panel.done.urgency"),
    _("panel.done.acknowledge"),
    _("panel.done.verify"),
    _("panel.done.ask"),
    _("panel.done.forward"),
    _("panel.done.extend"),
    _("panel.done.close"),
    _("panel.done.note"),
    _("panel.error.not_found"),
    _("panel.error.forbidden"),
    _("panel.error.csrf"),
    _("panel.error.filter"),
    _("panel.error.cursor"),
    _("panel.error.anonymous"),
    _("panel.error.reason"),
    _("panel.error.assignee"),
    _("panel.error.no_reporter"),
    _("panel.error.transition"),
    _("panel.error.closed"),
    _("panel.error.question"),
    _("panel.error.forward_to"),
    _("panel.error.note"),
    _("panel.error.extension_limit"),
    _("panel.error.extension_late"),
    _("panel.error.resolution"),
    _("panel.error.attachment"),
    _("panel.when.now"),
    _("panel.when.today"),
    _("panel.when.unknown"),
    _("panel.detail.suspects"),
    _("panel.detail.vehicles"),
    _("panel.detail.witnesses"),
    _("panel.detail.how_known"),
    _("panel.detail.evidence"),
    _("panel.detail.urgent_words"),
    _("panel.detail.incident_time"),
    _("panel.attachment.photo"),
    _("panel.attachment.video"),
    _("panel.attachment.voice"),
    _("panel.attachment.file"),
    _("panel.visibility.internal"),
    _("panel.visibility.reporter"),
    _("panel.error_title.not_found"),
    _("panel.error_title.forbidden"),
)
EVENT_KINDS = frozenset(
    i.removeprefix("panel.event.") for i in BUILT_IDS if i.startswith("panel.event.")
)
DETAIL_KEYS = frozenset(
    i.removeprefix("panel.detail.") for i in BUILT_IDS if i.startswith("panel.detail.")
)
ATTACHMENT_KINDS = frozenset(
    i.removeprefix("panel.attachment.") for i in BUILT_IDS if i.startswith("panel.attachment.")
)


def iso_day(value: str) -> str:
    """A timeline body that holds an ISO date (an extension), shown as dd/mm/yyyy."""
    try:
        return day(date.fromisoformat(value))
    except ValueError:
        return value


def helpers(lang: str) -> dict[str, Any]:
    def category_name(category_id: str) -> str:
        found = tips.category(category_id)
        return found.label(lang) if found else category_id

    def commune_name(code: str) -> str:
        found = areas.commune(code)
        return found.name if found else code

    return {
        "when": local_time,
        "day": day,
        "iso_day": iso_day,
        "category_name": category_name,
        "commune_name": commune_name,
        "inline_images": INLINE_IMAGES,
        "event_kinds": EVENT_KINDS,
        "detail_keys": DETAIL_KEYS,
        "attachment_kinds": ATTACHMENT_KINDS,
    }
