"""Small reply builders shared by the flows."""

from __future__ import annotations

from handlers.model import Choice, Kind, Label, Msg, Reply

NAV_MENU = "nav:menu"
NAV_BACK = "nav:back"
NAV_EMERGENCY = "nav:emergency"
NAV_IDS = frozenset({NAV_MENU, NAV_BACK, NAV_EMERGENCY})


def say(msgid: str, **params: object) -> Reply:
    return Reply(Msg(msgid, dict(params)))


def ask(text: Label | tuple[Label, ...], choices: list[Choice] | tuple[Choice, ...]) -> Reply:
    return Reply(text, tuple(choices))


def choice(choice_id: str, msgid: str, **params: object) -> Choice:
    return Choice(choice_id, Msg(msgid, dict(params)))


def not_understood(kind: Kind) -> Reply:
    """The step could not use what was sent; a file or a place gets words of its own."""
    if kind is Kind.MEDIA:
        return say("input.unexpected_file")
    if kind in (Kind.LOCATION, Kind.CONTACT):
        return say("input.unexpected_location")
    return say("input.not_understood")


def with_nav(reply: Reply, *, menu: bool = True) -> Reply:
    """Add the way home and the emergency numbers to a reply's choices, once each."""
    have = {c.id for c in reply.choices}
    extra: list[Choice] = []
    if menu and NAV_MENU not in have:
        extra.append(choice(NAV_MENU, "nav.menu"))
    if NAV_EMERGENCY not in have:
        extra.append(choice(NAV_EMERGENCY, "nav.emergency"))
    return Reply(reply.text, reply.choices + tuple(extra), reply.request, reply.media, reply.calls)
