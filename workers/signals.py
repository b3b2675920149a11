"""Asking the workers to process messages: one cheap signal instead of one job per message.

A flag in Redis marks that a processing job is already queued, so a burst of a thousand
callbacks enqueues one job, not a thousand. The job clears the flag before it reads the
database, so a message stored after that moment causes a new job: none is left behind.
"""

from datetime import datetime

import redis
from rq import Queue

FLAG = "mashangban:process:queued"
FLAG_TTL = 60  # seconds; bounds the damage if a queued job is lost with its flag still set


def request_processing(connection: redis.Redis, queue: Queue) -> None:
    pipeline = connection.pipeline(transaction=False)
    raise_flag(pipeline)
    if pipeline.execute()[0]:
        enqueue_processing(queue)


def raise_flag(pipeline: "redis.client.Pipeline") -> None:
    """Queue the flag's SET NX on a pipeline; its result says whether to enqueue a job."""
    pipeline.set(FLAG, "1", nx=True, ex=FLAG_TTL)


def enqueue_processing(queue: Queue) -> None:
    queue.enqueue("workers.jobs.messages.process_messages", result_ttl=0, failure_ttl=86400)


def request_processing_at(queue: Queue, when: datetime) -> None:
    """Schedule a run for a retry that falls due later (RQ's scheduler carries the timing)."""
    queue.enqueue_at(when, "workers.jobs.messages.process_messages", result_ttl=0)


def clear(connection: redis.Redis) -> None:
    connection.delete(FLAG)
