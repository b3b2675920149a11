"""The office both sandboxes seed their directory with: one city government office.

The WeCom and DingTalk sandboxes (which may not import each other) each turn these records
into their platform's shapes, so the same people, departments and leaders exist on both
and one end-to-end suite runs on either. The records use WeCom's field names
(`is_leader_in_dept` is aligned with `department`, one flag per department).
"""

from typing import Any

DEPARTMENTS: list[dict[str, Any]] = [
    {"id": 1, "name": "某市人民政府办公室", "parentid": 0, "order": 100000000},
    {"id": 2, "name": "秘书科", "parentid": 1, "order": 99999000},
    {"id": 3, "name": "综合科", "parentid": 1, "order": 99998000},
    {"id": 4, "name": "督查科", "parentid": 1, "order": 99997000},
    {"id": 5, "name": "信息科", "parentid": 1, "order": 99996000},
]

# is_leader_in_dept is aligned with department, one flag per department (WeCom shape).
MEMBERS: list[dict[str, Any]] = [
    {
        "userid": "zhoujianguo",
        "name": "周建国",
        "department": [1],
        "is_leader_in_dept": [1],
        "position": "主任",
    },
    {
        "userid": "liuyang",
        "name": "刘洋",
        "department": [1, 4],
        "is_leader_in_dept": [1, 0],
        "position": "副主任",
    },
    {
        "userid": "zhangwei",
        "name": "张伟",
        "department": [2],
        "is_leader_in_dept": [1],
        "position": "秘书科科长",
    },
    {
        "userid": "lina",
        "name": "李娜",
        "department": [2],
        "is_leader_in_dept": [0],
        "position": "科员",
    },
    {
        "userid": "wangfang",
        "name": "王芳",
        "department": [2],
        "is_leader_in_dept": [0],
        "position": "科员",
    },
    {
        "userid": "chenjing",
        "name": "陈静",
        "department": [3],
        "is_leader_in_dept": [1],
        "position": "综合科科长",
    },
    {
        "userid": "yangfan",
        "name": "杨帆",
        "department": [3],
        "is_leader_in_dept": [0],
        "position": "科员",
    },
    {
        "userid": "zhaolei",
        "name": "赵磊",
        "department": [3],
        "is_leader_in_dept": [0],
        "position": "科员",
    },
    {
        "userid": "sunli",
        "name": "孙丽",
        "department": [4],
        "is_leader_in_dept": [1],
        "position": "督查科科长",
    },
    {
        "userid": "wangfang2",
        "name": "王芳",
        "department": [4],
        "is_leader_in_dept": [0],
        "position": "督查专员",
    },
    {
        "userid": "huangtao",
        "name": "黄涛",
        "department": [4],
        "is_leader_in_dept": [0],
        "position": "科员",
    },
    {
        "userid": "wuqiang",
        "name": "吴强",
        "department": [5],
        "is_leader_in_dept": [1],
        "position": "信息科科长",
    },
    {
        "userid": "zhengxue",
        "name": "郑雪",
        "department": [5],
        "is_leader_in_dept": [0],
        "position": "科员",
    },
    {
        "userid": "xuming",
        "name": "徐明",
        "department": [5],
        "is_leader_in_dept": [0],
        "position": "工程师",
    },
    {
        "userid": "majun",
        "name": "马骏",
        "department": [2],
        "is_leader_in_dept": [0],
        "position": "科员",
    },
]
