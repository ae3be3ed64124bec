"""Work done in a short-lived forked child: its memory peak and its interpreter time stay out of the bot."""

from __future__ import annotations

from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")


class NoChild(Exception):
    """No child process could be had (or it failed, or took too long): the caller does the work itself."""


def in_child(work: Callable[P, T], timeout: float, /, *args: P.args, **kwargs: P.kwargs) -> T:
    """Run `work` in a forked child and return its (picklable) result; NoChild when that is not possible.

    Forked, so the child starts at once with the parent's modules and data.
    """
    # multiprocessing loads only when a child is wanted: a bot started from its cache never needs one.
    import multiprocessing  # noqa: PLC0415
    import pickle  # noqa: PLC0415
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415
    from concurrent.futures.process import BrokenProcessPool  # noqa: PLC0415

    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as pool:
            return pool.submit(work, *args, **kwargs).result(timeout=timeout)
    except (OSError, BrokenProcessPool, TimeoutError, pickle.PicklingError) as exc:
        raise NoChild(str(exc) or type(exc).__name__) from exc
