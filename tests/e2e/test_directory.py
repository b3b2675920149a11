"""Loading the directory from WeCom's department/list and user/list, by command.

WeCom only: it checks the snapshot read from WeCom's department/user lists; DingTalk's
sync by command is in test_dingtalk_directory.py.
"""

from sqlalchemy import select

from tasks.directory.lookup import find_person
from tasks.directory.sync import apply_snapshot
from tasks.messaging.channel import DirectorySnapshot
from tasks.models import Department, Membership, Person
from webapp.cli.main import main


def leaders(session) -> dict[str, set[str]]:
    rows = session.execute(select(Department.name, Person.userid).join(Membership.department)
                           .join(Membership.person).where(Membership.is_leader))
    result: dict[str, set[str]] = {}
    for department, userid in rows:
        result.setdefault(department, set()).add(userid)
    return result


def test_sync_directory_command_loads_people_and_leaders(office, monkeypatch, tmp_path, capsys):
    settings = office.rt.settings
    for name, value in settings.raw.items():
        monkeypatch.setenv(f"MASHANGBAN_{name}", value)
    monkeypatch.chdir(tmp_path)

    assert main(["sync-directory"]) == 0
    assert main(["sync-directory"]) == 0  # idempotent

    out = capsys.readouterr().out.strip().splitlines()
    assert out[0] == out[1] == "通讯录已同步：5 个部门，15 人，0 人已停用"
    with office.rt.sessions() as session:
        assert session.query(Person).count() == 15
        found = leaders(session)
        assert found["秘书科"] == {"zhangwei"} and found["督查科"] == {"sunli"}
        assert found["某市人民政府办公室"] == {"zhoujianguo", "liuyang"}


def test_a_person_who_left_is_deactivated_not_deleted(office):
    snapshot = office.rt.channel.fetch_directory()
    remaining = tuple(m for m in snapshot.members if m.userid != "majun")
    with office.rt.sessions.begin() as session:
        report = apply_snapshot(session, DirectorySnapshot(snapshot.departments, remaining))
    assert report.deactivated == 1
    with office.rt.sessions() as session:
        majun = session.scalar(select(Person).where(Person.userid == "majun"))
        assert majun is not None and majun.active is False
        assert find_person(session, "马骏").person is None
    office.say("majun", "我的")
    assert "通讯录" in office.last_reply("majun")
