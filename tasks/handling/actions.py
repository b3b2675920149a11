"""What happens when a person acts on a workbench page (a form on the task page, a button
in the API): the same verbs as chat, run for the signed-in person, answered on the page.

A page action is a chat message without the chat: the verb, the authorization matrix,
the audit event, the cards redrawn, the others told and the reminders replanned are
exactly what the same command in chat does (`tasks.handling.flows`). Only the answer to
the person acting differs: it is collected and shown on the page instead of being sent
to them in chat. The audit log records the channel as "web".

Each form carries a one-time key. The key is stored with the answer in the action's own
transaction, so a form submitted twice (a double tap, a browser resending after a lost
response) acts once and shows the first answer again.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from tasks.core.context import Context
from tasks.core.office_rules import OfficeRules
from tasks.errors import Refusal
from tasks.models import Person, Task, WebSubmission
from tasks.reminders import schedule

KEY_LONGEST = 64


@dataclass(frozen=True)
class Outcome:
    """What the page shows after an action: the replies chat would have sent the person,
    or the refusal chat would have given; `repeated` when the key had acted before."""

    replies: tuple[str, ...] = ()
    refusal: str | None = None
    repeated: bool = False

    @property
    def done(self) -> bool:
        return self.refusal is None


@dataclass
class PageContext(Context):
    """A Context whose replies to the sender are kept for the page, not queued to chat."""

    said: list[str] = field(default_factory=list)

    def reply(self, text: str, *, task: Task | None = None, markdown: bool = False) -> None:
        self.said.append(text)


def perform(session: Session, person: Person, do: Callable[[Context], None], *,
            now: datetime, rules: OfficeRules, key: str) -> Outcome:
    """Run `do` as `person` in the caller's transaction, once per `key`.

    A refusal rolls back what `do` changed (a savepoint) and is the outcome; the key is
    still stored, so resubmitting a refused form is refused the same way without asking
    again. The caller commits, and then wakes a worker to send what was queued.
    """
    if not key or len(key) > KEY_LONGEST:
        return Outcome(refusal="表单已失效，请刷新页面后重试。")
    earlier = session.get(WebSubmission, key)
    if earlier is not None:
        return _outcome(earlier.outcome, repeated=True)
    ctx = PageContext(session, person, now, rules, channel="web")
    savepoint = session.begin_nested()
    try:
        do(ctx)
        for task in ctx.touched.values():  # reminders follow the state, as in chat
            schedule.reschedule(session, task, ctx.calendar, ctx.rules, now)
        savepoint.commit()
        outcome = Outcome(replies=tuple(ctx.said))
    except Refusal as refusal:
        savepoint.rollback()
        outcome = Outcome(refusal=refusal.message)
    session.add(WebSubmission(key=key, person_id=person.id, at=now,
                              outcome={"replies": list(outcome.replies),
                                       "refusal": outcome.refusal}))
    return outcome


def _outcome(stored: dict[str, Any], *, repeated: bool) -> Outcome:
    replies = stored.get("replies") or []
    refusal = stored.get("refusal")
    return Outcome(replies=tuple(str(r) for r in replies if isinstance(r, str)),
                   refusal=str(refusal) if refusal is not None else None, repeated=repeated)
