"""Account management for province admins (/admin/users): list, create, deactivate and
reactivate, unlock, reset a password, turn off a lost phone's TOTP.

A province admin sees and changes only the accounts of their own province (its communes'
officers, chiefs and leaders, and its province admins); any other id is 404. Other roles get
403 on every route (`NotAllowed`, answered by admin/errors.py). Each page and change is one use
case of handlers/accounts/manage.py over the request's `SqlAccountStore`, audited there; a refused
change is rolled back before its page is shown again.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Path, Request, Response

from admin import auth, errors, web
from admin.timefmt import local_date
from content import area_search, areas
from handlers.accounts import MIN_PASSWORD_LENGTH, manage
from handlers.accounts.errors import AccountError, NoSuchUser
from handlers.accounts.ports import Account
from handlers.accounts.rules import check_manages
from handlers.people import AdminRole
from storage.admin_users import SqlAccountStore, passwords
from storage.db import AsyncSession

router = APIRouter(prefix="/admin", include_in_schema=False)
Db = web.Db
Officer = web.Officer
FormOfficer = web.FormOfficer
# Ids in paths fit the INTEGER column, so a huge number is a 422, never a database error.
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]
# The order of the new-account form's choices.
ROLES = (AdminRole.OFFICER, AdminRole.CHIEF, AdminRole.PROVINCE_ADMIN, AdminRole.LEADER)


def _(msgid: str) -> str:
    """Marks a catalog id for extraction; the template translates it."""
    return msgid


ERRORS = {
    "username": _("panel.users.error.username"),
    "display_name": _("panel.users.error.display_name"),
    "role": _("panel.users.error.role"),
    "commune": _("panel.users.error.commune"),
    "taken": _("panel.users.error.taken"),
    "password_mismatch": _("panel.account.error.password_mismatch"),
    "password_length": _("panel.account.error.password_length"),
    "self": _("panel.users.error.self"),
    "totp_off": _("panel.account.error.totp_off"),
}
DONE = {
    "created": _("panel.users.done.created"),
    "deactivated": _("panel.users.done.deactivated"),
    "activated": _("panel.users.done.activated"),
    "unlocked": _("panel.users.done.unlocked"),
    "password": _("panel.users.done.password"),
    "totp_off": _("panel.users.done.totp_off"),
}


def _manager(user: web.SignedIn) -> None:
    """Refuses (NotAllowed, 403) anyone but a province admin, who manages accounts."""
    check_manages(user.identity)


def _missing(request: Request, user: web.SignedIn, exc: NoSuchUser) -> Response:
    return web.page(request, user, "users/missing.html", errors.status_of(exc))


def _communes(province_code: str) -> list[tuple[str, str]]:
    return [(c.code, c.name) for c in areas.communes_of(province_code)]


def _commune_code(text: str) -> str:
    """A commune code sent without its leading zeros ("4", by a script or an old bookmark)
    as the 5-digit code it stands for; anything else as sent, for the use case to check."""
    found = area_search.commune_by_code(text)
    return found.code if found else text.strip()


def _commune_name(code: str) -> str:
    commune = areas.commune(code) if code else None
    return commune.name if commune else code


def _row(account: Account, now_locked: bool) -> dict[str, object]:
    return {
        "id": account.id,
        "username": account.username,
        "display_name": account.display_name,
        "role": account.role.value,
        "commune": _commune_name(account.commune_code),
        "active": account.active,
        "locked": now_locked,
        "totp_on": account.totp_on,
        "created": local_date(account.created_at),
    }


@router.get("/users")
async def list_page(request: Request, db: Db, user: Officer) -> Response:
    _manager(user)
    commune = request.query_params.get("commune", "")
    communes = _communes(user.identity.province_code)
    if commune not in {code for code, _name in communes}:
        commune = ""
    query = request.query_params.get("q", "")[:64]
    store = SqlAccountStore(db)
    accounts = await manage.accounts(store, user.identity, commune_code=commune, query=query)
    now = datetime.now(UTC)
    return web.page(
        request,
        user,
        "users/list.html",
        rows=[_row(a, a.locked(now)) for a in accounts],
        communes=communes,
        commune=commune,
        q=query,
        done=DONE.get(request.query_params.get("done", ""), ""),
    )


def _form_page(
    request: Request,
    user: web.SignedIn,
    *,
    status: int = 200,
    error: str = "",
    values: dict[str, str] | None = None,
) -> Response:
    return web.page(
        request,
        user,
        "users/new.html",
        status,
        communes=_communes(user.identity.province_code),
        roles=[r.value for r in ROLES],
        values=values or {"username": "", "display_name": "", "role": "officer", "commune": ""},
        error=ERRORS.get(error, ""),
        min_password=MIN_PASSWORD_LENGTH,
    )


@router.get("/users/new")
async def new_form(request: Request, user: Officer) -> Response:
    _manager(user)
    return _form_page(request, user)


@router.post("/users/new")
async def create(
    request: Request,
    db: Db,
    user: FormOfficer,
    username: Annotated[str, Form()] = "",
    display_name: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "",
    commune: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    repeat: Annotated[str, Form()] = "",
) -> Response:
    _manager(user)
    commune = _commune_code(commune[:16])
    values = {
        "username": username[:64],
        "display_name": display_name[:100],
        "role": role,
        "commune": commune[:5],
    }
    try:
        parsed = AdminRole(role)
    except ValueError:
        return _form_page(request, user, status=422, error="role", values=values)
    try:
        identity = await manage.create(
            SqlAccountStore(db),
            user.identity,
            passwords,
            username=username,
            display_name=display_name,
            role=parsed,
            commune_code=commune,
            password=password,
            repeat=repeat,
            ip=auth.client_ip(request),
        )
    except AccountError as exc:
        await db.rollback()
        return _form_page(
            request, user, status=errors.status_of(exc), error=exc.code, values=values
        )
    return web.redirect(f"/admin/users/{identity.id}?done=created")


async def _detail(
    request: Request,
    db: AsyncSession,
    user: web.SignedIn,
    user_id: int,
    *,
    status: int = 200,
    error: str = "",
) -> Response:
    try:
        account = await manage.account(SqlAccountStore(db), user.identity, user_id)
    except NoSuchUser as exc:
        return _missing(request, user, exc)
    now = datetime.now(UTC)
    return web.page(
        request,
        user,
        "users/detail.html",
        status,
        account=_row(account, account.locked(now)),
        is_self=account.id == user.identity.id,
        error=ERRORS.get(error, ""),
        done=DONE.get(request.query_params.get("done", ""), ""),
        min_password=MIN_PASSWORD_LENGTH,
    )


@router.get("/users/{user_id}")
async def detail(request: Request, db: Db, user: Officer, user_id: RowId) -> Response:
    return await _detail(request, db, user, user_id)


async def _change(
    request: Request,
    db: AsyncSession,
    user: web.SignedIn,
    user_id: int,
    done: str,
    change: Callable[..., Awaitable[None]],
    *args: object,
) -> Response:
    """Run one audited change on an account, `change(store, actor, user_id, *args, ip=...)`,
    then back to its page with a note; refused, the change is undone and the page says why."""
    store = SqlAccountStore(db)
    try:
        await change(store, user.identity, user_id, *args, ip=auth.client_ip(request))
    except NoSuchUser as exc:
        await db.rollback()
        return _missing(request, user, exc)
    except AccountError as exc:
        await db.rollback()
        status = errors.status_of(exc)
        return await _detail(request, db, user, user_id, status=status, error=exc.code)
    return web.redirect(f"/admin/users/{user_id}?done={done}")


@router.post("/users/{user_id}/deactivate")
async def deactivate(request: Request, db: Db, user: FormOfficer, user_id: RowId) -> Response:
    return await _change(request, db, user, user_id, "deactivated", manage.set_active, False)


@router.post("/users/{user_id}/activate")
async def activate(request: Request, db: Db, user: FormOfficer, user_id: RowId) -> Response:
    return await _change(request, db, user, user_id, "activated", manage.set_active, True)


@router.post("/users/{user_id}/unlock")
async def unlock(request: Request, db: Db, user: FormOfficer, user_id: RowId) -> Response:
    return await _change(request, db, user, user_id, "unlocked", manage.unlock)


@router.post("/users/{user_id}/password")
async def reset_password(
    request: Request,
    db: Db,
    user: FormOfficer,
    user_id: RowId,
    password: Annotated[str, Form()] = "",
    repeat: Annotated[str, Form()] = "",
) -> Response:
    return await _change(
        request,
        db,
        user,
        user_id,
        "password",
        manage.reset_password,
        password,
        repeat,
        passwords,
    )


@router.post("/users/{user_id}/totp-off")
async def totp_off(request: Request, db: Db, user: FormOfficer, user_id: RowId) -> Response:
    return await _change(request, db, user, user_id, "totp_off", manage.disable_totp)
