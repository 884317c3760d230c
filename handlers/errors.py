"""The kinds of refusal a rule of the domain can give, decided once where the rule is.

A use case raises one of the four kinds with a `code` naming the specific reason (stable: the
API answers it and the catalogs hold its words as "panel.error.<code>"), and optional `params`
for those words. Each edge maps the kinds once (admin/errors.py for the panel and the API), so
the same refusal gets the same answer everywhere:

- NotFound: no such thing in the caller's reach (a tip in another area is NotFound too:
  whether it exists is none of the caller's business).
- Forbidden: the caller's role may not do this anywhere.
- Conflict: the thing is not in a state for this (a closed tip, a third extension).
- BadInput: what was sent is wrong (an empty question, an unknown filter).

Conflict and BadInput share `Invalid`: a refusal of what was asked, which a form shows again
with the reason. Raise one of the four kinds, never `DomainError` or `Invalid` themselves.
"""

from __future__ import annotations

from typing import ClassVar


class DomainError(Exception):
    """Base of the kinds below; `str()` is the `detail` for logs, never shown to anyone."""

    default_code: ClassVar[str] = "error"

    def __init__(self, code: str = "", detail: str = "", **params: object) -> None:
        self.code = code or self.default_code
        self.params = params
        super().__init__(detail or self.code)


class NotFound(DomainError):
    default_code = "not_found"


class Forbidden(DomainError):
    default_code = "forbidden"


class Invalid(DomainError):
    """What was asked cannot be done as asked: the state (Conflict) or the input (BadInput)."""

    default_code = "invalid_input"


class Conflict(Invalid):
    default_code = "conflict"


class BadInput(Invalid):
    default_code = "invalid_input"
