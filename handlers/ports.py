"""What handlers need from the outside world, as Protocols implemented in storage/."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass
class Profile:
    resident_id: str
    lang: str = ""
    province_code: str = ""
    commune_code: str = ""

    @property
    def has_area(self) -> bool:
        return bool(self.commune_code)

    def to_cache(self) -> dict[str, str]:
        return {
            "resident_id": self.resident_id,
            "lang": self.lang,
            "province_code": self.province_code,
            "commune_code": self.commune_code,
        }

    @classmethod
    def from_cache(cls, cached: dict[str, object]) -> Profile | None:
        if not cached.get("resident_id"):
            return None
        return cls(
            resident_id=str(cached["resident_id"]),
            lang=str(cached.get("lang", "")),
            province_code=str(cached.get("province_code", "")),
            commune_code=str(cached.get("commune_code", "")),
        )


class Residents(Protocol):
    async def for_identity(self, channel: str, account: str, user_id: str) -> Profile:
        """The resident behind a platform account, created on first contact."""
        ...

    async def save_profile(self, profile: Profile) -> None: ...

    async def set_reachable(
        self, channel: str, account: str, user_id: str, reachable: bool
    ) -> None: ...


class UnitOfWork(Protocol):
    """One unit of work per inbound event: repositories share a session, committed once."""

    @property
    def residents(self) -> Residents: ...

    async def commit(self) -> None: ...

    async def rollback(self) -> None: ...
