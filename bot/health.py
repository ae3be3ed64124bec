"""Liveness of background work: when each task last completed a cycle, and which have gone quiet too long."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class TaskHealth:
    """One background task as a health check sees it."""

    name: str
    max_age: float  # seconds without a completed cycle before the task counts as stale
    last_completed: float | None  # time.time() of the last completed cycle, None before the first
    age: float  # seconds since the last completed cycle (or since it was registered)

    @property
    def stale(self) -> bool:
        """Whether the task has gone longer than it should without completing a cycle."""
        return self.age > self.max_age


class Health:
    """The time of each background task's last completed cycle, readable as a log line or a metric.

    A task calls `completed(name)` at the end of every cycle, whatever the cycle did; a cycle that
    fails or hangs therefore shows up as a growing age.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self._max_age: dict[str, float] = {}
        self._since: dict[str, float] = {}
        self._completed: dict[str, float] = {}

    def register(self, name: str, max_age: float) -> None:
        """Start watching a task; it is stale if it completes no cycle within `max_age` seconds."""
        self._max_age[name] = max_age
        self._since.setdefault(name, self.clock())

    def completed(self, name: str) -> None:
        """Record that a task finished a cycle now."""
        self._completed[name] = self.clock()

    def tasks(self) -> list[TaskHealth]:
        """Every watched task with the age of its last completed cycle."""
        now = self.clock()
        found = []
        for name, max_age in sorted(self._max_age.items()):
            last = self._completed.get(name)
            found.append(
                TaskHealth(name, max_age, last, now - (last if last is not None else self._since[name]))
            )
        return found

    def stale(self) -> list[TaskHealth]:
        """The tasks that have not completed a cycle for longer than they should."""
        return [task for task in self.tasks() if task.stale]
