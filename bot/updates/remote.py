"""An optional remote card pack, fetched with httpx and ETag, validated and swapped in like local edits.

The pack is JSON: ``{"files": {"briefs/<name>.toml": "<TOML text>", "locales/glossary.toml": "..."}}``.
Paths are relative, under `briefs/` or `locales/`; catalogs not in the pack come from the local
`LOCALES_DIR`. The pack replaces the local cards as a whole.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from pathlib import Path, PurePosixPath

import httpx

from bot.core.content import Content, Problem, load

log = logging.getLogger(__name__)


class RemotePack:
    """Keeps `folder/current/{briefs,locales}` equal to the last good pack from a URL."""

    def __init__(self, url: str, folder: Path, base_locales: Path) -> None:
        self.url = url
        self.folder = folder
        self.base_locales = base_locales
        self.etag: str | None = None
        self.current = folder / "current"

    @property
    def briefs_dir(self) -> Path:
        """Where the pack's cards are served from."""
        return self.current / "briefs"

    @property
    def locales_dir(self) -> Path:
        """Where the pack's glossary and catalogs are served from."""
        return self.current / "locales"

    async def refresh(self, client: httpx.AsyncClient) -> bool:
        """Fetch the pack if it changed; True when a new valid pack is in place."""
        headers = {"If-None-Match": self.etag} if self.etag else {}
        try:
            response = await client.get(self.url, headers=headers)
        except httpx.HTTPError as exc:
            log.warning("card pack: could not fetch %s: %s", self.url, type(exc).__name__)
            return False
        if response.status_code == 304:
            return False
        if response.is_error:
            log.warning("card pack: %s answered %s", self.url, response.status_code)
            return False
        problems = await asyncio.to_thread(self.install, response.content)
        for problem in problems:
            log.error("card pack rejected, still serving the last good cards: %s", problem)
        if problems:
            return False
        self.etag = response.headers.get("ETag")
        return True

    def install(self, body: bytes) -> list[Problem]:
        """Unpack into a staging folder, validate it whole, and only then make it current."""
        staging = self.folder / "staging"
        shutil.rmtree(staging, ignore_errors=True)
        try:
            files = json.loads(body)["files"]
            if not isinstance(files, dict):
                raise TypeError
        except (ValueError, KeyError, TypeError):
            return [Problem(self.url, "files", 'must be JSON: {"files": {"briefs/<name>.toml": "..."}}')]
        shutil.copytree(self.base_locales, staging / "locales", ignore=shutil.ignore_patterns("*.mo"))
        (staging / "briefs").mkdir(parents=True)
        for name, text in files.items():
            path = PurePosixPath(name)
            if path.is_absolute() or ".." in path.parts or path.parts[:1] not in (("briefs",), ("locales",)):
                return [
                    Problem(self.url, f"files.{name}", "must be a relative path under briefs/ or locales/")
                ]
            if not isinstance(text, str):
                return [Problem(self.url, f"files.{name}", "must be the file's text")]
            target = staging.joinpath(*path.parts)
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        loaded = load(staging / "briefs", staging / "locales")
        if not isinstance(loaded, Content):
            return loaded
        previous = self.folder / "previous"
        shutil.rmtree(previous, ignore_errors=True)
        if self.current.exists():
            self.current.rename(previous)
        staging.rename(self.current)
        shutil.rmtree(previous, ignore_errors=True)
        return []
