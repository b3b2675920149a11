"""Installation-wide settings the domain needs, handed in by the composition root."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time, timedelta

from tasks.calendar.workdays import WorkingHours


@dataclass(frozen=True)
class OfficeRules:
    """Who administers the installation, when the office works, and when passing work on
    becomes a warning (MASHANGBAN_* settings)."""

    admins: frozenset[str] = frozenset()  # userids
    working_hours: WorkingHours = field(default_factory=WorkingHours)
    transfer_limit: int = 2  # more transfers than this is flagged as 推诿扯皮
    quiet_start: time = time(21, 0)  # non-urgent reminders wait from here …
    quiet_end: time = time(8, 0)  # … to the next working morning
    overdue_repeats: int = 3  # 催办 repeats after the deadline, once per working day
    merge_window: timedelta = timedelta(minutes=2)  # reminders to one person this close merge
    rating_window_days: int = 3  # working days to rate a close before it counts as not rated
    summary_time: time = time(17, 0)  # daily supervisor summary, on working days
    # department platform id → group robot key (群机器人, WeCom), for summaries to a group chat
    robots: Mapping[str, str] = field(default_factory=dict)
    # other platforms' group chats: platform → department platform id → group key
    # (DingTalk: the group's openConversationId, MASHANGBAN_DINGTALK_GROUPS)
    groups: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    # where people open the workbench (MASHANGBAN_PUBLIC_URL): links in cards and replies
    public_url: str = "http://127.0.0.1:8000"

    def group_chats(self, platform: str, department_platform_id: str
                    ) -> tuple[tuple[str, str], ...]:
        """(platform, group key) of the group chat configured for a department of
        `platform` (departments are per platform): a WeCom department's group robot
        (`MASHANGBAN_ROBOTS`), another platform's group (e.g. `MASHANGBAN_DINGTALK_GROUPS`)."""
        keys = self.robots if platform == "wecom" else self.groups.get(platform, {})
        key = keys.get(department_platform_id)
        return ((platform, key),) if key else ()
