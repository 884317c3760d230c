"""`binhyen report`: refusals before the database is opened (a malformed or future period, an
unknown code, both areas or none, an output that is not .xlsx), no database, and the report
itself on a SQLite database holding known things (tests/integration/test_report.py), as a
text table and as an XLSX opened again with openpyxl."""

from __future__ import annotations

import asyncio
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from bot import cli, report_cli
from bot.settings import Settings
from content.tips import category
from storage.db import make_engine, make_sessions
from tests.integration.test_report import NOW, world

THEFT = category("theft_robbery").label("vi")  # type: ignore[union-attr]


def _settings(url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=url, media_dir=str(tmp_path / "media"), env="test")


@pytest.fixture
def known(sqlite_url: str, tmp_path: Path) -> Settings:
    """A migrated SQLite database with the integration test's known world committed."""

    async def fill() -> None:
        engine = make_engine(sqlite_url)
        try:
            async with make_sessions(engine)() as session:
                await world(session)
                await session.commit()
        finally:
            await engine.dispose()

    asyncio.run(fill())
    return _settings(sqlite_url, tmp_path)


def _run(settings: Settings, *args: str | None, lang: str = "vi") -> tuple[int, str]:
    out = io.StringIO()
    period, commune, province, output = args
    code = report_cli.run(settings, period or "", commune, province, output, lang, now=NOW, out=out)
    return code, out.getvalue()


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (("2031-H3", "3388", None, None), "Các dạng được chấp nhận: 2026-H1, 2026-H2, 2026"),
        (("2031/07", None, "12", None), "Kỳ báo cáo không hợp lệ"),
        (("2032-H2", None, "12", None), "Kỳ 2032-H2 chưa bắt đầu (bắt đầu từ ngày 01/07/2032)"),
        (("2031-H2", None, "77", None), "Không có tỉnh, thành phố nào mang mã 77"),
        (("2031-H2", "99999", None, None), "Không có xã, phường nào mang mã 99999"),
        (("2031-H2", "3388", "12", None), "không chọn cả hai"),
        (("2031-H2", None, None, None), "Hãy chọn một xã, phường"),
        (("2031-H2", None, "12", "report.csv"), "Chỉ ghi được báo cáo ra tệp .xlsx"),
    ],
)
def test_refusals_say_why_before_opening_the_database(
    args: tuple[str | None, ...],
    words: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    missing = f"sqlite+aiosqlite:///{tmp_path / 'nowhere' / 'binhyen.db'}"
    code, out = _run(_settings(missing, tmp_path), *args)
    assert code == report_cli.EXIT_USAGE and out == ""
    assert words in capsys.readouterr().err
    assert not (tmp_path / "nowhere").exists()
    assert not (tmp_path / "report.csv").exists()


def test_refusals_in_english(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = _settings("sqlite+aiosqlite:///x.db", tmp_path)
    assert _run(settings, "2031-H3", "4", None, None, lang="en")[0] == 2
    assert "Accepted forms: 2026-H1" in capsys.readouterr().err


def test_no_database_there(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    missing = tmp_path / "nowhere.db"
    code, _out = _run(
        _settings(f"sqlite+aiosqlite:///{missing}", tmp_path), "2031", None, "12", None
    )
    assert code == report_cli.EXIT_FAILED
    assert "Không tìm thấy cơ sở dữ liệu Bình Yên" in capsys.readouterr().err
    assert not missing.exists()


def test_the_command_line_takes_one_area(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli.main(["report", "--period", "2031", "--commune", "4", "--province", "01"])
    assert stopped.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


def test_the_text_table(known: Settings) -> None:
    code, out = _run(known, "2031-h2", "3388", None, None)
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "Báo cáo kết quả phong trào Toàn dân bảo vệ an ninh Tổ quốc"
    assert lines[1] == "Đơn vị: Công an phường Đoàn Kết, tỉnh Lai Châu (mã 03388)"
    assert lines[2] == "6 tháng cuối năm 2031"
    assert lines[3] == "Lập ngày 10/01/2032"
    received = next(line for line in lines if "Tin báo đã tiếp nhận" in line)
    assert received.split()[-4:] == ["5", "1", "+4", "(+400,0%)"]
    thanked = next(line for line in lines if "Tin báo đã gửi lời cảm ơn" in line)
    assert thanked.split()[-3:] == ["2", "0", "+2"]
    checks = next(line for line in lines if "Lượt kiểm tra lừa đảo" in line)
    assert checks.split()[-4:] == ["4", "1", "+3", "(+300,0%)"]
    wording = next(line for line in lines if "Lời lẽ giống một kiểu lừa đảo đã biết" in line)
    assert wording.split()[-3:] == ["3", "0", "+3"]
    assert "* Lượt kiểm tra lừa đảo được đếm từ ngày 30/06/2031 (ngày đầu tiên" in out


def test_checks_before_counting_began_are_not_recorded(known: Settings) -> None:
    # 2031-H1 beside 2030-H2, which ended before the first day counted (30/06/2031).
    code, out = _run(known, "2031-H1", "3388", None, None)
    assert code == 0
    checks = next(line for line in out.splitlines() if "Lượt kiểm tra lừa đảo" in line)
    assert checks.split()[-5:] == ["1", "Không", "ghi", "nhận", "–"]
    nothing = next(line for line in out.splitlines() if "Không có gì để tra cứu" in line)
    assert nothing.split()[-5:] == ["1", "Không", "ghi", "nhận", "–"]


def test_the_xlsx_opens_with_the_figures(known: Settings, tmp_path: Path) -> None:
    target = tmp_path / "bao-cao.XLSX"
    code, out = _run(known, "2031-H2", None, "12", str(target))
    assert code == 0 and str(target) in out
    sheet = load_workbook(target).active
    assert sheet is not None
    values = [tuple(row) for row in sheet.iter_rows(values_only=True)]
    assert values[0][0] == "Báo cáo kết quả phong trào Toàn dân bảo vệ an ninh Tổ quốc"
    assert values[1][0] == "Đơn vị: Công an tỉnh Lai Châu (mã 12)"
    assert values[2][0] == "6 tháng cuối năm 2031"
    assert values[5][:4] == (
        "Chỉ tiêu",
        "6 tháng cuối năm 2031",
        "6 tháng đầu năm 2031",
        "Tăng/giảm",
    )
    by_label = {row[0]: row for row in values if row[0]}
    assert by_label["Tin báo đã tiếp nhận"][1:5] == (6, 1, 5, 5.0)
    # t1, t4, t5; not b1 of Tân Phong: its indicator is confirmed, but it is still open.
    assert by_label["Tin báo có ích"][1:4] == (3, 1, 2)
    assert by_label["Lượt kiểm tra lừa đảo"][1:5] == (6, 1, 5, 5.0)  # A's and B's
    assert by_label["Có dấu hiệu đáng ngờ, chưa ai báo"][1:4] == (2, 0, 2)
    assert by_label[THEFT][1:4] == (1, 0, 1)
    assert (
        sheet.cell(row=by_label_row(values, "Tin báo đã tiếp nhận"), column=5).number_format
        == "0.0%"
    )


def by_label_row(values: list[tuple[object, ...]], label: str) -> int:
    return next(i for i, row in enumerate(values, 1) if row[0] == label)


def test_the_xlsx_in_english(known: Settings, tmp_path: Path) -> None:
    target = tmp_path / "report.xlsx"
    assert _run(known, "2031-12", "03388", None, str(target), lang="en")[0] == 0
    values = list(load_workbook(target).active.iter_rows(values_only=True))  # type: ignore[union-attr]
    assert values[2][0] == "December 2031"
    assert values[5][:3] == ("Figure", "December 2031", "November 2031")
    assert any(row[0] == "Residents reached by notices" for row in values)
    assert values[1][0] == "Unit: police of Đoàn Kết Ward, Lai Châu Province (code 03388)"
    by_label = {row[0]: row for row in values if row[0]}
    assert by_label["Scam checks"][1:3] == (1, 0)  # 31 December; none in November


def test_the_closing_days_of_decree_09(known: Settings) -> None:
    # 2031-H2 by Decree 09/2019/NĐ-CP art. 12: 15/06/2031 to 14/12/2031, beside 15/12/2030 to
    # 14/06/2031. p1 (30/06) is in it; t2 (31/12) is not.
    out = io.StringIO()
    code = report_cli.run(known, "2031-H2", "3388", None, None, now=NOW, out=out, cutoff="decree09")
    assert code == 0
    lines = out.getvalue().splitlines()
    assert lines[2] == "6 tháng cuối năm 2031"
    assert lines[3].startswith(
        "Số liệu chốt theo cách tính của Điều 12 Nghị định 09/2019/NĐ-CP: "
        "từ 15/06/2031 đến 14/12/2031"
    )
    assert "Kỳ trước: 6 tháng đầu năm 2031" in lines
    received = next(line for line in lines if "Tin báo đã tiếp nhận" in line)
    assert received.split()[-3:] == ["5", "0", "+5"]


def test_an_unknown_cutoff_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    settings = _settings(f"sqlite+aiosqlite:///{tmp_path / 'nowhere.db'}", tmp_path)
    out = io.StringIO()
    code = report_cli.run(settings, "2031", None, "12", None, now=NOW, out=out, cutoff="lunar")
    assert code == report_cli.EXIT_USAGE
    assert "Các cách được chấp nhận: calendar, decree09" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        cli.main(["report", "--period", "2031", "--province", "12", "--cutoff", "lunar"])
    assert "invalid choice" in capsys.readouterr().err


def test_the_text_table_is_at_most_100_columns(known: Settings) -> None:
    for period in ("2031-H1", "2031-H2", "2031-12"):
        for lang in ("vi", "en"):
            code, out = _run(known, period, None, "12", None, lang=lang)
            assert code == 0
            assert max(len(line) for line in out.splitlines()) <= 100, out
    code, out = _run(known, "2031-H2", "3388", None, None)
    lines = out.splitlines()
    assert "Kỳ này: 6 tháng cuối năm 2031" in lines and "Kỳ trước: 6 tháng đầu năm 2031" in lines
