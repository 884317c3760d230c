"""The audit log as a file for an inspection: CSV or XLSX of the rows the reader may read
under the filters of the page (issue 20).

Each row gives its plain sentence and the raw columns an inspector may sort or check by: the
time in ISO 8601 (Vietnam time, with its offset) and as the panel shows it, the actor, the
action code and its label, the tip code, the reason written, an export's filters, the
subject as stored and the IP address. CSV is UTF-8 with a byte order mark so that Excel reads
the Vietnamese; a text that starts like a formula (= + - @ tab CR) gets an apostrophe in the
CSV (storage/tips_export.py `spreadsheet_safe`) and is a typed text cell in the XLSX, which a
spreadsheet never runs.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from admin.audit_words import (
    actor_words,
    audit_filter_words,
    filter_reason,
    filters_in_words,
    full_text,
    sentence,
)
from admin.export import xlsx_cell  # the queue export's cells: text stays text
from admin.timefmt import local_time
from content.i18n import translate
from handlers.audit import LABELS, TIP_ACTIONS
from handlers.deadlines import LOCAL_TZ
from storage.audit import AuditFilter, AuditRow, Named
from storage.tips_export import spreadsheet_safe

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_LABEL_OF = {action.value: msgid for action, msgid in LABELS.items()}
_TIP_ACTIONS = frozenset(a.value for a in TIP_ACTIONS)


def _(msgid: str) -> str:
    return msgid


# (header id, column width in the XLSX)
COLUMNS = (
    (_("panel.audit.col.sentence"), 70),
    (_("panel.audit.col.time_iso"), 26),
    (_("panel.audit.col.time"), 17),
    (_("panel.audit.col.actor"), 18),
    (_("panel.audit.col.action"), 18),
    (_("panel.audit.col.label"), 28),
    (_("panel.audit.col.tip"), 14),
    (_("panel.audit.col.reason"), 40),
    (_("panel.audit.col.filters"), 40),
    (_("panel.audit.col.subject"), 18),
    (_("panel.audit.col.ip"), 16),
)


@dataclass(frozen=True, slots=True)
class Line:
    """One audit row as the file holds it, in the order of COLUMNS."""

    sentence: str
    time_iso: str
    time: str
    actor: str
    action: str
    label: str
    tip: str
    reason: str
    filters: str
    subject: str
    ip: str

    def cells(self) -> list[str]:
        return [
            self.sentence,
            self.time_iso,
            self.time,
            self.actor,
            self.action,
            self.label,
            self.tip,
            self.reason,
            self.filters,
            self.subject,
            self.ip,
        ]


def line(row: AuditRow, named: Named, lang: str) -> Line:
    when = local_time(row.created_at)
    label = _LABEL_OF.get(row.action)
    return Line(
        sentence=full_text(row, sentence(row, named, lang), when, lang),
        time_iso=row.created_at.astimezone(LOCAL_TZ).isoformat(timespec="seconds"),
        time=when,
        actor=actor_words(row, lang),
        action=row.action,
        label=translate(label, lang) if label else "",
        tip=row.subject if row.action in _TIP_ACTIONS else "",
        reason="" if filter_reason(row) else row.reason,
        filters=filters_in_words(row, lang),
        subject=row.subject,
        ip=row.ip,
    )


def header(lang: str) -> list[str]:
    return [translate(title, lang) for title, _width in COLUMNS]


def to_csv(lines: list[Line], lang: str) -> bytes:
    out = io.StringIO()
    out.write("\ufeff")  # Excel reads UTF-8 only with the mark
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header(lang))
    for item in lines:
        writer.writerow([spreadsheet_safe(text) for text in item.cells()])
    return out.getvalue().encode("utf-8")


@dataclass(frozen=True, slots=True)
class About:
    """What the second sheet says about the export."""

    at: datetime
    username: str
    area: str
    f: AuditFilter
    rows: int
    cut: bool  # more rows matched than an export holds


def to_xlsx(lines: list[Line], lang: str, about: About) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(translate("panel.audit.sheet.rows", lang)[:31])
    sheet.freeze_panes = "A2"
    for index, (_title, width) in enumerate(COLUMNS, 1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.append([xlsx_cell(sheet, h, bold=True) for h in header(lang)])
    for item in lines:
        sheet.append([xlsx_cell(sheet, text) for text in item.cells()])
    info = book.create_sheet(translate("panel.audit.sheet.about", lang)[:31])
    info.column_dimensions["A"].width = 30
    info.column_dimensions["B"].width = 60
    pairs: list[tuple[str, Any]] = [
        (
            translate("panel.audit.about.at", lang),
            about.at.astimezone(LOCAL_TZ).replace(tzinfo=None),
        ),
        (translate("panel.audit.about.by", lang), about.username),
        (translate("panel.audit.about.area", lang), about.area),
        (translate("panel.audit.about.rows", lang), about.rows),
    ]
    if about.cut:
        pairs.append((translate("panel.audit.about.cut", lang), about.rows))
    pairs += audit_filter_words(about.f, lang) or [
        (translate("panel.audit.says.no_filter", lang), "")
    ]
    for label, value in pairs:
        info.append([xlsx_cell(info, label, bold=True), xlsx_cell(info, value)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def filename(area: str, today: date, extension: str) -> str:
    """binhyen-audit-<commune or province code>-<YYYY-MM-DD>.<ext>"""
    return f"binhyen-audit-{area}-{today.isoformat()}.{extension}"
