"""Where the benchmark runs: the harness on one core, every bot it measures on another.

The harness plays Discord, so it stands for a server that in production is not on the bot's machine.
Left to the scheduler, each new bot process lands where it lands and moves between cores as the harness
wakes: the same bot's /summary p50 was 0.40 ms in one process and 0.46–0.48 ms in the other five, and
the ratio to the bare bot moved with it. With the harness on one core and the bots on the other, one
running at a time, the p50 ratios of successive rounds agree to within 0.05×. Every bot gets the same
core, so pinning favours none of them. Start-up is measured unpinned: a bot may use every core to start.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager


def _cores() -> tuple[set[int], set[int]] | None:
    """The harness's core and the bots' core, or None where there are not two to choose from."""
    if not hasattr(os, "sched_getaffinity"):
        return None
    available = sorted(os.sched_getaffinity(0))
    return ({available[0]}, {available[1]}) if len(available) >= 2 else None


CORES = _cores()
_pinned = False


@contextmanager
def pinned() -> Iterator[str]:
    """This process on the harness's core meanwhile; yields a line saying where each side runs."""
    global _pinned  # noqa: PLW0603 - one harness per process
    if CORES is None:
        yield "one core available: harness and bots share it"
        return
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, CORES[0])
    _pinned = True
    try:
        yield f"harness on core {min(CORES[0])}, bots on core {min(CORES[1])}"
    finally:
        _pinned = False
        os.sched_setaffinity(0, before)


def pin_bot(pid: int) -> None:
    """Inside `pinned()`, move a bot process just started (on the harness's core) to the bots' core."""
    if _pinned and CORES is not None:
        os.sched_setaffinity(pid, CORES[1])
