"""Everything one inbound message is handled with: who sent it, when, and how to answer."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property

from sqlalchemy.orm import Session

from tasks.calendar.office import load_calendar
from tasks.calendar.workdays import WorkCalendar
from tasks.core.authority import Authority
from tasks.core.office_rules import OfficeRules
from tasks.errors import Refusal
from tasks.language import DeadlineError, parse_deadline
from tasks.messaging.outbox import queue_markdown, queue_text
from tasks.models import Person, Task, TaskEvent


@dataclass
class Context:
    """One message's view of the office; the session's transaction is the message's."""

    session: Session
    sender: Person
    now: datetime
    rules: OfficeRules
    channel: str = "chat"  # or "card": where the audit log says the change came from
    touched: dict[int, Task] = field(default_factory=dict)  # tasks whose reminders to replan

    @cached_property
    def authority(self) -> Authority:
        return Authority(self.session, self.rules)

    @cached_property
    def calendar(self) -> WorkCalendar:
        return load_calendar(self.session, self.rules.working_hours)

    def reply(self, text: str, *, task: Task | None = None, markdown: bool = False) -> None:
        self.tell(self.sender, text, task=task, markdown=markdown)

    def tell(self, person: Person, text: str, *, task: Task | None = None,
             markdown: bool = False) -> None:
        queue = queue_markdown if markdown else queue_text
        queue(self.session, person, text, now=self.now, task=task)

    def tell_others(self, people: Sequence[Person | None], text: str, *, task: Task) -> None:
        """Tell each named person once, skipping the sender, who gets their own reply."""
        seen = {self.sender.id}
        for person in people:
            if person is not None and person.id not in seen:
                seen.add(person.id)
                self.tell(person, text, task=task)

    def record(self, task: Task, action: str, text: str = "", **detail: str) -> None:
        """Append to the task's audit log (登记、存档): actor, time, channel and text."""
        self.session.add(TaskEvent(task=task, at=self.now, actor=self.sender, action=action,
                                   channel=self.channel, text=text, detail=detail))
        self.touched[task.id] = task

    def deadline(self, text: str) -> datetime:
        """A deadline the sender wrote, read on the office calendar; a bad one is refused."""
        try:
            return parse_deadline(text, self.now, self.calendar)
        except DeadlineError as error:
            reason = str(error)  # 期限已过… already says it is the deadline
            raise Refusal(reason if reason.startswith("期限") else f"期限无法使用：{reason}") \
                from error
