"""Importing the duty roster (值班表), from the command line or an uploaded file, with an
audit entry. The file is read into rows by `webapp.roster_files` and checked by
`tasks.routing.roster.parse_rows`, the same for both."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.orm import Session

from tasks.admin.audit import Actor, record
from tasks.routing.roster import RosterRow, import_rows


@dataclass(frozen=True)
class Imported:
    """What an import did: shifts read, their dates, places added (or replaced)."""

    shifts: int
    days: list[date]
    added: int
    replace: bool

    @property
    def span(self) -> str:
        first, last = self.days[0].isoformat(), self.days[-1].isoformat()
        return first if first == last else f"{first} .. {last}"


def import_roster(session: Session, rows: Sequence[RosterRow], *, replace: bool,
                  by: Actor, now: datetime, source: str = "") -> Imported:
    """Store checked rows; ValueError (a name or department the directory does not have)
    refuses the whole file and nothing is saved."""
    if not rows:
        raise ValueError("no shifts found under the header")
    added = import_rows(session, rows, replace=replace, now=now)
    result = Imported(len(rows), sorted({row.day for row in rows}), added, replace)
    record(session, by, "roster", "replace" if replace else "import", source or "值班表",
           after=f"{result.shifts} 个班次，{len(result.days)} 天（{result.span}），"
                 f"{'替换后' if replace else '新增'} {added} 人次",
           now=now)
    return result
