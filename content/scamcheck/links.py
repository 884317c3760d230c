"""Links in a message: domains in ASCII/punycode, URL shorteners, `.apk` files, look-alikes."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator

from content import suffixes
from content.scamcheck.kinds import MAX_VALUE, Link
from content.scamcheck.loading import packs
from content.scamcheck.lookalike import lookalike_of, official_of

_LINK = re.compile(
    r"(?<![\w@.\-/])"
    r"(?:(?P<scheme>https?://)(?P<ip>\d{1,3}(?:\.\d{1,3}){3})|"
    r"(?P<scheme2>https?://)?(?P<host>(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+"
    r"(?:[^\W\d_]{2,24}|xn--[a-z0-9-]{1,59})))"
    r"(?P<port>:\d{1,5})?"
    r"(?P<path>[/?#][^\s<>\"'`]*)?",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?)]}>»…\"'"


def registrable(domain: str) -> str:
    """The name a domain is registered under: "a.b.evil.com.vn" → "evil.com.vn" (by the
    Public Suffix List)."""
    return suffixes.registered(domain)


def domain_candidates(domain: str) -> tuple[str, ...]:
    """The domain and each parent down to its registered name: a report about "evil.xyz"
    covers "login.evil.xyz"."""
    labels = domain.split(".")
    size = len(registrable(domain).split("."))
    return tuple(".".join(labels[i:]) for i in range(0, max(1, len(labels) - size + 1)))


def _ascii_host(host: str) -> tuple[str, str] | None:
    """(ASCII/punycode form, Unicode form) of a host name, or None when it is not one."""
    host = unicodedata.normalize("NFKC", host).lower().rstrip(".")
    try:
        ascii_host = host.encode("idna").decode("ascii").lower()
    except UnicodeError:
        return None
    try:
        unicode_host = ascii_host.encode("ascii").decode("idna")
    except UnicodeError:
        unicode_host = host
    return ascii_host, unicode_host


def normalise_link(raw: str) -> Link | None:
    """One link as written ("https://www.Example.com/a?b", "ví-dụ.vn", "bit.ly/x") read
    into its parts, or None when the text is no link."""
    match = _LINK.fullmatch(raw.strip().rstrip(_TRAILING))
    return _link(match, bare_ok=True) if match else None


def _link(match: re.Match[str], *, bare_ok: bool = False) -> Link | None:
    p = packs()
    raw = match.group(0)
    path = (match.group("path") or "").rstrip(_TRAILING)
    while path.endswith(")") and path.count("(") < path.count(")"):
        path = path[:-1]
    raw = raw[: len(raw) - (len(match.group("path") or "") - len(path))]
    if match.group("ip"):
        domain, unicode_host, idn = match.group("ip"), match.group("ip"), False
    else:
        host = match.group("host")
        tld = host.rsplit(".", 1)[1]
        schemed = bool(match.group("scheme2")) or host.lower().startswith("www.")
        if not schemed and tld.lower() == "apk":
            return Link(raw=raw, domain="", apk=True)
        if not schemed and not bare_ok and (tld.lower() not in p.tlds or not _plain_case(tld)):
            return None
        names = _ascii_host(host)
        if names is None:
            return None
        ascii_host, unicode_host = names
        domain = ascii_host.removeprefix("www.")
        unicode_host = unicode_host.removeprefix("www.")
        idn = not host.isascii() or "xn--" in ascii_host
        if "." not in domain:
            return None
    path_only = path.split("#", 1)[0]
    url = (domain + path_only).rstrip("/?") if path_only.strip("/?") else ""
    official = official_of(domain)
    return Link(
        raw=raw,
        domain=domain,
        url=url[:MAX_VALUE],
        shortener=domain in p.shorteners or registrable(domain) in p.shorteners,
        apk=path_only.split("?", 1)[0].lower().endswith(".apk"),
        idn=idn,
        official=official,
        lookalike="" if official else lookalike_of(unicode_host),
    )


def _plain_case(word: str) -> bool:
    """ "com" or "COM", not "Com": a capital after a full stop starts a sentence."""
    return word.islower() or word.isupper()


def links_in(text: str) -> Iterator[tuple[int, int, Link]]:
    for match in _LINK.finditer(text):
        link = _link(match)
        if link is not None:
            yield match.start(), match.start() + len(link.raw), link
