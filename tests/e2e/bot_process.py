"""The bot under test as a real process, started with nothing but environment variables."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tests.e2e.discord_server import LoopbackDiscord

ROOT = Path(__file__).resolve().parents[2]


class BotProcess:
    """`python -m bot` pointed at a loopback Discord, with its own database and log file."""

    def __init__(self, workdir: Path, env: dict[str, str]) -> None:
        self.workdir = workdir
        self.env = env
        self.log_path = workdir / "bot.log"
        self.process: asyncio.subprocess.Process | None = None
        self.starts = 0

    async def start(self) -> None:
        """Start the process; its output goes to a log file the test can read."""
        environ = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "DEV_GUILD"))}
        environ.update(
            {
                "BRIEFS_DIR": str(ROOT / "briefs"),
                "LOCALES_DIR": str(ROOT / "locales"),
                "DATABASE_URL": f"sqlite:///{self.workdir / 'bot.sqlite3'}",
                "LOG_LEVEL": "INFO",
                "PYTHONUNBUFFERED": "1",
                **self.env,
            }
        )
        self.starts += 1
        log = self.log_path.open("ab")
        self.process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", cwd=self.workdir, env=environ, stdout=log, stderr=log
        )
        log.close()

    async def stop(self, sig: int = signal.SIGTERM, timeout: float = 15) -> int:
        """Stop with a signal and wait; a process that hangs is killed and the test fails on it."""
        assert self.process is not None
        if self.process.returncode is None:
            self.process.send_signal(sig)
        try:
            return await asyncio.wait_for(self.process.wait(), timeout)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()
            raise AssertionError(f"bot did not stop within {timeout}s:\n{self.log()}") from None

    def log(self) -> str:
        """Everything the bot has written so far."""
        return self.log_path.read_text(encoding="utf-8", errors="replace") if self.log_path.exists() else ""


@asynccontextmanager
async def running_bot(server: LoopbackDiscord, workdir: Path, **env: str) -> AsyncIterator[BotProcess]:
    """A bot process connected to the loopback server for the length of an `async with` block."""
    bot = BotProcess(workdir, {**server.env(), **env})
    await bot.start()
    try:
        await server.wait_ready(60)
        yield bot
    finally:
        await bot.stop()
