"""The studio's server over real HTTP: only its pages and assets, only reads, only on loopback."""

from __future__ import annotations

import hashlib
import http.client
import json
import time
from pathlib import Path
from urllib.parse import urlsplit

from bot.config import Settings
from tests.studio.studio_process import StudioProcess


def _request(
    studio: StudioProcess, path: str, method: str = "GET", host: str | None = None
) -> tuple[int, bytes]:
    """Send the path exactly as written: no client-side normalising of `..` or escapes."""
    address = urlsplit(studio.url)
    connection = http.client.HTTPConnection(address.hostname or "", address.port, timeout=10)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        connection.putheader("Host", host or address.netloc)
        connection.endheaders()
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


OUTSIDE = [
    "/../../etc/passwd",
    "/..%2F..%2Fetc%2Fpasswd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/assets/../../etc/passwd",
    "/assets/..%2F..%2Fetc%2Fpasswd",
    "/assets/%2Fetc%2Fpasswd",
    "/assets/%252e%252e%252fetc%252fpasswd",
    "//etc/passwd",
    "/etc/passwd",
    "/assets/",
    "/assets/studio.css/../../../pyproject.toml",
    "/story/..%2F..%2Fpyproject.toml",
    "/briefs/qwen-core-team-departs.toml",
    "/pyproject.toml",
]


def test_anything_but_the_studio_is_not_found(studio: StudioProcess) -> None:
    for path in OUTSIDE:
        status, body = _request(studio, path)
        assert status == 404, (path, body[:200])
        assert b"root:" not in body


def test_its_own_assets_and_pages_are_served(studio: StudioProcess) -> None:
    for path in ("/", "/story/qwen-core-team-departs", "/assets/studio.css", "/assets/studio.js"):
        status, _ = _request(studio, path)
        assert status == 200, path
    status, body = _request(studio, "/state/qwen-core-team-departs")
    assert status == 200
    assert json.loads(body)["version"] >= 1


def test_it_only_reads(studio: StudioProcess) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH"):
        status, _ = _request(studio, "/", method)
        assert status == 405, method


def test_a_page_at_another_name_cannot_read_it(studio: StudioProcess) -> None:
    status, _ = _request(studio, "/", host="attacker.example:80")
    assert status == 403


def _files(root: Path) -> dict[str, tuple[str, int]]:
    return {
        str(path.relative_to(root)): (hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns)
        for path in root.rglob("*")
        if path.is_file()
    }


def test_it_never_writes_a_file(studio: StudioProcess, tree: Path) -> None:
    card = tree / "briefs" / "qwen-core-team-departs.toml"
    started = json.loads(_request(studio, "/state/qwen-core-team-departs")[1])["version"]
    card.write_text(card.read_text(encoding="utf-8"), encoding="utf-8")  # a save: the studio reloads
    deadline = time.monotonic() + 5
    while json.loads(_request(studio, "/state/qwen-core-team-departs")[1])["version"] <= started:
        assert time.monotonic() < deadline, "the studio did not reload"
        time.sleep(0.05)
    before = _files(tree)
    for path in ("/", "/story/qwen-core-team-departs", "/state/qwen-core-team-departs"):
        _request(studio, path)
    time.sleep(0.5)
    assert _files(tree) == before


def test_it_listens_on_loopback_unless_told_otherwise(studio: StudioProcess) -> None:
    assert Settings().studio_host == "127.0.0.1"
    assert studio.url.startswith("http://127.0.0.1:")
