"""Clocks that tests control: time moves only when a test moves it."""

from datetime import UTC, datetime, timedelta


class FrozenClock:
    """Stands still at `now` until `advance` is called."""

    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


class ShiftedClock:
    """Real time plus an offset the test can grow; for paths that talk to real servers,
    whose timestamps must stay inside the callback window. `start` sets where it begins,
    so a test runs on a chosen working day whatever the date it is run on."""

    def __init__(self, start: datetime | None = None) -> None:
        self.offset = timedelta(0) if start is None else start - datetime.now(UTC)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> datetime:
        self.offset += timedelta(**delta)
        return self()

    def epoch(self) -> float:
        """The same instant in epoch seconds, for servers that stamp messages with it."""
        return self().timestamp()
