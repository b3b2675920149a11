"""Admin commands of `mashangban` for the duty roster (值班表).

    mashangban roster import FILE [--replace] [--year YEAR]   a CSV or XLSX roster
    mashangban roster show [DATE]                             one date's shifts (today)

The file is read by `webapp.roster_files` (shared with the admin page's upload: CSV in
UTF-8 with or without BOM, else GB18030; XLSX through openpyxl, first sheet);
`tasks.routing.roster` checks and stores it. Any problem is one line with
the row and column, exit code 2, and nothing is saved. Format: docs/routing.md, "The duty roster".
"""

import argparse
from pathlib import Path

from webapp.cli import common


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
    from tasks.admin.audit import Actor
    from tasks.admin.roster import import_roster as store
    from webapp.roster_files import read_roster

    path = Path(args.file)
    try:
        rows = read_roster(path.read_bytes(), path.name, args.year)
        with common.sessions().begin() as session:
            done = store(session, rows, replace=args.replace, by=Actor.command_line(),
                         now=common.now(), source=path.name)
    except (OSError, ValueError) as error:
        return common.fail(f"{args.file}: {error}")
    mode = "replaced" if args.replace else "added"
    print(f"roster imported: {done.shifts} shifts on {len(done.days)} date(s) ({done.span}); "
          f"{done.added} places {mode}")
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
