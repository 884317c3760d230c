"""A broadcast as a resident reads it: a first line saying who sends it, then the text as its
sender wrote it, then how to stop such messages. Rendered in the resident's language when it
is sent (bot/outbox.py, bot/render.py), as the notices of handlers/notices.py are.

The sender is named by role and area, never as a person: residents learn that the commune's
police or a neighbourhood speaks, not which account typed it (the panel and the audit log
keep that). An alert opens with 📣, an awareness message with 💡, so that a resident tells a
warning from a prevention tip before reading on.

The last line's STOP / DỪNG is the router's global keyword (content/packs/keywords.yaml,
handlers/subscriptions.py): from any step it ends every subscription, so no later copy of any
broadcast reaches them (storage/broadcasts/delivery.py checks before each one goes out)."""

from __future__ import annotations

from dataclasses import dataclass

from content import areas, campaigns
from handlers.broadcasts.ports import Broadcast
from handlers.broadcasts.words import BroadcastKind
from handlers.model import Msg, Reply
from handlers.people import AdminRole

ICONS = {BroadcastKind.ALERT: "📣", BroadcastKind.AWARENESS: "💡"}
# The five centrally-run cities are named "Thành phố …" in content.areas, the provinces bare:
# their police are "Công an thành phố Hà Nội" and "Công an tỉnh Cao Bằng".
CITY = "Thành phố "


@dataclass(frozen=True)
class Copy:
    """One resident's copy of a broadcast: the broadcast, and the names of the neighbourhoods
    it addresses in the sender's order (none: the whole communes)."""

    broadcast: Broadcast
    neighbourhoods: tuple[str, ...] = ()


def message(copy: Copy, lang: str = "vi") -> Reply:
    """The reply a resident gets for a broadcast; the text goes out exactly as written. A
    campaign's message is the pack's text in the resident's language (a campaign whose pack
    lost it: the Vietnamese kept with the broadcast)."""
    return Reply((sender(copy), text_of(copy.broadcast, lang), Msg("broadcast.stop_hint")))


def text_of(broadcast: Broadcast, lang: str) -> str:
    if not broadcast.campaign:
        return broadcast.text
    name, _, message_id = broadcast.campaign.partition("/")
    found = campaigns.campaign(name)
    pack = next((m for m in found.messages if m.id == message_id), None) if found else None
    if pack is None or campaigns.notice(pack, "vi") != broadcast.text:
        return broadcast.text  # the pack changed since: what was queued, as the panel shows
    return campaigns.notice(pack, lang)


def sender(copy: Copy) -> Msg:
    """The first line: the police of the commune or the province, or a leader's
    neighbourhoods (else their commune)."""
    broadcast = copy.broadcast
    icon = ICONS[broadcast.kind]
    if broadcast.sender_role is AdminRole.PROVINCE_ADMIN:
        return _province_police(icon, broadcast.province_code)
    communes = ", ".join(_commune_name(c) for c in broadcast.communes)
    if broadcast.sender_role is AdminRole.LEADER:
        area = ", ".join((*copy.neighbourhoods, communes))
        return Msg("broadcast.from_leader", {"icon": icon, "area": area})
    return Msg("broadcast.from_commune_police", {"icon": icon, "commune": communes})


def _province_police(icon: str, code: str) -> Msg:
    found = areas.province(code)
    name = found.name if found is not None else code
    if name.startswith(CITY):
        return Msg("broadcast.from_city_police", {"icon": icon, "city": name.removeprefix(CITY)})
    return Msg("broadcast.from_province_police", {"icon": icon, "province": name})


def _commune_name(code: str) -> str:
    found = areas.commune(code)
    return found.name if found is not None else code
