"""What every content pack shares: the models' settings, bilingual text, the scalar types, and
reading a file into a model with each problem named by file, item and field.

A problem reads `content/packs/awareness/fire_safety.yaml: cards[3] (id gas_leak): body: ...`:
the file (relative to the repository when it is inside it), the item by its index and its id
(or code, date or Vietnamese name, or the text itself for a list of words), then the field.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Annotated, Any, TypeVar

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    ValidationError,
    model_validator,
)
from pydantic_core import ErrorDetails

ROOT = Path(__file__).resolve().parent.parent.parent
LANGS = ("vi", "en")
_SNAKE = re.compile(r"[a-z0-9]+(?:_[a-z0-9]+)*")
_M = TypeVar("_M", bound=BaseModel)


class PackError(ValueError):
    """A content pack is malformed; one line per problem, each naming file, item and field."""

    def __init__(self, problems: Iterable[str]) -> None:
        self.problems = tuple(dict.fromkeys(problems))  # the same problem once
        super().__init__("\n".join(self.problems))


class Model(BaseModel):
    """A part of a pack: an unknown key is refused (a typo must not pass unseen), and what
    was read cannot change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


# --- scalars ----------------------------------------------------------------------------------


def _line(value: str) -> str:
    if not value.strip():
        raise ValueError("is empty")
    # Lookups fold and compare text; an NFD "ế" is another string and would never match.
    if not unicodedata.is_normalized("NFC", value):
        raise ValueError(f"is not NFC (near {_decomposed(value)!r})")
    return value.strip()


def _decomposed(value: str) -> str:
    """A few characters around the first letter that is not composed, to find it by."""
    at = next((i for i, ch in enumerate(value) if unicodedata.combining(ch)), 0)
    return value[max(0, at - 12) : at + 8]


def _snake_case(value: str) -> str:
    if not _SNAKE.fullmatch(value):
        raise ValueError(f"{value!r} is not snake_case")
    return value


# A string (never a number or a date YAML read), not blank, in NFC; kept without the spaces
# around it.
Line = Annotated[str, Strict(), AfterValidator(_line)]
# An id others refer to: lower-case letters and digits joined by single underscores.
Id = Annotated[str, Strict(), AfterValidator(_snake_case)]
# A list of words or phrases that must hold at least one.
Lines = Annotated[tuple[Line, ...], Field(min_length=1)]


class Text(Model):
    """Words a resident reads, in Vietnamese and English."""

    vi: Line
    en: Line

    def get(self, lang: str) -> str:
        return self.en if lang == "en" else self.vi


class Name(Text):
    """A name written once when both languages say it alike ("BIDV"), or as vi and en."""

    @model_validator(mode="before")
    @classmethod
    def _one_for_both(cls, data: Any) -> Any:
        return {"vi": data, "en": data} if isinstance(data, str) else data


def refuse(problems: Sequence[str]) -> None:
    """Fail a validator with every problem it found, each told on a line of its own."""
    if problems:
        raise ValueError("\n".join(problems))


def repeated(values: Iterable[Any]) -> list[Any]:
    """The values that occur more than once, each named once, in order."""
    seen: set[Any] = set()
    twice: list[Any] = []
    for value in values:
        if value in seen and value not in twice:
            twice.append(value)
        seen.add(value)
    return twice


# --- reading a pack ---------------------------------------------------------------------------


def shown(path: Path) -> str:
    """A pack's path as an operator finds it: relative to the repository when inside it."""
    try:
        return path.resolve().relative_to(ROOT).as_posix()
    except ValueError:
        return str(path)


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read(path: Path) -> Any:
    """The YAML of a file; PackError when it cannot be read or parsed."""
    try:
        # libyaml, where it is built in, reads the packs several times faster (start-up)
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)
    except (OSError, ValueError, yaml.YAMLError) as exc:  # ValueError: bad UTF-8, a bad date
        raise PackError([f"{shown(path)}: cannot be read: {' '.join(str(exc).split())}"]) from None


class _Twice(_SAFE_LOADER):  # type: ignore[valid-type,misc]
    """YAML that refuses a key given twice in one mapping (YAML keeps the last silently)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        first: dict[tuple[str, str], int] = {}
        for key, _value in node.value:
            if not isinstance(key, yaml.ScalarNode) or key.tag == "tag:yaml.org,2002:merge":
                continue
            line = first.setdefault((key.tag, key.value), key.start_mark.line)
            if line != key.start_mark.line:
                raise yaml.MarkedYAMLError(
                    problem=f"{key.value} is given twice (first on line {line + 1}): the "
                    "first is lost; keep one",
                    problem_mark=key.start_mark,
                )
        return super().construct_mapping(node, deep)  # type: ignore[no-any-return]


def twice(path: Path) -> list[str]:
    """A key given twice in one mapping of a pack, named with its line (empty when none, or
    when the file cannot be read: `read` tells that)."""
    try:
        yaml.load(path.read_text(encoding="utf-8"), Loader=_Twice)
    except yaml.MarkedYAMLError as exc:
        if exc.problem and "given twice" in exc.problem and exc.problem_mark is not None:
            return [f"{shown(path)}: line {exc.problem_mark.line + 1}: {exc.problem}"]
    except (OSError, ValueError, yaml.YAMLError):
        pass
    return []


def validate(model: type[_M], raw: Any, path: Path, context: Any = None) -> _M:
    """`raw` as the model, or PackError with every problem found in it."""
    if raw is None:  # an empty file, or one of comments only
        raise PackError([f"{shown(path)}: is empty: no YAML in it"])
    try:
        return model.model_validate(raw, context=context)
    except ValidationError as exc:
        raise PackError(_problems(exc, raw, shown(path))) from None


def load(model: type[_M], path: Path, context: Any = None) -> _M:
    """A pack file read and validated; PackError names the file, the item and the field."""
    return validate(model, read(path), path, context)


class Reader:
    """Reads several packs, keeping the problems of each so that all are told at once."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def load(self, model: type[_M], path: Path, context: Any = None) -> _M | None:
        try:
            return load(model, path, context)
        except PackError as exc:
            self.problems += exc.problems
            return None


# --- naming a problem -------------------------------------------------------------------------

# Pydantic's words for the errors an editor makes most, in the words of a pack.
LABEL_MAX = 60  # characters of a text item shown to name it

_PLAIN = {
    "extra_forbidden": "unknown key",
    "missing": "is missing",
    "model_type": "expected a mapping",
    "model_attributes_type": "expected a mapping",
    "dict_type": "expected a mapping",
    "tuple_type": "expected a list",
}


def _problems(exc: ValidationError, raw: Any, source: str) -> list[str]:
    errors = exc.errors()
    out: list[str] = []
    for error in errors:
        if error["type"] == "too_short" and _inside(errors, error["loc"]):
            continue  # the list is short only of the items already named as wrong
        where = where_in(raw, error["loc"])
        for line in _message(error).splitlines():
            out.append(f"{source}: {where}: {line}" if where else f"{source}: {line}")
    return out


def _inside(errors: Sequence[ErrorDetails], loc: tuple[int | str, ...]) -> bool:
    """True when another error is about an item of the list at `loc`."""
    return any(len(e["loc"]) > len(loc) and e["loc"][: len(loc)] == loc for e in errors)


def _message(error: ErrorDetails) -> str:
    kind, ctx = error["type"], error.get("ctx", {})
    if kind == "value_error":
        return str(ctx.get("error", error["msg"]))  # without pydantic's "Value error, "
    if kind == "too_short":
        return f"has {ctx['actual_length']} entries (needs at least {ctx['min_length']})"
    if kind == "too_long":
        return f"has {ctx['actual_length']} entries (at most {ctx['max_length']})"
    if kind == "literal_error":
        return f"expected {ctx['expected']}, found {error['input']!r}"
    return _PLAIN.get(kind, error["msg"])


def where_in(raw: Any, loc: Sequence[int | str]) -> str:
    """'cards[3] (id gas_leak): body.vi' for the location ('cards', 3, 'body', 'vi')."""
    out, node = "", raw
    for key in loc:
        node = _child(node, key)
        if isinstance(key, int):
            out += f"[{key}]{_label(node)}"
        elif out.endswith(("]", ")")):
            out += f": {key}"
        else:
            out += f".{key}" if out else str(key)
    return out


def _child(node: Any, key: int | str) -> Any:
    try:
        return node[key]
    except (KeyError, IndexError, TypeError):
        return None


def _label(item: Any) -> str:
    """How an item of a list is known: its id, code, date or Vietnamese name, or the word
    itself."""
    if isinstance(item, dict):
        for key in ("id", "code", "date", "name_vi"):
            if isinstance(item.get(key), str | int | dt.date):
                return f" ({key} {item[key]})"
        return ""
    if not isinstance(item, str):
        return ""
    # a long line (a reference, a sentence) by its start: the problem stays one line
    short = item if len(item) <= LABEL_MAX else item[:LABEL_MAX] + "…"
    return f" ({short!r})"
