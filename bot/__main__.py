"""Command line: run the bot (or the console without a token), check the content."""

from __future__ import annotations

import argparse
import logging
import sys

from bot.settings import Settings, SettingsError, load_settings


def _settings() -> Settings:
    try:
        return load_settings()
    except SettingsError as exc:
        print(f"Invalid settings:\n{exc}", file=sys.stderr)
        raise SystemExit(2) from exc


def _check(settings: Settings) -> int:
    from bot.check import check_all  # noqa: PLC0415 - keep `--help` fast

    library, problems = check_all(settings.briefs_dir, settings.locales_dir)
    for problem in problems:
        print(problem)
    if library is None:
        print(f"{len(problems)} problem(s) found.", file=sys.stderr)
        return 1
    print(f"OK: {len(library.cards)} cards, {len(library.glossary)} glossary entries, catalogs complete.")
    return 0


def _console(settings: Settings) -> int:
    from bot.check import check_all  # noqa: PLC0415
    from bot.console import Console  # noqa: PLC0415
    from bot.i18n import Catalogs  # noqa: PLC0415
    from bot.queries import Briefer  # noqa: PLC0415

    library, problems = check_all(settings.briefs_dir, settings.locales_dir, every_reply=False)
    if library is None:
        for problem in problems:
            print(problem, file=sys.stderr)
        print("The cards did not load; run `python -m bot check` for details.", file=sys.stderr)
        return 1
    briefer = Briefer(library, Catalogs.load(settings.locales_dir))
    Console(briefer, settings.default_language).run()
    return 0


def main(argv: list[str] | None = None) -> int:
    """Entry point for `python -m bot`."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command")
    sub.add_parser("run", help="run the Discord bot, or the console when DISCORD_TOKEN is not set (default)")
    sub.add_parser("console", help="open the local console")
    sub.add_parser("check", help="validate cards, glossary and catalogs; non-zero exit on any problem")
    args = parser.parse_args(argv)
    settings = _settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    if args.command == "check":
        return _check(settings)
    if args.command == "console" or settings.discord_token is None:
        return _console(settings)
    from bot.runner import run  # noqa: PLC0415 - discord.py loads only when the bot really runs

    return run(settings)


if __name__ == "__main__":
    raise SystemExit(main())
