"""The refusals of account handling, each a kind of handlers/errors.py (or, for the command
line's account creation, a ValueError)."""

from __future__ import annotations

from handlers.errors import BadInput, Forbidden, NotFound


class InvalidAdminUser(ValueError):
    """The new account breaks a rule (username, role, area code, password length)."""


class UsernameTaken(InvalidAdminUser):
    pass


class AccountError(BadInput):
    """An account change was refused; `code` names why (catalog id "panel.account.error.<code>").

    Wrong passwords and codes have already counted toward the lockout when this is raised, so
    the caller commits anyway. TOTP that is already on is a `Conflict("totp_on")` instead.
    """


class NotAllowed(Forbidden):
    """The actor's role may not manage accounts."""


class NoSuchUser(NotFound):
    """No account with that id within the actor's province."""
