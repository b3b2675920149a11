"""Admin commands of `mashangban` for people known on several platforms.

    mashangban person show IDENTITY            who IDENTITY is, and every identity they have
    mashangban person link PERSON IDENTITY     IDENTITY is PERSON (one person, one history)
    mashangban person unlink IDENTITY          IDENTITY is someone of its own again

IDENTITY is `platform:userid` (`dingtalk:manager4312`); PERSON is an identity too
(`wecom:lina`), or a name or bare userid naming one active person. Directories link people
by themselves when both report the same mobile number; these commands are for when they do
not. A link moves the identity from the person the directory made of it, who must hold no
open task: their departments move along and their record (history kept) is deactivated.
Each link and unlink is recorded on the identity (`linked_by`, `linked_at`) and in the log.
"""

import argparse

from sqlalchemy.orm import Session

from tasks.directory import identity as identities
from tasks.directory.lookup import find_person
from tasks.models import Person, PersonIdentity, parse_ref
from webapp.cli import common


class _Unknown(Exception):
    """Input the command cannot act on; the message is shown as is."""


def add_commands(commands: argparse._SubParsersAction,
                 command: common.Register) -> None:
    """Register this module's commands on the `mashangban` parser."""
    person = commands.add_parser("person", help="one person on several platforms (身份关联)",
                                 description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    group = person.add_subparsers(title="person commands")
    show = command(group, "show", "who an identity is, with all their identities", _show)
    show.add_argument("identity", help="platform:userid, a name or a userid")
    link = command(group, "link", "make IDENTITY one more identity of PERSON", _link)
    link.add_argument("person", help="platform:userid, a name or a userid")
    link.add_argument("identity", help="platform:userid")
    unlink = command(group, "unlink", "make IDENTITY a person of its own again", _unlink)
    unlink.add_argument("identity", help="platform:userid")


def _show(args: argparse.Namespace) -> int:
    try:
        with common.sessions().begin() as session:
            _print(_person(session, args.identity))
    except _Unknown as error:
        return common.fail(str(error))
    return 0


def _link(args: argparse.Namespace) -> int:
    try:
        with common.sessions().begin() as session:
            person = _person(session, args.person)
            platform, userid = _identity_ref(args.identity)
            outcome = identities.link(session, person, platform, userid, now=common.now())
            if outcome == "unchanged":
                print(f"{platform}:{userid} 已是 {person.name} 的身份，未作改动。")
                return 0
            print(f"已关联：{platform}:{userid} 与 {person.name} 是同一人。")
            _print(person)
    except (_Unknown, identities.IdentityRefusal) as error:
        return common.fail(str(error))
    return 0


def _unlink(args: argparse.Namespace) -> int:
    try:
        with common.sessions().begin() as session:
            platform, userid = _identity_ref(args.identity)
            found = identities.identity(session, platform, userid)
            if found is None:
                raise _Unknown(f"没有身份 {platform}:{userid}（请先 mashangban sync-directory）")
            former = found.person
            owner = identities.unlink(session, found, now=common.now())
            print(f"已解除：{platform}:{userid} 不再是 {former.name} 的身份，现为单独一人"
                  f"（{owner.name}）。")
    except (_Unknown, identities.IdentityRefusal) as error:
        return common.fail(str(error))
    return 0


def _identity_ref(written: str) -> tuple[str, str]:
    """`platform:userid`, the platform one the installation could know."""
    platform, userid = parse_ref(written.strip())
    if platform is None or not userid:
        raise _Unknown(f"「{written}」不是身份，请写 平台:用户ID，如 dingtalk:manager4312")
    return platform, userid


def _person(session: Session, written: str) -> Person:
    """The person an identity (any state), or a name or bare userid (active), names."""
    platform, userid = parse_ref(written.strip())
    if platform is not None:
        person = identities.person_with_identity(session, platform, userid)
        if person is None:
            raise _Unknown(f"没有身份 {platform}:{userid}（请先 mashangban sync-directory）")
        return person
    found = find_person(session, written)
    if found.person is not None:
        return found.person
    if found.candidates:
        options = "、".join(f"{p.name}（{p.platform}:{p.userid}）" for p in found.candidates)
        raise _Unknown(f"「{written}」不唯一，可能是：{options}。请写 平台:用户ID。")
    raise _Unknown(f"通讯录中没有「{written}」（请先 mashangban sync-directory）")


def _print(person: Person) -> None:
    state = "" if person.active else "（已离开）"
    reply = person.address()
    print(f"{person.name}{state}，部门：{'、'.join(person.department_names) or '无'}")
    for found in person.identities:
        print("  " + _line(person, found, reply))


def _line(person: Person, found: PersonIdentity, reply: tuple[str, str]) -> str:
    notes = []
    if (found.platform, found.userid) == (person.platform, person.userid):
        notes.append("主身份")
    if (found.platform, found.userid) == reply:
        notes.append("消息发往此处")
    how = {"mobile": "手机号匹配", "admin": "管理员关联"}.get(found.linked_by)
    if how:
        notes.append(how)
    suffix = f"（{'，'.join(notes)}）" if notes else ""
    return f"{found.platform}:{found.userid}{suffix}"
