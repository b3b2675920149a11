"""What-if builds of the reminder dispatcher for `benchmarks.reminders --whatif`.

`apply(names)` patches the dispatcher in the running process (the product files are
unchanged), so the benchmark can measure what a change to the product would buy. Each
name is one change; they combine.

* `by-id`: the claim reads the locked rows again by primary key alone and checks their
  state in Python. The product's `WHERE id IN (...) AND state = 'pending' ORDER BY
  due_at, id` makes SQLite (no statistics unless ANALYZE is run) walk the (state, due_at)
  index through every pending row instead of looking the ids up.
* `keep-loaded`: what a round loads stays in the session until the round ends. The
  product's `_Batch.load` reads the round's tasks (with holders and their memberships)
  into a local list and drops it, and the session holds objects only weakly, so each
  `row.task` and each holder is read again, one query per row.
* `per-department`: supervisors are worked out once per department set, as
  `_Batch`'s docstring says, not once per holder: the department tree, its leaders and
  grants are read once per round.
* `due-first`: rows due now are claimed first; rows due within the merge window are
  claimed only when some are due now, only up to what is left of the batch, and never
  催办 (overdue) rows, which the product never sends early anyway. The product claims the
  first `limit` rows due before now + merge window, so while reminders keep falling due,
  every poll re-plans and locks up to a full batch of rows it will not send yet.
* `fixed-rate`: the reminder thread starts a poll every interval counted from the start
  of the previous one, instead of waiting the interval after each poll ends; a poll
  longer than that is followed by the next at once.
* `fast-poll`: the reminder thread polls every 0.25 s instead of 0.5 s.
"""

import time
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import event, select
from sqlalchemy.orm import Session

import tasks.reminders as product
from tasks.authority import Authority
from tasks.models import Department, Person, Reminder, Task
from tasks.rules import OfficeRules
from tasks.workcalendar import WorkCalendar
from workers.jobs.reminders import ReminderThread, dispatch_reminders, log

NAMES = ("by-id", "keep-loaded", "per-department", "due-first", "fixed-rate", "fast-poll")
FAST_POLL_SECONDS = 0.25


def apply(names: Sequence[str]) -> None:
    """Install the what-if changes named in this process."""
    unknown = set(names) - set(NAMES)
    if unknown:
        raise ValueError(f"unknown what-if {sorted(unknown)}; known: {', '.join(NAMES)}")
    if "by-id" in names or "due-first" in names:
        _install_claim(by_id="by-id" in names, due_first="due-first" in names)
    if "keep-loaded" in names:
        event.listen(Session, "loaded_as_persistent", _keep)
    if "per-department" in names:
        product.Authority = _RoundAuthority  # type: ignore[misc]
    if "fixed-rate" in names:
        ReminderThread.run = _run_at_fixed_rate  # type: ignore[method-assign]
    if "fast-poll" in names:
        init = ReminderThread.__init__

        def fast(self: ReminderThread, rt: Any, interval: float = FAST_POLL_SECONDS) -> None:
            init(self, rt, interval)

        ReminderThread.__init__ = fast  # type: ignore[method-assign]


# ---- the claim ---------------------------------------------------------------------------


def _install_claim(*, by_id: bool, due_first: bool) -> None:
    """Replace `tasks.reminders._claim`; `dispatch_due` is wrapped to tell it the round's
    instant and merge window, which the product's `_claim` does not receive."""
    dispatch_due = product.dispatch_due
    round_: dict[str, Any] = {}

    def dispatch(session: Session, calendar: WorkCalendar, rules: OfficeRules,
                 now: datetime, *, limit: int = 500) -> int:
        round_.update(now=now, window=rules.merge_window)
        return dispatch_due(session, calendar, rules, now, limit=limit)

    def claim(session: Session, horizon: datetime, limit: int) -> list[Reminder]:
        if not due_first:
            return _claim(session, limit, by_id, Reminder.due_at <= horizon)
        now, window = round_["now"], round_["window"]
        assert horizon == now + window
        due = _claim(session, limit, by_id, Reminder.due_at <= now)
        if not due or len(due) >= limit:
            return due
        return due + _claim(session, limit - len(due), by_id, Reminder.due_at > now,
                            Reminder.due_at <= horizon, Reminder.timer != product.OVERDUE)

    product.dispatch_due = dispatch
    product._claim = claim


def _claim(session: Session, limit: int, by_id: bool, *conditions: Any) -> list[Reminder]:
    """The product's `_claim` for rows matching `conditions`: the earliest pending ones,
    their tasks locked first (skipping locked ones), then the rows, read again under the
    lock; by primary key alone when `by_id`."""
    due = session.execute(
        select(Reminder.id, Reminder.task_id).where(Reminder.state == "pending", *conditions)
        .order_by(Reminder.due_at, Reminder.id).limit(limit)).all()
    if not due:
        return []
    free = set(session.scalars(select(Task.id).where(
        Task.id.in_(sorted({task_id for _, task_id in due}))).with_for_update(skip_locked=True)))
    ids = [row_id for row_id, task_id in due if task_id in free]
    if not ids:
        return []
    if not by_id:
        return list(session.scalars(
            select(Reminder).where(Reminder.id.in_(ids), Reminder.state == "pending")
            .order_by(Reminder.due_at, Reminder.id).with_for_update(skip_locked=True)))
    rows = session.scalars(select(Reminder).where(Reminder.id.in_(ids))
                           .with_for_update(skip_locked=True))
    return sorted((row for row in rows if row.state == "pending"),
                  key=lambda row: (row.due_at, row.id))


# ---- keep-loaded and per-department --------------------------------------------------------


def _keep(session: Session, instance: Any) -> None:
    """Hold every loaded object strongly until the session ends."""
    session.info.setdefault("kept", []).append(instance)


class _RoundAuthority(Authority):
    """The product's Authority, reading the department tree, its leaders and grants once
    for the round instead of once per question."""

    def __init__(self, session: Session, rules: OfficeRules):
        super().__init__(session, rules)
        object.__setattr__(self, "_memo", {})

    def _cached(self, key: Any, compute: Any) -> Any:
        memo: dict[Any, Any] = self._memo  # type: ignore[attr-defined]
        if key not in memo:
            memo[key] = compute()
        return memo[key]

    def _supervising(self, department_ids: list[int]) -> list[tuple[int, Person]]:
        return self._cached(("supervising", tuple(department_ids)),
                            lambda: super(_RoundAuthority, self)._supervising(department_ids))

    def _with_ancestors(self, departments: list[Department]) -> list[Department]:
        by_platform = self._cached("departments", lambda: {
            d.platform_id: d for d in self.session.scalars(select(Department))})
        chain: list[Department] = []
        for department in departments:
            current: Department | None = department
            while current is not None and current not in chain:
                chain.append(current)
                current = by_platform.get(current.parent_platform_id or "")
        return chain


# ---- fixed-rate ----------------------------------------------------------------------------


def _run_at_fixed_rate(self: ReminderThread) -> None:
    """`ReminderThread.run`, with the wait counted from the start of the previous poll."""
    started = time.monotonic()
    while not self.stopped.wait(max(0.0, started + self.interval - time.monotonic())):
        started = time.monotonic()
        try:
            dispatch_reminders(self.rt)
        except Exception:
            log.exception("reminder dispatch failed; will try again")

