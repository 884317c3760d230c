"""What officers and chiefs are told in the chats linked to their panel accounts (issue 15):
a new urgent tip of their commune, and a reporter's answer to their question, each queued
in the outbox in the transaction of the tip or its change, so nothing is told of a tip that
was rolled back. Also the question the morning digest asks: which linked officers want it,
and the resident row behind each one's chat (`digest_chats`).

Who is told: an account with a linked chat (leader_chats, as leaders'), active, an officer
or a chief (handlers/chat_links.TOLD_ROLES), who has not turned that notification off
(officer_notification_prefs; no row: all on). For an urgent tip, those of the tip's
commune; for an answer, the one who asked the last question, else the tip's assignee.

What is told: the tip's code, its category (by id, put in words when sent), its deadline
and a link to the panel, never the reporter's identity nor anything they wrote: a phone's
lock screen shows the message. The link is kept as the path /admin/tips/<id>; the worker
puts BINHYEN_PUBLIC_URL before it when it sends (without a public URL, the path alone). No
log line here names a resident, a reporter or an officer."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from handlers.chat_links import TOLD_ROLES
from handlers.deadlines import NO_DUE
from handlers.notices import OFFICER_NOTICES, Notice
from handlers.people import AdminRole, Identity
from storage.identity import identity_of
from storage.models import (
    AdminUser,
    LeaderChat,
    OfficerNotificationPrefs,
    OutboxMessage,
    Tip,
    TipEvent,
)

Prefs = OfficerNotificationPrefs


def panel_link(tip_id: str) -> str:
    """The tip's page in the panel, as a path: the worker makes it absolute under
    BINHYEN_PUBLIC_URL when it sends (bot/outbox.py `public_links`), so a row keeps working
    if the address changes, and storage never reads the settings."""
    return f"/admin/tips/{tip_id}"


def _told() -> tuple[ColumnElement[bool], ...]:
    """Accounts that may be told: active officers and chiefs."""
    return AdminUser.active.is_(True), AdminUser.role.in_([r.value for r in TOLD_ROLES])


def _wanting(choice: InstrumentedAttribute[bool]) -> ColumnElement[bool]:
    """No choice stored (the default: everything), or this one on."""
    return or_(Prefs.user_id.is_(None), choice.is_(True))


@dataclass(frozen=True)
class OfficerChat:
    """An officer's linked chat: the account and the resident row its outbox rows go to."""

    officer: Identity
    resident_id: str


async def _chats(
    session: AsyncSession, choice: InstrumentedAttribute[bool], *where: ColumnElement[bool]
) -> list[OfficerChat]:
    query = (
        select(AdminUser, LeaderChat.resident_id)
        .join(LeaderChat, LeaderChat.user_id == AdminUser.id)
        .outerjoin(Prefs, Prefs.user_id == AdminUser.id)
        .where(*_told(), _wanting(choice), *where)
        .order_by(AdminUser.id)
    )
    rows = (await session.execute(query)).all()
    return [OfficerChat(identity_of(user), resident_id) for user, resident_id in rows]


async def digest_chats(session: AsyncSession) -> list[OfficerChat]:
    """The linked chats of the active officers and chiefs who want the morning digest, with
    their accounts (commune, province) to build each one's digest from."""
    return await _chats(session, Prefs.digest)


def _queue(
    session: AsyncSession,
    chat: OfficerChat,
    notice: Notice,
    code: str,
    params: dict[str, str],
    now: datetime,
) -> None:
    """One row owed to one person (priority 0), like a leader's notice (no tip attached: the
    row is the officer's, not the reporter's). The account's id rides along, so that the
    worker can check the account is still active when it sends."""
    session.add(
        OutboxMessage(
            resident_id=chat.resident_id,
            tip_id=None,
            kind=str(notice),
            payload={"code": code, "params": {**params, "user_id": str(chat.officer.id)}},
            status="pending",
            attempts=0,
            created_at=now,
            due_at=now,
            sent_at=None,
            channel="",
            last_error="",
            priority=0,
        )
    )


async def urgent_tip(session: AsyncSession, tip_id: str, now: datetime) -> int:
    """Tell the commune's officers and chiefs who want it that this tip is urgent (just
    sent so, or just marked so); how many rows were queued."""
    tip = await session.get(Tip, tip_id)
    if tip is None:
        return 0
    now = now.astimezone(UTC)  # SQLite compares timestamps as text: one zone for all
    due: date | None = tip.next_due if tip.next_due and tip.next_due < NO_DUE else tip.ack_due
    params = {
        "category": tip.category,
        "deadline": due.isoformat() if due else "",
        "link": panel_link(tip.id),
    }
    chats = await _chats(session, Prefs.urgent_tips, AdminUser.commune_code == tip.commune_code)
    for chat in chats:
        _queue(session, chat, Notice.OFFICER_URGENT_TIP, tip.code, params, now)
    await session.flush()
    return len(chats)


async def protection_asked(session: AsyncSession, tip_id: str, now: datetime) -> int:
    """Tell the commune's chiefs who want urgent tips that this tip's reporter asked for
    their identity to be kept secret or said they are threatened (CPC arts. 484-486); the
    tip's code and a link only. How many rows were queued."""
    tip = await session.get(Tip, tip_id)
    if tip is None:
        return 0
    params = {"category": tip.category, "link": panel_link(tip.id), "protection": tip.protection}
    chats = await _chats(
        session,
        Prefs.urgent_tips,
        AdminUser.commune_code == tip.commune_code,
        AdminUser.role == AdminRole.CHIEF.value,
    )
    for chat in chats:
        _queue(session, chat, Notice.OFFICER_PROTECTION, tip.code, params, now.astimezone(UTC))
    await session.flush()
    return len(chats)


async def reporter_answered(session: AsyncSession, tip_id: str, now: datetime) -> int:
    """Tell the officer who asked the tip's last question (else its assignee), if they want
    it, that the reporter answered; never the answer. How many rows were queued (0 or 1)."""
    tip = await session.get(Tip, tip_id)
    if tip is None:
        return 0
    asker = await session.scalar(
        select(TipEvent.actor)
        .where(TipEvent.tip_id == tip_id, TipEvent.kind == "question", TipEvent.actor != "")
        .order_by(TipEvent.at.desc(), TipEvent.id.desc())
        .limit(1)
    )
    if asker:
        whom: ColumnElement[bool] = AdminUser.username == asker
    elif tip.assignee_id is not None:
        whom = AdminUser.id == tip.assignee_id
    else:
        return 0
    chats = await _chats(session, Prefs.answers, whom)
    params = {"link": panel_link(tip.id)}
    for chat in chats:
        _queue(session, chat, Notice.OFFICER_ANSWER, tip.code, params, now.astimezone(UTC))
    await session.flush()
    return len(chats)


async def still_told(
    session: AsyncSession, kind: str, resident_id: str, payload: dict[str, object]
) -> bool:
    """At send time: whether an officer's row may still go out (the account active, of a
    role that is told, its chat still the row's). False for such a row whose account was
    deactivated, or unlinked, since it was queued; True for any other kind of row."""
    if kind not in {str(n) for n in OFFICER_NOTICES}:
        return True
    params = payload.get("params")
    user_id = params.get("user_id") if isinstance(params, dict) else None
    if not isinstance(user_id, str) or not user_id.isdecimal():
        return False
    query = (
        select(AdminUser.id)
        .join(LeaderChat, LeaderChat.user_id == AdminUser.id)
        .where(AdminUser.id == int(user_id), LeaderChat.resident_id == resident_id, *_told())
    )
    return (await session.scalar(query)) is not None
