"""Noticing a change in the content folders without opening a file."""

from __future__ import annotations

import os
from pathlib import Path

from bot.updates import fingerprint


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
