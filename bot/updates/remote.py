"""An optional remote card pack, fetched with httpx and ETag, validated and swapped in like local edits.

The pack is JSON: ``{"files": {"briefs/<name>.toml": "<TOML text>", "locales/glossary.toml": "..."}}``.
Paths are relative, under `briefs/` or `locales/`; catalogs not in the pack come from the local
`LOCALES_DIR`. The pack replaces the local cards as a whole. A fetch is bounded: the body is read with
a size cap while it streams, the whole fetch has a deadline, and redirects stay on the pack's host.
"""

from __future__ import annotations

import asyncio
import json
import logging
import shutil
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from bot.core.content import Problem
from bot.core.content.elsewhere import check_elsewhere
from bot.redaction import redact_url

if TYPE_CHECKING:
    import httpx

log = logging.getLogger(__name__)


MAX_PACK_BYTES = 16 * 1024 * 1024  # a pack body bigger than this is dropped while it streams in
MAX_PACK_FILES = 2000
MAX_REDIRECTS = 5


class PackRefused(Exception):
    """The pack could not be fetched or was not taken; the message says why, with the URL redacted."""


class RemotePack:
    """Keeps `folder/current/{briefs,locales}` equal to the last good pack from a URL."""

    def __init__(self, url: str, folder: Path, base_locales: Path, deadline: float = 60.0) -> None:
        self.url = url
        self.shown_url = redact_url(url)
        self.folder = folder
        self.base_locales = base_locales
        self.deadline = deadline
        self.etag: str | None = None
        # The ETag of the last pack refused: the same bytes are not downloaded again on every refresh.
        self.rejected_etag: str | None = None
        self.current = folder / "current"

    @property
    def briefs_dir(self) -> Path:
        """Where the pack's cards are served from."""
        return self.current / "briefs"

    @property
    def locales_dir(self) -> Path:
        """Where the pack's glossary and catalogs are served from."""
        return self.current / "locales"

    def client(self) -> httpx.AsyncClient:
        """An HTTP client for fetching the pack; httpx loads only when a pack is configured."""
        import httpx  # noqa: PLC0415

        return httpx.AsyncClient(timeout=httpx.Timeout(15.0))

    async def refresh(self, client: httpx.AsyncClient) -> bool:
        """Fetch the pack if it changed; True when a new valid pack is in place."""
        import httpx  # noqa: PLC0415 - loaded with the client by now

        try:
            async with asyncio.timeout(self.deadline):
                fetched = await self._fetch(client)
        except TimeoutError:
            log.warning("card pack: %s took longer than %g s; dropped", self.shown_url, self.deadline)
            return False
        except PackRefused as exc:
            log.warning("card pack: %s", exc)
            return False
        except httpx.HTTPError as exc:
            log.warning("card pack: could not fetch %s: %s", self.shown_url, type(exc).__name__)
            return False
        if fetched is None:
            return False
        body, etag = fetched
        problems = await asyncio.to_thread(self.install, body)
        for problem in problems:
            log.error("card pack rejected, still serving the last good cards: %s", problem)
        if problems:
            self.rejected_etag = etag
            return False
        self.etag, self.rejected_etag = etag, None
        return True

    def _conditions(self) -> dict[str, str]:
        tags = [tag for tag in (self.etag, self.rejected_etag) if tag]
        return {"If-None-Match": ", ".join(tags)} if tags else {}

    async def _fetch(self, client: httpx.AsyncClient) -> tuple[bytes, str | None] | None:
        """The new body and its ETag, None when nothing changed; read with a cap, redirects on one host."""
        import httpx  # noqa: PLC0415 - loaded with the client by now

        url = httpx.URL(self.url)
        for _ in range(MAX_REDIRECTS + 1):
            request = client.build_request("GET", url, headers=self._conditions())
            response = await client.send(request, stream=True, follow_redirects=False)
            try:
                if response.has_redirect_location:
                    target = url.join(response.headers["Location"])
                    if (target.scheme, target.host, target.port) != (url.scheme, url.host, url.port):
                        shown = redact_url(str(target))
                        raise PackRefused(f"{self.shown_url} redirects to another host ({shown}); not taken")
                    url = target
                    continue
                return await self._read(response)
            finally:
                await response.aclose()
        raise PackRefused(f"{self.shown_url} redirected more than {MAX_REDIRECTS} times")

    async def _read(self, response: httpx.Response) -> tuple[bytes, str | None] | None:
        if response.status_code == 304:
            return None
        if response.is_error:
            raise PackRefused(f"{self.shown_url} answered {response.status_code}")
        etag = response.headers.get("ETag")
        if etag is not None and etag == self.rejected_etag:
            return None  # the pack refused last time, unchanged: not read again
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > MAX_PACK_BYTES:
            self.rejected_etag = etag
            raise PackRefused(f"{self.shown_url} is {int(declared):,} bytes; the limit is {MAX_PACK_BYTES:,}")
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body += chunk
            if len(body) > MAX_PACK_BYTES:
                self.rejected_etag = etag
                raise PackRefused(f"{self.shown_url} is over the limit of {MAX_PACK_BYTES:,} bytes; dropped")
        return bytes(body), etag

    def install(self, body: bytes) -> list[Problem]:
        """Unpack into a staging folder, validate it whole, and only then make it current."""
        staging = self.folder / "staging"
        shutil.rmtree(staging, ignore_errors=True)
        shape = Problem(self.shown_url, "files", 'must be JSON: {"files": {"briefs/<name>.toml": "..."}}')
        try:
            files = json.loads(body)["files"]
        except RecursionError:
            return [Problem(self.shown_url, "(syntax)", "is nested too deeply")]
        except (ValueError, KeyError, TypeError):
            return [shape]
        if not isinstance(files, dict):
            return [shape]
        if len(files) > MAX_PACK_FILES:
            return [
                Problem(self.shown_url, "files", f"has {len(files)} files; the limit is {MAX_PACK_FILES}")
            ]
        shutil.copytree(self.base_locales, staging / "locales", ignore=shutil.ignore_patterns("*.mo"))
        (staging / "briefs").mkdir(parents=True)
        for name, text in files.items():
            shown = f"files.{name}" if name.isprintable() else f"files.{name!r}"
            path = PurePosixPath(name)
            if (
                not name.isprintable()
                or path.is_absolute()
                or ".." in path.parts
                or len(path.parts) < 2
                or path.parts[0] not in ("briefs", "locales")
            ):
                return [Problem(self.shown_url, shown, "must be a relative path under briefs/ or locales/")]
            if not isinstance(text, str):
                return [Problem(self.shown_url, shown, "must be the file's text")]
            try:
                data = text.encode("utf-8")
            except UnicodeEncodeError:
                return [Problem(self.shown_url, shown, "contains a lone surrogate, which is not text")]
            target = staging.joinpath(*path.parts)
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            except (OSError, ValueError) as exc:
                return [Problem(self.shown_url, shown, f"cannot be written: {exc}")]
        # Checked in a child process: a pack is as big as a newsroom, and this runs beside the event loop.
        if problems := check_elsewhere(staging / "briefs", staging / "locales"):
            return problems
        previous = self.folder / "previous"
        shutil.rmtree(previous, ignore_errors=True)
        if self.current.exists():
            self.current.rename(previous)
        staging.rename(self.current)
        shutil.rmtree(previous, ignore_errors=True)
        return []
