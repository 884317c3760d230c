"""The message ids our Python source marks for translation, read from its syntax tree.

Babel's own Python extractor reads tokens, and its releases disagree on them: 2.19 takes the
attribute `event.choice` on one line as a call of the keyword `choice` and loses the `say(...)`
that follows. The tree knows a call from an attribute, so this extractor finds exactly the calls
`say("id", ...)`, `Msg("id", ...)`, `translate("id", ...)` and `choice(ID, "id", ...)` whatever
Babel release is installed. It has Babel's extraction-method signature, so `pybabel extract`
(through babel.cfg) and `binhyen content check` use the same one.
"""

from __future__ import annotations

import ast
from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

# What `extract` yields: line, keyword, its positional arguments (a string constant or None),
# and translator comments (none: our ids carry no comments).
Found = tuple[int, str, tuple[str | None, ...], list[str]]


def _argument(node: ast.expr) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def calls(source: str | bytes, keywords: Collection[str]) -> Iterator[Found]:
    """Every call of a bare name in `keywords`, with its positional arguments."""
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in keywords
        ):
            arguments = tuple(_argument(a) for a in node.args)
            yield node.lineno, node.func.id, arguments, []


def _place(found: Found) -> tuple[int, str]:
    return found[0], found[1]


def extract(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[Found]:
    """Babel's extraction method: Babel picks the message out of the arguments by each
    keyword's spec (`choice:2` takes the second)."""
    del comment_tags, options
    yield from sorted(calls(fileobj.read(), keywords), key=_place)
