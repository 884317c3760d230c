"""Who a panel account is, as the use cases see it, and what its role lets it do with tips:

- officer and chief: the tips of their own commune; a chief also assigns work;
- province admin: the tips of every commune of their province; assigns, never takes;
- leader: no tips at all (`Forbidden`); leaders broadcast to their area instead.

A tip outside the caller's area is `NotFound`, never `Forbidden`: whether it exists is none of
their business. Storage turns the same rule into a WHERE clause (storage/casework/area.py)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from handlers.errors import Forbidden


class AdminRole(StrEnum):
    OFFICER = "officer"
    CHIEF = "chief"
    PROVINCE_ADMIN = "province_admin"
    LEADER = "leader"


POLICE_ROLES = frozenset({AdminRole.OFFICER, AdminRole.CHIEF, AdminRole.PROVINCE_ADMIN})


@dataclass(frozen=True, slots=True)
class Identity:
    id: int
    username: str
    role: AdminRole
    commune_code: str
    province_code: str
    display_name: str = ""

    @property
    def name(self) -> str:
        """The display name, or the username when there is none."""
        return self.display_name or self.username


def check_sees_tips(actor: Identity) -> None:
    if actor.role not in POLICE_ROLES:
        raise Forbidden(detail="this role has no access to tips")


def in_area(actor: Identity, commune_code: str, province_code: str) -> bool:
    """Whether a tip (or a commune) of that commune and province is the actor's to see."""
    if actor.role is AdminRole.PROVINCE_ADMIN:
        return province_code == actor.province_code
    if actor.role in POLICE_ROLES:
        return commune_code == actor.commune_code
    return False


def takes_work(actor: Identity) -> bool:
    """Whether the actor takes tips on themselves (a province admin assigns them instead)."""
    return actor.role is not AdminRole.PROVINCE_ADMIN


def may_reveal(actor: Identity, assignee_id: int | None) -> bool:
    """Whether the actor may see a reporter's contact details (issue 18, as the consent text
    promises): the tip's assigned officer and the chief of its commune, no one else; a
    province admin, another officer or a leader never. The commune is checked where the tip
    is loaded (an actor outside its area does not find it)."""
    if actor.role is AdminRole.CHIEF:
        return True
    return actor.role is AdminRole.OFFICER and assignee_id is not None and assignee_id == actor.id


def assigns_work(actor: Identity) -> bool:
    return actor.role in (AdminRole.CHIEF, AdminRole.PROVINCE_ADMIN)
