"""Queueing outbox rows for the delivery tests, in one committed transaction."""


def queue_rows(sessions, *writes) -> list[int]:  # noqa: ANN001
    """Run each `write(session)` (a `queue_…` call) and return the new rows' ids."""
    with sessions.begin() as session:
        rows = [write(session) for write in writes]
        session.flush()
        return [row.id for row in rows]
