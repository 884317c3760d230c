"""The labelled set of resident messages (messages.yaml, written by the team as residents type:
with and without diacritics, short forms, typos, English, long stories): at least 95 % read
as labelled, and not one harmful misread (an unsubscribe, an urgent flag or a swallowed answer
that the label does not call for)."""

from __future__ import annotations

import unicodedata

from tests.understanding.evaluate import messages, score, table

WANTED = 0.95


def test_the_set_is_large_and_varied() -> None:
    found = messages()
    assert len(found) >= 400
    texts = [(m["text"], m["where"]) for m in found]
    assert len(set(texts)) == len(texts)
    bare = [m for m in found if m["text"] == unicodedata.normalize("NFD", m["text"])]
    assert len(bare) > 100  # typed without a single mark (NFD of a bare text is itself)
    assert {m["where"] for m in found} == {"menu", "answer", "description"}


def test_no_message_is_misread_harmfully() -> None:
    harmful = [(s.harmful, s.where, s.text) for s in map(score, messages()) if s.harmful]
    assert harmful == []


def test_at_least_95_percent_are_read_as_labelled() -> None:
    scored = [score(m) for m in messages()]
    right = sum(s.right for s in scored) / len(scored)
    assert right >= WANTED, f"{right:.1%} right\n{table(scored)}"
