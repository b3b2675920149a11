"""The demo's two weeks of history: every step acts as it would in chat, nothing reaches
the chat page, and the workbench and the dashboard have figures to show."""

from sqlalchemy import func, select

from tasks.models import Closure, OutboxMessage, Rating, Task, TaskEvent
from tests.e2e.office import Office
from tests.e2e.workbench import client_for, workbench_url
from webapp.cli import demo_history


def seeded(office: Office) -> int:
    with office.rt.sessions.begin() as session:
        return demo_history.seed(session, now=office.rt.clock(),
                                 rules=office.rt.settings.rules, platform=office.platform)


def test_the_history_is_made_by_chat_steps_that_all_succeed(office: Office):
    ran = seeded(office)
    assert ran == len(demo_history.STEPS)
    with office.rt.sessions() as session:
        states = {id_: state for id_, state in session.execute(select(Task.id, Task.state))}
        steps = session.scalar(select(func.count()).select_from(TaskEvent))
        closures = session.scalar(select(func.count()).select_from(Closure))
        rated = session.scalar(select(func.count()).select_from(Rating)
                               .where(Rating.state == "rated"))
        pending = session.scalar(select(func.count()).select_from(OutboxMessage)
                                 .where(OutboxMessage.state == "pending"))
        holder = session.scalar(select(Task).where(Task.id == 4)).holder.name
    assert len(states) == 11 and states[1] == states[4] == "closed"
    assert states[6] == states[7] == "accepted" and states[8] == "pending"
    assert steps == ran  # one audit event per step: no step was refused
    assert closures == 6 and rated == 5 and holder == "杨帆"
    assert pending == 0  # the chat page starts empty
    office.work()
    assert office.transcript("zhangwei") == []
    assert seeded(office) == 0  # a demo with tasks keeps its own


def test_the_dashboard_and_task_pages_show_the_history(office: Office):
    seeded(office)
    client = client_for(office, "zhoujianguo")  # 负责人 of the whole office
    tree = client.get(workbench_url(office, "/api/v1/dashboard/tree"), timeout=10).json()
    office_wide = tree["departments"][0]
    assert office_wide["name"] == "某市人民政府办公室" and office_wide["open"] == 5
    assert office_wide["overdue"] >= 1  # 复核整改落实情况 was due the day after it was made
    mine = client_for(office, "lina").get(workbench_url(office, "/m/"), timeout=10).text
    assert "校对年度预算说明" in mine
