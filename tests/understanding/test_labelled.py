"""The labelled set of resident messages (messages.yaml, written by the team as residents type:
with and without diacritics, short forms, typos, English, long stories): at least 95 % read
as labelled, and not one harmful misread (an unsubscribe, an urgent flag or a swallowed answer
that the label does not call for)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest

from tests.understanding.evaluate import HELD_OUT, SET, messages, score, table

WANTED = 0.95


def test_the_sets_are_large_and_varied() -> None:
    assert len(messages(HELD_OUT)) >= 200
    found = messages()
    assert len(found) >= 400
    texts = [(m["text"], m["where"]) for m in found]
    assert len(set(texts)) == len(texts)
    bare = [m for m in found if m["text"] == unicodedata.normalize("NFD", m["text"])]
    assert len(bare) > 100  # typed without a single mark (NFD of a bare text is itself)
    assert {m["where"] for m in found} == {"menu", "answer", "description"}


SETS = pytest.mark.parametrize("path", [SET, HELD_OUT], ids=["first", "second"])


@SETS
def test_no_message_is_misread_harmfully(path: Path) -> None:
    harmful = [(s.harmful, s.where, s.text) for s in map(score, messages(path)) if s.harmful]
    assert harmful == []


@SETS
def test_at_least_95_percent_are_read_as_labelled(path: Path) -> None:
    scored = [score(m) for m in messages(path)]
    right = sum(s.right for s in scored) / len(scored)
    assert right >= WANTED, f"{right:.1%} right\n{table(scored)}"
