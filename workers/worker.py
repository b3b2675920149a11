"""Running a worker process: RQ's SimpleWorker with its scheduler, the sweep timer and the
reminder dispatcher.

SimpleWorker runs jobs in the worker process instead of forking one per job: about five
times the throughput (docs/performance.md), and our jobs are short and hold no state
between runs. A job that crashes the process is covered by the database sweep.
"""

import logging
from typing import Any

from rq import SimpleWorker
from rq.job import Job
from rq.queue import Queue

from workers import logs, runtime
from workers.jobs.reminders import ReminderThread
from workers.receiver import ReceiverThread, receivers
from workers.runtime import Runtime
from workers.sweep import SweepThread, sweep


def run(rt: Runtime, *, burst: bool = False, log_level: str = "info",
        with_receivers: bool = False) -> None:
    """Work until stopped (or, with `burst`, until the queue is empty).

    At info RQ logs a few lines per job; the demo runs its worker at warning.
    `with_receivers` also runs, in threads, the receiver of each platform that pushes over
    a connection we open (DingTalk in stream mode; `workers.receiver`).
    """
    level = log_level.upper()
    logs.configure(rt.settings.secrets(), level=logging.getLevelName(level),
                   fmt=rt.settings.log_format)
    runtime.install(rt)
    sweep(rt)  # pick up whatever was left while no worker ran
    threads: list[SweepThread | ReminderThread] = [SweepThread(rt), ReminderThread(rt)]
    streams = [ReceiverThread(name, receiver)
               for name, receiver in receivers(rt).items()] if with_receivers else []
    if not burst:
        for thread in threads:
            thread.start()
        for stream in streams:
            stream.start()
    try:
        worker = ContextWorker([rt.queue], connection=rt.redis)
        worker.work(burst=burst, with_scheduler=not burst, logging_level=level)
    finally:
        for thread in threads:
            thread.stopped.set()
        for stream in streams:
            stream.stop()


class ContextWorker(SimpleWorker):
    """SimpleWorker whose log lines name the job they are about: each JSON line logged
    while a job runs carries `job_id` and `job` (its function), `workers.logs.context`."""

    def execute_job(self, job: Job, queue: Queue) -> Any:
        with logs.context(job_id=job.id, job=job.func_name):
            return super().execute_job(job, queue)
