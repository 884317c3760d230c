"""The `Identity` (handlers/people.py) of a stored panel account: what sign-in gives and every
check of scope reads."""

from __future__ import annotations

from handlers.people import Identity
from storage.models import AdminUser


def identity_of(user: AdminUser) -> Identity:
    return Identity(
        user.id,
        user.username,
        user.role,
        user.commune_code,
        user.province_code,
        user.display_name,
    )
