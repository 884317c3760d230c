"""The unit of work handed to handlers: a session opened on first use, committed once."""

from __future__ import annotations

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import ORMExecuteState, Session

from storage.awareness import SqlAwareness
from storage.broadcasts import SqlBroadcastStore
from storage.chat_links import SqlChatLinks
from storage.commune_page import SqlCommunePages
from storage.honour import SqlHonour
from storage.indicators import SqlIndicators
from storage.mydata import SqlMyData
from storage.owed_replies import SqlOwedReplies
from storage.residents import SqlResidents
from storage.scam_checks import TALLY, SqlScamChecks
from storage.sealing import Sealer
from storage.tips import SqlTips

WROTE = "binhyen.wrote"
TALLIED = "binhyen.tallied"  # counted something (storage/scam_checks.py), which is no change


@event.listens_for(Session, "do_orm_execute")
def _note_writes(state: ORMExecuteState) -> None:
    """An INSERT, UPDATE or DELETE run through a session marks it as having written; the ORM's
    own flushes show in session.new/dirty/deleted until they run (SqlUnitOfWork.wrote). A
    count (storage/scam_checks.py TALLY) is no such change: a scam check owes no replies."""
    if state.execution_options.get(TALLY):
        state.session.info[TALLIED] = True
        return
    if state.is_insert or state.is_update or state.is_delete:
        state.session.info[WROTE] = True


@event.listens_for(Session, "after_flush")
def _note_flush(session: Session, _context: object) -> None:
    session.info[WROTE] = True


@event.listens_for(Session, "after_commit")
def _forget_writes(session: Session) -> None:
    session.info.pop(WROTE, None)
    session.info.pop(TALLIED, None)


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(WROTE, None)
    session.info.pop(TALLIED, None)


class SqlUnitOfWork:
    def __init__(
        self, sessions: async_sessionmaker[AsyncSession], pin_secret: bytes, sealer: Sealer
    ) -> None:
        self._sessions = sessions
        self._session: AsyncSession | None = None
        self._pin_secret = pin_secret
        self._sealer = sealer

    @property
    def session(self) -> AsyncSession:
        if self._session is None:
            self._session = self._sessions()
        return self._session

    @property
    def wrote(self) -> bool:
        session = self._session
        if session is None:
            return False
        return bool(session.info.get(WROTE) or session.new or session.dirty or session.deleted)

    @property
    def owed(self) -> SqlOwedReplies:
        return SqlOwedReplies(self.session)

    @property
    def residents(self) -> SqlResidents:
        return SqlResidents(self.session)

    @property
    def tips(self) -> SqlTips:
        return SqlTips(self.session, self._pin_secret, self._sealer)

    @property
    def awareness(self) -> SqlAwareness:
        return SqlAwareness(self.session)

    @property
    def indicators(self) -> SqlIndicators:
        return SqlIndicators(self.session)

    @property
    def mydata(self) -> SqlMyData:
        return SqlMyData(self.session)

    @property
    def leaders(self) -> SqlChatLinks:
        return SqlChatLinks(self.session)

    @property
    def broadcasts(self) -> SqlBroadcastStore:
        return SqlBroadcastStore(self.session)

    @property
    def honour(self) -> SqlHonour:
        return SqlHonour(self.session, self._sealer)

    @property
    def scam_checks(self) -> SqlScamChecks:
        return SqlScamChecks(self.session)

    @property
    def commune_pages(self) -> SqlCommunePages:
        return SqlCommunePages(self.session)

    async def commit(self) -> None:
        if self._session is not None:
            if self._only_counted():
                # A turn that only counted (a scam check) was read-only before it counted:
                # it does not wait for the WAL's flush to disk either. A crash may lose the
                # last fraction of a second's counts, never anything else.
                await self._session.execute(text("SET LOCAL synchronous_commit = off"))
            await self._session.commit()

    def _only_counted(self) -> bool:
        session = self._session
        return (
            session is not None
            and bool(session.info.get(TALLIED))
            and not self.wrote
            and session.get_bind().dialect.name == "postgresql"
        )

    async def rollback(self) -> None:
        if self._session is not None:
            await self._session.rollback()

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None
