"""The terminal channel: one message per line in, replies printed and flushed at once."""

from __future__ import annotations

import asyncio
import sys
import uuid
from dataclasses import replace
from typing import TextIO

from bot.dispatcher import Dispatcher
from content.i18n import translate
from handlers.model import InboundEvent, Kind, RenderedReply

CHANNEL = "cli"
ACCOUNT = "local"


def to_event(line: str, user: str) -> InboundEvent:
    text = line.rstrip("\r\n")
    event = InboundEvent(CHANNEL, ACCOUNT, user, user, uuid.uuid4().hex, Kind.TEXT, text=text)
    stripped = text.strip()
    if stripped.startswith("/") and len(stripped) > 1 and not stripped[1].isspace():
        command, _, payload = stripped[1:].partition(" ")
        return replace(event, kind=Kind.COMMAND, text="", command=command, payload=payload)
    return event


def draw(reply: RenderedReply) -> str:
    lines = [reply.text]
    lines += [f"  {n}. {c.label}" for n, c in enumerate(reply.choices, start=1)]
    lines += [f"  ☎ {label}: tel:{phone}" for label, phone in reply.calls]
    lines += [f"  [{m.type.value}] {m.ref}" for m in reply.media]
    return "\n".join(lines)


async def converse(
    dispatcher: Dispatcher, user: str, stdin: TextIO, stdout: TextIO, *, interactive: bool
) -> None:
    if interactive:
        stdout.write(translate("cli.hint", "vi") + "\n")
    loop = asyncio.get_running_loop()
    while True:
        if interactive:
            stdout.write("> ")
            stdout.flush()
        line = await loop.run_in_executor(None, stdin.readline)
        if not line:
            break
        replies = await dispatcher.dispatch(to_event(line, user)) or []
        for reply in replies:
            stdout.write(draw(reply) + "\n")
        stdout.write("\n")
        stdout.flush()


def interactive_default() -> bool:
    return sys.stdin.isatty()
