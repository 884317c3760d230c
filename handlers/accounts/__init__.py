"""Panel accounts in the application: a province admin's management of the accounts of their
province (manage.py), the holder's own changes (own.py), a new account however it is made
(new.py), over the `AccountStore` port and the ports that check secrets (ports.py); the rules
they apply (rules.py), the proof of who someone is (proof.py) and the refusals (errors.py).

The rules' names are exported here, as when this was one module, and `create_account`, which
the command line and the tests' seeds call; the other use cases are called by their module
(`manage.create`, `own.change_password`)."""

from handlers.accounts.new import create_account
from handlers.accounts.rules import (
    LOCKOUT,
    MAX_DISPLAY_NAME_LENGTH,
    MAX_FAILURES,
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    USERNAME,
    new_password_refusal,
    normalise_username,
)

__all__ = [
    "LOCKOUT",
    "MAX_DISPLAY_NAME_LENGTH",
    "MAX_FAILURES",
    "MAX_PASSWORD_LENGTH",
    "MIN_PASSWORD_LENGTH",
    "USERNAME",
    "create_account",
    "new_password_refusal",
    "normalise_username",
]
