"""One person on several platforms, end to end: the admin's `mashangban person` commands,
WeCom's single-record lookups against the sandbox, and an id-only directory change looked
up by the worker before it is applied."""

from sqlalchemy import select

from tasks.directory.identity import person_with_identity
from tasks.directory.sync import apply_snapshot
from tasks.messaging.channel import DirectoryDepartment, DirectoryMember, DirectorySnapshot
from tasks.messaging.inbound import DirectoryChange
from tasks.models import Person
from workers.jobs.messages import process_inbox

DINGTALK_DIRECTORY = DirectorySnapshot(
    (DirectoryDepartment("1", "市政府办", None), DirectoryDepartment("7", "督查室", "1")),
    (DirectoryMember("manager4312", "李娜", ("7",)),),
)


def dingtalk_synced(office) -> None:
    """DingTalk's directory (no mobiles) next to WeCom's: 李娜 is two records for now."""
    with office.rt.sessions.begin() as session:
        apply_snapshot(session, DINGTALK_DIRECTORY, now=office.rt.clock(),
                       platform="dingtalk")


def who(office, platform: str, userid: str) -> tuple[int, bool, list[str], list[str]]:
    """(person id, active, identities, departments) of whoever is platform:userid."""
    with office.rt.sessions() as session:
        person = person_with_identity(session, platform, userid)
        assert person is not None
        return (person.id, person.active,
                sorted(f"{i.platform}:{i.userid}" for i in person.identities),
                sorted(person.department_names))


def test_an_admin_links_and_unlinks_an_identity(office, admin):
    dingtalk_synced(office)
    lina = who(office, "wecom", "lina")[0]
    assert who(office, "dingtalk", "manager4312")[0] != lina

    code, out = admin("person", "link", "wecom:lina", "dingtalk:manager4312")
    assert code == 0, out
    assert "已关联" in out and "dingtalk:manager4312" in out
    person, active, identities, departments = who(office, "dingtalk", "manager4312")
    assert (person, active) == (lina, True)
    assert identities == ["dingtalk:manager4312", "wecom:lina"]
    assert departments == ["督查室", "秘书科"]
    code, out = admin("person", "show", "李娜")
    assert code == 0 and "wecom:lina（主身份" in out and "dingtalk:manager4312（管理员关联）" in out
    assert admin("person", "link", "lina", "dingtalk:manager4312")[1].startswith(
        "dingtalk:manager4312 已是 李娜 的身份")  # again: no change

    code, out = admin("person", "unlink", "dingtalk:manager4312")
    assert code == 0 and "已解除" in out
    assert who(office, "wecom", "lina")[2] == ["wecom:lina"]
    other, active, identities, departments = who(office, "dingtalk", "manager4312")
    assert other != lina and active and departments == ["督查室"]


def test_wrong_input_gets_one_line_and_changes_nothing(office, admin):
    dingtalk_synced(office)
    for args, said in (
        (("person", "link", "wecom:lina", "manager4312"), "不是身份"),
        (("person", "link", "wecom:nobody", "dingtalk:manager4312"), "没有身份 wecom:nobody"),
        (("person", "link", "无此人", "dingtalk:manager4312"), "通讯录中没有"),
        (("person", "unlink", "dingtalk:ghost"), "没有身份 dingtalk:ghost"),
        (("person", "unlink", "wecom:lina"), "唯一的身份"),
        (("person", "show", "wecom:ghost"), "没有身份"),
    ):
        code, out = admin(*args)
        assert code == 2 and out.startswith("mashangban: ") and said in out, (args, out)
        assert "Traceback" not in out and out.count("\n") == 1
    assert who(office, "wecom", "lina")[2] == ["wecom:lina"]


def test_a_link_is_refused_while_the_other_record_holds_open_work(office, admin):
    dingtalk_synced(office)
    office.say("zhangwei", "新建 起草通知 @wangfang 明天下班前")
    code, out = admin("person", "link", "dingtalk:manager4312", "wecom:wangfang")
    assert code == 2 and "还在办任务 #1" in out and "请先转办" in out, out
    assert who(office, "wecom", "wangfang")[2] == ["wecom:wangfang"]


def test_wecom_looks_up_one_member_or_department(office):
    channel = office.rt.channels["wecom"]
    lina = channel.fetch_member("lina")
    assert lina is not None and lina.name == "李娜" and lina.department_ids == ("2",)
    assert channel.fetch_member("nobody") is None
    department = channel.fetch_department("2")
    assert department is not None and department.name == "秘书科"
    assert department.parent_platform_id == "1"
    assert channel.fetch_department("999") is None


def test_an_id_only_change_is_looked_up_by_the_worker(office):
    """A change naming only a userid (as DingTalk's are) takes the directory's current
    record; one about someone the directory no longer has deactivates them."""
    inbox = office.rt.inboxes["wecom"]
    now = office.rt.clock()
    with office.rt.sessions.begin() as session:  # lina's record drifted from WeCom's
        session.scalar(select(Person).where(Person.userid == "lina")).name = "旧名"
    inbox.store(DirectoryChange(key="lookup-1", sender="sys", change="update_user",
                                userid="lina", lookup=True), now=now)
    inbox.store(DirectoryChange(key="lookup-2", sender="sys", change="update_user",
                                userid="ghost_user", lookup=True), now=now)
    assert process_inbox(office.rt) == 2
    _, active, _, departments = who(office, "wecom", "lina")
    assert active and departments == ["秘书科"]
    with office.rt.sessions() as session:
        assert session.scalar(select(Person.name).where(Person.userid == "lina")) == "李娜"
        assert session.scalar(select(Person).where(Person.userid == "ghost_user")) is None
