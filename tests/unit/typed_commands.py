"""Commands typed as text, as the Zalo adapters (Bot Platform and OA) read them: the platforms
have no commands of their own, so "/start tip-BY" is a command only by its leading slash."""

from __future__ import annotations

from handlers.model import InboundEvent, Kind

# text typed → (command, payload)
COMMANDS: list[tuple[str, tuple[str, str]]] = [
    ("/start", ("start", "")),
    ("/start tip-BY", ("start", "tip-BY")),
]
# A slash alone or followed by a space is text ("/ 113" is no command).
NOT_COMMANDS = ("/", "/ 2", "/ 113")


def assert_command(event: InboundEvent, expected: tuple[str, str]) -> None:
    read = (event.kind, event.command, event.payload)
    assert read == (Kind.COMMAND, *expected), read
