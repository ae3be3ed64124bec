"""Card and catalog updates without a restart: notice a change, validate it all, swap it in whole."""

from __future__ import annotations

import gc
import logging
import os
import stat
from pathlib import Path

from bot.core.answers import Briefer
from bot.core.content import Content, Problem, load
from bot.core.content.elsewhere import load_elsewhere
from bot.core.content.files import walk
from bot.core.content.load import same_base

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
