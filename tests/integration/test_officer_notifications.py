"""Officers told in their linked chats (issue 15; storage/officer_notifications.py), on SQLite
and PostgreSQL: a tip sent urgent, or marked urgent, queues one outbox row per linked, active
officer or chief of its commune who wants it, in the tip's own transaction; a reporter's answer
queues one for the officer who asked. The rows carry the code, the category, the deadline and
the panel's link, never the reporter nor what they wrote; a leader, an officer of another
commune, an unlinked or deactivated one, or one who turned it off gets nothing. The digest
asks who wants it; the worker may ask at send time whether a row may still go out.

PostgreSQL's database is shared: each test uses a commune of its own and reads its rows."""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot import digest_schedule, render
from bot.outbox import public_links
from handlers import casework as cases
from handlers import deadlines, notices, officer_digest
from handlers.chat_links import Wants
from handlers.people import AdminRole, Identity
from handlers.receipt import new_code
from handlers.tipmodel import TipDraft
from storage import officer_notifications
from storage.casework import SqlCaseStore
from storage.chat_links import SqlChatLinks
from storage.db import make_engine, make_sessions
from storage.identity import identity_of
from storage.models import AdminUser, ChannelIdentity, LeaderChat, OutboxMessage, Resident, Tip
from storage.sealing import Sealer
from storage.tips import SqlTips
from tests.conftest import own_commune
from tests.integration.port_backends import copy_database, empty_tables

PUBLIC = "https://binhyen.example"
DESCRIPTION = "Ông Trần Văn Bảy ở ngõ 12 gọi tự xưng công an đòi chuyển tiền"
REPORTER, PHONE = "Lê Thị Hồng Nhung", "+84912345678"
SEALER = Sealer(b"k" * 32)


@pytest.fixture(params=["sqlite", "postgres"])
async def sessions(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    if request.param == "sqlite":
        url = copy_database(request.getfixturevalue("sqlite_template"), tmp_path / "test.db")
    else:
        url = request.getfixturevalue("pg_url")
    engine = make_engine(url)
    made = make_sessions(engine)
    try:
        yield made
    finally:
        if request.param == "postgres":
            await empty_tables(made)
        await engine.dispose()


class Town:
    """One commune of its own, its accounts and their chats."""

    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self.sessions = sessions
        self.commune = own_commune()
        self.chats: dict[int, str] = {}  # account id -> resident id of its chat

    async def account(
        self, role: AdminRole, *, commune: str = "", linked: bool = True, active: bool = True
    ) -> Identity:
        async with self.sessions() as session:
            row = AdminUser(
                username=f"u{secrets.token_hex(5)}",
                password_hash="not used here",
                role=role,
                commune_code=commune or self.commune,
                province_code="01",
                active=active,
            )
            session.add(row)
            await session.flush()
            who = identity_of(row)
            if linked:
                self.chats[who.id] = await self._chat(session, who.id)
            await session.commit()
            return who

    async def _chat(self, session: AsyncSession, user_id: int) -> str:
        resident = Resident(id=str(uuid.uuid4()), lang="vi", commune_code=self.commune)
        session.add(resident)
        await session.flush()
        session.add(
            ChannelIdentity(
                channel="telegram",
                account="bot",
                platform_user_id=uuid.uuid4().hex,
                resident_id=resident.id,
            )
        )
        session.add(LeaderChat(user_id=user_id, resident_id=resident.id, linked_at=NOW))
        await session.flush()
        return resident.id

    async def reporter(self) -> str:
        async with self.sessions() as session:
            resident = Resident(id=str(uuid.uuid4()), lang="vi", commune_code=self.commune)
            session.add(resident)
            await session.commit()
            return resident.id

    async def tip(
        self, *, urgent: bool, rollback: bool = False, protection: str = ""
    ) -> tuple[str, str]:
        draft = TipDraft(
            category="fraud_phone",
            description=DESCRIPTION,
            commune_code=self.commune,
            province_code="01",
            anonymous=False,
            contact_name=REPORTER,
            contact_phone=PHONE,
            urgent=urgent,
            protection=protection,
        )
        reporter = await self.reporter()
        async with self.sessions() as session:
            view, _ = await SqlTips(session, b"pin", SEALER).submit(
                submission_key=uuid.uuid4().hex,
                resident_id=reporter,
                draft=draft,
                pin="246813",
                deadlines=deadlines.initial(NOW, frozenset()),
                now=NOW,
                new_code=new_code,
            )
            await (session.rollback() if rollback else session.commit())
        return view.id, view.code

    async def rows(self) -> list[OutboxMessage]:
        """The outbox rows queued to this commune's accounts' chats."""
        async with self.sessions() as session:
            query = (
                select(OutboxMessage)
                .where(OutboxMessage.resident_id.in_(list(self.chats.values())))
                .order_by(OutboxMessage.id)
            )
            return list((await session.execute(query)).scalars())

    def told(self, rows: list[OutboxMessage]) -> list[int]:
        by_resident = {r: u for u, r in self.chats.items()}
        return sorted(by_resident[row.resident_id] for row in rows)

    async def wants(self, who: Identity, wants: Wants) -> None:
        async with self.sessions() as session:
            await SqlChatLinks(session).set_wants(who.id, wants, NOW)
            await session.commit()

    async def act(self, use_case: Any, *args: object) -> None:
        async with self.sessions() as session:
            await use_case(SqlCaseStore(session, SEALER), *args, now=NOW + timedelta(minutes=5))
            await session.commit()


NOW = datetime(2026, 12, 7, 2, 0, tzinfo=UTC)  # a Monday, 09:00 in Hà Nội


def shown(row: OutboxMessage) -> str:
    params = row.payload["params"]
    reply = notices.message(row.kind, row.payload["code"], public_links(params, PUBLIC + "/"))
    return render.reply(reply, "vi").text


def nothing_private(row: OutboxMessage, reporter_id: str = "") -> None:
    said = repr(row.payload) + shown(row)
    for private in (DESCRIPTION, "Trần Văn Bảy", REPORTER, PHONE, "912345678"):
        assert private not in said
    assert not reporter_id or reporter_id not in said


async def test_an_urgent_tip_is_told_to_the_communes_linked_police_who_want_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    town = Town(sessions)
    officer = await town.account(AdminRole.OFFICER)
    chief = await town.account(AdminRole.CHIEF)
    quiet = await town.account(AdminRole.OFFICER)
    await town.wants(quiet, Wants(urgent_tips=False))
    gone = await town.account(AdminRole.OFFICER, active=False)
    await town.account(AdminRole.OFFICER, linked=False)
    await town.account(AdminRole.LEADER)  # a leader's chat composes; it is not told of tips
    await town.account(AdminRole.OFFICER, commune=own_commune())  # another commune's
    assert gone.id in town.chats
    tip_id, code = await town.tip(urgent=True)
    rows = await town.rows()
    assert town.told(rows) == sorted([officer.id, chief.id])
    for row in rows:
        assert row.kind == "officer.urgent_tip" and row.priority == 0 and row.tip_id is None
        params = row.payload["params"]
        assert params["link"] == f"/admin/tips/{tip_id}"  # the address is added as it goes
        assert params["category"] == "fraud_phone"
        text = shown(row)
        due = datetime.fromisoformat(params["deadline"]).strftime("%d/%m/%Y")
        link = f"{PUBLIC}/admin/tips/{tip_id}"
        assert text == f"🚨 Tin báo khẩn {code} · Lừa đảo qua điện thoại · hạn {due} · {link}"
        nothing_private(row)


async def test_a_tip_rolled_back_or_not_urgent_tells_nobody(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    town = Town(sessions)
    await town.account(AdminRole.OFFICER)
    await town.tip(urgent=True, rollback=True)
    await town.tip(urgent=False)
    assert await town.rows() == []


async def test_marking_a_tip_urgent_tells_them_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    town = Town(sessions)
    officer = await town.account(AdminRole.OFFICER)
    tip_id, code = await town.tip(urgent=False)
    await town.act(cases.set_urgency, officer, tip_id, True)
    await town.act(cases.set_urgency, officer, tip_id, True)  # already: nothing changes
    (row,) = await town.rows()
    assert (row.kind, row.payload["code"]) == ("officer.urgent_tip", code)
    await town.act(cases.set_urgency, officer, tip_id, False)
    assert len(await town.rows()) == 1


async def test_a_reporter_asking_for_protection_is_told_to_the_chiefs_at_once(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    """Issue 17 (CPC arts. 484-486): a tip whose reporter asks for their identity to be kept
    secret, or who says they are threatened, is flagged to the commune's chiefs in their
    linked chats at once, from the bot or from an officer's record; never what was said."""
    town = Town(sessions)
    officer = await town.account(AdminRole.OFFICER)
    chief = await town.account(AdminRole.CHIEF)
    await town.account(AdminRole.CHIEF, commune=own_commune())  # another commune's chief
    tip_id, code = await town.tip(urgent=False, protection="secret")
    (row,) = await town.rows()
    assert town.told([row]) == [chief.id]
    assert (row.kind, row.payload["code"]) == ("officer.protection", code)
    assert row.payload["params"]["protection"] == "secret"
    assert code in shown(row) and f"{PUBLIC}/admin/tips/{tip_id}" in shown(row)
    nothing_private(row)
    other_id, other = await town.tip(urgent=False)
    assert len(await town.rows()) == 1  # no request, nobody told
    await town.act(cases.protect, officer, other_id, "threatened")
    await town.act(cases.protect, officer, other_id, "threatened")  # already: once
    rows = await town.rows()
    told = [r for r in rows if r.payload["code"] == other]
    # Threatened makes the tip urgent too: the commune's police hear of that as well.
    assert sorted(r.kind for r in told) == [
        "officer.protection",
        "officer.urgent_tip",
        "officer.urgent_tip",
    ]
    assert [town.told([r]) for r in told if r.kind == "officer.protection"] == [[chief.id]]
    # A request for secrecy that becomes a threat is told again, as a threat.
    await town.act(cases.protect, officer, tip_id, "threatened")
    again = [r for r in await town.rows() if r.payload["code"] == code]
    assert [r.payload["params"]["protection"] for r in again if r.kind == "officer.protection"] == [
        "secret",
        "threatened",
    ]


async def test_an_answer_is_told_to_the_officer_who_asked_never_what_it_says(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    town = Town(sessions)
    asker = await town.account(AdminRole.OFFICER)
    colleague = await town.account(AdminRole.OFFICER)
    tip_id, code = await town.tip(urgent=False)
    await town.act(cases.take, colleague, tip_id)  # the assignee; the asker is another
    await town.act(cases.acknowledge, asker, tip_id)
    await town.act(cases.ask_reporter, asker, tip_id, "Số điện thoại đã gọi cho bạn là số nào?")
    answer = "Số 0987654321, ông Trần Văn Bảy"
    async with sessions() as session:
        await SqlTips(session, b"pin", SEALER).add_reporter_answer(tip_id, answer, NOW)
        await session.commit()
    (row,) = await town.rows()
    assert town.told([row]) == [asker.id]
    assert row.kind == "officer.answer"
    link = f"{PUBLIC}/admin/tips/{tip_id}"
    text = f"💬 Người báo tin đã trả lời câu hỏi của tin {code} · {link}"
    assert shown(row) == text
    assert "0987654321" not in repr(row.payload)
    nothing_private(row)
    await town.wants(asker, Wants(answers=False))
    async with sessions() as session:
        await SqlTips(session, b"pin", SEALER).add_reporter_answer(tip_id, "thêm", NOW)
        await session.commit()
    assert len(await town.rows()) == 1


async def test_without_a_question_the_assignee_is_told(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    town = Town(sessions)
    chief = await town.account(AdminRole.CHIEF)
    officer = await town.account(AdminRole.OFFICER)
    tip_id, _ = await town.tip(urgent=False)
    await town.act(cases.assign, chief, tip_id, officer.id)
    async with sessions() as session:
        await SqlTips(session, b"pin", SEALER).add_reporter_answer(tip_id, "thêm", NOW)
        await session.commit()
    assert town.told(await town.rows()) == [officer.id]


async def test_at_send_time_a_deactivated_or_unlinked_officers_row_is_held_back(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    town = Town(sessions)
    first = await town.account(AdminRole.OFFICER)
    second = await town.account(AdminRole.CHIEF)
    await town.tip(urgent=True)
    rows = {town.told([r])[0]: r for r in await town.rows()}

    async def may_go(who: Identity) -> bool:
        row = rows[who.id]
        async with sessions() as session:
            return await officer_notifications.still_told(
                session, row.kind, row.resident_id, row.payload
            )

    assert await may_go(first) and await may_go(second)
    async with sessions() as session:
        await session.execute(
            update(AdminUser).where(AdminUser.id == first.id).values(active=False)
        )
        await SqlChatLinks(session).unlink(second.id, "telegram")
        await session.commit()
    assert not await may_go(first) and not await may_go(second)
    async with sessions() as session:  # any other row goes as before
        assert await officer_notifications.still_told(session, "tip.acknowledged", "x", {})


async def test_the_digest_asks_who_wants_it_and_their_chats(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    town = Town(sessions)
    officer = await town.account(AdminRole.OFFICER)
    chief = await town.account(AdminRole.CHIEF)
    off = await town.account(AdminRole.OFFICER)
    await town.wants(off, Wants(digest=False))
    await town.wants(chief, Wants(urgent_tips=False, answers=False, digest=True))
    await town.account(AdminRole.OFFICER, active=False)
    await town.account(AdminRole.LEADER)
    async with sessions() as session:
        found = [
            c
            for c in await officer_notifications.digest_chats(session)
            if c.officer.commune_code == town.commune
        ]
        assert sorted((c.officer.id, c.resident_id) for c in found) == sorted(
            [(officer.id, town.chats[officer.id]), (chief.id, town.chats[chief.id])]
        )
        links = SqlChatLinks(session)
        assert await links.wants(officer.id) == Wants()
        assert await links.wants(chief.id) == Wants(False, False, True)
        await links.set_wants(chief.id, Wants(), NOW)  # the second write updates the row
        assert await links.wants(chief.id) == Wants()


# --- the morning digest (handlers/officer_digest.py, storage/officer_digest.py) ------------

VN = ZoneInfo("Asia/Ho_Chi_Minh")
MONDAY = datetime(2026, 12, 7, 10, 0, tzinfo=VN)  # after the tips of NOW (09:00), before noon


async def test_the_morning_digest_counts_and_goes_once_to_who_wants_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    town = Town(sessions)
    officer = await town.account(AdminRole.OFFICER)
    off = await town.account(AdminRole.OFFICER)
    await town.wants(off, Wants(digest=False))
    await town.account(AdminRole.LEADER)  # leaders get no digest
    urgent, _ = await town.tip(urgent=True)
    await town.tip(urgent=False)
    due_today, _ = await town.tip(urgent=False)
    late, _ = await town.tip(urgent=False)
    async with sessions() as session:  # one to acknowledge today, one past its deadline
        today = MONDAY.date()
        sunday = MONDAY - timedelta(days=1)  # received since Friday's digest, before this one
        await session.execute(
            update(Tip).where(Tip.commune_code == town.commune).values(created_at=sunday)
        )
        await session.execute(update(Tip).where(Tip.id == due_today).values(ack_due=today))
        await session.execute(
            update(Tip).where(Tip.id == late).values(next_due=today - timedelta(days=1))
        )
        await session.commit()
    before = [r.id for r in await town.rows()]  # the urgent tip's notice
    job = digest_schedule.digests(frozenset())
    assert await job(sessions, MONDAY.replace(hour=7, minute=29)) == 0  # not yet
    assert await job(sessions, datetime(2026, 12, 5, 9, 0, tzinfo=VN)) == 0  # a Saturday
    await job(sessions, MONDAY)
    digests = [r for r in await town.rows() if r.id not in before]
    assert town.told(digests) == [officer.id]
    [row] = digests
    text = shown(row)
    assert "07/12/2026" in text and f"{PUBLIC}/admin/tips" in text
    assert "4 tin mới" in text and "1 tin khẩn" in text
    assert "1 tin phải gửi thông báo tiếp nhận" in text and "1 tin đã quá hạn" in text
    nothing_private(row)
    assert urgent not in text
    await job(sessions, MONDAY.replace(hour=11))  # once a day, whichever process
    assert [r.id for r in await town.rows() if r.id not in before] == [row.id]
    assert await job(sessions, MONDAY.replace(hour=12)) == 0  # not in the afternoon
    async with sessions() as session:  # deactivated since: held back at send time
        await session.execute(
            update(AdminUser).where(AdminUser.id == officer.id).values(active=False)
        )
        await session.commit()
        assert not await officer_notifications.still_told(
            session, row.kind, row.resident_id, row.payload
        )


async def test_a_quiet_morning_says_so(sessions: async_sessionmaker[AsyncSession]) -> None:
    town = Town(sessions)
    officer = await town.account(AdminRole.CHIEF)
    await digest_schedule.digests(frozenset())(sessions, MONDAY)
    [row] = await town.rows()
    assert town.told([row]) == [officer.id]
    assert "không có tin mới" in shown(row)


def test_the_digest_after_days_off_counts_from_the_last_working_morning() -> None:
    tet = frozenset({date(2027, 2, 8), date(2027, 2, 9), date(2027, 2, 10)})  # Mon–Wed off
    thursday = date(2027, 2, 11)
    assert officer_digest.since(thursday, tet) == datetime(2027, 2, 5, 7, 30, tzinfo=VN)
    assert officer_digest.day_due(datetime(2027, 2, 9, 8, 0, tzinfo=VN), tet) is None
    assert officer_digest.day_due(datetime(2027, 2, 11, 7, 30, tzinfo=VN), tet) == thursday
