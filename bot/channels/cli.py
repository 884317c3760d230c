"""The terminal channel: one message per line in, replies printed and flushed at once. A file
the bot hands over (a copy of one's data) is written to the current directory, and said where."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from bot.dispatcher import Dispatcher
from content.i18n import translate
from handlers.model import InboundEvent, Kind, MediaType, RenderedReply

CHANNEL = "cli"
ACCOUNT = "local"
FILE = "binhyen.json"  # a file's name when the reply gives none to use


def to_event(line: str, user: str) -> InboundEvent:
    text = line.rstrip("\r\n")
    event = InboundEvent(CHANNEL, ACCOUNT, user, user, uuid.uuid4().hex, Kind.TEXT, text=text)
    stripped = text.strip()
    if stripped.startswith("/") and len(stripped) > 1 and not stripped[1].isspace():
        command, _, payload = stripped[1:].partition(" ")
        return replace(event, kind=Kind.COMMAND, text="", command=command, payload=payload)
    return event


def draw(reply: RenderedReply, saved: Sequence[Path] = ()) -> str:
    lines = [reply.text]
    lines += [f"  {n}. {c.label}" for n, c in enumerate(reply.choices, start=1)]
    lines += [f"  ☎ {label}: tel:{phone}" for label, phone in reply.calls]
    lines += [f"  [{m.type.value}] {m.ref}" for m in reply.media if m.data is None]
    lines += ["  " + translate("cli.file_saved", reply.lang, {"path": str(p)}) for p in saved]
    return "\n".join(lines)


def save_files(reply: RenderedReply, directory: Path) -> list[Path]:
    """The files a reply hands over, each written to `directory` under its name (no folder
    of it), readable by this user only (it is someone's data), never over a file that is
    there: "name-2.json" then. The paths written."""
    saved = []
    for media in reply.media:
        if media.type is MediaType.FILE and media.data is not None:
            name = Path(media.ref).name
            saved.append(
                _write_new(directory, name if name[:1] not in ("", ".") else FILE, media.data)
            )
    return saved


def _write_new(directory: Path, name: str, data: bytes) -> Path:
    path, stem, suffix = directory / name, Path(name).stem, Path(name).suffix
    for n in range(2, 1000):
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            path = directory / f"{stem}-{n}{suffix}"
            continue
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        return path.resolve()
    raise FileExistsError(path)


async def converse(
    dispatcher: Dispatcher,
    user: str,
    stdin: TextIO,
    stdout: TextIO,
    *,
    interactive: bool,
    directory: Path | None = None,
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
        replies: list[RenderedReply] = await dispatcher.dispatch(to_event(line, user)) or []
        for reply in replies:
            saved = save_files(reply, directory or Path.cwd())
            stdout.write(draw(reply, saved) + "\n")
        stdout.write("\n")
        stdout.flush()


def interactive_default() -> bool:
    return sys.stdin.isatty()
