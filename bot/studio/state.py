"""What the studio shows: the last good content, the problems of the files as they are now, a version."""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from pathlib import Path

from watchfiles import Change, awatch

from bot.core.answers import Briefer
from bot.core.audit import reply_problems
from bot.core.content import Content, Problem, load
from bot.core.text import to_traditional

log = logging.getLogger(__name__)

WATCHED = {".toml", ".po"}  # cards, the glossary, catalogs; not editors' swap files or compiled .mo


@dataclass(frozen=True)
class Snapshot:
    """One load: the content to draw (the last good one when this load failed) and what is wrong now."""

    version: int
    briefer: Briefer | None
    problems: tuple[Problem, ...]
    good_at: float  # when the drawn content was loaded (time.time())
    failed: bool  # this load was refused, so what is drawn is older than the files


def _watched(change: Change, path: str) -> bool:
    return Path(path).suffix in WATCHED


class Studio:
    """Loads the content through the bot's own loader, keeps the last good set, and tells who waits."""

    def __init__(self, briefs_dir: Path, locales_dir: Path) -> None:
        self.briefs_dir = briefs_dir
        self.locales_dir = locales_dir
        self.snapshot = Snapshot(0, None, (), 0.0, False)
        self._updated = asyncio.Event()
        self._loading = asyncio.Lock()  # one load at a time: the start-up load and the watcher's may meet

    def reload(self) -> Snapshot:
        """Load the folders as they are now; on any problem, keep drawing the last good content."""
        loaded = load(self.briefs_dir, self.locales_dir)
        old = self.snapshot
        if isinstance(loaded, Content):
            # Reply limits are what `python -m bot check` adds to the loader; shown, not refused.
            snapshot = Snapshot(
                old.version + 1, Briefer.serving(loaded), tuple(reply_problems(loaded)), time.time(), False
            )
        else:
            snapshot = Snapshot(old.version + 1, old.briefer, tuple(loaded), old.good_at, True)
        self.snapshot = snapshot
        return snapshot

    def warm_up(self) -> None:
        """Load OpenCC here once: each reload's forked converter then starts with its dictionaries."""
        to_traditional("")

    async def newer_than(self, version: int) -> int:
        """Wait until the snapshot is newer than `version`; the version now."""
        event = self._updated
        if self.snapshot.version <= version:
            await event.wait()
        return self.snapshot.version

    async def reload_and_tell(self) -> Snapshot:
        """Reload in a worker thread, then wake everyone waiting for a newer snapshot."""
        async with self._loading:
            snapshot = await asyncio.to_thread(self.reload)
        event, self._updated = self._updated, asyncio.Event()
        event.set()
        problems = len(snapshot.problems)
        log.info(
            "reloaded (version %d): %s", snapshot.version, f"{problems} problem(s)" if problems else "OK"
        )
        return snapshot

    async def watch(self, stop: asyncio.Event) -> None:
        """Reload whenever a card, the glossary or a catalog changes, until `stop` is set."""
        folders = [folder for folder in (self.briefs_dir, self.locales_dir) if folder.is_dir()]
        if not folders:
            await stop.wait()
            return
        # A short debounce: an editor's save is one or two writes, and the page should follow at once.
        async for _ in awatch(*folders, watch_filter=_watched, debounce=50, step=20, stop_event=stop):
            await self.reload_and_tell()
