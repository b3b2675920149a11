"""Admin commands of `mashangban` for the directory: local supervision grants.

    mashangban grant supervisor PERSON DEPARTMENT   PERSON supervises DEPARTMENT's tasks
    mashangban grant revoke PERSON DEPARTMENT       take that grant away
    mashangban grant list                           every grant

Supervisors of a task are the platform's leaders (负责人) of the holder's departments and
of those above them, plus whoever is granted one of those departments here. PERSON is a
name or a userid; DEPARTMENT a department's name or platform id.
"""

import argparse

from tasks.admin import grants
from tasks.admin.audit import Actor
from tasks.calendar.workdays import SHANGHAI
from webapp.cli import common


def add_commands(commands: argparse._SubParsersAction,
                 command: common.Register) -> None:
    """Register this module's commands on the `mashangban` parser."""
    grant = commands.add_parser("grant", help="local supervision grants (督办授权)",
                                description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    group = grant.add_subparsers(title="grant commands")
    for name, help_text, run in (
        ("supervisor", "let PERSON supervise DEPARTMENT's tasks", _grant),
        ("revoke", "take a supervision grant away", _revoke),
    ):
        sub = command(group, name, help_text, run)
        sub.add_argument("person", help="name or userid")
        sub.add_argument("department", help="department name or platform id")
    command(group, "list", "list the supervision grants", _list)


def _grant(args: argparse.Namespace) -> int:
    try:
        with common.sessions().begin() as session:
            person, department, new = grants.grant(
                session, args.person, args.department, by=Actor.command_line(),
                now=common.now())
    except grants.Unknown as error:
        return common.fail(str(error))
    if not new:
        print(f"{person.name} 已有 {department.name} 的督办授权，未作改动。")
    else:
        print(f"已授权 {person.name}（{person.userid}）督办 {department.name} "
              "及其下属部门的任务。")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    try:
        with common.sessions().begin() as session:
            person, department = grants.revoke(session, args.person, args.department,
                                               by=Actor.command_line(), now=common.now())
    except grants.Unknown as error:
        return common.fail(str(error))
    print(f"已撤销 {person.name}（{person.userid}）对 {department.name} 的督办授权。")
    return 0


def _list(_args: argparse.Namespace) -> int:
    with common.sessions().begin() as session:
        rows = grants.grants(session)
        if not rows:
            print("没有督办授权（科室负责人之外）。授权：mashangban grant supervisor 姓名 部门")
            return 0
        print(f"{'部门':<12}\t{'督办人':<12}\t{'用户ID':<16}\t授权时间")
        for grant, person, department in rows:
            left = "（已离开）" if not person.active else ""
            closed = "（已撤销部门）" if not department.active else ""
            when = grant.granted_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M")
            print(f"{department.name + closed:<12}\t{person.name + left:<12}\t"
                  f"{person.userid:<16}\t{when}")
    return 0
