"""The rules of a panel account that need no database: what a username and a new password
must be. storage/admin_users applies them and raises its refusals."""

from __future__ import annotations

import re

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
MAX_DISPLAY_NAME_LENGTH = 100


def normalise_username(raw: str) -> str:
    return raw.strip().lower()


def new_password_refusal(password: str, repeat: str) -> str | None:
    """Why a new password, typed twice, is refused (an AccountError code), or None."""
    if password != repeat:
        return "password_mismatch"
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        return "password_length"
    return None
