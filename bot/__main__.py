"""Command line: run the bot (or the console without a token), check the content, open the studio."""

from __future__ import annotations

import argparse
import gc
import logging
import os
import sys
from types import TracebackType
from typing import TYPE_CHECKING

from bot import redaction
from bot.redaction import url_secrets

if TYPE_CHECKING:
    from bot.config import Settings
    from bot.core.answers import Briefer


def _settings() -> Settings:
    # Imported here, after the collector is paused in `main`: pydantic builds many objects on import.
    from bot.config import SettingsError, load_settings  # noqa: PLC0415

    try:
        return load_settings()
    except SettingsError as exc:
        print(f"Invalid settings:\n{exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def _check(settings: Settings) -> int:
    from bot.core.audit import check_all  # noqa: PLC0415 - keep `--help` fast

    content, problems = check_all(settings.briefs_dir, settings.locales_dir)
    for problem in problems:
        print(problem)
    if content is None:
        print(f"{len(problems)} problem(s) found.", file=sys.stderr)
        return 1
    library = content.library
    print(f"OK: {len(library.cards)} cards, {len(library.glossary)} glossary entries, catalogs complete.")
    return 0


def _load(settings: Settings) -> Briefer | None:
    """The content as the bot would serve it, or None after printing why it cannot be served."""
    from bot.core.answers import Briefer  # noqa: PLC0415
    from bot.core.content import Content  # noqa: PLC0415
    from bot.core.content.cache import load_cached  # noqa: PLC0415

    loaded = load_cached(settings.briefs_dir, settings.locales_dir, settings.content_cache_dir)
    if isinstance(loaded, Content):
        return Briefer.serving(loaded)
    for problem in loaded:
        print(problem, file=sys.stderr)
    print("The cards did not load; run `python -m bot check` for details.", file=sys.stderr)
    return None


def _console(settings: Settings) -> int:
    from bot.console import Console  # noqa: PLC0415

    briefer = _load(settings)
    if briefer is None:
        return 1
    try:
        Console(briefer, settings.default_language).run()
    except BrokenPipeError:
        # Whoever read the output went away (`| head`): stop quietly, and keep the interpreter's
        # final flush from raising again.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def _digest(settings: Settings, url: str, language: str | None, story: str | None) -> int:
    import asyncio  # noqa: PLC0415

    import httpx  # noqa: PLC0415

    from bot.core.language import parse_language  # noqa: PLC0415
    from bot.core.layout import pack_messages  # noqa: PLC0415
    from bot.digest import compose  # noqa: PLC0415
    from bot.digest.webhook import WebhookError, is_webhook_url, post_messages, redact  # noqa: PLC0415

    if not is_webhook_url(url):
        print("--webhook must be a Discord webhook URL: https://…/api/webhooks/<id>/<token>", file=sys.stderr)
        return 2
    chosen = parse_language(language) if language else settings.default_language
    if chosen is None:
        print(f"--language {language!r} is not one of en, zh-Hans, zh-Hant", file=sys.stderr)
        return 2
    briefer = _load(settings)
    if briefer is None:
        return 1
    library = briefer.library
    if story:
        card = briefer.find_story(story)
        if card is None:
            print(f"--story {story!r} matches no story", file=sys.stderr)
            return 2
        # Everything but the chosen card counts as already posted.
        seen = {c.id: c.version for c in library.cards if c.id != card.id}
    else:
        seen = {}
    views, _ = compose(briefer, chosen, seen)

    async def send() -> list[str]:
        async with httpx.AsyncClient(timeout=httpx.Timeout(15.0)) as client:
            return await post_messages(client, url, pack_messages(views))

    try:
        ids = asyncio.run(send())
    except WebhookError as exc:
        print(f"Webhook post failed: {exc}", file=sys.stderr)
        return 1
    print(f"Posted {len(views)} stories in {len(ids)} message(s) to {redact(url)}.")
    return 0


def _studio(settings: Settings) -> int:
    from bot.studio import serve  # noqa: PLC0415 - aiohttp and the watcher load only for the studio

    return serve(settings)


def _resume_collector() -> None:
    """Collect again, leaving out what exists now: the modules and settings live as long as the process."""
    gc.freeze()
    gc.enable()


def _log_uncaught(kind: type[BaseException], exc: BaseException, trace: TracebackType | None) -> None:
    """An error nobody caught goes through the log, and so through its redaction, not straight to stderr."""
    logging.getLogger("bot").critical("stopped by an unexpected error", exc_info=(kind, exc, trace))


def main(argv: list[str] | None = None) -> int:
    """Entry point for `python -m bot`."""
    # Start-up allocates hundreds of thousands of objects that live as long as the process (modules,
    # classes, the content); the cyclic collector would scan them again and again for nothing. It is
    # paused until they exist, then they are frozen out of its view (`BriefingBot.setup_hook`).
    gc.disable()
    from bot import startup  # noqa: PLC0415 - its clock starts here

    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the Discord bot, or the console when DISCORD_TOKEN is not set (default)")
    sub.add_parser("console", help="open the local console")
    sub.add_parser("check", help="validate cards, glossary and catalogs; non-zero exit on any problem")
    sub.add_parser("studio", help="preview every reply of every card in a browser, live (read-only, local)")
    digest = sub.add_parser("digest", help="post the digest to a Discord webhook once and exit (for cron)")
    digest.add_argument("--webhook", required=True, help="the webhook URL (its token is never printed)")
    digest.add_argument("--language", help="en, zh-Hans or zh-Hant (default: DEFAULT_LANGUAGE)")
    digest.add_argument("--story", help="only this story (id or start of its title); default: every story")
    args = parser.parse_args(argv)
    settings = _settings()
    startup.step("settings")
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # Every record passes through one filter that removes the token, URL secrets and interaction tokens.
    secrets = settings.secrets() + url_secrets(getattr(args, "webhook", None))
    redaction.install(secrets)
    sys.excepthook = _log_uncaught
    # httpx logs each request's full URL at INFO, and a webhook URL carries its token.
    logging.getLogger("httpx").setLevel(max(logging.WARNING, logging.getLogger().level))
    if args.command not in (None, "run") or settings.discord_token is None:
        _resume_collector()  # a check of a newsroom makes garbage; only the bot's start is worth pausing
    if args.command == "check":
        return _check(settings)
    if args.command == "studio":
        return _studio(settings)
    if args.command == "digest":
        return _digest(settings, args.webhook, args.language, args.story)
    if args.command == "console" or settings.discord_token is None:
        return _console(settings)
    from bot.discord.runner import run  # noqa: PLC0415 - discord.py loads only when the bot really runs

    startup.step("discord.py")
    return run(settings)


if __name__ == "__main__":
    raise SystemExit(main())
