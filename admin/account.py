"""The account page (/admin/account) and the TOTP step of sign-in (/admin/signin/code).

Every role has an account page: change the password, turn two-step sign-in (TOTP) on or off,
make and revoke API tokens, sign out everywhere; a leader, an officer and a chief also get a
code to link a chat, see the chats linked (by channel, since when) and unlink one, and an
officer or a chief chooses what they are told there (issue 15). Each POST checks the session's
CSRF token (`web.FormOfficer`) and is committed once it has answered (`web.Db`), also when it
answers a refusal: a wrong password or code has counted toward the lockout. Changes answer with
a redirect to the page and a `?done=` note; refusals show it again with the status of their
kind (admin/errors.py).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from datetime import UTC, datetime, timedelta
from typing import Annotated

import segno
from fastapi import APIRouter, Depends, Form, Path, Request, Response
from markupsafe import Markup

from admin import api_chat_links, auth, errors, web
from admin.timefmt import local_date, local_time
from handlers import chat_links
from handlers.accounts import MIN_PASSWORD_LENGTH, own
from handlers.accounts.errors import AccountError
from handlers.accounts.ports import Keys
from handlers.audit import AuditAction
from handlers.errors import Conflict, NotFound
from handlers.people import AdminRole
from storage import admin_users, api_tokens, totp
from storage.admin_users import Failure, SqlAccountStore, passwords
from storage.chat_links import SqlChatLinks
from storage.db import AsyncSession

router = APIRouter(prefix="/admin", include_in_schema=False)
Db = web.Db
Officer = web.Officer
FormOfficer = web.FormOfficer
ISSUER = "Bình Yên"
TOKEN_DAYS = (30, 90, 180, 365)
RowId = Annotated[int, Path(ge=1, le=2**31 - 1)]


def _(msgid: str) -> str:
    """Marks a catalog id for extraction; the template translates it."""
    return msgid


ERRORS = {
    "bad_secret": _("panel.account.error.bad_secret"),
    "locked": _("panel.account.error.locked"),
    "inactive": _("panel.account.error.inactive"),
    "password_mismatch": _("panel.account.error.password_mismatch"),
    "password_length": _("panel.account.error.password_length"),
    "password_same": _("panel.account.error.password_same"),
    "bad_code": _("panel.account.error.bad_code"),
    "totp_on": _("panel.account.error.totp_on"),
    "totp_off": _("panel.account.error.totp_off"),
    "totp_secret": _("panel.account.error.totp_secret"),
    "token_name": _("panel.account.error.token_name"),
    "token_days": _("panel.account.error.token_days"),
    "no_token": _("panel.account.error.no_token"),
    "no_chat": api_chat_links.NO_CHAT,
}
DONE = {
    "password": _("panel.account.done.password"),
    "totp_on": _("panel.account.done.totp_on"),
    "totp_off": _("panel.account.done.totp_off"),
    "revoked": _("panel.account.done.revoked"),
    "chat_unlinked": _("panel.account.done.chat_unlinked"),
    "notifications": _("panel.account.done.notifications"),
}


async def _account_page(
    request: Request,
    db: AsyncSession,
    user: web.SignedIn,
    *,
    status: int = 200,
    error: str = "",
    new_token: str = "",
    token_name: str = "",
    chat_link: tuple[str, str] = ("", ""),
) -> Response:
    account = await admin_users.account(db, user.identity.id)
    if account is None:
        raise web.SignInRequired()
    now = datetime.now(UTC)
    tokens = await api_tokens.list_tokens(db, user.identity.id)
    done = request.query_params.get("done", "")
    role = user.identity.role
    links = SqlChatLinks(db)
    linking = role in chat_links.LINKING_ROLES
    chats = await chat_links.own_chats(links, user.identity) if linking else []
    told = role in chat_links.TOLD_ROLES
    wants = await chat_links.own_wants(links, user.identity) if told else None
    return web.page(
        request,
        user,
        "account/index.html",
        status,
        account=account,
        locked=account.locked(now),
        tokens=[
            {
                "id": t.id,
                "name": t.name,
                "created": local_date(t.created_at),
                "expires": local_date(t.expires_at),
                "last_used": local_time(t.last_used_at),
                "state": "revoked" if t.revoked_at else "live" if t.active(now) else "expired",
            }
            for t in tokens
        ],
        token_days=TOKEN_DAYS,
        default_days=api_tokens.DEFAULT_LIFETIME.days,
        token_name=token_name,
        new_token=new_token,
        leader=role is AdminRole.LEADER,
        linking=linking,
        wants=wants,
        chat_code=chat_link[0],
        chat_until=chat_link[1],
        chats=api_chat_links.shown(chats),
        error=ERRORS.get(error, ""),
        done=DONE.get(done, ""),
        min_password=MIN_PASSWORD_LENGTH,
    )


def _keys(request: Request) -> Keys:
    """What the holder's own changes check secrets with: storage's helpers, as they are."""
    return Keys(passwords, totp, web.account_sealer(request))


def _done(what: str) -> Response:
    return web.redirect(f"/admin/account?done={what}")


async def _settle(
    request: Request, db: AsyncSession, user: web.SignedIn, done: str, change: Awaitable[object]
) -> Response:
    """Run a change that re-checks a password or code. Refused: the page again with why, an
    answer that is committed all the same: the wrong guess has counted toward the lockout."""
    try:
        await change
    except AccountError as exc:
        return await _account_page(request, db, user, status=errors.status_of(exc), error=exc.code)
    return _done(done)


@router.get("/account")
async def account_page(request: Request, db: Db, user: Officer) -> Response:
    return await _account_page(request, db, user)


@router.post("/account/password")
async def change_password(
    request: Request,
    db: Db,
    user: FormOfficer,
    current: Annotated[str, Form()] = "",
    new: Annotated[str, Form()] = "",
    repeat: Annotated[str, Form()] = "",
) -> Response:
    keep = auth.session_key(auth.settings_of(request), user.token)
    change = own.change_password(
        SqlAccountStore(db),
        user.identity,
        current,
        new,
        repeat,
        _keys(request),
        keep_session=keep,
        ip=auth.client_ip(request),
    )
    return await _settle(request, db, user, "password", change)


@router.post("/account/signout-all")
async def sign_out_everywhere(request: Request, db: Db, user: FormOfficer) -> Response:
    await admin_users.sign_out_everywhere(db, user.identity, ip=auth.client_ip(request))
    response = web.redirect()
    auth.clear_cookie(response, request, auth.SESSION_COOKIE)
    return response


# --- API tokens ------------------------------------------------------------------------------


@router.post("/account/tokens")
async def create_token(
    request: Request,
    db: Db,
    user: FormOfficer,
    name: Annotated[str, Form()] = "",
    days: Annotated[str, Form()] = "",
) -> Response:
    name = " ".join(name.split())
    if not name or len(name) > api_tokens.MAX_NAME_LENGTH:
        return await _account_page(request, db, user, status=422, error="token_name")
    if not days.isdigit() or int(days) not in TOKEN_DAYS:
        return await _account_page(
            request, db, user, status=422, error="token_days", token_name=name
        )
    settings = auth.settings_of(request)
    token, info = await api_tokens.create_token(
        db, auth.api_token_key(settings), user.identity.id, name, timedelta(days=int(days))
    )
    await admin_users.record_by(
        db,
        user.identity,
        AuditAction.TOKEN_CREATE,
        subject=str(info.id),
        detail=name[:64],
        ip=auth.client_ip(request),
    )
    # Shown in this answer only: the database keeps nothing it could be read back from.
    return await _account_page(request, db, user, new_token=token)


# --- a leader's, officer's or chief's chat (handlers/chat_links.py) ------------------------------


@router.post("/account/chat-link")
async def create_chat_link(request: Request, db: Db, user: FormOfficer) -> Response:
    """A one-time code the account's holder types to the bot; shown in this answer only."""
    made = await api_chat_links.new_code(request, db, user.identity)
    return await _account_page(
        request, db, user, chat_link=(made.code, local_time(made.expires_at))
    )


@router.post("/account/chat-links/{channel}/unlink")
async def unlink_chat(
    request: Request, db: Db, user: FormOfficer, channel: api_chat_links.Channel
) -> Response:
    """The holder's own chat on that channel no longer composes nor is told; audited."""
    try:
        await api_chat_links.unlink(request, db, user.identity, user.identity.id, channel)
    except NotFound:
        return await _account_page(request, db, user, status=404, error="no_chat")
    return _done("chat_unlinked")


@router.post("/account/notifications")
async def set_notifications(
    request: Request,
    db: Db,
    user: FormOfficer,
    urgent_tips: Annotated[str, Form()] = "",
    answers: Annotated[str, Form()] = "",
    digest: Annotated[str, Form()] = "",
) -> Response:
    """An officer's or chief's choices of what they are told in their linked chat: a box
    left unticked is not sent, and is off."""
    wants = chat_links.Wants(urgent_tips == "1", answers == "1", digest == "1")
    now = datetime.now(UTC)
    await chat_links.set_own_wants(SqlChatLinks(db), user.identity, wants, now=now)
    return _done("notifications")


@router.post("/account/tokens/{token_id}/revoke")
async def revoke_token(request: Request, db: Db, user: FormOfficer, token_id: RowId) -> Response:
    if not await api_tokens.revoke(db, user.identity.id, token_id):
        return await _account_page(request, db, user, status=404, error="no_token")
    await admin_users.record_by(
        db,
        user.identity,
        AuditAction.TOKEN_REVOKE,
        subject=str(token_id),
        ip=auth.client_ip(request),
    )
    return _done("revoked")


# --- TOTP on and off --------------------------------------------------------------------------


def _setup_proof(request: Request, user: web.SignedIn, secret: str) -> str:
    """Binds a shown secret to this session, so the confirm form cannot carry another one."""
    return auth.csrf_token(auth.settings_of(request), "totp-setup", f"{user.token}:{secret}")


def _setup_page(
    request: Request, user: web.SignedIn, secret: str, *, status: int = 200, error: str = ""
) -> Response:
    uri = totp.uri(secret, user.identity.username, ISSUER)
    qr = segno.make(uri, error="m").svg_inline(
        scale=4, dark="#000", light="#fff", title=user.identity.username
    )
    return web.page(
        request,
        user,
        "account/totp.html",
        status,
        secret=secret,
        grouped=totp.grouped(secret),
        uri=uri,
        qr=Markup(qr),  # segno's SVG of a URI we built; the username is [a-z0-9._-]
        proof=_setup_proof(request, user, secret),
        error=ERRORS.get(error, ""),
    )


@router.get("/account/totp")
async def totp_setup(request: Request, db: Db, user: Officer) -> Response:
    account = await admin_users.account(db, user.identity.id)
    if account is not None and account.totp_on:
        return web.redirect("/admin/account")
    return _setup_page(request, user, totp.new_secret())


@router.post("/account/totp")
async def totp_enable(
    request: Request,
    db: Db,
    user: FormOfficer,
    secret: Annotated[str, Form()] = "",
    proof: Annotated[str, Form()] = "",
    code: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
) -> Response:
    settings = auth.settings_of(request)
    if not totp.valid_secret(secret) or not auth.csrf_valid(
        settings, "totp-setup", f"{user.token}:{secret}", proof
    ):
        return _setup_page(request, user, totp.new_secret(), status=422, error="totp_secret")
    try:
        await own.enable_totp(
            SqlAccountStore(db),
            user.identity,
            secret,
            code[:32],
            password,
            _keys(request),
            ip=auth.client_ip(request),
        )
    except Conflict as exc:  # on already (in another tab): the account page says so
        return await _account_page(request, db, user, status=errors.status_of(exc), error=exc.code)
    except AccountError as exc:
        return _setup_page(request, user, secret, status=errors.status_of(exc), error=exc.code)
    return _done("totp_on")


@router.post("/account/totp/disable")
async def totp_disable(
    request: Request, db: Db, user: FormOfficer, secret: Annotated[str, Form()] = ""
) -> Response:
    store, ip = SqlAccountStore(db), auth.client_ip(request)
    change = own.disable_totp(store, user.identity, secret, _keys(request), ip=ip)
    return await _settle(request, db, user, "totp_off", change)


# --- The second step of sign-in ---------------------------------------------------------------


def begin_code_step(request: Request, user_id: int) -> Response:
    """After a right password on a TOTP account: on to the code page, carrying a signed cookie."""
    value = auth.pending_value(auth.settings_of(request), user_id, time.time())
    response = web.redirect("/admin/signin/code")
    auth.set_cookie(response, request, auth.PENDING_COOKIE, value)
    return response


def _pending(request: Request) -> tuple[int, str] | None:
    value = request.cookies.get(auth.PENDING_COOKIE, "")
    user_id = auth.pending_user(auth.settings_of(request), value, time.time()) if value else None
    return (user_id, value) if user_id is not None else None


def _code_page(
    request: Request, value: str, *, status: int = 200, error: str = "", form: bool = True
) -> Response:
    lang = auth.request_lang(request)
    response = web.html(
        "signin_code.html",
        lang,
        status,
        csrf=auth.csrf_token(auth.settings_of(request), "signin-code", value),
        error=error,
        form=form,
    )
    return web.remember_lang(response, request, lang)


@router.get("/signin/code")
async def code_form(request: Request) -> Response:
    pending = _pending(request)
    if pending is None:
        return web.redirect()
    return _code_page(request, pending[1])


async def _code_form(request: Request) -> tuple[int, str]:
    """The pending sign-in, once the code form's CSRF token is bound to it."""
    pending = _pending(request)
    if pending is None:
        # Five minutes are over (or the cookie was tampered with): start again.
        raise web.SignInRequired()
    await web.check_csrf(request, "signin-code", pending[1])
    return pending


@router.post("/signin/code")
async def code_submit(
    request: Request,
    db: Db,
    pending: Annotated[tuple[int, str], Depends(_code_form)],
    code: Annotated[str, Form()] = "",
) -> Response:
    user_id, value = pending
    result = await admin_users.sign_in_code(
        db, user_id, code, web.account_sealer(request), ip=auth.client_ip(request)
    )
    if result.identity is None:  # an answer: the failure is committed with it
        if result.failure is Failure.BAD_CODE:
            return _code_page(request, value, status=401, error="bad_code")
        response = _code_page(request, value, status=401, error="stopped", form=False)
        auth.clear_cookie(response, request, auth.PENDING_COOKIE)
        return response
    token = auth.new_token()
    key = auth.session_key(auth.settings_of(request), token)
    await admin_users.open_session(db, result.identity.id, key)
    response = web.redirect()
    auth.set_cookie(response, request, auth.SESSION_COOKIE, token)
    auth.clear_cookie(response, request, auth.PENDING_COOKIE)
    auth.clear_cookie(response, request, auth.SIGNIN_COOKIE)
    return response
