"""The office every behavioural test works in, shared by the middle and end-to-end layers.

People and departments are the WeCom sandbox's seeded directory
(`integrations/wecom/sandbox/directory.py`): 周建国 and 刘洋 lead the whole office; 张伟
heads 秘书科 (李娜, 王芳, 马骏); 陈静 heads 综合科 (杨帆, 赵磊); 孙丽 heads 督查科 (王芳
@wangfang2, 黄涛; 刘洋 is a member too); 吴强 heads 信息科 (郑雪, 徐明). 徐明 is the admin.

The day is a Tuesday morning in an ordinary working week, so what a test expects of
deadlines does not depend on the day it happens to run (a holiday, or a year without
calendar data).
"""

from datetime import datetime

from integrations.wecom.directory import snapshot_from
from integrations.wecom.sandbox.directory import (
    DEPARTMENTS,
    MEMBERS,
    department_json,
    member_json,
)
from tasks.calendar.workdays import SHANGHAI
from tasks.messaging.channel import DirectorySnapshot

OFFICE_START = datetime(2026, 11, 24, 9, 0, tzinfo=SHANGHAI)
ADMINS = ("xuming",)


def seeded_directory() -> DirectorySnapshot:
    """The seeded directory as the domain receives it from the sandbox's contact API: the
    same JSON (`department/list`, `user/list`) read by the same adapter code, without HTTP."""
    return snapshot_from([department_json(d) for d in DEPARTMENTS],
                         [member_json(m) for m in MEMBERS])


# The office's intake rules (归口办理) in the YAML an admin imports.
ROUTING_RULES = """\
default: 秘书科
rules:
  - department: 综合科
    keywords: [会议室, 公务用车, 后勤]
  - department: 信息科
    category: 信息化
    keywords: [网络, 电脑]
"""
