"""A commune's grassroots mediation teams (tổ hòa giải), kept by its chief: the teams a
neighbourhood dispute is handed to (`actions.mediate`).

Who may:
- the chief of the commune reads the teams and adds, edits, deactivates and reactivates them;
- an officer of the commune reads them;
- a province admin reads the teams of a commune of their province, never their members'
  phone numbers (personal data of the mediators, for the commune's own police only);
- a leader, or anyone else, is `Forbidden`; a commune outside the reader's area, or a team of
  another commune, is `NotFound`.

What a team is: a name (unique in the commune, case aside), the neighbourhood it serves (free
text) and its members, one "name — phone — role" a line. Luật Hòa giải ở cơ sở 2013 art. 12
wants at least 3 mediators including a woman: fewer than 3 member lines is a warning
(`few_members`), never a refusal (a team is often written down before it is complete).

Every change writes one audit row (AuditAction.MEDIATION_TEAMS) whose detail names the
change and the team ("add:<name>", "edit:<name>", "off:<name>", "on:<name>"), never a
member's phone. A change to what is already so writes nothing."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from handlers import commune_lists as lists
from handlers.commune_lists import check_free, one_line
from handlers.errors import BadInput, Conflict, Forbidden, NotFound
from handlers.people import AdminRole, Identity
from handlers.ports import utc_now

MAX_NAME = 200
MAX_AREA = 200
MAX_MEMBERS = 2000
MAX_LINES = 50
MIN_MEMBERS = 3  # Luật Hòa giải ở cơ sở 2013 art. 12: at least 3 mediators
READERS = lists.READERS
HIDDEN_PHONE = "•••"
# A run of digits that may be a phone number: 6 digits or more, with the separators people
# write between them ("0912 345 678", "+84-912.345.678", "(024) 3823 4567").
_PHONE = re.compile(r"\+?\(?\d[\d\s.\-()]{4,}\d")


@dataclass(frozen=True)
class Team:
    id: int
    commune_code: str
    name: str
    area: str
    members: str
    active: bool


class TeamStore(Protocol):
    async def teams(self, commune_code: str) -> list[Team]:
        """The commune's teams, active and not, in any order."""
        ...

    async def team(self, team_id: int) -> Team | None: ...

    async def add(
        self, commune_code: str, name: str, area: str, members: str, now: datetime
    ) -> Team | None:
        """The team added; None when the commune already has one of that exact name."""
        ...

    async def update(self, team_id: int, name: str, area: str, members: str, now: datetime) -> bool:
        """False when the commune already has another team of that exact name."""
        ...

    async def set_active(self, team_id: int, active: bool, now: datetime) -> None: ...

    async def audit(
        self, actor: Identity, *, subject: str, detail: str, ip: str, now: datetime
    ) -> None:
        """One MEDIATION_TEAMS audit row."""
        ...


# -- who may ------------------------------------------------------------------------------


def check_reads(actor: Identity, commune_code: str) -> None:
    lists.check_reads(actor, commune_code, "mediation teams")


def manages(actor: Identity, commune_code: str) -> bool:
    """Only the commune's own chief keeps its teams."""
    return lists.is_chief_of(actor, commune_code)


def check_manages(actor: Identity, commune_code: str) -> None:
    check_reads(actor, commune_code)
    if not manages(actor, commune_code):
        raise Forbidden(detail="only the commune's chief changes its mediation teams")


def sees_phones(actor: Identity, commune_code: str) -> bool:
    """Members' phone numbers are shown to the police of that commune only."""
    return (
        actor.role in (AdminRole.OFFICER, AdminRole.CHIEF)
        and bool(commune_code)
        and (commune_code == actor.commune_code)
    )


# -- what a team is -----------------------------------------------------------------------


def checked_name(raw: str) -> str:
    name = one_line(raw)
    if not name:
        raise BadInput("mediation_name", "a team has a name", max=MAX_NAME)
    if len(name) > MAX_NAME:
        raise BadInput("mediation_name", f"a name has at most {MAX_NAME}", max=MAX_NAME)
    return name


def checked_area(raw: str) -> str:
    area = one_line(raw)
    if len(area) > MAX_AREA:
        raise BadInput("mediation_area", f"an area has at most {MAX_AREA}", max=MAX_AREA)
    return area


def member_lines(members: str) -> list[str]:
    """The members, one a line, without empty lines."""
    return [line for line in (one_line(raw) for raw in members.splitlines()) if line]


def checked_members(raw: str) -> str:
    """The members as kept: one clean line each, empty lines dropped."""
    lines = member_lines(raw)
    if len(lines) > MAX_LINES:
        raise BadInput("mediation_lines", f"at most {MAX_LINES} members", max=MAX_LINES)
    members = "\n".join(lines)
    if len(members) > MAX_MEMBERS:
        raise BadInput("mediation_members", f"at most {MAX_MEMBERS}", max=MAX_MEMBERS)
    return members


def few_members(members: str) -> bool:
    """Fewer member lines than the law's minimum of mediators (a warning, not a refusal)."""
    return len(member_lines(members)) < MIN_MEMBERS


def hide_phones(text: str) -> str:
    """The text with every phone-like run of digits replaced by "•••"."""

    def masked(found: re.Match[str]) -> str:
        digits = sum(ch.isdigit() for ch in found.group(0))
        return HIDDEN_PHONE if digits >= 6 else found.group(0)

    return _PHONE.sub(masked, text)


def shown_members(actor: Identity, team: Team) -> str:
    """A team's members as this reader may see them."""
    if sees_phones(actor, team.commune_code):
        return team.members
    return hide_phones(team.members)


def by_name(teams: Iterable[Team]) -> list[Team]:
    return sorted(teams, key=lambda t: (t.name.casefold(), t.id))


def subject(team: Team) -> str:
    """The audit subject: the same through renames."""
    return f"{team.commune_code}/mediation/{team.id}"


def _detail(change: str, name: str) -> str:
    return f"{change}:{name}"


def _check_free(kept: Iterable[Team], name: str, *, but: int | None = None) -> None:
    check_free(
        kept, name, lambda _: "mediation_taken", "the commune has a team of that name", but=but
    )


# -- use cases ----------------------------------------------------------------------------


async def teams(store: TeamStore, actor: Identity, commune_code: str) -> list[Team]:
    """The commune's teams, active and not, by name; phones hidden from whoever may not
    see them."""
    check_reads(actor, commune_code)
    found = by_name(await store.teams(commune_code))
    if sees_phones(actor, commune_code):
        return found
    return [
        Team(t.id, t.commune_code, t.name, t.area, hide_phones(t.members), t.active) for t in found
    ]


async def add(
    store: TeamStore,
    actor: Identity,
    commune_code: str,
    name: str,
    area: str = "",
    members: str = "",
    *,
    ip: str = "",
    now: datetime | None = None,
) -> Team:
    check_manages(actor, commune_code)
    name, area, members = checked_name(name), checked_area(area), checked_members(members)
    _check_free(await store.teams(commune_code), name)
    now = now or utc_now()
    made = await store.add(commune_code, name, area, members, now)
    if made is None:
        raise Conflict("mediation_taken", "the name was taken meanwhile", name=name)
    await store.audit(actor, subject=subject(made), detail=_detail("add", name), ip=ip, now=now)
    return made


async def _held(store: TeamStore, actor: Identity, team_id: int) -> Team:
    found = await store.team(team_id)
    if found is None:
        raise NotFound(detail="no such mediation team")
    check_reads(actor, found.commune_code)  # another commune's team: NotFound
    check_manages(actor, found.commune_code)
    return found


async def update(
    store: TeamStore,
    actor: Identity,
    team_id: int,
    name: str,
    area: str = "",
    members: str = "",
    *,
    ip: str = "",
    now: datetime | None = None,
) -> Team:
    """A new name, area and members (an inactive team too)."""
    found = await _held(store, actor, team_id)
    name, area, members = checked_name(name), checked_area(area), checked_members(members)
    if (name, area, members) == (found.name, found.area, found.members):
        return found
    _check_free(await store.teams(found.commune_code), name, but=found.id)
    now = now or utc_now()
    if not await store.update(found.id, name, area, members, now):
        raise Conflict("mediation_taken", "the name was taken meanwhile", name=name)
    await store.audit(actor, subject=subject(found), detail=_detail("edit", name), ip=ip, now=now)
    return Team(found.id, found.commune_code, name, area, members, found.active)


async def deactivate(
    store: TeamStore, actor: Identity, team_id: int, *, ip: str = "", now: datetime | None = None
) -> Team:
    """No longer offered for new disputes; kept, with its members, for the record."""
    return await _set_active(store, actor, team_id, False, ip=ip, now=now)


async def reactivate(
    store: TeamStore, actor: Identity, team_id: int, *, ip: str = "", now: datetime | None = None
) -> Team:
    return await _set_active(store, actor, team_id, True, ip=ip, now=now)


async def _set_active(
    store: TeamStore,
    actor: Identity,
    team_id: int,
    active: bool,
    *,
    ip: str,
    now: datetime | None,
) -> Team:
    found = await _held(store, actor, team_id)
    if found.active is active:
        return found
    now = now or utc_now()
    await store.set_active(found.id, active, now)
    change = "on" if active else "off"
    await store.audit(
        actor, subject=subject(found), detail=_detail(change, found.name), ip=ip, now=now
    )
    return Team(found.id, found.commune_code, found.name, found.area, found.members, active)
