"""Issue 18: a database copy alone does not tie a tip to a chat account. Tips stored before
carry the resident's id in clear: the service moves it behind its key when it starts (and on
`binhyen migrate`), in batches, and a run cut short is finished by the next. A delivered
notice keeps neither the tip nor its code beside the resident."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.notices import Notice
from handlers.people import AdminRole, Identity
from handlers.tips.words import TipStatus
from storage import outbox
from storage.casework import SqlCaseStore
from storage.db import make_engine, make_sessions
from storage.models import ChannelIdentity, OutboxMessage, Resident, Tip
from storage.owners import Owners, move_links
from storage.tips import SqlTips
from tests.conftest import PIN_SECRET, SEALER

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)


def _old_tip(resident_id: str | None, n: int) -> Tip:
    return Tip(
        id=str(uuid.uuid4()),
        code=f"OLD{n:05d}",
        submission_key=uuid.uuid4().hex,
        pin_hash="-",
        resident_id=resident_id,  # as stored before issue 18
        category="scam",
        description="Có người gọi tự xưng công an.",
        incident_when="today",
        province_code="01",
        commune_code="00004",
        anonymous=True,
        contact_sealed="",
        status=TipStatus.NEW.value,
        details={},
        created_at=NOW,
        received_on=date(2026, 12, 5),
        ack_due=date(2026, 12, 9),
        decision_due=date(9999, 12, 31),
    )


async def test_old_links_move_behind_the_key_and_a_dump_no_longer_joins(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    sessions = make_sessions(engine)
    owners = Owners.of(SEALER)
    me, other = str(uuid.uuid4()), str(uuid.uuid4())
    async with sessions() as session:
        session.add_all([Resident(id=me), Resident(id=other)])
        await session.flush()
        session.add(
            ChannelIdentity(channel="telegram", account="b", platform_user_id="42", resident_id=me)
        )
        session.add_all([_old_tip(me, n) for n in range(1203)])  # more than two batches
        session.add_all([_old_tip(other, 9000), _old_tip(None, 9001)])
        await session.commit()
    assert await move_links(sessions, owners) == 1204
    assert await move_links(sessions, owners) == 0  # done: the next start has nothing to do
    async with sessions() as session:
        clear = await session.scalar(select(func.count()).where(Tip.resident_id.is_not(None)))
        assert clear == 0
        # The join a dump's reader would try finds nothing.
        joined = await session.scalar(
            select(func.count())
            .select_from(Tip)
            .join(ChannelIdentity, ChannelIdentity.resident_id == Tip.owner_ref)
        )
        assert joined == 0
        row = (await session.execute(select(Tip).where(Tip.code == "OLD00000"))).scalar_one()
        assert me not in row.owner_ref and me not in row.reporter_sealed
        assert owners.open(row.reporter_sealed) == me
        # The resident still finds their tips, and only theirs.
        tips = SqlTips(session, PIN_SECRET, SEALER)
        assert len(await tips.of_resident(me, 2000)) == 1203
        assert [t.code for t in await tips.of_resident(other)] == ["OLD09000"]
        assert await tips.view_by_code("OLD09000", me) is None
        # An erasure detaches them: followed from then on only with code and PIN.
        assert await tips.detach_owner(me) == 1203
        assert await tips.of_resident(me) == []
        await session.commit()
    await engine.dispose()


async def _notify(session: AsyncSession, tip: Tip, resident: str) -> int | None:
    return await outbox.notify_reporter(
        session,
        tip_id=tip.id,
        resident_id=resident,
        code=tip.code,
        notice=Notice.ACKNOWLEDGED,
        params={},
        now=NOW,
    )


async def _resident_and_tip(session: AsyncSession) -> tuple[str, Tip]:
    """A resident, and a tip no one is tied to, to queue that resident's notices about."""
    me = str(uuid.uuid4())
    session.add(Resident(id=me))
    await session.flush()
    tip = _old_tip(None, 1)
    session.add(tip)
    await session.flush()
    return me, tip


async def test_a_delivered_notice_forgets_its_tip(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    sessions = make_sessions(engine)
    async with sessions() as session:
        me, tip = await _resident_and_tip(session)
        sent = await _notify(session, tip, me)
        kept = await _notify(session, tip, me)
        assert sent is not None and kept is not None
        assert await outbox.settle(
            session, sent, status=outbox.OutboxStatus.SENT.value, sent_at=NOW
        )
        assert await outbox.settle(
            session, kept, status=outbox.OutboxStatus.UNREACHABLE.value, last_error="403"
        )
        await session.commit()
        rows = {r.id: r for r in (await session.execute(select(OutboxMessage))).scalars().all()}
        assert (rows[sent].tip_id, rows[sent].payload) == (None, {})
        # Only when it was delivered, not the moment of the action the tip's timeline holds.
        assert rows[sent].created_at == rows[sent].sent_at == rows[sent].due_at
        # Not delivered: kept whole, to be sent when the resident can be reached again.
        assert rows[kept].tip_id == tip.id and rows[kept].payload["code"] == tip.code
    await engine.dispose()


async def test_a_notice_for_an_erased_reporter_is_dropped_not_failed(sqlite_url: str) -> None:
    """Should a tip still name, behind the key, a resident who erased their account, the
    officer's action goes through and nothing is queued (no foreign-key failure)."""
    engine = make_engine(sqlite_url)
    sessions = make_sessions(engine)
    owners = Owners.of(SEALER)
    gone, here = str(uuid.uuid4()), str(uuid.uuid4())
    async with sessions() as session:
        session.add(Resident(id=here))
        tips = [_old_tip(None, 1), _old_tip(None, 2)]
        for tip, who in zip(tips, (gone, here), strict=True):
            tip.owner_ref, tip.reporter_sealed = owners.ref(who), owners.seal(who)
        session.add_all(tips)
        await session.commit()
    reader = Identity(0, "peek", AdminRole.PROVINCE_ADMIN, "", "01")
    async with sessions() as session:
        store = SqlCaseStore(session, SEALER)
        for tip in tips:
            case = await store.load(reader, tip.id)
            await store.notify(case, Notice.ACKNOWLEDGED, {}, NOW)
        await session.commit()
        queued = (await session.execute(select(OutboxMessage.resident_id))).scalars().all()
        assert queued == [here]
    await engine.dispose()


async def test_a_notice_the_web_chat_fetched_forgets_its_tip(sqlite_url: str) -> None:
    engine = make_engine(sqlite_url)
    sessions = make_sessions(engine)
    async with sessions() as session:
        me, tip = await _resident_and_tip(session)
        await _notify(session, tip, me)
        [due] = await outbox.take_for_chat(session, me, NOW)
        assert due.payload["code"] == tip.code  # the resident gets it whole
        await session.commit()
        row = (await session.execute(select(OutboxMessage))).scalar_one()
        assert (row.status, row.tip_id, row.payload) == ("sent", None, {})
    await engine.dispose()
