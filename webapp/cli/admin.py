"""Admin commands of `mashangban`: SLA policies and the working calendar.

    mashangban policy show [KIND]            the policies, as a table
    mashangban policy set KIND FIELD VALUE   e.g. `policy set general completion "15 natural_days"`
    mashangban policy export [FILE]          YAML to a file or stdout
    mashangban policy import FILE            YAML from a file (all checked before any is saved)
    mashangban calendar show [YEAR]          coverage and the admin's corrections
    mashangban calendar off|on DATE REASON   a local day off / an extra working day
    mashangban calendar clear DATE           drop a correction
    mashangban calendar import FILE          a year's arrangement before the package has it
    mashangban routing show|export [FILE]    the intake rules (归口办理)
    mashangban routing import FILE           replace them from YAML
    mashangban leave add WHO UNTIL [--backup WHO] [--reason TEXT]
    mashangban leave end WHO | leave list    end a leave (销假) / leaves in force

Edits apply to tasks created afterwards; running tasks keep the deadlines they were given.
"""

import argparse
import sys
from datetime import date, datetime
from pathlib import Path

from webapp.cli import common
from workers.settings import load_settings


def add_commands(commands: argparse._SubParsersAction,
                 command: common.Register) -> None:
    policy = commands.add_parser("policy", help="SLA policies of the task kinds")
    group = policy.add_subparsers(title="policy commands")
    command(group, "show", "show the policies", _policy_show).add_argument("kind", nargs="?")
    setter = command(group, "set", "change one field of one kind's policy", _policy_set)
    for name in ("kind", "field", "value"):
        setter.add_argument(name)
    command(group, "export", "write the policies as YAML", _policy_export).add_argument(
        "file", nargs="?")
    command(group, "import", "read policies from YAML", _policy_import).add_argument("file")

    calendar = commands.add_parser("calendar", help="working days and the admin's corrections")
    group = calendar.add_subparsers(title="calendar commands")
    command(group, "show", "years covered and corrections", _calendar_show).add_argument(
        "year", nargs="?", type=int)
    for name, working in (("off", False), ("on", True)):
        day = command(group, name, f"declare a {'working day' if working else 'day off'}",
                      _calendar_set)
        day.add_argument("date")
        day.add_argument("reason", nargs="+")
        day.set_defaults(working=working)
    command(group, "clear", "remove a correction", _calendar_clear).add_argument("date")
    command(group, "import", "import a year's holiday arrangement (YAML)",
            _calendar_import).add_argument("file")

    routing = commands.add_parser("routing", help="intake rules for requests naming nobody")
    group = routing.add_subparsers(title="routing commands")
    command(group, "show", "show the rules", _routing_export).set_defaults(file=None)
    command(group, "export", "write the rules as YAML", _routing_export).add_argument(
        "file", nargs="?")
    command(group, "import", "replace the rules from YAML", routing_import).add_argument(
        "file")

    leave = commands.add_parser("leave", help="leave with a backup (请假/补位)")
    group = leave.add_subparsers(title="leave commands")
    add = command(group, "add", "record a leave", _leave_add)
    add.add_argument("who")
    add.add_argument("until", help="a date (2026-12-03, leave through that day) or a phrase")
    add.add_argument("--backup")
    add.add_argument("--reason", default="")
    command(group, "end", "end a leave now (销假)", _leave_end).add_argument("who")
    command(group, "list", "leaves in force now", _leave_list)


def _write_out(text: str, file: str | None, what: str) -> int:
    """An export goes to the named file, or to stdout when none is named."""
    if file:
        Path(file).write_text(text, encoding="utf-8")
        print(f"{what} written to {file}")
    else:
        sys.stdout.write(text)
    return 0


def _policy_show(args: argparse.Namespace) -> int:
    from tasks.core.policies import all_policies

    with common.sessions().begin() as session:
        policies = [p for p in all_policies(session) if args.kind in (None, p.kind)]
    if not policies:
        return common.fail(f"unknown kind {args.kind!r}")
    print(f"{'kind':<20} {'first_response':<20} {'progress':<18} {'completion':<20} quiet  label")
    for p in policies:
        d = p.to_dict()
        quiet = "yes" if p.quiet_hours else "no"
        print(f"{p.kind:<20} {d['first_response']:<20} {d['progress']:<18} "
              f"{d['completion']:<20} {quiet:<6} {p.label}")
    return 0


def _policy_set(args: argparse.Namespace) -> int:
    from tasks.admin import policies
    from tasks.admin.audit import Actor

    try:
        with common.sessions().begin() as session:
            policy = policies.edit(session, args.kind, {args.field: args.value},
                                   by=Actor.command_line(), now=common.now())
    except ValueError as error:
        return common.fail(str(error))
    print(f"{policy.kind}: {args.field} = {policy.to_dict()[args.field]} "
          "(applies to tasks created from now on)")
    return 0


def _policy_export(args: argparse.Namespace) -> int:
    from tasks.core.policies import export_yaml

    with common.sessions().begin() as session:
        return _write_out(export_yaml(session), args.file, "policies")


def _policy_import(args: argparse.Namespace) -> int:
    from tasks.admin import policies
    from tasks.admin.audit import Actor

    try:
        text = Path(args.file).read_text(encoding="utf-8")
        with common.sessions().begin() as session:
            changed = policies.import_document(session, text, by=Actor.command_line(),
                                               now=common.now())
    except (OSError, ValueError) as error:
        return common.fail(f"{args.file}: {error}")
    print(f"imported; changed: {', '.join(changed) or 'nothing'} "
          "(applies to tasks created from now on)")
    return 0


def _calendar_show(args: argparse.Namespace) -> int:
    from tasks.calendar.office import load_calendar, overrides

    settings = load_settings()
    with common.sessions().begin() as session:
        calendar = load_calendar(session, settings.rules.working_hours)
        rows = [(r.day, r.working, r.reason) for r in overrides(session, args.year)]
    this_year = common.now().year
    for year in range(this_year - 1, this_year + 2):
        print(f"{year}: {'covered' if calendar.covers(year) else 'NO DATA (import it)'}")
    print(f"working hours: {settings.rules.working_hours}")
    for day, working, reason in rows:
        print(f"{day.isoformat()} {'on ' if working else 'off'} {reason}")
    return 0


def _calendar_set(args: argparse.Namespace) -> int:
    from tasks.admin import calendar
    from tasks.admin.audit import Actor

    try:
        day = date.fromisoformat(args.date)
        with common.sessions().begin() as session:
            calendar.set_day(session, day, args.working, " ".join(args.reason),
                             by=Actor.command_line(), rules=load_settings().rules,
                             now=common.now())
    except ValueError as error:
        return common.fail(str(error))
    print(f"{day.isoformat()}: {'working day' if args.working else 'day off'}")
    return 0


def _calendar_clear(args: argparse.Namespace) -> int:
    from tasks.admin import calendar
    from tasks.admin.audit import Actor

    try:
        day = date.fromisoformat(args.date)
    except ValueError as error:
        return common.fail(str(error))
    with common.sessions().begin() as session:
        found = calendar.clear_day(session, day, by=Actor.command_line(),
                                   rules=load_settings().rules, now=common.now())
    print(f"{day.isoformat()}: {'correction removed' if found else 'no correction'}")
    return 0


def _calendar_import(args: argparse.Namespace) -> int:
    from tasks.admin import calendar
    from tasks.admin.audit import Actor

    try:
        text = Path(args.file).read_text(encoding="utf-8")
        with common.sessions().begin() as session:
            year = calendar.import_year(session, text, by=Actor.command_line(),
                                        rules=load_settings().rules, now=common.now())
    except (OSError, ValueError) as error:
        return common.fail(f"{args.file}: {error}")
    print(f"{year}: holiday arrangement imported")
    return 0


def _routing_export(args: argparse.Namespace) -> int:
    from tasks.routing.rules import export_yaml

    with common.sessions().begin() as session:
        return _write_out(export_yaml(session), args.file, "routing rules")


def routing_import(args: argparse.Namespace) -> int:
    from tasks.admin import routing
    from tasks.admin.audit import Actor

    try:
        text = Path(args.file).read_text(encoding="utf-8")
        with common.sessions().begin() as session:
            count = routing.replace_all(session, text, by=Actor.command_line(),
                                        now=common.now())
    except (OSError, ValueError) as error:
        return common.fail(f"{args.file}: {error}")
    print(f"{count} routing rules imported")
    return 0


def _leave_add(args: argparse.Namespace) -> int:
    from tasks.errors import Refusal
    from tasks.routing import duty, leave

    now = common.now()
    try:
        with common.sessions().begin() as session:
            person = _person(session, args.who)
            backup = _person(session, args.backup) if args.backup else None
            until = _until(session, args.until, now)
            recorded = leave.start(session, person, until, backup, args.reason, now=now,
                                   by=None)
            duty.tell_recorded_leave(session, recorded, now)
    except (ValueError, Refusal) as error:
        return common.fail(str(getattr(error, "message", error)))
    common.wake_sender()
    print(f"{args.who}: on leave until {until.astimezone(_shanghai()):%Y-%m-%d %H:%M}"
          + (f", backup {args.backup}" if args.backup else ""))
    return 0


def _leave_end(args: argparse.Namespace) -> int:
    from tasks.routing import duty, leave

    try:
        with common.sessions().begin() as session:
            now = common.now()
            ended = leave.end(session, _person(session, args.who), now=now)
            if ended is not None:
                duty.tell_ended_leave(session, ended, now)
    except ValueError as error:
        return common.fail(str(error))
    if ended:
        common.wake_sender()
    print(f"{args.who}: {'leave ended' if ended else 'not on leave'}")
    return 0


def _leave_list(_args: argparse.Namespace) -> int:
    from sqlalchemy import select

    from tasks.models import Leave

    now = common.now()
    with common.sessions().begin() as session:
        rows = session.scalars(select(Leave).where(
            Leave.starts_at <= now, Leave.ends_at > now, Leave.ended_at.is_(None))).all()
        for row in rows:
            backup = row.backup.name if row.backup else "-"
            print(f"{row.person.name} ({row.person.userid}) until "
                  f"{row.ends_at.astimezone(_shanghai()):%Y-%m-%d %H:%M}, backup {backup}")
    return 0


def _person(session, written: str):  # noqa: ANN001, ANN202 - a Person, or ValueError
    from tasks.directory.lookup import find_person

    found = find_person(session, written)
    if found.person is None:
        choices = ", ".join(f"{p.name} ({p.userid})" for p in found.candidates)
        raise ValueError(f"{written!r}: " + (f"ambiguous: {choices}" if choices
                                              else "no such person in the directory"))
    return found.person


def _until(session, written: str, now: datetime) -> datetime:  # noqa: ANN001
    """A bare ISO date means through that day; anything else is read as a chat deadline."""
    from tasks.calendar.office import load_calendar
    from tasks.language import DeadlineError, parse_deadline

    try:
        day = date.fromisoformat(written)
        return datetime(day.year, day.month, day.day, 23, 59, tzinfo=_shanghai())
    except ValueError:
        pass
    try:
        calendar = load_calendar(session, load_settings().rules.working_hours)
        return parse_deadline(written, now, calendar)
    except DeadlineError as error:
        raise ValueError(f"{written!r}: {error}") from error


def _shanghai():  # noqa: ANN202
    from tasks.calendar.workdays import SHANGHAI

    return SHANGHAI
