"""The rules of a panel account that need no database: what a username, a display name and a
new password must be, which area codes each role carries, whose accounts a province admin
manages, and how many wrong guesses lock an account. The use cases of this package apply
them; storage/admin_users/ turns the province rule into a WHERE clause (store.py)."""

from __future__ import annotations

import re
from datetime import timedelta

from content import areas
from handlers.accounts.errors import AccountError, InvalidAdminUser, NotAllowed
from handlers.people import AdminRole, Identity

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{2,63}")
MAX_DISPLAY_NAME_LENGTH = 100
COMMUNE_CODE = re.compile(r"\d{5}")
PROVINCE_CODE = re.compile(r"\d{2}")
COMMUNE_ROLES = frozenset({AdminRole.OFFICER, AdminRole.CHIEF, AdminRole.LEADER})
# Five wrong passwords or codes in a row lock the account for a quarter of an hour.
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)


def normalise_username(raw: str) -> str:
    return raw.strip().lower()


def clean_display_name(raw: str) -> str:
    """The display name with its runs of spaces (and line breaks) made one space."""
    return " ".join(raw.split())


def new_password_refusal(password: str, repeat: str) -> str | None:
    """Why a new password, typed twice, is refused (an AccountError code), or None."""
    if password != repeat:
        return "password_mismatch"
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        return "password_length"
    return None


def check_new_password(password: str, repeat: str) -> None:
    refusal = new_password_refusal(password, repeat)
    if refusal is not None:
        raise AccountError(refusal)


def check_new_account(
    username: str, role: AdminRole, commune_code: str, province_code: str, password: str
) -> None:
    """The rules every new account meets, however it is made; the message is for the operator
    of the command line (the panel checks the same first and names the field instead)."""
    if not USERNAME.fullmatch(username):
        raise InvalidAdminUser(
            "username must be 3-64 characters: a-z, 0-9, dot, dash or underscore"
        )
    if not MIN_PASSWORD_LENGTH <= len(password) <= MAX_PASSWORD_LENGTH:
        raise InvalidAdminUser(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if province_code and not PROVINCE_CODE.fullmatch(province_code):
        raise InvalidAdminUser("province code must be 2 digits")
    if role in COMMUNE_ROLES and not COMMUNE_CODE.fullmatch(commune_code):
        raise InvalidAdminUser(f"role {role.value} needs a 5-digit commune code")
    if role is AdminRole.PROVINCE_ADMIN and (commune_code or not province_code):
        raise InvalidAdminUser("role province_admin needs a province code and no commune code")


def check_manages(actor: Identity) -> str:
    """The province whose accounts `actor` manages; NotAllowed unless a province admin."""
    if actor.role is not AdminRole.PROVINCE_ADMIN or not actor.province_code:
        raise NotAllowed(detail=actor.role.value)
    return actor.province_code


def province_communes(province: str) -> list[str]:
    return [c.code for c in areas.communes_of(province)]


def of_province(role: AdminRole, commune_code: str, province_code: str, province: str) -> bool:
    """Whether an account belongs to `province`: its province admins, and the commune roles
    of its communes (a commune role's own province code is not what decides)."""
    if role is AdminRole.PROVINCE_ADMIN:
        return province_code == province
    return commune_code in province_communes(province)


def area_of_new(province: str, role: AdminRole, commune_code: str) -> tuple[str, str]:
    """(commune code, province code) of an account a province admin adds: a province admin of
    their own province, or a commune role of one of its communes (AccountError "commune")."""
    if role is AdminRole.PROVINCE_ADMIN:
        return "", province
    commune = areas.commune(commune_code.strip())
    if commune is None or commune.province_code != province:
        raise AccountError("commune")
    return commune.code, commune.province_code
