"""A province admin's management of the accounts of their province: list them, show one,
create one, deactivate and reactivate, unlock, reset a password, turn off a lost phone's TOTP.

Only a province admin manages accounts (NotAllowed, 403, for every other role), and only those
of their own province: its province admins and the commune roles of its communes
(rules.of_province). Any other id is NoSuchUser (404), as if it did not exist. Nobody
deactivates, resets or turns off the TOTP of their own account here: their own changes go by
the account page (own.py). Every change is audited under the admin's name."""

from __future__ import annotations

from datetime import datetime

from handlers.accounts import clock
from handlers.accounts.errors import AccountError, InvalidAdminUser, NoSuchUser, UsernameTaken
from handlers.accounts.new import create_account
from handlers.accounts.ports import Account, AccountState, AccountStore, By, Passwords
from handlers.accounts.rules import (
    MAX_DISPLAY_NAME_LENGTH,
    USERNAME,
    area_of_new,
    check_manages,
    check_new_password,
    clean_display_name,
    normalise_username,
)
from handlers.audit import AuditAction
from handlers.people import AdminRole, Identity


async def accounts(
    store: AccountStore, actor: Identity, *, commune_code: str = "", query: str = ""
) -> list[Account]:
    """The accounts of the actor's province: admins first, then by commune and username;
    of one commune, or whose username or display name holds `query`, when given."""
    province = check_manages(actor)
    text = normalise_username(query)
    return await store.accounts(province, commune_code=commune_code, text=text)


async def account(store: AccountStore, actor: Identity, account_id: int) -> Account:
    """One account of the actor's province (NoSuchUser outside it)."""
    province = check_manages(actor)
    found = await store.account(account_id, province_code=province)
    if found is None:
        raise NoSuchUser(detail=str(account_id))
    return found


async def _managed(
    store: AccountStore, actor: Identity, account_id: int, *, self_ok: bool = False
) -> AccountState:
    """The account to change, locked: of the actor's province, and not their own unless
    `self_ok`."""
    province = check_manages(actor)
    found = await store.load(account_id, province_code=province)
    if found is None:
        raise NoSuchUser(detail=str(account_id))
    if found.id == actor.id and not self_ok:
        raise AccountError("self")
    return found


def _checked(
    province: str, username: str, display_name: str, role: AdminRole, commune_code: str
) -> tuple[str, str, str]:
    """The new account's form, each refusal naming its field: (username, commune code,
    province code)."""
    name = normalise_username(username)
    if not USERNAME.fullmatch(name):
        raise AccountError("username")
    if len(clean_display_name(display_name)) > MAX_DISPLAY_NAME_LENGTH:
        raise AccountError("display_name")
    return (name, *area_of_new(province, role, commune_code))


async def create(
    store: AccountStore,
    actor: Identity,
    passwords: Passwords,
    *,
    username: str,
    display_name: str,
    role: AdminRole,
    commune_code: str,
    password: str,
    repeat: str,
    ip: str = "",
    now: datetime | None = None,
) -> Identity:
    """A province admin adds an account in their own province (AccountError on bad input)."""
    province = check_manages(actor)
    name, commune_code, province_code = _checked(
        province, username, display_name, role, commune_code
    )
    check_new_password(password, repeat)
    now = clock.now_or(now)
    try:
        identity = await create_account(
            store,
            passwords,
            username=name,
            password=password,
            role=role,
            commune_code=commune_code,
            province_code=province_code,
            display_name=display_name,
            now=now,
        )
    except UsernameTaken:
        raise AccountError("taken") from None
    except InvalidAdminUser:  # pragma: no cover - every rule is checked above
        raise AccountError("invalid") from None
    subject, detail = identity.username, role.value
    await store.audit(
        actor, AuditAction.USER_CREATE, subject=subject, detail=detail, ip=ip, now=now
    )
    return identity


async def set_active(
    store: AccountStore,
    actor: Identity,
    account_id: int,
    active: bool,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Deactivate (ending the account's sessions and revoking its API tokens, so that
    reactivating it brings none of them back) or reactivate an account, not one's own; what
    is already so changes nothing and writes nothing."""
    account = await _managed(store, actor, account_id)
    if account.active == active:
        return
    account.active = active
    await store.save(account)
    now = clock.now_or(now)
    if not active:
        await store.end_sessions(account.id)
        await store.revoke_tokens(account.id, now)
    action = AuditAction.USER_ACTIVATE if active else AuditAction.USER_DEACTIVATE
    await store.audit(actor, action, subject=account.username, ip=ip, now=now)


async def unlock(
    store: AccountStore,
    actor: Identity,
    account_id: int,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Lift a lockout before its 15 minutes are over (one's own too: another admin's session
    may be the one typing)."""
    account = await _managed(store, actor, account_id, self_ok=True)
    account.failed_count, account.locked_until = 0, None
    await store.save(account)
    subject = account.username
    await store.audit(actor, AuditAction.USER_UNLOCK, subject=subject, ip=ip, now=clock.now_or(now))


async def reset_password(
    store: AccountStore,
    actor: Identity,
    account_id: int,
    password: str,
    repeat: str,
    passwords: Passwords,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Set another account's password; its sessions and API tokens end. This is how a
    compromised account is taken back, so nothing issued before may outlive it. One's own
    password goes by the account page."""
    account = await _managed(store, actor, account_id)
    check_new_password(password, repeat)
    now = clock.now_or(now)
    account.password_hash = await passwords.hash_password(password)
    await store.save(account)
    await store.end_sessions(account.id)
    await store.revoke_tokens(account.id, now)
    await _audit_by_admin(store, actor, AuditAction.USER_PASSWORD, account, ip, now)


async def disable_totp(
    store: AccountStore,
    actor: Identity,
    account_id: int,
    *,
    ip: str = "",
    now: datetime | None = None,
) -> None:
    """Turn off another account's TOTP (a lost phone); the password alone signs in again."""
    account = await _managed(store, actor, account_id)
    if not account.totp_sealed:
        raise AccountError("totp_off")
    account.totp_sealed, account.totp_last_step = "", None
    await store.save(account)
    now = clock.now_or(now)
    await _audit_by_admin(store, actor, AuditAction.TOTP_DISABLE, account, ip, now)


async def _audit_by_admin(
    store: AccountStore,
    actor: Identity,
    action: AuditAction,
    account: AccountState,
    ip: str,
    now: datetime,
) -> None:
    await store.audit(actor, action, subject=account.username, detail=By.ADMIN, ip=ip, now=now)
