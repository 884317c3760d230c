"""The rules and use cases of a commune's mediation teams, on an in-memory store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from handlers.casework import mediation_teams as teams
from handlers.casework.mediation_teams import Team
from handlers.errors import BadInput, Conflict, Forbidden, NotFound
from handlers.people import AdminRole, Identity

NOW = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
A, B, C = "00004", "00277", "27316"  # Hà Nội, Hà Nội, TP. Hồ Chí Minh
CHIEF_A = Identity(1, "chief.a", AdminRole.CHIEF, A, "01")
OFFICER_A = Identity(2, "officer.a", AdminRole.OFFICER, A, "01")
CHIEF_B = Identity(3, "chief.b", AdminRole.CHIEF, B, "01")
ADMIN_01 = Identity(4, "admin.01", AdminRole.PROVINCE_ADMIN, "", "01")
ADMIN_79 = Identity(5, "admin.79", AdminRole.PROVINCE_ADMIN, "", "79")
LEADER_A = Identity(6, "leader.a", AdminRole.LEADER, A, "01")
MEMBERS = "Nguyễn Thị Lan — 0912 345 678 — tổ trưởng\nTrần Văn Bình — 0987.654.321\nLê Văn Cường"


class MemoryTeams:
    def __init__(self) -> None:
        self.rows: dict[int, Team] = {}
        self.audits: list[tuple[str, str, str]] = []

    async def teams(self, commune_code: str) -> list[Team]:
        return [t for t in self.rows.values() if t.commune_code == commune_code]

    async def team(self, team_id: int) -> Team | None:
        return self.rows.get(team_id)

    def _taken(self, commune_code: str, name: str, but: int | None = None) -> bool:
        return any(
            t.commune_code == commune_code and t.name == name and t.id != but
            for t in self.rows.values()
        )

    async def add(
        self, commune_code: str, name: str, area: str, members: str, now: datetime
    ) -> Team | None:
        if self._taken(commune_code, name):
            return None
        made = Team(len(self.rows) + 1, commune_code, name, area, members, True)
        self.rows[made.id] = made
        return made

    async def update(self, team_id: int, name: str, area: str, members: str, now: datetime) -> bool:
        found = self.rows[team_id]
        if self._taken(found.commune_code, name, but=team_id):
            return False
        self.rows[team_id] = replace(found, name=name, area=area, members=members)
        return True

    async def set_active(self, team_id: int, active: bool, now: datetime) -> None:
        self.rows[team_id] = replace(self.rows[team_id], active=active)

    async def audit(
        self, actor: Identity, *, subject: str, detail: str, ip: str, now: datetime
    ) -> None:
        self.audits.append((actor.username, subject, detail))


async def test_the_chief_adds_edits_and_deactivates_and_each_change_is_audited() -> None:
    store = MemoryTeams()
    made = await teams.add(store, CHIEF_A, A, "  Tổ hòa giải   số 1 ", "Tổ 5", MEMBERS, now=NOW)
    assert made.name == "Tổ hòa giải số 1" and made.active
    edited = await teams.update(store, CHIEF_A, made.id, "Tổ 1", "Tổ 5, Tổ 6", MEMBERS, now=NOW)
    assert edited.area == "Tổ 5, Tổ 6"
    assert (await teams.deactivate(store, CHIEF_A, made.id, now=NOW)).active is False
    assert (await teams.reactivate(store, CHIEF_A, made.id, now=NOW)).active is True
    details = [d for _u, _s, d in store.audits]
    assert details == ["add:Tổ hòa giải số 1", "edit:Tổ 1", "off:Tổ 1", "on:Tổ 1"]
    assert all("0912" not in d and "345" not in d for d in details)
    # The same again writes nothing.
    await teams.update(store, CHIEF_A, made.id, "Tổ 1", "Tổ 5, Tổ 6", MEMBERS, now=NOW)
    await teams.reactivate(store, CHIEF_A, made.id, now=NOW)
    assert len(store.audits) == 4


async def test_who_may() -> None:
    store = MemoryTeams()
    made = await teams.add(store, CHIEF_A, A, "Tổ 1", "", MEMBERS, now=NOW)
    for reader in (OFFICER_A, ADMIN_01):
        assert [t.name for t in await teams.teams(store, reader, A)] == ["Tổ 1"]
        with pytest.raises(Forbidden):
            await teams.add(store, reader, A, "Tổ 2", now=NOW)
        with pytest.raises(Forbidden):
            await teams.deactivate(store, reader, made.id, now=NOW)
    with pytest.raises(Forbidden):
        await teams.teams(store, LEADER_A, A)
    for stranger in (CHIEF_B, ADMIN_79):
        with pytest.raises(NotFound):
            await teams.teams(store, stranger, A)
        with pytest.raises(NotFound):
            await teams.update(store, stranger, made.id, "Tổ X", now=NOW)
        with pytest.raises(NotFound):
            await teams.deactivate(store, stranger, made.id, now=NOW)
    with pytest.raises(NotFound):
        await teams.add(store, CHIEF_B, A, "Tổ 3", now=NOW)
    with pytest.raises(NotFound):
        await teams.deactivate(store, CHIEF_A, 999, now=NOW)
    assert store.rows[made.id].name == "Tổ 1" and store.rows[made.id].active
    assert len(store.audits) == 1


async def test_phones_only_for_the_communes_police() -> None:
    store = MemoryTeams()
    await teams.add(store, CHIEF_A, A, "Tổ 1", "", MEMBERS, now=NOW)
    for own in (CHIEF_A, OFFICER_A):
        (seen,) = await teams.teams(store, own, A)
        assert "0912 345 678" in seen.members and "0987.654.321" in seen.members
    (province,) = await teams.teams(store, ADMIN_01, A)
    assert "0912" not in province.members and "654" not in province.members
    assert "Nguyễn Thị Lan — ••• — tổ trưởng" in province.members
    assert teams.hide_phones("+84 912-345-678, tổ 5") == "•••, tổ 5"
    assert teams.hide_phones("Tổ 12, số nhà 45") == "Tổ 12, số nhà 45"


async def test_bad_input_and_duplicates_are_refused() -> None:
    store = MemoryTeams()
    await teams.add(store, CHIEF_A, A, "Tổ 1", now=NOW)
    refusals = [
        ("   ", "", "", "mediation_name"),
        ("x" * 201, "", "", "mediation_name"),
        ("Tổ 2", "y" * 201, "", "mediation_area"),
        ("Tổ 2", "", "z" * 2001, "mediation_members"),
        ("Tổ 2", "", "\n".join(f"Người {i}" for i in range(51)), "mediation_lines"),
    ]
    for name, area, members, code in refusals:
        with pytest.raises(BadInput) as refused:
            await teams.add(store, CHIEF_A, A, name, area, members, now=NOW)
        assert refused.value.code == code
    with pytest.raises(Conflict) as taken:
        await teams.add(store, CHIEF_A, A, "tổ 1", now=NOW)
    assert taken.value.code == "mediation_taken" and taken.value.params == {"name": "Tổ 1"}
    second = await teams.add(store, CHIEF_A, A, "Tổ 2", now=NOW)
    with pytest.raises(Conflict):
        await teams.update(store, CHIEF_A, second.id, "TỔ 1", now=NOW)
    # Another commune may use the same name.
    assert (await teams.add(store, CHIEF_B, B, "Tổ 1", now=NOW)).commune_code == B
    assert len(store.rows) == 3 and len(store.audits) == 3
    # 50 lines and 2000 characters are still fine; empty lines do not count.
    fifty = "\n\n".join(f"Người {i}" for i in range(50))
    assert (
        len(teams.member_lines((await teams.add(store, CHIEF_A, A, "Tổ 3", "", fifty)).members))
        == 50
    )


def test_few_members_is_a_warning_of_fewer_than_three_lines() -> None:
    assert teams.few_members("") and teams.few_members("An\n\nBình\n")
    assert not teams.few_members(MEMBERS)
    assert teams.checked_members(" An \r\n\r\n Bình ") == "An\nBình"
