"""The `mashangban` command: run, migrate and administer an installation."""

import argparse
import logging
import sys
from collections.abc import Callable, Sequence

from webapp.cli import common
from webapp.cli.admin import add_commands as add_admin_commands
from webapp.cli.directory import add_commands as add_directory_commands
from webapp.cli.doctor import add_commands as add_doctor_commands
from webapp.cli.inbox import add_commands as add_inbox_commands
from webapp.cli.person import add_commands as add_person_commands
from webapp.cli.report import add_commands as add_report_commands
from webapp.cli.roster import add_commands as add_roster_commands
from webapp.cli.service import add_commands as add_service_commands
from webapp.cli.tokens import add_commands as add_token_commands
from workers import logs
from workers.settings import SettingsError, load_settings


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the command line and run one command; a settings problem is one clear line."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "run"):
        parser.print_help()
        return 2
    _json_logs_if_asked()
    try:
        return int(args.run(args) or 0)
    except SettingsError as error:
        print(f"mashangban: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _json_logs_if_asked() -> None:
    """With MASHANGBAN_LOG_FORMAT=json a command's log lines (its warnings; the web,
    worker and sandbox set their own level) are JSON objects like the services'; what a
    command prints for the admin stays text. Broken settings are left for the command
    to report."""
    try:
        settings = load_settings()
    except SettingsError:
        return
    if settings.log_format == "json":
        logs.configure(settings.secrets(), level=logging.WARNING, fmt="json")


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mashangban", description="马上办 task assistant")
    commands = parser.add_subparsers(title="commands")

    add_service_commands(commands, _command)
    add_admin_commands(commands, _command)
    add_directory_commands(commands, _command)
    add_person_commands(commands, _command)
    add_token_commands(commands, _command)
    add_roster_commands(commands, _command)
    add_report_commands(commands, _command)
    add_inbox_commands(commands, _command)
    add_doctor_commands(commands, _command)

    demo = _command(commands, "demo", "run everything on embedded defaults with the sandbox",
                    _demo)
    demo.add_argument("--port", type=common.port_number, default=8000,
                      help="the product's web app (default 8000)")
    demo.add_argument("--sandbox-port", type=common.port_number, default=8090,
                      help="the sandbox and its chat page (default 8090)")
    demo.add_argument("--platform", choices=registry_names(), default="wecom",
                      help="the platform whose sandbox the office chats on (default wecom)")
    demo.add_argument("-v", "--verbose", action="store_true",
                      help="show every process's log lines (one per request and job)")
    demo.add_argument("--via-make", action="store_true", help=argparse.SUPPRESS)
    return parser


def _command(group: argparse._SubParsersAction, name: str, help_text: str,
             run: Callable[[argparse.Namespace], int | None]) -> argparse.ArgumentParser:
    command = group.add_parser(name, help=help_text, description=help_text)
    command.set_defaults(run=run)
    return command


def _demo(args: argparse.Namespace) -> int:
    from webapp.cli.demo import run_demo

    return run_demo(web_port=args.port, sandbox_port=args.sandbox_port,
                    platform_name=args.platform, verbose=args.verbose, via_make=args.via_make)


def registry_names() -> tuple[str, ...]:
    """The platforms a demo can run on (the registry's, read lazily: no platform loaded)."""
    from integrations import registry

    return registry.names()


if __name__ == "__main__":
    sys.exit(main())
