"""Reading a duty roster file (CSV or XLSX) into checked rows: what `mashangban roster
import` and the admin page's upload share, so both accept the same files and name the same
problems.

CSV in UTF-8 with or without BOM, else GB18030; XLSX through openpyxl, first sheet. Title
lines above the header are skipped; the rows are checked by `tasks.routing.roster.parse_rows`.
Any problem is a ValueError naming the row and column. Format: docs/routing.md, "The duty
roster".
"""

import csv
import io
from datetime import date, datetime, time, timedelta

from tasks.routing.roster import RosterRow, parse_rows

# The header is the first line with one of these cells; title lines above it are skipped.
_HEADER_MARKS = ("日期", "值班日期")


def read_roster(data: bytes, filename: str, year: int | None = None) -> list[RosterRow]:
    """The file's shifts, checked; ValueError names the first problem (row and column)."""
    table = read_table(data, filename)
    header_index, records = _records(table)
    rows = parse_rows(records, year, first_row=header_index + 2)
    if not rows:
        raise ValueError("no shifts found under the header")
    return rows



def read_table(data: bytes, filename: str) -> list[list[str]]:
    """The file's lines as lists of cell texts, every line kept so numbers match the file."""
    suffix = "." + filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if suffix in (".xlsx", ".xlsm"):
        return _read_xlsx(data)
    if suffix == ".xls":
        raise ValueError("old .xls workbooks are not read; save it as .xlsx or CSV")
    return _read_csv(data)


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


def _read_xlsx(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), data_only=True)
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
