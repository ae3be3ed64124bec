"""The health signal: the age of each background task's last completed cycle."""

from __future__ import annotations

from bot.health import Health


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_task_is_stale_once_it_goes_too_long_without_a_cycle() -> None:
    clock = Clock()
    health = Health(clock)
    health.register("reload", max_age=10)
    health.register("fetch", max_age=100)
    clock.now += 5
    health.completed("reload")
    clock.now += 20
    assert [(t.name, t.age, t.stale) for t in health.tasks()] == [
        ("fetch", 25.0, False),
        ("reload", 20.0, True),
    ]
    assert [t.name for t in health.stale()] == ["reload"]
    health.completed("reload")
    assert health.stale() == []
    assert health.tasks()[1].last_completed == clock.now


def test_a_task_that_never_completed_counts_from_when_it_was_registered() -> None:
    clock = Clock()
    health = Health(clock)
    health.register("digest scheduler", max_age=300)
    clock.now += 301
    (task,) = health.stale()
    assert task.last_completed is None
    assert task.age == 301
