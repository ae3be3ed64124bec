"""Where a start's time went: each step's duration, logged once the bot is ready to answer."""

from __future__ import annotations

import time

_last = time.monotonic()  # `python -m bot` imports this first thing in `main`
_steps: list[tuple[str, float]] = []
_reported = False


def step(name: str) -> None:
    """Record that `name` has just finished: it took the time since the previous step."""
    global _last  # noqa: PLW0603 - one process, one start: a module-level timeline is the honest shape
    if _reported:  # a reconnect, another shard: not part of the start
        return
    now = time.monotonic()
    _steps.append((name, now - _last))
    _last = now


def report() -> str:
    """The steps, as `total ms after main() (step ms, …)`, once; empty after that."""
    global _reported
    shown = ", ".join(f"{name} {seconds * 1000:.0f}" for name, seconds in _steps)
    total = sum(seconds for _, seconds in _steps) * 1000
    first, _reported = not _reported, True
    return f"{total:.0f} ms after main() ({shown}; in ms)" if first and shown else ""
