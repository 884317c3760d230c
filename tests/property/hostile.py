"""What the property tests of hostile input share (issue 19): bodies mutated from valid ones,
the hypothesis settings they run under, what "the state" of the app is (to show a refusal
changed nothing), and a watch on the logs for errors and tracebacks.

The mutations are those an attacker or a broken client tries: a key dropped, a value of the
wrong type (a number as a string, a list, null), huge numbers, NaN and infinities, lone
surrogates, NUL, deep nesting, huge strings, unknown keys; a few bodies are not JSON at all.
"""

from __future__ import annotations

import copy
import hashlib
import json
import logging
import os
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

# -- settings -----------------------------------------------------------------------------------

# "ci" keeps all the property tests of tests/property within a couple of minutes, the same
# examples each run (a submission is not failed by a draw its change has nothing to do with);
# "deep" (BINHYEN_HYPOTHESIS_PROFILE=deep) draws twenty times as many, new ones each run, for
# a hunt by hand. No example database: a failure found is kept as an @example in the test.
SCALE = {"ci": 1, "deep": 20}
for _name in SCALE:
    settings.register_profile(
        f"binhyen-{_name}",
        derandomize=_name == "ci",
        deadline=None,
        database=None,
        print_blob=True,
        # One app serves all the examples of a test (a function-scoped fixture on purpose);
        # some bodies are meant to be large.
        suppress_health_check=[
            HealthCheck.function_scoped_fixture,
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )
PROFILE = os.environ.get("BINHYEN_HYPOTHESIS_PROFILE", "ci")


def budget(examples: int) -> settings:
    """The profile's settings with `examples` examples (times the profile's scale)."""
    return settings(
        settings.get_profile(f"binhyen-{PROFILE}"), max_examples=examples * SCALE[PROFILE]
    )


# -- hostile values -----------------------------------------------------------------------------

LONE_SURROGATES = ("\ud800", "\udfff", "a\udc00b", "\ud83d")  # the last: half an emoji
HUGE_INTS = (2**31, -(2**31) - 1, 2**53 + 1, 2**63, -(2**63) - 1, 2**64, 10**30, -(10**100))
ODD_FLOATS = (float("nan"), float("inf"), float("-inf"), -0.0, 0.5, 1e308, -1e-308)
ODD_STRINGS = (
    "",
    " ",
    "0",
    "-1",
    "1e5",
    "NaN",
    "null",
    "true",
    "[]",
    "{}",
    "\x00",
    "a\x00b",
    "\u202e\u200b",
    "\ufeff",
    "💥",
    "/",
    "/start",
    "/start@",
    "@",
    "../../etc/passwd",
    "http://127.0.0.1:8080/metrics",
    "https://169.254.169.254/latest/meta-data/",
    "x" * 5000,
    "ư" * 70_000,
)


def deep(depth: int) -> Any:
    """A list nested `depth` levels deep (a dict every other level)."""
    value: Any = 0
    for level in range(depth):
        value = [value] if level % 2 else {"a": value}
    return value


scalars = st.one_of(
    st.sampled_from([None, True, False, 0, -1, 1]),
    st.sampled_from(HUGE_INTS),
    st.sampled_from(ODD_FLOATS),
    st.sampled_from(ODD_STRINGS),
    st.sampled_from(LONE_SURROGATES),
    st.integers(),
    st.floats(),
    st.text(max_size=30),
    st.text(st.characters(codec=None, categories=["Cs", "Cc", "Cf", "Co"]), max_size=5),
)
values = st.one_of(
    scalars,
    st.lists(scalars, max_size=3),
    st.dictionaries(st.text(max_size=8), scalars, max_size=3),
    st.integers(min_value=20, max_value=400).map(deep),
)


# -- mutations of a valid document --------------------------------------------------------------

Path_ = tuple[str | int, ...]


def paths(doc: Any, prefix: Path_ = ()) -> list[Path_]:
    """Every path to a value inside `doc` (not the root itself)."""
    found: list[Path_] = []
    items: Sequence[tuple[str | int, Any]]
    if isinstance(doc, dict):
        items = list(doc.items())
    elif isinstance(doc, list):
        items = list(enumerate(doc))
    else:
        return found
    for key, value in items:
        here = (*prefix, key)
        found.append(here)
        found.extend(paths(value, here))
    return found


def _parent(doc: Any, path: Path_) -> Any:
    for key in path[:-1]:
        doc = doc[key]
    return doc


def _retyped(value: Any, how: int) -> Any:
    """The same information in another type: what a careless or hostile client sends."""
    if how == 0:
        return str(value) if not isinstance(value, str) else value + "x" * 10_000
    if how == 1:
        return [value]
    if how == 2:
        return {"value": value}
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            return len(value)
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return float(value) if how == 3 else -value
    return None


def _alike(value: Any) -> st.SearchStrategy[Any]:
    """Values of the type of `value`, hostile ones among them."""
    if isinstance(value, str):
        odd = st.sampled_from(ODD_STRINGS + LONE_SURROGATES)
        return st.one_of(odd, st.text(max_size=200), st.text(st.characters(codec="utf-8")))
    if isinstance(value, bool):
        return st.booleans()
    if isinstance(value, int):
        return st.one_of(st.sampled_from(HUGE_INTS), st.integers())
    if isinstance(value, float):
        return st.floats()
    return values


@st.composite
def mutated(draw: st.DrawFn, seeds: Sequence[dict[str, Any]]) -> Any:
    """A valid document of `seeds` with one to three mutations."""
    doc = copy.deepcopy(draw(st.sampled_from(seeds)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        where = paths(doc)
        if not where:
            break
        path = draw(st.sampled_from(where))
        parent, key = _parent(doc, path), path[-1]
        action = draw(st.sampled_from(["alike", "alike", "drop", "replace", "retype", "add"]))
        if action == "alike":  # the same type, a hostile value: most of these reach the core
            parent[key] = draw(_alike(parent[key]))
        elif action == "drop":
            del parent[key]
        elif action == "replace":
            parent[key] = draw(values)
        elif action == "retype":
            parent[key] = _retyped(parent[key], draw(st.integers(min_value=0, max_value=4)))
        elif isinstance(parent[key], dict):
            parent[key][draw(st.text(max_size=12))] = draw(values)
        else:
            parent[key] = draw(values)
    return doc


@st.composite
def reworded(draw: st.DrawFn, seeds: Sequence[dict[str, Any]]) -> Any:
    """A valid document of `seeds` with one of its strings replaced by a hostile one: the
    body still parses, and the string reaches the core."""
    doc = copy.deepcopy(draw(st.sampled_from(seeds)))
    strings = [p for p in paths(doc) if isinstance(_parent(doc, p)[p[-1]], str)]
    if strings:
        path = draw(st.sampled_from(strings))
        _parent(doc, path)[path[-1]] = draw(_alike(""))
    return doc


def dumps(doc: Any) -> bytes:
    """JSON as a lenient sender writes it: NaN and Infinity as bare words, lone surrogates as
    \\u escapes (what Python's json reads back into the same string)."""
    return json.dumps(doc, allow_nan=True).encode()


NOT_JSON = (
    b"",
    b"null",
    b"[]",
    b'"text"',
    b"12",
    b"{",
    b'{"a": }',
    b"\xff\xfe\xfa",
    b'{"update_id": 1e999}',
    b'{"a": "\\ud800"}',
    b"[" * 100_000,
    b'{"a":' * 50_000,
    b'{"n": ' + b"9" * 5000 + b"}",  # past Python's int string limit
    b"\x00" * 64,
)


def bodies(
    seeds: Sequence[dict[str, Any]], fresh: Callable[[Any], Any] = lambda doc: doc
) -> st.SearchStrategy[bytes]:
    """Webhook bodies: mostly valid ones mutated, sometimes anything at all. `fresh` gives
    each document new ids where it still has the seed's (else all but the first would be
    taken for repeats of one event)."""
    weighted: list[tuple[int, st.SearchStrategy[Any]]] = [
        (4, mutated(seeds).map(fresh).map(dumps)),
        (3, reworded(seeds).map(fresh).map(dumps)),
        (1, st.sampled_from(seeds).map(fresh).map(dumps)),
        (1, st.sampled_from(NOT_JSON)),
        (1, st.one_of(st.binary(max_size=64), values.map(dumps))),
    ]
    kinds = [strategy for weight, strategy in weighted for _ in range(weight)]
    return st.integers(min_value=0, max_value=len(kinds) - 1).flatmap(lambda i: kinds[i])


# -- the state a refusal must leave as it was ---------------------------------------------------


def database_state(url: str) -> dict[str, str]:
    """A digest of the rows of each table of the SQLite database at `url` (a test's file), and
    of the other SQLite files beside it (the embedded default's conversation state, event
    claims and rate-limit buckets), by "file:table"."""
    database = Path(url.split("///", 1)[1])
    found: dict[str, str] = {}
    for path in sorted(database.parent.glob("*.db")):
        with _read_only(str(path)) as db:
            tables = db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
            for (table,) in list(tables):
                digest = hashlib.sha256()
                for row in db.execute(f'SELECT * FROM "{table}" ORDER BY 1'):
                    digest.update(repr(row).encode())
                found[f"{path.name}:{table}"] = digest.hexdigest()
    return found


@contextmanager
def _read_only(path: str) -> Iterator[sqlite3.Connection]:
    db = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        yield db
    finally:
        db.close()


def files_under(folder: Path) -> list[str]:
    return sorted(str(p) for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


# -- the logs -----------------------------------------------------------------------------------


class LogWatch(logging.Handler):
    """Keeps the records at WARNING and above; `troubles()` are those an operator would be
    paged for: an error, or any record that carries a traceback."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def troubles(self) -> list[str]:
        return [
            f"{r.levelname} {r.name}: {r.getMessage()}"
            for r in self.records
            if r.levelno >= logging.ERROR or r.exc_info or r.stack_info
        ]


@contextmanager
def watched_logs() -> Iterator[LogWatch]:
    watch = LogWatch()
    root = logging.getLogger()
    root.addHandler(watch)
    try:
        yield watch
    finally:
        root.removeHandler(watch)
