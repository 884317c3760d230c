"""`binhyen admin create|token|unlock`: panel accounts from the command line.

`create` adds an account. Commune roles (officer, chief, leader) take `--commune` as a 5-digit
GSO commune code (leading zeros optional) or as a name that stands for one commune alone, now
or before 2025, with the marks typed; a province admin takes it as the 2-digit province code
or the province's name, since the stable CLI has one area option. A name that may mean
several communes is refused with their codes listed, and the account created is printed with
its commune's (or province's) code, name and province.
`token` makes an API token for an account and prints it once; `unlock` lifts a sign-in
lockout. Each is audited like the same change in the panel.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import timedelta
from typing import Protocol, TypeVar

from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession

from content import area_search, areas
from handlers.accounts import (
    MAX_DISPLAY_NAME_LENGTH,
    MIN_PASSWORD_LENGTH,
    USERNAME,
    create_account,
    normalise_username,
)
from handlers.accounts.errors import InvalidAdminUser, UsernameTaken
from handlers.accounts.rules import clean_display_name
from handlers.audit import AuditAction
from handlers.people import AdminRole, Identity
from storage import admin_users, migrate
from storage.admin_users import SqlAccountStore, passwords

PASSWORD_ENV = "BINHYEN_ADMIN_PASSWORD"
EXIT_USAGE = 2
EXIT_CONFLICT = 1
MAX_LISTED = 12  # communes listed when a name is several or none
T = TypeVar("T")


class Settings(Protocol):
    """What these commands read of the settings bot/cli.py passes (bot/settings.py)."""

    @property
    def database_url(self) -> str: ...

    @property
    def secret_key(self) -> SecretStr: ...

    @property
    def public_url(self) -> str: ...


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
    code = " ".join(code.split())
    if role is AdminRole.PROVINCE_ADMIN:
        return "", find_province(code).code
    if not code:
        raise CreateUserError(
            f"role {role.value} needs --commune CODE (a commune's 5-digit code or its name)"
        )
    commune = find_commune(code)
    return commune.code, commune.province_code


def _listed(matches: Sequence[area_search.Match]) -> str:
    """The communes a name may mean, one a line: code, name, province, and the old unit whose
    name led there."""
    lines = [f"  {m.commune.code}  {m.commune.name}, {m.province}{_formerly(m)}" for m in matches]
    shown = lines[:MAX_LISTED]
    if len(lines) > MAX_LISTED:
        shown.append(f"  ... and {len(lines) - MAX_LISTED} more (binhyen areas search NAME)")
    return "\n".join(shown)


def _formerly(match: area_search.Match) -> str:
    return f" (formerly {match.before.place})" if match.before else ""


def _province_name(code: str) -> str:
    found = areas.province(code)
    return found.name if found else code


def area_label(commune_code: str, province_code: str) -> str:
    """'00004 Phường Ba Đình, Thành phố Hà Nội' or '04 Cao Bằng': what the account was given,
    spelt out so that the operator sees a wrong commune before anyone signs in."""
    commune = areas.commune(commune_code) if commune_code else None
    if commune is not None:
        return f"{commune.code} {commune.name}, {_province_name(commune.province_code)}"
    return f"{province_code} {_province_name(province_code)}"


def find_commune(text: str) -> areas.Commune:
    """The commune `--commune` names: its code, leading zeros optional ("4" is 00004), or a
    name that stands for that commune alone (content/area_search.py `named`): what `binhyen
    areas search` gives is that one commune, by its whole name now or before 2025, spelt with
    the marks typed. Anything else is refused with the communes it may mean, for the operator
    to give a code: an account in a wrong commune reads another commune's tips."""
    if text.isdecimal():
        by_code = area_search.commune_by_code(text)
        if by_code is None:
            raise CreateUserError(
                f"no commune has the code {text!r}; find it with: binhyen areas search NAME"
            )
        return by_code
    named = area_search.named(text)
    if named.one is not None:
        return named.one.commune
    matches = named.found.matches
    if len(matches) > 1:
        raise CreateUserError(
            f"{len(matches)} communes match {text!r}; give the code of one:\n{_listed(matches)}"
        )
    near = list(matches) or [
        area_search.Match(n.unit) for n in named.found.nearest if isinstance(n.unit, areas.Commune)
    ]
    hint = f"; did you mean:\n{_listed(near)}" if near else "; see: binhyen areas search NAME"
    raise CreateUserError(f"no commune is named {text!r}{hint}")


def find_province(text: str) -> areas.Area:
    """The province a province admin's `--commune` names: its 2-digit code, or its name whole
    ("Hà Nội", "ha noi", "HCM"). A shorter code is refused: "4" is commune 00004 for the other
    roles, and must not quietly become province 04 (Cao Bằng) here."""
    if text.isdecimal():
        found = areas.province(text) if len(text) == area_search.PROVINCE_DIGITS else None
    else:
        found = area_search.province_named(text)
    if found is None:
        padded = area_search.province_by_code(text) if text.isdecimal() else None
        hint = f" ({padded.code} is {padded.name})" if padded is not None else ""
        raise CreateUserError(
            "province_admin needs --commune set to a province: its 2-digit code or its name,"
            f" not {text!r}{hint}"
        )
    return found


def check_username(username: str) -> str:
    name = normalise_username(username)
    if not USERNAME.fullmatch(name):
        raise CreateUserError(
            f"invalid username {username!r}: 3-64 characters, a-z, 0-9, dot, dash or underscore"
        )
    return name


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise CreateUserError(f"the password must be at least {MIN_PASSWORD_LENGTH} characters")
    return password


async def create_user(
    settings: Settings,
    username: str,
    role: str,
    commune: str,
    password: str,
    display_name: str = "",
) -> Identity:
    """Validate and store a new active account. Raises CreateUserError or UsernameTaken."""
    from storage.db import make_engine, make_sessions

    parsed = parse_role(role)
    commune_code, province_code = area_codes(parsed, commune)
    check_password(password)
    await migrate.prepare(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        async with make_sessions(engine)() as session:
            identity = await create_account(
                SqlAccountStore(session),
                passwords,
                username=username,
                password=password,
                role=parsed,
                commune_code=commune_code,
                province_code=province_code,
                display_name=display_name,
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


def run(settings: Settings, username: str, role: str, commune: str, display_name: str = "") -> int:
    """The CLI glue: exit 0 on success, 2 on bad input, 1 when the username is taken."""
    try:
        # Check the arguments before asking for a password that would be wasted.
        check_username(username)
        area_codes(parse_role(role), commune)
        if len(clean_display_name(display_name)) > MAX_DISPLAY_NAME_LENGTH:
            raise CreateUserError(
                f"the display name must be at most {MAX_DISPLAY_NAME_LENGTH} characters"
            )
        password = read_password()
        identity = asyncio.run(
            create_user(settings, username, role, commune, password, display_name)
        )
    except CreateUserError as exc:
        print(f"binhyen admin create: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except UsernameTaken as exc:
        print(f"binhyen admin create: error: {exc}", file=sys.stderr)
        return EXIT_CONFLICT
    area = area_label(identity.commune_code, identity.province_code)
    print(f"created {identity.username} ({identity.role.value}, {area})")
    return 0


async def _with_session(settings: Settings, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    from storage.db import make_engine, make_sessions

    await migrate.prepare(settings.database_url)
    engine = make_engine(settings.database_url)
    try:
        async with make_sessions(engine)() as session:
            result = await work(session)
            await session.commit()
            return result
    finally:
        await engine.dispose()


async def make_token(settings: Settings, username: str, name: str, days: int) -> str | None:
    """A new API token for an active account (None when there is none by that name)."""
    from admin.auth import api_token_key
    from storage import api_tokens

    async def work(session: AsyncSession) -> str | None:
        identity = await admin_users.active_user(session, username)
        if identity is None:
            return None
        token, info = await api_tokens.create_token(
            session, api_token_key(settings), identity.id, name, timedelta(days=days)
        )
        await admin_users.record(
            session,
            AuditAction.TOKEN_CREATE,
            actor_id=identity.id,
            actor_username=identity.username,
            subject=str(info.id),
            detail=admin_users.By.CLI,
        )
        return token

    return await _with_session(settings, work)


def run_token(settings: Settings, username: str, name: str, days: int) -> int:
    """Print a new token once: exit 0, 2 on bad input, 1 when there is no such active account."""
    from storage.api_tokens import MAX_LIFETIME, MAX_NAME_LENGTH

    prog = "binhyen admin token"
    name = " ".join(name.split())
    try:
        check_username(username)
        if not name or len(name) > MAX_NAME_LENGTH:
            raise CreateUserError(f"--name must be 1-{MAX_NAME_LENGTH} characters")
        if not 1 <= days <= MAX_LIFETIME.days:
            raise CreateUserError(f"--days must be 1-{MAX_LIFETIME.days}")
    except CreateUserError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    token = asyncio.run(make_token(settings, username, name, days))
    if token is None:
        print(f"{prog}: error: no active account {username!r}", file=sys.stderr)
        return EXIT_CONFLICT
    print(token)
    print(
        f"API token {name!r} for {normalise_username(username)}, valid {days} days;"
        " it is shown only this once.",
        file=sys.stderr,
    )
    return 0


def run_unlock(settings: Settings, username: str) -> int:
    """Lift a lockout: exit 0, 2 on a malformed username, 1 when there is no such account."""
    prog = "binhyen admin unlock"
    try:
        name = check_username(username)
    except CreateUserError as exc:
        print(f"{prog}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE

    async def work(session: AsyncSession) -> bool:
        return await admin_users.unlock(session, name)

    if not asyncio.run(_with_session(settings, work)):
        print(f"{prog}: error: no account {name!r}", file=sys.stderr)
        return EXIT_CONFLICT
    print(f"unlocked {name}")
    return 0


def dispatch(settings: Settings, args: argparse.Namespace) -> int:
    """`binhyen admin <command>` as parsed by bot/cli.py."""
    if args.admin_command == "token":
        return run_token(settings, args.username, args.name, args.days)
    if args.admin_command == "unlock":
        return run_unlock(settings, args.username)
    return run(settings, args.username, args.role, args.commune, args.display_name)
