"""One person on two platforms: 李娜 is `lina` on WeCom and `manager4312` on DingTalk.

The office's WeCom directory is seeded; a DingTalk directory arrives beside it. These tests
check what people notice: the same person, one history, answers where they last wrote from,
and one platform's directory never undoing the other's.
"""

from dataclasses import replace

from sqlalchemy import select

from tasks.directory import changes
from tasks.directory.sync import apply_snapshot
from tasks.messaging.channel import DirectoryDepartment, DirectoryMember, DirectorySnapshot
from tasks.messaging.inbound import DirectoryChange, TextMessage
from tasks.models import Department, OutboxMessage, Person, PersonIdentity
from tests.middle.channel import MemoryChannel
from tests.seeded_office import seeded_directory

LINA_MOBILE = "13800138000"
DINGTALK = "dingtalk"

DT_DEPARTMENTS = (
    DirectoryDepartment("1", "市政府办（钉钉）", None),
    DirectoryDepartment("2", "督查室", "1"),  # id 2 is 秘书科 on WeCom: another department
)


def dt_member(userid: str, name: str, mobile: str = "", departments=("2",)) -> DirectoryMember:
    return DirectoryMember(userid=userid, name=name, department_ids=tuple(departments),
                           mobile=mobile)


def sync(office, snapshot: DirectorySnapshot, platform: str = "wecom") -> None:
    with office.sessions.begin() as session:
        apply_snapshot(session, snapshot, now=office.clock(), rules=office.rules,
                       platform=platform)


def wecom_with_mobiles(**mobiles: str) -> DirectorySnapshot:
    seeded = seeded_directory()
    return replace(seeded, members=tuple(replace(m, mobile=mobiles.get(m.userid, ""))
                                         for m in seeded.members))


def identities_of(office, platform: str, userid: str) -> list[str]:
    with office.sessions() as session:
        person = session.scalar(select(Person).join(Person.identities).where(
            PersonIdentity.platform == platform, PersonIdentity.userid == userid))
        assert person is not None, f"nobody is {platform}:{userid}"
        return sorted(f"{i.platform}:{i.userid}" for i in person.identities)


def person_of(office, platform: str, userid: str) -> tuple[int, bool, list[str]]:
    """(id, active, department names) of whoever answers to platform:userid."""
    with office.sessions() as session:
        person = session.scalar(select(Person).join(Person.identities).where(
            PersonIdentity.platform == platform, PersonIdentity.userid == userid))
        assert person is not None
        return person.id, person.active, sorted(person.department_names)


def people_count(office) -> int:
    with office.sessions() as session:
        return len(session.scalars(select(Person)).all())


def linked_office(office) -> None:
    """李娜's mobile is on both directories, written differently."""
    sync(office, wecom_with_mobiles(lina=LINA_MOBILE))
    sync(office, DirectorySnapshot(DT_DEPARTMENTS, (
        dt_member("manager4312", "李娜", "+86 138-0013-8000"),
        dt_member("dt_zhao", "赵敏"))), platform=DINGTALK)


def last_row(office) -> OutboxMessage:
    with office.sessions() as session:
        row = session.scalar(select(OutboxMessage).order_by(OutboxMessage.id.desc()).limit(1))
        assert row is not None
        session.expunge(row)
        return row


# -- linking ------------------------------------------------------------------------------


def test_a_dingtalk_member_with_the_same_mobile_is_the_same_person(office):
    before = people_count(office)
    linked_office(office)
    assert identities_of(office, DINGTALK, "manager4312") == ["dingtalk:manager4312",
                                                             "wecom:lina"]
    lina_id, active, departments = person_of(office, "wecom", "lina")
    assert person_of(office, DINGTALK, "manager4312")[0] == lina_id and active
    assert departments == ["督查室", "秘书科"]  # her departments on both platforms
    assert people_count(office) == before + 1  # only 赵敏 is new
    with office.sessions() as session:
        assert session.scalar(select(Person.mobile_hash).where(Person.userid == "lina")) \
            not in (None, LINA_MOBILE)
        assert LINA_MOBILE not in str(session.scalars(select(Person.mobile_hash)).all())


def test_a_mobile_two_people_share_links_nobody(office):
    sync(office, wecom_with_mobiles(lina=LINA_MOBILE, wangfang=LINA_MOBILE))
    sync(office, DirectorySnapshot(DT_DEPARTMENTS, (
        dt_member("manager4312", "李娜", LINA_MOBILE),)), platform=DINGTALK)
    assert identities_of(office, DINGTALK, "manager4312") == ["dingtalk:manager4312"]


def test_departments_with_the_same_id_on_two_platforms_stay_two(office):
    linked_office(office)
    with office.sessions() as session:
        rows = sorted((d.platform, d.platform_id, d.name, d.active)
                      for d in session.scalars(select(Department).where(
                          Department.platform_id == "2")))
    assert rows == [("dingtalk", "2", "督查室", True), ("wecom", "2", "秘书科", True)]
    sync(office, seeded_directory())  # WeCom's sync leaves DingTalk's departments alone
    _, _, departments = person_of(office, "wecom", "lina")
    assert departments == ["督查室", "秘书科"]


def test_a_change_event_links_by_mobile_too(office):
    sync(office, wecom_with_mobiles(wangfang="13900139000"))
    office.handle(DirectoryChange(key="c1", sender="sys", change="create_user",
                                  userid="fang01", name="王芳", department_ids=(),
                                  mobile="139 0013 9000", platform=DINGTALK), deliver=False)
    assert identities_of(office, DINGTALK, "fang01") == ["dingtalk:fang01", "wecom:wangfang"]


# -- leaving one platform -----------------------------------------------------------------


def test_leaving_dingtalk_keeps_someone_who_is_still_on_wecom(office):
    linked_office(office)
    sync(office, DirectorySnapshot(DT_DEPARTMENTS, ()), platform=DINGTALK)
    _, active, departments = person_of(office, "wecom", "lina")
    assert active and departments == ["秘书科"]
    assert identities_of(office, "wecom", "lina") == ["wecom:lina"]
    assert office.say("lina", "我的").reply("lina")  # she still works on WeCom
    _, zhao_active, _ = person_of(office, DINGTALK, "dt_zhao")
    assert not zhao_active  # on DingTalk alone: she has left


def test_a_delete_event_on_one_platform_only_drops_that_identity(office):
    linked_office(office)
    office.handle(DirectoryChange(key="c1", sender="sys", change="delete_user",
                                  userid="manager4312", platform=DINGTALK), deliver=False)
    _, active, _ = person_of(office, "wecom", "lina")
    assert active and identities_of(office, "wecom", "lina") == ["wecom:lina"]


# -- where messages go --------------------------------------------------------------------


def test_answers_and_cards_go_where_the_person_last_wrote_from(office):
    linked_office(office)
    sent = office.handle(TextMessage(key="d1", sender="manager4312", text="我的",
                                     platform=DINGTALK), deliver=False)
    assert sent.to("manager4312") and not sent.to("lina")
    assert (last_row(office).platform, last_row(office).recipient) == (DINGTALK,
                                                                       "manager4312")
    office.say("zhangwei", "新建 整理会议纪要 @李娜 明天下班前", deliver=False)
    with office.sessions() as session:
        card = session.scalar(select(OutboxMessage).where(OutboxMessage.kind == "card")
                              .order_by(OutboxMessage.id.desc()).limit(1))
        assert (card.platform, card.recipient) == (DINGTALK, "manager4312")
    office.say("lina", "我的", deliver=False)  # back on WeCom: answers follow her there
    assert (last_row(office).platform, last_row(office).recipient) == ("wecom", "lina")


def test_someone_known_on_one_platform_is_answered_there(office):
    sent = office.say("wangfang", "我的")
    assert sent.to("wangfang")
    with office.sessions() as session:
        assert session.scalar(select(Person.reply_platform).where(
            Person.userid == "wangfang")) is None  # nothing recorded: main identity


# -- changes that carry only an id ---------------------------------------------------------


def test_an_id_only_change_is_applied_from_the_platforms_current_record(office):
    dingtalk = MemoryChannel(directory=DirectorySnapshot(DT_DEPARTMENTS, (
        dt_member("dt_new", "钱进", departments=("2",)),)))
    for change in (
        DirectoryChange(key="e1", sender="sys", change="create_party", department_id="1",
                        lookup=True, platform=DINGTALK),
        DirectoryChange(key="e2", sender="sys", change="create_party", department_id="2",
                        lookup=True, platform=DINGTALK),
        DirectoryChange(key="e3", sender="sys", change="create_user", userid="dt_new",
                        lookup=True, platform=DINGTALK),
    ):
        for _ in range(2):  # a replayed event changes nothing more
            office.handle(changes.resolve(change, dingtalk), deliver=False)
    _, active, departments = person_of(office, DINGTALK, "dt_new")
    assert active and departments == ["督查室"]
    dingtalk.directory = DirectorySnapshot(DT_DEPARTMENTS[:1], ())  # she left, 督查室 went
    office.handle(changes.resolve(DirectoryChange(
        key="e4", sender="sys", change="update_user", userid="dt_new", lookup=True,
        platform=DINGTALK), dingtalk), deliver=False)
    office.handle(changes.resolve(DirectoryChange(
        key="e5", sender="sys", change="update_party", department_id="2", lookup=True,
        platform=DINGTALK), dingtalk), deliver=False)
    assert not person_of(office, DINGTALK, "dt_new")[1]
    with office.sessions() as session:
        states = {(d.platform, d.platform_id): d.active for d in session.scalars(
            select(Department).where(Department.platform_id == "2"))}
    assert states == {("dingtalk", "2"): False, ("wecom", "2"): True}


def test_a_change_without_lookup_is_applied_as_it_is():
    change = DirectoryChange(key="k", sender="sys", change="update_user", userid="u",
                             name="甲")
    assert changes.resolve(change, MemoryChannel()) is change
