"""`binhyen admin create`: add a panel account from the command line.

Commune roles (officer, chief, leader) take `--commune` as a 5-digit GSO commune code; a
province admin takes it as the 2-digit province code, since the stable CLI has one area option.
"""

from __future__ import annotations

import asyncio
import getpass
import os
import sys

from bot.settings import Settings
from content import areas
from storage import admin_users
from storage.admin_users import MIN_PASSWORD_LENGTH, Identity, InvalidAdminUser, UsernameTaken
from storage.models import AdminRole

PASSWORD_ENV = "BINHYEN_ADMIN_PASSWORD"
EXIT_USAGE = 2
EXIT_CONFLICT = 1


class CreateUserError(ValueError):
    """Bad input for a new account; the message is meant for the operator."""


def parse_role(role: str) -> AdminRole:
    try:
        return AdminRole(role.strip().lower())
    except ValueError:
        names = ", ".join(r.value for r in AdminRole)
        raise CreateUserError(f"unknown role {role!r}; use one of: {names}") from None


def area_codes(role: AdminRole, code: str) -> tuple[str, str]:
    """(commune code, province code) for the account, checked against the area list."""
    code = code.strip()
    if role is AdminRole.PROVINCE_ADMIN:
        if areas.province(code) is None:
            raise CreateUserError(
                f"province_admin needs --commune set to a 2-digit province code, not {code!r}"
            )
        return "", code
    if not code:
        raise CreateUserError(f"role {role.value} needs --commune CODE (5-digit commune code)")
    commune = areas.commune(code)
    if commune is None:
        raise CreateUserError(f"unknown commune code {code!r} (expected a 5-digit GSO code)")
    return commune.code, commune.province_code


def check_username(username: str) -> str:
    name = admin_users.normalise_username(username)
    if not admin_users.USERNAME.fullmatch(name):
        raise CreateUserError(
            f"invalid username {username!r}: 3-64 characters, a-z, 0-9, dot, dash or underscore"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise CreateUserError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    return password


async def create_user(
    settings: Settings, username: str, role: str, commune: str, password: str
) -> Identity:
    """Validate and store a new active account. Raises CreateUserError or UsernameTaken."""
    from bot.runtime import prepare_database
    from storage.db import make_engine, make_sessions

    parsed = parse_role(role)
    commune_code, province_code = area_codes(parsed, commune)
    check_password(password)
    await prepare_database(settings)
    engine = make_engine(settings.database_url)
    try:
        async with make_sessions(engine)() as session:
            identity = await admin_users.create_user(
                session,
                username=username,
                password=password,
                role=parsed,
                commune_code=commune_code,
                province_code=province_code,
            )
            await session.commit()
            return identity
    except UsernameTaken:
        raise
    except InvalidAdminUser as exc:
        raise CreateUserError(str(exc)) from None
    finally:
        await engine.dispose()


def read_password() -> str:
    from_env = os.environ.get(PASSWORD_ENV)
    if from_env:
        return check_password(from_env)
    first = check_password(getpass.getpass("Password: "))
    if getpass.getpass("Repeat the password: ") != first:
        raise CreateUserError("the passwords do not match")
    return first


def run(settings: Settings, username: str, role: str, commune: str) -> int:
    """The CLI glue: exit 0 on success, 2 on bad input, 1 when the username is taken."""
    try:
        # Check the arguments before asking for a password that would be wasted.
        check_username(username)
        area_codes(parse_role(role), commune)
        password = read_password()
        identity = asyncio.run(create_user(settings, username, role, commune, password))
    except CreateUserError as exc:
        print(f"binhyen admin create: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UsernameTaken as exc:
        print(f"binhyen admin create: error: {exc}", file=sys.stderr)
        return EXIT_CONFLICT
    area = identity.commune_code or identity.province_code
    print(f"created {identity.username} ({identity.role.value}, {area})")
    return 0
