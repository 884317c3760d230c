"""The context a handler works in: the event, the chat's state, the resident, the ports."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.model import InboundEvent
from handlers.people import Identity
from handlers.ports import Config, MediaKeeper, Profile, UnitOfWork
from handlers.state import ConversationState


@dataclass
class Ctx:
    event: InboundEvent
    state: ConversationState
    uow: UnitOfWork
    profile: Profile
    config: Config
    media: MediaKeeper
    # The active leader account the chat is linked to (router.leader_account), else None.
    leader: Identity | None = None

    @property
    def lang(self) -> str:
        return self.profile.lang

    async def save_profile(self) -> None:
        await self.uow.residents.save_profile(self.profile)
        self.state.profile = {**self.state.profile, **self.profile.to_cache()}
