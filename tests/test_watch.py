"""Noticing a change in the content folders without opening a file."""

from __future__ import annotations

import asyncio
import os
from pathlib import Path

from bot.updates import FolderWatch, fingerprint


def test_every_kind_of_change_is_noticed_and_compiled_catalogs_are_not(tmp_path: Path) -> None:
    briefs, locales = tmp_path / "briefs", tmp_path / "locales"
    (locales / "zh_Hant" / "LC_MESSAGES").mkdir(parents=True)
    briefs.mkdir()
    card = briefs / "a.toml"
    card.write_text("one", encoding="utf-8")
    before = fingerprint(briefs, locales)
    assert [Path(entry[0]).name for entry in before] == ["a.toml", "zh_Hant", "LC_MESSAGES"]

    (locales / "zh_Hant" / "LC_MESSAGES" / "messages.mo").write_bytes(b"compiled")
    assert fingerprint(briefs, locales) == before

    changes = [
        lambda: card.write_text("two", encoding="utf-8"),
        lambda: (locales / "zh_Hant" / "LC_MESSAGES" / "messages.po").write_text("", encoding="utf-8"),
        lambda: os.mkfifo(briefs / "b.toml"),
        lambda: (briefs / "c.toml").symlink_to(tmp_path / "nowhere"),
        card.unlink,
    ]
    seen = {before}
    for change in changes:
        change()
        now = fingerprint(briefs, locales)
        assert now not in seen
        seen.add(now)


def test_a_missing_folder_is_no_error(tmp_path: Path) -> None:
    assert fingerprint(tmp_path / "gone") == ()


async def _noticed(watch: FolderWatch, *folders: Path, within: float = 5.0) -> bool:
    """Whether the watch reports a change within `within` seconds, asked as the reload loop asks."""
    deadline = asyncio.get_running_loop().time() + within
    while asyncio.get_running_loop().time() < deadline:
        if watch.changed(*folders):
            return True
        await asyncio.sleep(0.05)
    return False


async def test_the_watch_looks_only_when_something_changed(tmp_path: Path) -> None:
    briefs, locales = tmp_path / "briefs", tmp_path / "locales"
    (locales / "zh_Hant" / "LC_MESSAGES").mkdir(parents=True)
    briefs.mkdir()
    watch = FolderWatch()
    try:
        # The first two looks compare everything: what changed before the watch was surely set up.
        assert watch.changed(briefs, locales)
        await asyncio.sleep(0.3)
        assert watch.changed(briefs, locales)
        assert not await _noticed(watch, briefs, locales, within=0.5)

        (locales / "zh_Hant" / "LC_MESSAGES" / "messages.mo").write_bytes(b"compiled")
        assert not await _noticed(watch, briefs, locales, within=0.8)
        (briefs / "a.toml").write_text("one", encoding="utf-8")
        assert await _noticed(watch, briefs, locales)
        assert not watch.changed(briefs, locales)

        # A deploy that puts a new folder in place of the old one: the new one is watched from then on.
        briefs.rename(tmp_path / "old")
        briefs.mkdir()
        assert watch.changed(briefs, locales)
        await asyncio.sleep(0.3)
        assert watch.changed(briefs, locales)
        (briefs / "b.toml").write_text("two", encoding="utf-8")
        assert await _noticed(watch, briefs, locales)
    finally:
        watch.stop()


async def test_a_folder_that_cannot_be_watched_is_looked_at_every_time(tmp_path: Path) -> None:
    watch = FolderWatch()
    try:
        for _ in range(4):
            assert watch.changed(tmp_path / "gone")
            await asyncio.sleep(0.05)
    finally:
        watch.stop()
