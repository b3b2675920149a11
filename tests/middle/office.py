"""The seeded office driven through `tasks.handling.flows.handle`, without any platform.

Each message is handled in its own transaction, as the worker does; what it queued is read
back from the outbox, then delivered through the in-memory channel, so a test can assert
both what the domain decided to send and what each person received. The clock stands at
the office's Tuesday morning and moves one second per message, as people type.
"""

from dataclasses import dataclass
from datetime import datetime
from itertools import count
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from tasks.calendar.workdays import SHANGHAI
from tasks.core.office_rules import OfficeRules
from tasks.handling import flows
from tasks.messaging import delivery
from tasks.messaging.channel import Card
from tasks.messaging.inbound import CardAction, Inbound, TextMessage
from tasks.models import Base, OutboxMessage, Task, TaskEvent
from tests.clocks import FrozenClock
from tests.middle.channel import MemoryChannel

NOT_STATE = ("inbox", "outbox")  # what a message may add even when it changes nothing


@dataclass(frozen=True)
class Queued:
    """One outbox row a message wrote: to whom, what kind, its text or card."""

    recipient: str
    kind: str
    text: str = ""
    card: Card | None = None


@dataclass(frozen=True)
class Sent:
    """Everything one message queued, in order."""

    rows: tuple[Queued, ...]

    def to(self, userid: str) -> list[str]:
        """The texts queued for `userid`."""
        return [r.text for r in self.rows if r.recipient == userid and r.card is None]

    def reply(self, userid: str) -> str:
        """The one text queued for `userid`."""
        [text] = self.to(userid)
        return text

    def recipients(self) -> set[str]:
        """Who gets a text from this message."""
        return {r.recipient for r in self.rows if r.card is None}

    def cards(self, userid: str, kind: str = "card") -> list[Card]:
        """Cards queued for `userid`: new ones (`card`) or redrawn ones (`card_update`)."""
        return [r.card for r in self.rows
                if r.recipient == userid and r.kind == kind and r.card is not None]


@dataclass(frozen=True)
class TaskView:
    """A task as people speak of it: userids and local times."""

    state: str
    kind: str
    requester: str
    holder: str | None
    first_responder: str | None
    department: str | None
    deadline: datetime | None
    original_deadline: datetime | None
    result: str | None
    transfer_count: int
    reopen_count: int
    progressed: bool


class Office:
    """People chatting with the assistant and pressing its cards."""

    def __init__(self, sessions: sessionmaker[Session], clock: FrozenClock, rules: OfficeRules,
                 channel: MemoryChannel):
        self.sessions, self.clock, self.rules, self.channel = sessions, clock, rules, channel
        self._keys = count(1)

    def say(self, userid: str, text: str, *, deliver: bool = True) -> Sent:
        """`userid` types `text`; returns what it queued (then delivered, unless told not)."""
        message = TextMessage(key=f"m{next(self._keys)}", sender=userid, text=text)
        return self.handle(message, deliver=deliver)

    def click(self, userid: str, label: str, *, title: str = "", sent_before: bool = False
              ) -> Sent:
        """`userid` presses `label` on the newest card they hold that has it (and whose
        title starts with `title`); the platform sends a fresh update code with the click.

        A link button (`url`) opens its page and calls nothing back, so pressing one is a
        mistake here, unless `sent_before`: the card as it was sent before that button
        became a link, which still sends its key."""
        for card in reversed(self.channel.cards(userid)):
            keys = [b.key for b in card.buttons if b.label == label]
            links = [b.url for b in card.buttons if b.label == label and b.url]
            if keys and card.title.startswith(title):
                assert sent_before or not links, f"{label} opens {links[0]}: no callback"
                return self.handle(CardAction(
                    key=f"m{next(self._keys)}", sender=userid, card_id=card.card_id,
                    action=keys[0], response_code=self.channel.issue_code(card.card_id)))
        raise AssertionError(f"{userid} has no card with a {label} button")

    def handle(self, message: Inbound, *, deliver: bool = True) -> Sent:
        self.clock.advance(seconds=1)
        with self.sessions.begin() as session:
            mark = session.scalar(select(func.max(OutboxMessage.id))) or 0
            flows.handle(session, message, now=self.clock(), rules=self.rules)
            session.flush()
            rows = session.scalars(select(OutboxMessage).where(OutboxMessage.id > mark)
                                   .order_by(OutboxMessage.id)).all()
            sent = Sent(tuple(_queued(row) for row in rows))
        if deliver:
            self.deliver()
        return sent

    def deliver(self) -> None:
        """Send every due outbox row through the in-memory channel; each must go through.

        Rows queued while sending (the later parts of a long text) are sent as well."""
        while True:
            with self.sessions() as session:
                due = delivery.due_ids(session, self.clock(), limit=10_000)
            if not due:
                return
            for outbox_id in due:
                outcome = delivery.deliver(self.sessions, outbox_id, {"wecom": self.channel},
                                           self.clock)
                assert outcome is not None and outcome.state == "sent", (outbox_id, outcome)

    def replies(self, userid: str) -> list[str]:
        return self.channel.texts(userid)

    def last_reply(self, userid: str) -> str:
        texts = self.channel.texts(userid)
        assert texts, f"{userid} received nothing"
        return texts[-1]

    def task(self, number: int = 1) -> TaskView:
        with self.sessions() as session:
            task = session.get(Task, number)
            assert task is not None, f"no task #{number}"
            return TaskView(
                task.state, task.kind, task.requester.userid,
                task.holder.userid if task.holder else None,
                task.first_responder.userid if task.first_responder else None,
                task.department.name if task.department else None,
                _local(task.deadline), _local(task.original_deadline), task.result,
                task.transfer_count, task.reopen_count, task.last_progress_at is not None)

    def history(self, number: int = 1) -> list[tuple[str, str, str, str]]:
        """The task's audit log: (action, actor's userid, channel, text)."""
        with self.sessions() as session:
            events = session.scalars(select(TaskEvent).where(TaskEvent.task_id == number)
                                     .order_by(TaskEvent.id)).all()
            return [(e.action, e.actor.userid if e.actor else "", e.channel, e.text)
                    for e in events]

    def state(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every stored row but the inbox's and the outbox's: equal before and after a
        message means the message changed nothing."""
        with self.sessions() as session:
            return {table.name: [tuple(row) for row in session.execute(
                        select(table).order_by(*table.primary_key.columns))]
                    for table in Base.metadata.sorted_tables if table.name not in NOT_STATE}


def _queued(row: OutboxMessage) -> Queued:
    if row.kind in ("card", "card_update"):
        return Queued(row.recipient, row.kind, card=Card.from_dict(row.body))
    return Queued(row.recipient, row.kind, text=row.body.get("text", ""))


def _local(when: datetime | None) -> datetime | None:
    return when.astimezone(SHANGHAI).replace(tzinfo=None) if when else None
