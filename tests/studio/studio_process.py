"""`python -m bot studio` as a process on a free loopback port, and Debian's Chromium to look at it."""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from playwright.sync_api import Browser, Playwright

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = Path("/usr/bin/chromium")
# Headless, and nothing that reaches the network on its own: no updates, sync or background fetches.
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
_READY = re.compile(r"Studio: (http://\S+)")


def copy_content(root: Path) -> Path:
    """A writable copy of the shipped cards, glossary and catalog sources under `root`."""
    shutil.copytree(ROOT / "briefs", root / "briefs")
    shutil.copytree(ROOT / "locales", root / "locales", ignore=shutil.ignore_patterns("*.mo"))
    return root


class StudioProcess:
    """A running studio: its address and what it has printed."""

    def __init__(self, process: subprocess.Popen[str], url: str, lines: list[str], root: Path) -> None:
        self.root = root
        self.process = process
        self.url = url
        self.lines = lines


@contextmanager
def running_studio(root: Path, **env: str) -> Iterator[StudioProcess]:
    """Start the studio on the content under `root` and stop it afterwards."""
    environment = {
        **os.environ,
        "BRIEFS_DIR": str(root / "briefs"),
        "LOCALES_DIR": str(root / "locales"),
        "STUDIO_PORT": "0",
        "PYTHONPATH": str(ROOT),
        **env,
    }
    environment.pop("DISCORD_TOKEN", None)  # the studio needs none, and must not look for one
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "studio"],
        cwd=root,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    url = None
    deadline = time.monotonic() + 30
    assert process.stdout is not None
    while url is None and time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line:
            break
        lines.append(line)
        if match := _READY.search(line):
            url = match.group(1)
    # Keep reading, so a chatty studio never blocks on a full pipe.
    threading.Thread(target=lambda: lines.extend(process.stdout or ()), daemon=True).start()
    try:
        assert url is not None, "the studio did not start:\n" + "".join(lines)
        yield StudioProcess(process, url, lines, root)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def launch_chromium(playwright: Playwright) -> Browser:
    """Debian's Chromium, headless; the set-up (`make test`) installs it, so its absence is a failure."""
    assert CHROMIUM.exists(), (
        f"{CHROMIUM} is missing: install Debian's chromium (apt-get install -y chromium)"
    )
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_FLAGS, headless=True)
