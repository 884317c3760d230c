"""A movement report (handlers/movement/report.py) in words: its title, period names, rows
and notes in the panel's language, as a text table for the terminal and as an XLSX sheet.
The command line (bot/report_cli.py) and the panel (admin/reports.py) share it, so both say
the same thing.

The XLSX is one sheet: the title, the unit, the period and the day it was made; then each
figure with the period's, the previous period's and the change; then the notes. Text cells
are typed as text (never a formula, whatever a name holds), numbers as numbers, the change
in per cent as a percentage cell."""

from __future__ import annotations

import io
import re
import textwrap
from dataclasses import dataclass
from datetime import date
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

from admin.charts import number
from admin.stats import track_name
from admin.timefmt import day
from content import tips
from content.i18n import translate
from handlers.errors import DomainError
from handlers.movement.period import Cutoff, Kind, Period, Span
from handlers.movement.report import Label, LabelKind, Note, Report, Row
from handlers.movement.scope import UnitName

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _(msgid: str) -> str:
    """Marks a catalog id chosen at run time, so that the catalog check sees it used."""
    return msgid


MONTHS = (
    _("panel.report.month.1"),
    _("panel.report.month.2"),
    _("panel.report.month.3"),
    _("panel.report.month.4"),
    _("panel.report.month.5"),
    _("panel.report.month.6"),
    _("panel.report.month.7"),
    _("panel.report.month.8"),
    _("panel.report.month.9"),
    _("panel.report.month.10"),
    _("panel.report.month.11"),
    _("panel.report.month.12"),
)
HALVES = (_("panel.report.period.h1"), _("panel.report.period.h2"))
UNIT_KINDS = (
    _("panel.report.unit_kind.province"),
    _("panel.report.unit_kind.city"),
    _("panel.report.unit_kind.ward"),
    _("panel.report.unit_kind.commune"),
    _("panel.report.unit_kind.special_zone"),
)
CUTOFF_NAMES = (_("panel.report.cutoff.calendar"), _("panel.report.cutoff.decree09"))
CHECK_LEVELS = (
    _("panel.report.check.confirmed"),
    _("panel.report.check.reported"),
    _("panel.report.check.wording"),
    _("panel.report.check.signs"),
    _("panel.report.check.unknown"),
    _("panel.report.check.nothing"),
)


def refusal(exc: DomainError, lang: str) -> str:
    """Why a report cannot be made, in words ("panel.error.<code>" with its parameters)."""
    params: dict[str, object] = dict(exc.params)
    start = params.get("start")
    if isinstance(start, date):
        params["start"] = day(start)
    return translate(f"panel.error.{exc.code}", lang, params)


def cutoff_name(cut: Cutoff, lang: str) -> str:
    """ "Kỳ lịch" / "Chốt số liệu theo Nghị định 09/2019"."""
    return translate(f"panel.report.cutoff.{cut.value}", lang)


def month_name(month: int, lang: str) -> str:
    """ "Tháng 7" / "July"."""
    return translate(MONTHS[month - 1], lang)


def period_name(period: Period, lang: str) -> str:
    """ "6 tháng cuối năm 2026", "Năm 2026", "Quý 3/2026", "Tháng 7/2026" (or in English)."""
    year = period.year
    match period.kind:
        case Kind.YEAR:
            return translate("panel.report.period.year", lang, {"year": year})
        case Kind.HALF:
            return translate(HALVES[period.index - 1], lang, {"year": year})
        case Kind.QUARTER:
            return translate(
                "panel.report.period.quarter", lang, {"quarter": period.index, "year": year}
            )
    month = month_name(period.index, lang)
    return translate("panel.report.period.month", lang, {"month": month, "year": year})


def span_name(span: Span, lang: str) -> str:
    """The period's name, with "(đến ngày 05/12/2026)" while it is under way."""
    name = period_name(span.period, lang)
    if span.to_date:
        return translate("panel.report.to_date", lang, {"period": name, "day": day(span.end)})
    return name


def prior_name(report: Report, lang: str) -> str:
    """The previous period's name; while the report's period is under way, with the days of
    it set beside ("Năm 2025, 01/01–06/12"), the year too when they are not in one."""
    before = report.prior_span
    name = period_name(before.period, lang)
    if not before.cut:
        return name
    shown_day = day if before.start.year != before.end.year else _day_month
    start, end = shown_day(before.start), shown_day(before.end)
    return translate("panel.report.period_days", lang, {"period": name, "start": start, "end": end})


def _day_month(value: date) -> str:
    return value.strftime("%d/%m")


def cutoff_line(report: Report, lang: str) -> str:
    """The days the figures were closed on when they follow Decree 09/2019/NĐ-CP art. 12
    (handlers/movement/period.py `Cutoff.DECREE09`), the rule named; "" for calendar days."""
    period, before = report.span.period, report.prior_span
    if period.cutoff is not Cutoff.DECREE09:
        return ""
    days = {
        "start": day(period.start),
        "end": day(period.end),
        "before_start": day(before.start),
        "before_end": day(before.end),
    }
    return translate("panel.report.cutoff_decree09", lang, days)


def title(lang: str) -> str:
    return translate("panel.report.heading", lang)


def unit_name(named: UnitName | None, fallback: str, lang: str) -> str:
    """ "tỉnh Lai Châu", "thành phố Hà Nội", "phường Đoàn Kết" (or "Lai Châu Province"…), as
    the unit's police are named after "Công an"."""
    if named is None:
        return fallback
    return translate(f"panel.report.unit_kind.{named.kind.value}", lang, {"name": named.name})


def unit(report: Report, lang: str) -> str:
    """ "Đơn vị: Công an phường Đoàn Kết, tỉnh Lai Châu (mã 03388)"."""
    area = report.area
    province = unit_name(area.province_unit, area.province_name, lang)
    if area.is_commune:
        return translate(
            "panel.report.unit_commune",
            lang,
            {
                "commune": unit_name(area.commune_unit, area.name, lang),
                "province": province,
                "code": area.commune_code,
            },
        )
    return translate(
        "panel.report.unit_province", lang, {"province": province, "code": area.province_code}
    )


def made(report: Report, lang: str) -> str:
    return translate("panel.report.made_on", lang, {"day": day(report.made_on)})


def label(row_label: Label, lang: str) -> str:
    key = row_label.key
    match row_label.kind:
        case LabelKind.CATEGORY:
            found = tips.category(key)
            return found.label(lang) if found else key
        case LabelKind.TRACK:
            return track_name(key, lang)
        case LabelKind.CHECK:
            return translate(f"panel.report.check.{key}", lang)
        case LabelKind.RESOLUTION:
            text = translate(f"panel.resolution.{key}", lang)
            return (
                translate("panel.report.resolution_none", lang)
                if text.startswith("panel.")
                else text
            )
    return translate(key, lang)


@dataclass(frozen=True)
class Line:
    """A row in words and numbers: what the page, the terminal and the sheet show."""

    label: str
    level: int
    heading: bool  # a row that only names the parts below it
    current: int | None
    previous: int | None
    change: int | None
    percent: float | None


def lines(report: Report, lang: str) -> list[tuple[str, list[Line]]]:
    """Each section's title and its lines."""
    return [
        (translate(section.title, lang), [_line(row, lang) for row in section.rows])
        for section in report.sections
    ]


def _line(row: Row, lang: str) -> Line:
    named = label(row.label, lang)
    if row.empty:  # a heading with nothing under it: "Kết quả giải quyết: không có"
        named = translate("panel.report.row.none_under", lang, {"label": named})
    return Line(
        named,
        row.level,
        row.heading,
        row.current,
        row.previous,
        row.change,
        row.change_percent,
    )


def shown(value: int | None, lang: str) -> str:
    """A figure, or "not recorded" when it is not kept."""
    if value is None:
        return translate("panel.report.not_recorded", lang)
    return number(value, lang)


SMALLEST_SHOWN = 0.1  # per cent: the change in per cent is shown to one decimal


def shown_change(line: Line, lang: str) -> str:
    """ "+4 (+400,0%)". A real change never reads "0,0%" ("<0,1%" instead), nor a fall that
    leaves something "-100,0%" (it is "-99,9%" at most): one decimal would say so."""
    if line.change is None:
        return "–" if not line.heading else ""
    sign = "+" if line.change > 0 else ""
    text = f"{sign}{number(line.change, lang)}"
    if line.percent is None or not line.change:
        return text
    if abs(line.percent) < SMALLEST_SHOWN / 2:  # rounds to 0,0
        return f"{text} (<{number(SMALLEST_SHOWN, lang, 1)}%)"
    percent = line.percent
    if line.current and percent <= SMALLEST_SHOWN / 2 - 100:  # rounds to -100,0
        percent = SMALLEST_SHOWN - 100
    return f"{text} ({sign}{number(percent, lang, 1)}%)"


def _rounds_wrong(line: Line) -> bool:
    """The change in per cent would read 0,0% or -100,0% at one decimal and be neither."""
    if line.percent is None or not line.change:
        return False
    small = abs(line.percent) < SMALLEST_SHOWN / 2
    return small or bool(line.current and line.percent <= SMALLEST_SHOWN / 2 - 100)


def notes(report: Report, lang: str) -> list[str]:
    return [_note(note, lang) for note in report.notes]


def _note(note: Note, lang: str) -> str:
    params: dict[str, object] = {"day": day(note.day)} if note.day else {}
    return translate(note.msgid, lang, params)


def columns(report: Report, lang: str) -> tuple[str, str, str, str]:
    return (
        translate("panel.report.col.figure", lang),
        span_name(report.span, lang),
        prior_name(report, lang),
        translate("panel.report.col.change", lang),
    )


# -- the terminal -----------------------------------------------------------------------------

WIDTH = 100  # the terminal's columns the text report keeps within
GAP = "  "


def text_table(report: Report, lang: str) -> str:
    """The report as aligned plain text, for `binhyen report` without --output: short column
    headers ("Kỳ này", "Kỳ trước"), the two periods named above them, labels wrapped so
    that no line is wider than WIDTH."""
    head = (
        translate("panel.report.col.figure", lang),
        translate("panel.report.col.now", lang),
        translate("panel.report.col.before", lang),
        translate("panel.report.col.change", lang),
    )
    rows: list[tuple[str, ...]] = []
    for section, section_lines in lines(report, lang):
        rows.append((section.upper(), "", "", ""))
        for line in section_lines:
            if line.heading:
                rows.append(("  " + line.label, "", "", ""))
                continue
            rows.append(
                (
                    "  " * (line.level + 1) + line.label,
                    shown(line.current, lang),
                    shown(line.previous, lang),
                    shown_change(line, lang),
                )
            )
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(4)]
    widths[0] = min(widths[0], WIDTH - sum(widths[1:]) - len(GAP) * 3)
    out = [title(lang), unit(report, lang), span_name(report.span, lang)]
    out += [line for line in (cutoff_line(report, lang),) if line]
    out.append(made(report, lang))
    out.append("")
    named = (
        translate("panel.report.this_period", lang, {"period": span_name(report.span, lang)}),
        translate("panel.report.previous_period", lang, {"period": prior_name(report, lang)}),
    )
    out += named
    out.append("")
    out += _wrapped(head, widths)
    out.append(GAP.join("-" * w for w in widths))
    for row in rows:
        out += _wrapped(row, widths)
    out.append("")
    for note in notes(report, lang):
        out += textwrap.wrap(note, WIDTH, initial_indent="* ", subsequent_indent="  ")
    return "\n".join(_fitted(line) for line in out) + "\n"


def _wrapped(row: tuple[str, ...], widths: list[int]) -> list[str]:
    """The row's lines: its label wrapped to the first column (the parts below a heading
    keep their indent), the figures on the first line."""
    label = row[0]
    indent = " " * (len(label) - len(label.lstrip(" ")) + 2)
    parts = textwrap.wrap(label, widths[0], subsequent_indent=indent) or [""]
    first = _aligned((parts[0], *row[1:]), widths)
    return [first, *(part for part in parts[1:])]


def _fitted(line: str) -> str:
    """A line no wider than WIDTH: the title, unit and period lines are short in practice,
    but a very long unit name is wrapped rather than overflow."""
    return (
        "\n".join(textwrap.wrap(line, WIDTH, subsequent_indent="  ")) if len(line) > WIDTH else line
    )


def _aligned(row: tuple[str, ...], widths: list[int]) -> str:
    first = row[0].ljust(widths[0])
    rest = [value.rjust(width) for value, width in zip(row[1:], widths[1:], strict=True)]
    return "  ".join([first, *rest]).rstrip()


# -- the spreadsheet --------------------------------------------------------------------------


def _cell(sheet: Worksheet, row: int, column: int, value: Any, *, bold: bool = False) -> None:
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        cell.value = _ILLEGAL.sub("", value)
        cell.data_type = "s"  # text stays text, even "=1+1"
    else:
        cell.value = value
    if bold:
        cell.font = Font(bold=True)


def to_xlsx(report: Report, lang: str) -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its one sheet
    sheet.title = translate("panel.report.sheet", lang)[:31]
    for letter, width in (("A", 52), ("B", 26), ("C", 26), ("D", 14), ("E", 12)):
        sheet.column_dimensions[letter].width = width
    _cell(sheet, 1, 1, title(lang), bold=True)
    sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    _cell(sheet, 2, 1, unit(report, lang))
    _cell(sheet, 3, 1, span_name(report.span, lang))
    _cell(sheet, 4, 1, made(report, lang))
    if cutoff_line(report, lang):
        _cell(sheet, 5, 1, cutoff_line(report, lang))
    head = (*columns(report, lang), translate("panel.report.col.percent", lang))
    for index, value in enumerate(head, 1):
        _cell(sheet, 6, index, value, bold=True)
        sheet.cell(row=6, column=index).alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B7"
    at = 7
    for section, section_lines in lines(report, lang):
        _cell(sheet, at, 1, section, bold=True)
        at += 1
        for line in section_lines:
            _sheet_line(sheet, at, line, lang)
            at += 1
    at += 1
    for note in notes(report, lang):
        _cell(sheet, at, 1, note)
        sheet.cell(row=at, column=1).alignment = Alignment(wrap_text=False)
        at += 1
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _sheet_line(sheet: Worksheet, at: int, line: Line, lang: str) -> None:
    _cell(sheet, at, 1, line.label, bold=line.heading)
    sheet.cell(row=at, column=1).alignment = Alignment(indent=2 * (line.level + 1))
    if line.heading:
        return
    for column, value in ((2, line.current), (3, line.previous), (4, line.change)):
        if value is None:
            _cell(sheet, at, column, translate("panel.report.not_recorded", lang))
        else:
            _cell(sheet, at, column, value)
    if line.percent is not None:
        _cell(sheet, at, 5, line.percent / 100)
        # More decimals where one would read 0.0% or -100.0% for what is neither.
        sheet.cell(row=at, column=5).number_format = "0.0##%" if _rounds_wrong(line) else "0.0%"


def filename(report: Report) -> str:
    """binhyen-report-<area code>-<period>[-decree09].xlsx"""
    period = report.span.period
    cut = "" if period.cutoff is Cutoff.CALENDAR else f"-{period.cutoff.value}"
    return f"binhyen-report-{report.area.code}-{period.code}{cut}.xlsx"
