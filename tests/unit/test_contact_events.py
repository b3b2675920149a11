"""WeCom change_contact events: decoding them, and applying them to the stored directory."""

from datetime import UTC, datetime

import pytest
from defusedxml.ElementTree import fromstring
from sqlalchemy import select

from integrations.wecom.callback import CallbackVerifier
from integrations.wecom.events import ImpossibleField, decode_event
from integrations.wecom.sandbox.envelope import build_contact_xml, encrypt_callback
from tasks.core.office_rules import OfficeRules
from tasks.directory import changes
from tasks.directory.sync import apply_snapshot
from tasks.messaging.channel import DirectoryDepartment, DirectoryMember, DirectorySnapshot
from tasks.messaging.inbound import DirectoryChange, from_payload, to_payload
from tasks.models import Department, OutboxMessage, Person, Task, TaskFlag

NOW = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
CORP = "wwtest0000000001"

# The shape of WeCom's documented example (as WxJava's test carries it).
CREATE_USER = """<xml><ToUserName><![CDATA[toUser]]></ToUserName>
<FromUserName><![CDATA[sys]]></FromUserName><CreateTime>1403610513</CreateTime>
<MsgType><![CDATA[event]]></MsgType><Event><![CDATA[change_contact]]></Event>
<ChangeType>create_user</ChangeType><UserID><![CDATA[zhangsan]]></UserID>
<Name><![CDATA[张三]]></Name><Department><![CDATA[1,2,3]]></Department>
<MainDepartment>1</MainDepartment><IsLeaderInDept><![CDATA[1,0,0]]></IsLeaderInDept>
<Position><![CDATA[产品经理]]></Position><Mobile>13800000000</Mobile><Gender>1</Gender>
<Email><![CDATA[zhangsan@gzdev.com]]></Email><Status>1</Status>
<ExtAttr><Item><Name><![CDATA[爱好]]></Name><Type>0</Type></Item></ExtAttr></xml>"""


def decode(xml: str) -> DirectoryChange | None:
    event = decode_event(fromstring(xml.encode("utf-8")))
    assert event is None or isinstance(event, DirectoryChange)
    return event


def contact(*fields: tuple[str, object], at: int = 1795482000) -> str:
    return build_contact_xml(CORP, at, fields)


# -- decoding --------------------------------------------------------------------------------


def test_create_user_is_decoded_with_departments_and_leader_flags():
    change = decode(CREATE_USER)
    assert change is not None
    assert (change.sender, change.change, change.userid) == ("sys", "create_user", "zhangsan")
    assert change.name == "张三" and change.position == "产品经理"
    assert change.department_ids == ("1", "2", "3")
    assert change.leads_department_ids == ("1",)
    assert change.new_userid is None
    assert change.key.startswith("contact:1403610513:create_user:zhangsan:")


def test_an_update_leaves_what_it_does_not_mention_as_none():
    change = decode(contact(("ChangeType", "update_user"), ("UserID", "lina"),
                            ("NewUserID", "lina.li")))
    assert change is not None and change.new_userid == "lina.li"
    assert (change.name, change.position, change.department_ids,
            change.leads_department_ids) == (None, None, None, None)


def test_leader_flags_need_their_departments():
    alone = decode(contact(("ChangeType", "update_user"), ("UserID", "lina"),
                           ("IsLeaderInDept", "1")))
    assert alone.department_ids is None and alone.leads_department_ids is None
    unflagged = decode(contact(("ChangeType", "update_user"), ("UserID", "lina"),
                               ("Department", "2,3")))
    assert unflagged.department_ids == ("2", "3") and unflagged.leads_department_ids is None
    cleared = decode(contact(("ChangeType", "update_user"), ("UserID", "lina"),
                             ("Position", "")))
    assert cleared.position == ""


@pytest.mark.parametrize(("change_type", "fields", "expected"), [
    ("create_party", [("Id", "6"), ("Name", "法规科"), ("ParentId", "1"), ("Order", "1")],
     ("6", "法规科", "1")),
    ("update_party", [("Id", "6"), ("Name", "法制科")], ("6", "法制科", None)),
    ("delete_party", [("Id", "6")], ("6", None, None)),
])
def test_department_events_are_decoded(change_type, fields, expected):
    change = decode(contact(("ChangeType", change_type), *fields))
    assert change is not None and change.change == change_type
    assert (change.department_id, change.department_name,
            change.parent_department_id) == expected
    assert change.userid == ""


@pytest.mark.parametrize("fields", [
    [("ChangeType", "update_user")],
    [("ChangeType", "delete_user"), ("UserID", "  ")],
    [("ChangeType", "create_party"), ("Name", "无编号科")],
    [("ChangeType", "update_tag"), ("TagId", "1")],
    [("ChangeType", "nonsense"), ("UserID", "lina")],
    [("UserID", "lina")],
])
def test_unusable_events_decode_to_nothing(fields):
    assert decode(contact(*fields)) is None


def test_the_key_is_stable_for_a_retry_and_distinct_for_another_change():
    first = decode(contact(("ChangeType", "update_user"), ("UserID", "lina"), ("Name", "李娜")))
    retry = decode(contact(("ChangeType", "update_user"), ("UserID", "lina"), ("Name", "李娜")))
    other = decode(contact(("ChangeType", "update_user"), ("UserID", "lina"), ("Name", "李 娜")))
    assert first.key == retry.key != other.key
    longest = decode(contact(("ChangeType", "update_user"), ("UserID", "x" * 64)))
    assert len(longest.key) <= 200
    with pytest.raises(ImpossibleField):  # no WeCom userid is longer than 64 characters
        decode(contact(("ChangeType", "update_user"), ("UserID", "x" * 300)))


def test_an_encrypted_callback_decodes_and_survives_the_inbox_payload():
    verifier = CallbackVerifier("QDG6eK", "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C", CORP)
    params, body = encrypt_callback(CREATE_USER.replace("toUser", CORP), verifier.token,
                                    verifier.aes_key, CORP, "1403610513", "123456", 1000002)
    change = verifier.decode(params, body, datetime.fromtimestamp(1403610513, UTC))
    assert isinstance(change, DirectoryChange) and change.userid == "zhangsan"
    assert from_payload(to_payload(change)) == change


# -- applying --------------------------------------------------------------------------------


@pytest.fixture
def office(session):
    """Two sections under one office, a clerk with an open and a closed task."""
    apply_snapshot(session, DirectorySnapshot(
        departments=(DirectoryDepartment("1", "办公室", None),
                     DirectoryDepartment("2", "秘书科", "1"),
                     DirectoryDepartment("3", "综合科", "1")),
        members=(DirectoryMember("boss", "周建国", ("1",), ("1",)),
                 DirectoryMember("head", "张伟", ("2",), ("2",)),
                 DirectoryMember("lina", "李娜", ("2",)),
                 DirectoryMember("yang", "杨帆", ("3",))),
    ), now=NOW)
    lina = _person(session, "lina")
    for title, state in (("起草总结", "accepted"), ("订会议室", "closed")):
        session.add(Task(title=title, state=state, requester=_person(session, "head"),
                         holder=lina, first_responder=lina, created_at=NOW, updated_at=NOW))
    session.flush()
    return session


def _person(session, userid: str) -> Person | None:
    return session.scalar(select(Person).where(Person.userid == userid))


def _apply(session, change: str, **fields) -> None:
    changes.apply(session, DirectoryChange(key="k", sender="sys", change=change,
                                                     **fields), now=NOW, rules=OfficeRules())


def test_an_update_about_someone_never_seen_adds_them(office):
    _apply(office, "update_user", userid="newbie", department_ids=("3", "99"),
           leads_department_ids=("3",))
    newbie = _person(office, "newbie")
    assert newbie.active and newbie.name == "newbie"
    assert [(m.department.name, m.is_leader) for m in newbie.memberships] == [("综合科", True)]


def test_a_department_change_without_flags_keeps_the_leader_flag_where_it_stays(office):
    _apply(office, "update_user", userid="head", department_ids=("2", "3"))
    head = _person(office, "head")
    assert sorted((m.department.name, m.is_leader) for m in head.memberships) == [
        ("秘书科", True), ("综合科", False)]


def test_a_rename_onto_a_userid_already_on_record_leaves_both_records(office):
    _apply(office, "update_user", userid="lina", new_userid="yang", name="杨帆")
    assert _person(office, "lina") is not None and _person(office, "yang").name == "杨帆"


def test_a_rename_moves_waiting_messages(office):
    office.add(OutboxMessage(created_at=NOW, recipient="lina", kind="text", body={"text": "x"},
                             state="pending", attempts=0, next_attempt_at=NOW))
    _apply(office, "update_user", userid="lina", new_userid="lina.li")
    assert office.scalar(select(OutboxMessage.recipient)) == "lina.li"


def test_leaving_flags_open_work_once_and_tells_the_supervisors(office):
    _apply(office, "delete_user", userid="lina")
    _apply(office, "delete_user", userid="lina")
    flags = office.scalars(select(TaskFlag)).all()
    assert [(f.task_id, f.flag, f.key) for f in flags] == [(1, "holder_left", "lina")]
    assert flags[0].detail["told"] == ["head", "boss"]
    told = office.scalars(select(OutboxMessage.recipient).order_by(OutboxMessage.id)).all()
    assert told == ["head", "boss"]
    assert _person(office, "lina").active is False


def test_with_no_supervisor_the_admins_are_told(session):
    apply_snapshot(session, DirectorySnapshot(
        departments=(DirectoryDepartment("1", "办公室", None),),
        members=(DirectoryMember("solo", "独行", ()), DirectoryMember("it", "管理员", ("1",)))),
        now=NOW)
    solo = _person(session, "solo")
    session.add(Task(title="值守", requester=solo, holder=solo, created_at=NOW, updated_at=NOW))
    session.flush()
    changes.apply(session, DirectoryChange(key="k", sender="sys", change="delete_user",
                                                     userid="solo"),
                            now=NOW, rules=OfficeRules(admins=frozenset({"it"})))
    assert session.scalars(select(OutboxMessage.recipient)).all() == ["it"]


def test_department_changes_keep_the_tree_sound(office):
    _apply(office, "create_party", department_id="4", department_name="法规科",
           parent_department_id="404")
    assert office.scalar(select(Department).where(Department.platform_id == "4")
                         ).parent_platform_id is None
    _apply(office, "update_party", department_id="4", parent_department_id="4")
    _apply(office, "update_party", department_id="4", parent_department_id="3")
    moved = office.scalar(select(Department).where(Department.platform_id == "4"))
    assert moved.parent_platform_id == "3" and moved.name == "法规科"
    _apply(office, "update_user", userid="yang", department_ids=("3", "4"))
    _apply(office, "delete_party", department_id="4")
    assert moved.active is False
    assert _person(office, "yang").department_names == ["综合科"]


def test_a_directory_event_from_a_member_changes_nothing():
    """Issue 13, finding 9: only WeCom's system account sends directory events."""
    forged = CREATE_USER.replace("<![CDATA[sys]]>", "<![CDATA[zhangwei]]>")
    assert decode(CREATE_USER) is not None
    assert decode(forged) is None
