"""Indicators given one by one (an import, the panel), normalised as the check reads them."""

from __future__ import annotations

import re

from content import phones as phone_numbers
from content.scamcheck.accounts import bank_code
from content.scamcheck.kinds import KINDS, Found
from content.scamcheck.links import normalise_link
from content.text import clean


def normalise(kind: str, value: str, bank: str = "") -> tuple[Found | None, str]:
    """One indicator as an operator gives it, normalised, or None with the reason why not."""
    value = clean(value)
    if kind == "phone":
        phone = phone_numbers.normalise(value)
        return (Found("phone", phone), "") if phone else (None, f"{value!r} is not a phone number")
    if kind in ("domain", "url"):
        link = normalise_link(value)
        if link is None or not link.domain:
            return None, f"{value!r} is not a {kind}"
        if kind == "domain":
            if link.url:
                return None, f"{value!r} has a path: give it as a url"
            return Found("domain", link.domain), ""
        if not link.url:
            return None, f"{value!r} has no path: give it as a domain"
        return Found("url", link.url), ""
    if kind == "account":
        number = re.sub(r"[\s.\-]", "", value)
        if not re.fullmatch(r"\d{6,19}", number):
            return None, f"{value!r} is not an account number (6 to 19 digits)"
        code = ""
        if bank.strip():
            code = bank_code(bank)
            if not code:
                return None, f"bank {bank!r} is not in banks.yaml"
        return Found("account", number, code), ""
    return None, f"kind {kind!r} is not one of {', '.join(KINDS)}"
