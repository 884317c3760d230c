"""Which area a report covers, and who may see it.

A report covers one commune (its 5-digit GSO code; "4" is "00004") or one province (2 digits;
"1" is "01"), known to content/areas.py. In the panel, the caller's scope decides as it does
for the statistics (storage/stats.py area_clause): an officer or a chief sees their commune;
a province admin their province or one of its communes; a leader no report. Anything outside
is `Forbidden("report_scope")`, never an empty report. The command line is the operator's:
any area."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from content import areas
from content.text import fold
from handlers.errors import BadInput, Forbidden
from handlers.people import AdminRole, Identity

POLICE = frozenset({AdminRole.OFFICER, AdminRole.CHIEF, AdminRole.PROVINCE_ADMIN})


class UnitKind(enum.StrEnum):
    """What a unit is, as its police are named: "Công an tỉnh …", "Công an phường …"."""

    PROVINCE = "province"
    CITY = "city"  # a centrally-run city: "Thành phố Hà Nội"
    WARD = "ward"
    COMMUNE = "commune"
    SPECIAL_ZONE = "special_zone"


_KINDS = {
    "tinh": UnitKind.PROVINCE,
    "thanh pho": UnitKind.CITY,
    "phuong": UnitKind.WARD,
    "xa": UnitKind.COMMUNE,
    "dac khu": UnitKind.SPECIAL_ZONE,
}


@dataclass(frozen=True)
class UnitName:
    """A unit's name without its unit word ("Lai Châu", "Đoàn Kết") and what it is, for the
    edge to put together in its language ("tỉnh Lai Châu", "Đoàn Kết Ward")."""

    kind: UnitKind
    name: str


def unit_name(area: areas.Area, default: UnitKind) -> UnitName:
    """The unit word of content/areas.py's name; the provinces' names have none ("Lai
    Châu"), the centrally-run cities' have "Thành phố"."""
    bare = areas.plain(area)
    word = fold(area.name[: len(area.name) - len(bare)]).strip()
    return UnitName(_KINDS.get(word, default), bare or area.name)


@dataclass(frozen=True)
class Area:
    """A province (commune_code "") or one commune of it."""

    province_code: str
    commune_code: str = ""

    @property
    def is_commune(self) -> bool:
        return bool(self.commune_code)

    @property
    def code(self) -> str:
        return self.commune_code or self.province_code

    @property
    def name(self) -> str:
        """The unit's name: "Phường Ba Đình" or "Thành phố Hà Nội"."""
        if self.commune_code:
            commune = areas.commune(self.commune_code)
            return commune.name if commune else self.commune_code
        province = areas.province(self.province_code)
        return province.name if province else self.province_code

    @property
    def province_name(self) -> str:
        province = areas.province(self.province_code)
        return province.name if province else self.province_code

    @property
    def commune_unit(self) -> UnitName | None:
        commune = areas.commune(self.commune_code) if self.commune_code else None
        return unit_name(commune, UnitKind.COMMUNE) if commune else None

    @property
    def province_unit(self) -> UnitName | None:
        province = areas.province(self.province_code)
        return unit_name(province, UnitKind.PROVINCE) if province else None


def _padded(code: str, width: int, what: str) -> str:
    code = code.strip()
    if not code.isascii() or not code.isdigit() or len(code) > width:
        raise BadInput(f"report_{what}", f"a {width}-digit code", given=code[:12])
    return code.zfill(width)


def commune_area(code: str) -> Area:
    """One commune by its code, leading zeros optional; `BadInput("report_commune")`."""
    found = areas.commune(_padded(code, 5, "commune"))
    if found is None:
        raise BadInput("report_commune", "no such commune", given=code.strip()[:12])
    return Area(found.province_code, found.code)


def province_area(code: str) -> Area:
    """One province by its code, leading zero optional; `BadInput("report_province")`."""
    found = areas.province(_padded(code, 2, "province"))
    if found is None:
        raise BadInput("report_province", "no such province", given=code.strip()[:12])
    return Area(found.code)


def area_of(commune: str = "", province: str = "") -> Area:
    """The area asked for: exactly one of a commune and a province."""
    if commune.strip() and province.strip():
        raise BadInput("report_one_area", "a commune or a province, not both")
    if commune.strip():
        return commune_area(commune)
    if province.strip():
        return province_area(province)
    raise BadInput("report_one_area", "a commune or a province")


def home(actor: Identity) -> Area:
    """The area a caller's report covers when they pick none: their commune or province."""
    check_police(actor)
    if actor.role is AdminRole.PROVINCE_ADMIN:
        return Area(actor.province_code)
    commune = areas.commune(actor.commune_code)
    return Area(commune.province_code if commune else actor.province_code, actor.commune_code)


def check_police(actor: Identity) -> None:
    if actor.role not in POLICE:
        raise Forbidden("report_scope", "police roles only")


def check_reach(actor: Identity, area: Area) -> None:
    """Refuse an area outside the caller's scope."""
    check_police(actor)
    if actor.role is AdminRole.PROVINCE_ADMIN:
        mine = area.province_code == actor.province_code
    else:
        mine = area.commune_code == actor.commune_code
    if not mine:
        raise Forbidden("report_scope", "that area is outside the caller's")
