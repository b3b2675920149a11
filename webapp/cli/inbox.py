"""Admin commands of `mashangban` for received messages that failed and were parked.

    mashangban inbox failed       the parked messages: number, platform, time received
                                  (Asia/Shanghai), sender, error type; never their text
    mashangban inbox retry ID     put one back for one more attempt (after a fix)
    mashangban inbox drop ID      give up on one for good

A message whose handling fails is tried again after 10 s and 1 min; the third failure
parks it, tells its sender once (处理失败) and tells the admins. Messages after it are
handled as usual. See docs/architecture.md, "A message that fails".
"""

import argparse

from webapp.cli import common


def add_commands(commands: argparse._SubParsersAction,
                 command: common.Register) -> None:
    """Register this module's commands on the `mashangban` parser."""
    inbox = commands.add_parser("inbox", help="received messages that failed (parked)",
                                description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    group = inbox.add_subparsers(title="inbox commands")
    command(group, "failed", "list the parked messages", _failed)
    command(group, "retry", "put a parked message back for one more attempt",
            _retry).add_argument("id", type=int)
    command(group, "drop", "give up on a parked message for good", _drop).add_argument(
        "id", type=int)


def _failed(_args: argparse.Namespace) -> int:
    from tasks.calendar.workdays import SHANGHAI
    from tasks.handling import inbox

    with common.sessions()() as session:
        rows = inbox.parked(session)
    if not rows:
        print("没有搁置的消息。")
        return 0
    print(f"{'编号':<8}\t{'平台':<8}\t{'收到时间':<19}\t{'发送人':<16}\t{'次数':<4}\t错误")
    for row in rows:
        when = row.received_at.astimezone(SHANGHAI).strftime("%Y-%m-%d %H:%M:%S")
        print(f"{row.id:<8}\t{row.platform:<8}\t{when:<19}\t{row.sender:<16}\t"
              f"{row.attempts:<4}\t{row.error_type}")
    print(f"共 {len(rows)} 条。重试：mashangban inbox retry 编号；放弃：mashangban inbox drop 编号")
    return 0


def _retry(args: argparse.Namespace) -> int:
    from tasks.admin.audit import Actor
    from tasks.admin.deliveries import retry_parked

    with common.sessions().begin() as session:
        if not retry_parked(session, args.id, by=Actor.command_line(), now=common.now()):
            return _not_parked(args.id)
    print(f"第 {args.id} 条消息已放回，worker 将再处理一次；再失败则重新搁置（不再通知发送人）。")
    common.wake_sender("消息已放回，由 worker 的定时巡检稍后处理")
    return 0


def _drop(args: argparse.Namespace) -> int:
    from tasks.admin.audit import Actor
    from tasks.admin.deliveries import drop_parked

    with common.sessions().begin() as session:
        if not drop_parked(session, args.id, by=Actor.command_line(), now=common.now()):
            return _not_parked(args.id)
    print(f"第 {args.id} 条消息已放弃，不再处理。")
    return 0


def _not_parked(inbox_id: int) -> int:
    return common.fail(f"没有搁置的第 {inbox_id} 条消息（mashangban inbox failed 列出搁置的消息）")
