"""Simplified to Traditional Chinese (Taiwan phrasing) with OpenCC, converted once and remembered."""

from __future__ import annotations

import multiprocessing
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import cache
from typing import Protocol


class _Converter(Protocol):
    def convert(self, text: str) -> str: ...


_converted: dict[str, str] = {}


@cache
def _converter() -> _Converter:
    import opencc  # noqa: PLC0415 - the converter loads its dictionaries; only pay for it when needed

    converter: _Converter = opencc.OpenCC("s2twp")
    return converter


def _convert_batch(texts: list[str]) -> list[str]:
    converter = _converter()
    return [converter.convert(text) for text in texts]


def prepare_traditional(texts: Iterable[str]) -> None:
    """Convert many texts at once in a short-lived child process and remember the results.

    OpenCC's dictionaries take about 45 MB; loading them in a child that exits keeps that out of a
    bot that runs for months. Forked, so the child starts at once with the parent's modules.
    """
    todo = sorted({t for t in texts if t not in _converted})
    if not todo:
        return
    try:
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("fork")) as pool:
            results = pool.submit(_convert_batch, todo).result(timeout=120)
    except (OSError, BrokenProcessPool, TimeoutError):
        results = _convert_batch(todo)  # no child process to be had: convert here instead
    _converted.update(zip(todo, results, strict=True))


def to_traditional(text: str) -> str:
    """Convert Simplified Chinese prose to Traditional with Taiwan phrasing (OpenCC s2twp)."""
    if text not in _converted:
        _converted[text] = _convert_batch([text])[0]
    return _converted[text]
