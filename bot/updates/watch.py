"""Card and catalog updates without a restart: notice a change, validate it all, swap it in whole."""

from __future__ import annotations

import asyncio
import gc
import logging
import os
import stat
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.answers import Briefer
from bot.core.content import Content, Problem, load
from bot.core.content.elsewhere import load_elsewhere
from bot.core.content.files import walk
from bot.core.content.load import same_base

if TYPE_CHECKING:
    from watchfiles import Change

log = logging.getLogger(__name__)

Fingerprint = tuple[tuple[str, int, int, int], ...]


def fingerprint(*folders: Path) -> Fingerprint:
    """Every entry under the folders with its type, modification time and size (compiled .mo aside).

    Entries are looked at, never opened, and a FIFO or a dangling link counts too: adding one is a
    change, so the next load names it as a problem.
    """
    found = []
    for folder in folders:
        for path, info in walk(folder):
            if stat.S_ISDIR(info.st_mode):
                # Its entries are listed; its own times move whenever a catalog is compiled into it.
                found.append((path, info.st_mode, 0, 0))
            elif not (path.endswith(".mo") and os.path.basename(path) != ".mo"):
                found.append((path, info.st_mode, info.st_mtime_ns, info.st_size))
    found.sort()
    return tuple(found)


def _compiled(change: Change, path: str) -> bool:
    """Everything but a compiled catalog, whose times move whenever `make` runs."""
    return not path.endswith(".mo")


def _identity(folder: Path) -> tuple[str, int, int] | None:
    """Where a folder really is: a deploy that swaps a symlink, or recreates the folder, changes it."""
    try:
        info = folder.stat()
    except OSError:
        return None
    return os.path.realpath(folder), info.st_dev, info.st_ino


class FolderWatch:
    """Notices changes under the content folders without walking them at every interval.

    watchfiles is told by the kernel (inotify) and waits in a worker thread without the GIL; a walk of a
    newsroom's thousand files every second held the GIL for milliseconds, and interactions waited. When
    watching cannot start (a missing folder, no inotify), every look counts as a change, as polling did.
    """

    def __init__(self) -> None:
        self._folders: tuple[tuple[str, int, int] | None, ...] = ()
        self._task: asyncio.Task[None] | None = None
        self._stop = asyncio.Event()
        self._looks = 0

    def changed(self, *folders: Path) -> bool:
        """Whether anything may have changed under the folders since the last call."""
        identity = tuple(_identity(folder) for folder in folders)
        if identity != self._folders or self._task is None:
            self._start(folders, identity)
        elif self._task.done():  # watching failed: look every time
            return True
        looks, self._looks = self._looks, max(0, self._looks - 1)
        return looks > 0

    def _start(self, folders: tuple[Path, ...], identity: tuple[tuple[str, int, int] | None, ...]) -> None:
        self.stop()
        self._folders, self._stop = identity, asyncio.Event()
        # What changed while nobody watched, and until the watch is surely set up (it is, one look later).
        self._looks = 2
        self._task = asyncio.create_task(self._watch(folders, self._stop))

    async def _watch(self, folders: tuple[Path, ...], stop: asyncio.Event) -> None:
        # With anyio, about 20 ms of imports: made once the bot answers, not on the way to its first answer.
        from watchfiles import awatch  # noqa: PLC0415

        try:
            async for _ in awatch(*folders, watch_filter=_compiled, stop_event=stop, debounce=200):
                self._looks = max(self._looks, 1)
        except Exception as exc:  # any failure means: fall back to looking every time
            log.warning("cannot watch %s (%s); looking for changes at every interval", folders, exc)

    def stop(self) -> None:
        """Stop watching."""
        self._stop.set()
        if self._task is not None:
            self._task.cancel()
        self._task = None


def _settle() -> None:
    """Keep the collector from walking the content being served on every full collection.

    A newsroom's content is millions of objects that live until the next swap; a full collection
    walking them holds the GIL for a tenth of a second or more, and every interaction waits meanwhile.
    Frozen objects are still freed by reference counting when a swap drops them; only a reference
    cycle that was already garbage at the moment of freezing (rare, and small) is kept for good.
    """
    gc.freeze()


class Reloader:
    """Keeps a briefer serving the last good content of two folders."""

    def __init__(self, briefer: Briefer, briefs_dir: Path, locales_dir: Path) -> None:
        self.briefer = briefer
        self.briefs_dir = briefs_dir
        self.locales_dir = locales_dir
        self.seen = fingerprint(briefs_dir, locales_dir)
        _settle()

    def changed(self) -> bool:
        """Whether any file was added, removed or written since the last load."""
        return fingerprint(self.briefs_dir, self.locales_dir) != self.seen

    def load(self) -> Content | list[Problem]:
        """Validate the folders as they are now, in a worker thread; unchanged files are not parsed again.

        Changed cards are checked here, against the glossary being served; a changed glossary means
        building most of it again, which a child process does (see `load_elsewhere`).
        """
        self.seen = fingerprint(self.briefs_dir, self.locales_dir)
        previous = self.briefer.library
        if same_base(previous, self.locales_dir):
            return load(self.briefs_dir, self.locales_dir, previous)
        return load_elsewhere(self.briefs_dir, self.locales_dir, previous)[0]

    def apply(self, loaded: Content | list[Problem]) -> bool:
        """Swap in a valid load whole, or log why it was refused and keep serving what was there."""
        if not isinstance(loaded, Content):
            for problem in loaded:
                log.error("update rejected, still serving the last good cards: %s", problem)
            return False
        self.briefer.swap(loaded)
        _settle()
        library = loaded.library
        log.info("reloaded %d cards and %d glossary entries", len(library.cards), len(library.glossary))
        return True
