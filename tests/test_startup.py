"""The start-up line: each step's own duration, reported once, and nothing recorded after it."""

from __future__ import annotations

import re
import time

import pytest

from bot import startup


@pytest.fixture(autouse=True)
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(startup, "_steps", [])
    monkeypatch.setattr(startup, "_reported", False)
    monkeypatch.setattr(startup, "_last", time.monotonic())


def test_each_step_takes_the_time_since_the_one_before() -> None:
    time.sleep(0.02)
    startup.step("settings")
    startup.step("content")
    line = startup.report()
    found = re.fullmatch(r"(\d+) ms after main\(\) \(settings (\d+), content (\d+); in ms\)", line)
    assert found is not None, line
    total, settings, content = map(int, found.groups())
    assert settings >= 20
    assert content < settings
    assert abs(total - settings - content) <= 1


def test_reported_once_and_later_steps_ignored() -> None:
    startup.step("gateway")
    assert startup.report()
    startup.step("gateway")  # a second shard connecting
    assert startup.report() == ""
