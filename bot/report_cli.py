"""`binhyen report --period 2026-H2 (--commune CODE | --province CODE) [--output FILE.xlsx]
[--cutoff calendar|decree09] [--lang vi|en]`: the movement's periodic report of one commune or
province (handlers/movement/), beside the previous period's figures. Without --output it
prints a text table; with it, it writes the XLSX the panel offers (admin/report_sheet.py).
The command line is the operator's: any area, no account needed; it only reads the database.

--cutoff decree09 counts the days state bodies close their periodic reports on, Decree
09/2019/NĐ-CP art. 12 (2026-H1 is 15/12/2025 to 14/06/2026; handlers/movement/period.py
`Cutoff`); calendar days by default.

A malformed period or cut-off, a period not begun, an unknown code, both or neither area, or
an output that is not .xlsx: a message in the report's language on stderr and exit status 2,
before the database is opened."""

from __future__ import annotations

import asyncio
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from admin import report_sheet
from bot.settings import Settings
from content.i18n import translate
from handlers.deadlines import local_date
from handlers.errors import DomainError
from handlers.movement import period as periods
from handlers.movement import report, scope
from handlers.movement.period import Period
from handlers.movement.report import Report
from handlers.movement.scope import Area

EXIT_USAGE = 2
EXIT_FAILED = 1
NAME = "binhyen report"


def _(msgid: str) -> str:
    """Marks a catalog id chosen at run time, so that the catalog check sees it used."""
    return msgid


# The refusals' words, by the code handlers/movement raises (panel.error.<code>).
BUILT_IDS = (
    _("panel.error.report_period"),
    _("panel.error.report_cutoff"),
    _("panel.error.report_future"),
    _("panel.error.report_commune"),
    _("panel.error.report_province"),
    _("panel.error.report_one_area"),
    _("panel.error.report_scope"),
    _("panel.error.report_output"),
    _("panel.error.report_no_database"),
)


class Refused(Exception):
    """What was asked cannot be reported: its message, already in words."""


def checked(
    period_text: str,
    commune: str,
    province: str,
    output: str | None,
    lang: str,
    now: datetime,
    cutoff: str = "",
) -> tuple[Period, Area]:
    """The period (its days by `cutoff`) and area asked for, or `Refused` with the reason in
    words."""
    try:
        period = periods.parse(period_text, periods.cutoff(cutoff))
        periods.span(period, local_date(now))
        area = scope.area_of(commune or "", province or "")
    except DomainError as exc:
        raise Refused(report_sheet.refusal(exc, lang)) from exc
    if output is not None and Path(output).suffix.lower() != ".xlsx":
        raise Refused(translate("panel.error.report_output", lang, {"file": output}))
    return period, area


async def build(settings: Settings, area: Area, period: Period, now: datetime) -> Report:
    from storage import migrate
    from storage.db import make_engine, make_sessions
    from storage.movement import SqlMovementFigures

    if await migrate.state(settings.database_url) != "current":
        raise LookupError("no current database")
    engine = make_engine(settings.database_url)
    try:
        async with make_sessions(engine)() as session:
            return await report.make(SqlMovementFigures(session), area, period, now)
    finally:
        await engine.dispose()


def run(
    settings: Settings,
    period_text: str,
    commune: str | None,
    province: str | None,
    output: str | None,
    lang: str = "vi",
    *,
    cutoff: str = "",
    now: datetime | None = None,
    out: TextIO | None = None,
) -> int:
    """The CLI glue: 0 with the report shown or written, 2 refused, 1 no database."""
    out = out or sys.stdout
    now = now or datetime.now(UTC)
    try:
        period, area = checked(
            period_text, commune or "", province or "", output, lang, now, cutoff
        )
    except Refused as exc:
        print(f"{NAME}: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        made = asyncio.run(build(settings, area, period, now))
    except LookupError:
        print(f"{NAME}: {translate('panel.error.report_no_database', lang)}", file=sys.stderr)
        return EXIT_FAILED
    if output is None:
        out.write(report_sheet.text_table(made, lang))
        return 0
    try:
        Path(output).write_bytes(report_sheet.to_xlsx(made, lang))
    except OSError as exc:
        print(f"{NAME}: {output}: {exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAILED
    print(translate("panel.report.written", lang, {"file": output}), file=out)
    return 0
