"""Report commands of `mashangban`: the assessment records (平时考核记载).

    mashangban report assess --from DATE --to DATE [--department X] --out FILE.xlsx|FILE.csv
    mashangban report rollup [--rebuild]

`report rollup` compares the dashboard's daily rollup (`tasks.feedback.rollup`) with the
closures it sums and says where they differ (exit code 1), or with `--rebuild` recomputes
it from them.

`tasks.assessment` computes the figures; this module reads the command line and writes
the spreadsheet. The format follows the file's extension: `.xlsx` gets two sheets (个人,
部门) with a note on the period, `.csv` one table in UTF-8 with BOM (so Excel shows the
Chinese) whose first column 层级 says whether a row is a person or a department. Bad input
is one Chinese line and exit code 2. docs/reports.md describes every column.
"""

import argparse
import csv
import errno
import os
import re
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from webapp.cli import common
from workers.settings import load_settings

if TYPE_CHECKING:
    from tasks.reports.assessment import Assessment, Column, DepartmentRow, Period, PersonRow


FORMATS = (".xlsx", ".csv")
PERSON_HEADERS = ("姓名", "账号", "部门", "在职")
DEPARTMENT_HEADERS = ("部门", "部门编号", "上级部门", "人数")
CSV_HEADERS = ("层级", "名称", "编号", "所属/上级部门", "人数")
_DATE = re.compile(r"\s*(\d{4})\s*(?:[-/.]|年)\s*(\d{1,2})\s*(?:[-/.]|月)\s*(\d{1,2})\s*日?\s*")


def add_commands(commands: argparse._SubParsersAction,
                 command: common.Register) -> None:
    """Register `report assess` on the `mashangban` parser."""
    report = commands.add_parser("report", help="reports: assessment records (平时考核记载)")
    group = report.add_subparsers(title="report commands")
    assess = command(group, "assess", "export the assessment records of a period (.xlsx/.csv)",
                     _assess)
    assess.add_argument("--from", dest="first", required=True, metavar="DATE",
                        help="first day, Asia/Shanghai (2026-11-01), included")
    assess.add_argument("--to", dest="last", required=True, metavar="DATE",
                        help="last day, Asia/Shanghai (2026-11-30), included")
    assess.add_argument("--department", metavar="NAME_OR_ID",
                        help="a department's name or platform id; its sub-departments too")
    assess.add_argument("--out", required=True, metavar="FILE",
                        help="the file to write: .xlsx or .csv")
    rollup = command(group, "rollup", "check the dashboard's daily rollup against the "
                     "closures (or rebuild it)", _rollup)
    rollup.add_argument("--rebuild", action="store_true",
                        help="recompute the rollup from the closures")


def _rollup(args: argparse.Namespace) -> int:
    """The check the rollup's tests make, on the office's own data."""
    from sqlalchemy.exc import SQLAlchemyError

    from tasks.feedback import rollup

    try:
        with common.sessions().begin() as session:
            if args.rebuild:
                rows = rollup.rebuild(session)
                print(f"已按办结记录重建驾驶舱日汇总：{rows} 行")
                return 0
            differences = rollup.differences(session)
    except SQLAlchemyError as error:
        return common.fail(f"无法读取数据库：{type(error).__name__}，"
                           "请检查 MASHANGBAN_DATABASE_URL 并运行 mashangban db upgrade")
    if differences:
        print(f"驾驶舱日汇总与办结记录有 {len(differences)} 处不一致"
              "（可运行 mashangban report rollup --rebuild 重建）：")
        for line in differences[:50]:
            print("  " + line)
        return 1
    print("驾驶舱日汇总与办结记录一致")
    return 0


def _assess(args: argparse.Namespace) -> int:
    """Check every input before touching the database, then compute and write."""
    from sqlalchemy.exc import SQLAlchemyError

    from tasks.reports.assessment import AssessmentError, Period

    try:
        period = Period(parse_date(args.first, "--from"), parse_date(args.last, "--to"))
        out = _output_path(args.out)
        assessment = _compute(period, args.department)
        write_report(assessment, out)
    except AssessmentError as error:
        return common.fail(str(error))
    except OSError as error:
        return common.fail(f"无法写入 {args.out}：{_os_reason(error)}")
    except SQLAlchemyError as error:
        return common.fail(f"无法读取数据库：{type(error).__name__}，"
                           "请检查 MASHANGBAN_DATABASE_URL 并运行 mashangban db upgrade")
    scope = assessment.department or "全部部门"
    print(f"已生成平时考核记载：{out}（{period.label()}，{scope}；"
          f"个人 {len(assessment.people)} 行，部门 {len(assessment.departments)} 行）")
    return 0


def _os_reason(error: OSError) -> str:
    """Why a file could not be written, in Chinese for the common cases."""
    reasons = {errno.EACCES: "没有写入权限", errno.EPERM: "没有写入权限",
               errno.ENOENT: "路径不存在", errno.EROFS: "文件系统只读",
               errno.ENOSPC: "磁盘空间不足", errno.EISDIR: "这是一个目录"}
    return reasons.get(error.errno or 0, error.strerror or str(error))


def parse_date(text: str, option: str) -> date:
    """A Shanghai calendar date: 2026-11-01, 2026/11/01, 2026.11.01 or 2026年11月1日."""
    from tasks.reports.assessment import AssessmentError

    match = _DATE.fullmatch(text)
    try:
        if match is None:
            raise ValueError
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        raise AssessmentError(f"{option} 日期无法识别：「{text}」，请写成 2026-11-01 这样的日期") \
            from None


def _output_path(written: str) -> Path:
    """The file to write, refused before any work if its type or folder is wrong."""
    from tasks.reports.assessment import AssessmentError

    path = Path(written)
    if path.suffix.lower() not in FORMATS:
        raise AssessmentError(f"--out 只能是 .xlsx 或 .csv 文件：「{written}」")
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise AssessmentError(f"无法写入 {written}：目录 {folder} 不存在")
    if path.is_dir():
        raise AssessmentError(f"无法写入 {written}：这是一个目录")
    if not os.access(folder, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise AssessmentError(f"无法写入 {written}：没有写入权限")
    return path


def _compute(period: "Period", department: str | None) -> "Assessment":
    from tasks.calendar.office import load_calendar
    from tasks.reports.assessment import assess
    from workers.db import make_engine, make_sessions

    settings = load_settings()
    engine = make_engine(settings.database_url)
    reading = engine.execution_options(isolation_level="REPEATABLE READ") \
        if engine.dialect.name == "postgresql" else engine  # one snapshot for all queries
    try:
        with make_sessions(reading).begin() as session:
            calendar = load_calendar(session, settings.rules.working_hours)
            return assess(session, period, calendar=calendar, now=common.now(),
                          department=department)
    finally:
        engine.dispose()


# ---------------------------------------------------------------------------- writing files


def write_report(assessment: "Assessment", path: Path) -> None:
    """Write the assessment in the format the file's extension names."""
    if path.suffix.lower() == ".csv":
        _write_csv(assessment, path)
    else:
        _write_xlsx(assessment, path)


def person_cells(row: "PersonRow") -> list[object]:
    return [row.name, row.userid, row.departments, "是" if row.active else "否"]


def department_cells(row: "DepartmentRow") -> list[object]:
    return ["　" * row.depth + row.name, row.platform_id, row.parent, row.people]


def _write_csv(assessment: "Assessment", path: Path) -> None:
    """One table, people then departments, told apart by the first column (层级)."""
    from tasks.reports.assessment import COLUMNS

    lines: list[Sequence[object]] = [[*CSV_HEADERS, *(c.header for c in COLUMNS)]]
    for person in assessment.people:
        lines.append(["个人", *map(_csv_text, (person.name, person.userid, person.departments)), "",
                      *(_csv_value(c, c.value(person.figures)) for c in COLUMNS)])
    for department in assessment.departments:
        lines.append(["部门", *map(_csv_text, (department.name, department.platform_id,
                                               department.parent)), department.people,
                      *(_csv_value(c, c.value(department.figures)) for c in COLUMNS)])
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows(lines)


FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")  # what a spreadsheet reads as a formula


def _csv_text(text: str) -> str:
    """A name or title as text a spreadsheet will not run: `=HYPERLINK(…)` in a directory
    name must show as written, not become a live formula (OWASP's CSV injection rule: a
    leading apostrophe, which Excel and WPS hide and treat as "this is text")."""
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _csv_value(column: "Column", value: float | None) -> str:
    """As Excel reads it back: 87.5% for a rate, 12.5 for an average, empty for none."""
    if value is None:
        return ""
    if column.kind == "percent":
        return f"{value * 100:.1f}%"
    if column.kind == "decimal":
        return f"{value:.1f}"
    return str(int(value))


def _write_xlsx(assessment: "Assessment", path: Path) -> None:
    write_xlsx(assessment, path)


def write_xlsx(assessment: "Assessment", path: "Path | BinaryIO") -> None:
    """Two sheets with a note line, a frozen header, real numbers and % formats; to a file
    or, for the dashboard's download, to a buffer."""
    from openpyxl import Workbook

    workbook = Workbook()
    people = workbook.active
    people.title = "个人"
    _fill_sheet(people, "平时考核记载（个人）", assessment, PERSON_HEADERS,
                [(person_cells(r), r.figures) for r in assessment.people])
    departments = workbook.create_sheet("部门")
    _fill_sheet(departments, "平时考核记载（部门）", assessment, DEPARTMENT_HEADERS,
                [(department_cells(r), r.figures) for r in assessment.departments])
    workbook.save(path)


def _fill_sheet(sheet, title: str, assessment: "Assessment",  # noqa: ANN001 - a Worksheet
                identity: Sequence[str], rows: list) -> None:  # noqa: ANN001
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from tasks.calendar.workdays import SHANGHAI
    from tasks.reports.assessment import COLUMNS

    generated = assessment.generated_at.astimezone(SHANGHAI)
    sheet.append([f"{title}　期间：{assessment.period.label()}　范围："
                  f"{assessment.department or '全部部门'}　生成时间："
                  f"{generated:%Y-%m-%d %H:%M}（北京时间）"])
    sheet["A1"].font = Font(bold=True)
    headers = [*identity, *(c.header for c in COLUMNS)]
    sheet.append(headers)
    for cell in sheet[2]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
    formats = {"count": "0", "percent": "0.0%", "decimal": "0.0"}
    # The row number is counted, not read: openpyxl's `max_row` scans every cell, which
    # made a 5,000-person workbook take minutes (quadratic in its cells).
    for number, (cells, figures) in enumerate(rows, start=3):
        sheet.append([*cells, *(c.value(figures) for c in COLUMNS)])
        for offset, value in enumerate(cells, start=1):
            if isinstance(value, str):  # openpyxl makes "=…" a formula; names are text
                sheet.cell(row=number, column=offset).data_type = "s"
        for offset, column in enumerate(COLUMNS, start=len(identity) + 1):
            sheet.cell(row=number, column=offset).number_format = formats[column.kind]
    sheet.freeze_panes = "B3"
    widths = [max(8.0, _width(header) / 2 + 2 if _width(header) > 12 else _width(header) + 2)
              for header in headers]  # long headers wrap onto two lines
    for cells, _ in rows:
        for index, value in enumerate(cells):
            widths[index] = max(widths[index], _width(str(value)) + 2)
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(width, 40)
    sheet.row_dimensions[2].height = 32


def _width(text: str) -> float:
    """Display width in latin characters: a Chinese character takes two."""
    return float(sum(2 if ord(ch) > 0x2E80 else 1 for ch in text))
