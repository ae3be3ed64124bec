"""The editor's studio: every reply of every card as Discord shows it, three languages side by side, live."""

from __future__ import annotations

import asyncio

from bot.config import Settings
from bot.studio.server import make_app, run_studio
from bot.studio.state import Snapshot, Studio

__all__ = ["Snapshot", "Studio", "make_app", "run_studio", "serve"]


def serve(settings: Settings) -> int:
    """`python -m bot studio`: load the content, serve the page, follow every save."""
    studio = Studio(settings.briefs_dir, settings.locales_dir)
    studio.warm_up()

    def ready(url: str) -> None:
        problems = studio.snapshot.problems
        found = f"{len(problems)} problem(s) in the files; " if problems else ""
        print(f"Studio: {url}  ({found}read-only; Ctrl+C stops it)", flush=True)

    return asyncio.run(run_studio(studio, settings.studio_host, settings.studio_port, ready))
