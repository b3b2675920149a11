"""Admin commands of `mashangban` for the duty roster (值班表).

    mashangban roster import FILE [--replace] [--year YEAR]   a CSV or XLSX roster
    mashangban roster show [DATE]                             one date's shifts (today)

The file is read here (CSV in UTF-8 with or without BOM, else GB18030; XLSX through
openpyxl, first sheet); `tasks.routing.roster` checks and stores it. Any problem is one line with
the row and column, exit code 2, and nothing is saved. Format: docs/routing.md, "The duty roster".
"""

import argparse
import csv
import io
from datetime import date, datetime, time, timedelta
from pathlib import Path

from webapp.cli import common

# The header is the first line with one of these cells; title lines above it are skipped.
_HEADER_MARKS = ("日期", "值班日期")


def add_commands(commands: argparse._SubParsersAction,
                 command: common.Register) -> None:
    """Register this module's commands on the `mashangban` parser."""
    roster = commands.add_parser("roster", help="the duty roster (带班/值班/候班)")
    group = roster.add_subparsers(title="roster commands")
    importer = command(group, "import", "import shifts from a CSV or XLSX file", import_roster)
    importer.add_argument("file")
    importer.add_argument("--replace", action="store_true",
                          help="first delete the stored shifts of the dates and departments "
                               "the file lists")
    importer.add_argument("--year", type=int,
                          help="the year of dates written without one (11月24日)")
    command(group, "show", "show the shifts of a date (default today)", _show).add_argument(
        "date", nargs="?")


def import_roster(args: argparse.Namespace) -> int:
    from tasks.routing.roster import import_rows, parse_rows

    path = Path(args.file)
    try:
        table = read_table(path)
        header_index, records = _records(table)
        rows = parse_rows(records, args.year, first_row=header_index + 2)
        if not rows:
            raise ValueError("no shifts found under the header")
        with common.sessions().begin() as session:
            added = import_rows(session, rows, replace=args.replace, now=common.now())
    except (OSError, ValueError) as error:
        return common.fail(f"{args.file}: {error}")
    days = sorted({row.day for row in rows})
    span = days[0].isoformat() if len(days) == 1 else \
        f"{days[0].isoformat()} .. {days[-1].isoformat()}"
    mode = "replaced" if args.replace else "added"
    print(f"roster imported: {len(rows)} shifts on {len(days)} date(s) ({span}); "
          f"{added} places {mode}")
    return 0


def _show(args: argparse.Namespace) -> int:
    from tasks.calendar.workdays import SHANGHAI
    from tasks.routing.roster import ROLE_LABELS, parse_date, shifts_starting_on

    now = common.now()
    try:
        day = parse_date(args.date, now.astimezone(SHANGHAI).year) if args.date else \
            now.astimezone(SHANGHAI).date()
    except ValueError as error:
        return common.fail(f"date: {error}")
    weekday = "一二三四五六日"[day.weekday()]
    with common.sessions().begin() as session:
        shifts = shifts_starting_on(session, day)
        lines = []
        for shift in shifts:
            roles = [f"{ROLE_LABELS[role]} " + "、".join(
                f"{p.name}({p.userid})" for p in getattr(shift, role))
                for role in ROLE_LABELS if getattr(shift, role)]
            lines.append(f"  {shift.department_name}  {shift.hours()}  " + "  ".join(roles))
    print(f"{day.isoformat()} 周{weekday}" + ("" if lines else ": no shifts"))
    for line in lines:
        print(line)
    return 0


# ---------------------------------------------------------------------------- reading files


def read_table(path: Path) -> list[list[str]]:
    """The file's lines as lists of cell texts, every line kept so numbers match the file."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(path)
    if suffix == ".xls":
        raise ValueError("old .xls workbooks are not read; save it as .xlsx or CSV")
    return _read_csv(path.read_bytes())


def _read_csv(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("gb18030")
        except UnicodeDecodeError:
            raise ValueError("neither UTF-8 nor GB18030 text; save it as CSV (UTF-8)") \
                from None
    first = text.split("\n", 1)[0]
    delimiter = "\t" if "\t" in first and "," not in first else ","
    try:
        return [list(row) for row in csv.reader(io.StringIO(text, newline=""),
                                                 delimiter=delimiter)]
    except csv.Error as error:
        raise ValueError(f"cannot read as CSV: {error}") from None


def _read_xlsx(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, data_only=True)
    except OSError:
        raise
    except Exception as error:  # openpyxl raises zip, XML and its own errors alike
        raise ValueError(f"cannot read as XLSX: {error}") from None
    try:
        sheet = workbook.worksheets[0]
        return [[_cell_text(value) for value in row]
                for row in sheet.iter_rows(min_row=1, values_only=True)]
    finally:
        workbook.close()


def _cell_text(value: object) -> str:
    """A spreadsheet value as the text a person would have typed in a CSV."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        if value.date() in (date(1899, 12, 30), date(1899, 12, 31), date(1900, 1, 1)):
            return f"{value:%H:%M}"  # a time of day stored as a date-time on Excel's day 0
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return f"{value:%H:%M}"
    if isinstance(value, timedelta):  # a `[h]:mm` duration cell, e.g. 24:00
        minutes = int(value.total_seconds()) // 60
        return f"{minutes // 60}:{minutes % 60:02d}"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _records(table: list[list[str]]) -> tuple[int, list[dict[str, str]]]:
    """The header's index and the lines under it as header → cell dicts."""
    lines = [[cell.strip().lstrip("\ufeff") for cell in line] for line in table]
    index = next((i for i, line in enumerate(lines)
                  if any(mark in line for mark in _HEADER_MARKS)), None)
    if index is None:
        raise ValueError("header: missing column 日期 (no line has a 日期 cell)")
    header = lines[index]
    records = []
    for line in table[index + 1:]:
        record: dict[str, str] = {}
        for name, cell in zip(header, list(line) + [""] * (len(header) - len(line)),
                              strict=False):
            if name:  # two columns with one header (值班 | 值班) list their people together
                record[name] = "、".join(t for t in (record.get(name, ""), cell.strip()) if t)
        records.append(record)
    return index, records
