"""Emergency numbers, one step away from every menu."""

from __future__ import annotations

from handlers.common import NAV_BACK, NAV_MENU, choice
from handlers.model import CallAction, Msg, Reply

CALLS = (
    CallAction(Msg("emergency.call_113"), "113"),
    CallAction(Msg("emergency.call_114"), "114"),
    CallAction(Msg("emergency.call_115"), "115"),
    CallAction(Msg("emergency.call_112"), "112"),
)


def numbers(*, can_go_back: bool) -> Reply:
    choices = [choice(NAV_BACK, "nav.back")] if can_go_back else []
    choices.append(choice(NAV_MENU, "nav.menu"))
    return Reply(Msg("emergency.text"), tuple(choices), calls=CALLS)
