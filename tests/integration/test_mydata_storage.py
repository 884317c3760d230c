"""A resident's own data in the stores (storage/mydata.py, with SqlTips.detach_owner): what is
held, and erasure, on the in-memory unit of work and on SQLite and PostgreSQL; on the
databases also the rows the fake does not keep (the outbox, a leader's chat link, a Zalo OA
follower's row, the audit log), and the whole flow through the dispatcher."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.dispatcher import Dispatcher
from handlers import mydata
from handlers.audit import AuditAction
from handlers.held import TIPS_HELD
from handlers.people import AdminRole
from handlers.ports import Erased, Subscription, SubscriptionKind
from handlers.tips.words import TipStatus
from storage.models import (
    AdminUser,
    AuditLog,
    ChannelIdentity,
    LeaderChat,
    OutboxMessage,
    Resident,
    Tip,
    ZaloOaInteraction,
)
from tests.conftest import Chat
from tests.integration.port_backends import Backend
from tests.integration.test_tips_contract import stored_tip
from tests.unit.test_report_flow import receipt_of, to_review

NOW = datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
AWARENESS = Subscription(SubscriptionKind.AWARENESS)


async def someone(backend: Backend, channel: str = "test", user: str = "") -> str:
    async with backend.work() as uow:
        me = await uow.residents.for_identity(channel, "acc", user or uuid.uuid4().hex)
        await uow.awareness.subscribe(me.resident_id, AWARENESS, NOW)
        await uow.awareness.unsubscribe(me.resident_id, AWARENESS, NOW + timedelta(days=1))
        await uow.awareness.subscribe(me.resident_id, AWARENESS, NOW + timedelta(days=2))
        await uow.awareness.mark_seen(me.resident_id, "scam_phone", "fake_authority", NOW)
        await uow.residents.accept_consent(me.resident_id, "v1", NOW)
        await uow.commit()
    return me.resident_id


async def test_what_is_held_and_its_erasure(backend: Backend) -> None:
    me = await someone(backend)
    other = await someone(backend)
    tip = await stored_tip(backend, me)
    kept = await stored_tip(backend, other)
    async with backend.work() as uow:
        account = await uow.mydata.account(me)
        assert account is not None and account.consent_version == "v1"
        assert [c.channel for c in account.chats] == ["test"]
        assert [(s.subscription, s.until is None) for s in account.subscriptions] == [
            (AWARENESS, False),
            (AWARENESS, True),
        ]
        assert [t.code for t in await uow.tips.of_resident(me, TIPS_HELD)] == [tip.code]
    async with backend.work() as uow:
        assert await uow.tips.detach_owner(me) == 1
        erased = await uow.mydata.erase(me)
        await uow.mydata.record(AuditAction.RESIDENT_ERASE, detail="tips=1;channel=test", now=NOW)
        await uow.commit()
    assert erased == Erased(resident=True, chats=1, subscriptions=2, progress=1)
    async with backend.work() as uow:
        assert await uow.mydata.account(me) is None
        assert await uow.tips.of_resident(me) == []
        assert await uow.awareness.subscriptions(me) == []
        assert await uow.awareness.progress(me) == {}
        # Someone else's data is untouched.
        assert await uow.awareness.subscriptions(other) == [AWARENESS]
        assert [t.code for t in await uow.tips.of_resident(other)] == [kept.code]
    # The tip stays, as it was, tied to nobody.
    stored = await backend.peek.tip(tip.code)
    assert (stored.owner_ref, stored.reporter_sealed) == (None, "")
    assert stored.status == TipStatus.NEW.value
    assert (await backend.peek.tip(kept.code)).owner_ref is not None
    assert stored.description == "Hai người lạ lấy trộm xe đạp"


async def test_an_erasure_twice_erases_nothing_more(backend: Backend) -> None:
    me = await someone(backend)
    for _ in range(2):
        async with backend.work() as uow:
            await uow.tips.detach_owner(me)
            await uow.mydata.erase(me)
            await uow.commit()
    async with backend.work() as uow:
        assert await uow.tips.detach_owner(me) == 0
        assert await uow.mydata.erase(me) == Erased()
        assert await uow.mydata.erase(str(uuid.uuid4())) == Erased()  # nobody


# -- what only the databases keep ----------------------------------------------------------------


def sessions_of(backend: Backend) -> async_sessionmaker[AsyncSession]:
    if backend.name == "memory":
        pytest.skip("the in-memory fake keeps no outbox, chat links' rows or audit log")
    return backend.peek.sessions  # type: ignore[attr-defined, no-any-return]


async def count(session: AsyncSession, query: Any) -> int:
    return int((await session.execute(query)).scalar_one())


async def test_the_rows_that_name_the_resident_go_and_the_audit_names_nobody(
    backend: Backend,
) -> None:
    sessions = sessions_of(backend)
    zalo_user = uuid.uuid4().hex
    me = await someone(backend, channel="zalo_oa", user=zalo_user)
    tip = await stored_tip(backend, me)
    async with sessions() as session:
        leader = AdminUser(
            username=f"leader_{uuid.uuid4().hex[:8]}",
            password_hash="-",
            role=AdminRole.LEADER,
            commune_code="00004",
            province_code="01",
        )
        session.add(leader)
        await session.flush()
        session.add(LeaderChat(user_id=leader.id, resident_id=me, linked_at=NOW))
        session.add(ZaloOaInteraction(app_id="acc", user_id=zalo_user, last_at=NOW))
        for status in ("pending", "sent", "pending"):
            session.add(
                OutboxMessage(
                    resident_id=me,
                    tip_id=tip.id,
                    kind="tip.question",
                    payload={"code": tip.code, "params": {}},
                    status=status,
                    created_at=NOW,
                    due_at=NOW,
                )
            )
        await session.commit()
    async with backend.work() as uow:
        account = await uow.mydata.account(me)
        assert account is not None
        assert (account.messages_waiting, account.messages_sent) == (2, 1)
        assert account.since is not None and account.chats[0].user_id == zalo_user
    async with backend.work() as uow:
        assert await uow.tips.detach_owner(me) == 1
        erased = await uow.mydata.erase(me)
        await uow.mydata.record(AuditAction.RESIDENT_ERASE, detail="tips=1;channel=test", now=NOW)
        await uow.commit()
    assert erased.messages == 3 and erased.chats == 1
    async with sessions() as session:
        for model in (OutboxMessage, LeaderChat, ChannelIdentity):
            assert await count(session, select(func.count()).where(model.resident_id == me)) == 0
        assert await count(session, select(func.count()).where(Resident.id == me)) == 0
        zalo = ZaloOaInteraction.user_id == zalo_user
        assert await count(session, select(func.count()).where(zalo)) == 0
        row = (await session.execute(select(Tip).where(Tip.id == tip.id))).scalar_one()
        assert (row.resident_id, row.owner_ref, row.reporter_sealed) == (None, None, "")
        assert row.status == TipStatus.NEW.value
        named = or_(
            AuditLog.subject.contains(me),
            AuditLog.detail.contains(me),
            AuditLog.reason.contains(me),
        )
        assert await count(session, select(func.count()).where(named)) == 0
        erase = AuditLog.action == AuditAction.RESIDENT_ERASE.value
        [audit] = (
            (await session.execute(select(AuditLog).where(erase).order_by(AuditLog.id)))
            .scalars()
            .all()[-1:]
        )
        assert (audit.actor_id, audit.actor_username, audit.subject) == (None, "resident", "")


# -- the flow on the databases ---------------------------------------------------------------------


async def test_the_whole_flow_on_the_databases(dispatcher: Dispatcher) -> None:
    chat = Chat(dispatcher, channel="web")
    await to_review(chat)
    code, pin = receipt_of(await chat.pick("tip:confirm"))
    await chat.pick("nav:menu")
    await chat.pick("menu:settings")
    text = await chat.pick("settings:mydata")
    assert f"• {code} · Trộm cắp – cướp" in text
    await chat.pick(mydata.COPY)
    [media] = [m for r in chat.last for m in r.media]
    assert media.data is not None and code.encode() in media.data
    await chat.pick(mydata.ERASE)
    assert "Chưa xóa gì cả" in await chat.say("đồng ý")
    text = await chat.say("3")
    assert "Đã xóa tài khoản Bình Yên của bạn" in text
    assert "Bạn muốn dùng tiếng Việt hay tiếng Anh?" in await chat.pick(mydata.CONFIRM)
    await chat.onboard()
    assert "chưa gửi tin báo nào" in await chat.pick("menu:mytips")
    assert f"Tin báo {code}" in await chat.say(f"{code} {pin}")
