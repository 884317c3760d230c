"""The name a domain is registered under, by the Public Suffix List.

The list ships inside the `publicsuffixlist` package (no download). Reading it takes about
30 ms and 1 MB, so it is read on the first question, not when this module is imported (the
CLI and the service import the scam check eagerly).
"""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from publicsuffixlist import PublicSuffixList


@cache
def _list() -> PublicSuffixList:
    from publicsuffixlist import PublicSuffixList

    # The private section too: "evil.github.io" is its owner's name, not a page of GitHub's,
    # so a report about it must not cover every site under github.io.
    return PublicSuffixList()


def registered(domain: str) -> str:
    """The name a domain is registered under: "a.b.evil.com.vn" → "evil.com.vn", "x.co.uk"
    → "x.co.uk". A public suffix itself ("gov.vn") is its own name; so is an IP address."""
    if domain.replace(".", "").isdigit():
        return domain
    return _list().privatesuffix(domain) or domain


def top_level_domains() -> frozenset[str]:
    """Every top-level domain the list names ("com", "vn", "xyz"), read from its file for the
    check of a pack and not kept: the whole list would add 1.6 MB to an idle service."""
    from publicsuffixlist import PSLFILE

    with open(PSLFILE, encoding="utf-8") as lines:
        rules = (line.strip() for line in lines)
        return frozenset(r for r in rules if r and not r.startswith("//") and "." not in r)
