"""Admin commands of `mashangban` for `/api/v1` tokens.

    mashangban api-token issue PERSON [--name NAME]   a token acting as PERSON (shown once)
    mashangban api-token list                         every token, live and revoked
    mashangban api-token revoke ID                    stop token ID acting

A token acts with exactly PERSON's rights, as if they were signed in to the workbench;
PERSON is `platform:userid`, a userid or a name naming one active person.
"""

import argparse

from tasks.core import api_tokens
from tasks.directory.lookup import find_person, person_by_userid
from webapp.cli import common


def add_commands(commands: argparse._SubParsersAction,
                 command: common.Register) -> None:
    """Register this module's commands on the `mashangban` parser."""
    parser = commands.add_parser("api-token", help="tokens for the /api/v1 JSON API",
                                 description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    group = parser.add_subparsers(title="api-token commands")
    issue = command(group, "issue", "issue a token acting as PERSON", _issue)
    issue.add_argument("person", help="platform:userid, a userid or a name")
    issue.add_argument("--name", default="", help="what the token is for")
    command(group, "list", "every token", _list)
    revoke = command(group, "revoke", "revoke a token", _revoke)
    revoke.add_argument("id", type=int, help="the token's number, from `api-token list`")


def _issue(args: argparse.Namespace) -> int:
    with common.sessions().begin() as session:
        person = person_by_userid(session, args.person) or find_person(session,
                                                                        args.person).person
        if person is None:
            return common.fail(f"no single active person is {args.person!r}")
        token = api_tokens.issue(session, person, args.name or "命令行签发",
                                 issued_by="cli", now=common.now())
    print(token)
    print("Keep it secret: it is shown only now. Send it as `Authorization: Bearer <token>`.")
    return 0


def _list(_args: argparse.Namespace) -> int:
    with common.sessions().begin() as session:
        for record, person in api_tokens.listed(session):
            state = "revoked" if record.revoked_at else "live"
            print(f"{record.id}\t{state}\t{person.userid}\t{record.name}\t"
                  f"issued {record.issued_at:%Y-%m-%d %H:%M} by {record.issued_by}")
    return 0


def _revoke(args: argparse.Namespace) -> int:
    with common.sessions().begin() as session:
        if not api_tokens.revoke(session, args.id, common.now()):
            return common.fail(f"no live token {args.id}")
    print(f"token {args.id} revoked")
    return 0
