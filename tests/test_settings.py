"""Settings: read from the environment at start-up, with errors that name the variable."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.config import SettingsError, load_settings
from tests.conftest import ROOT

SETTINGS = {
    "DISCORD_TOKEN",
    "DEFAULT_LANGUAGE",
    "BRIEFS_DIR",
    "LOCALES_DIR",
    "LOG_LEVEL",
    "DISCORD_API_BASE",
    "DISCORD_GATEWAY_URL",
    "DATABASE_URL",
    "DEV_GUILD_ID",
    "DEFAULT_TIMEZONE",
    "BRIEFS_URL",
    "BRIEFS_REFRESH",
    "BRIEFS_TIMEOUT",
    "RELOAD_INTERVAL",
    "HEALTH_INTERVAL",
    "CONTENT_CACHE",
    "STUDIO_HOST",
    "STUDIO_PORT",
}


def test_defaults_need_no_token(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)  # no .env here
    for name in ("DISCORD_TOKEN", "DEFAULT_LANGUAGE", "LOG_LEVEL"):
        monkeypatch.delenv(name, raising=False)
    settings = load_settings()
    assert settings.discord_token is None
    assert settings.default_language == "en"


def test_bad_value_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DEFAULT_LANGUAGE", "klingon")
    with pytest.raises(SettingsError, match=r"^DEFAULT_LANGUAGE: .*'klingon'"):
        load_settings()


def test_token_is_secret_and_never_echoed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "very-secret-token")
    monkeypatch.setenv("DEV_GUILD_ID", "not-a-number")
    settings_error = None
    try:
        load_settings()
    except SettingsError as exc:
        settings_error = str(exc)
    assert settings_error is not None
    assert "DEV_GUILD_ID" in settings_error
    assert "very-secret-token" not in settings_error
    monkeypatch.delenv("DEV_GUILD_ID")
    settings = load_settings()
    assert "very-secret-token" not in repr(settings)
    assert settings.discord_token is not None
    assert settings.discord_token.get_secret_value() == "very-secret-token"


def test_env_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("DEFAULT_LANGUAGE", raising=False)
    (tmp_path / ".env").write_text("DEFAULT_LANGUAGE=zh-Hant\n", encoding="utf-8")
    assert load_settings().default_language == "zh-Hant"


@pytest.mark.parametrize(
    ("name", "value", "line"),
    [
        (
            "DATABASE_URL",
            "sqlite://briefing.db",
            "DATABASE_URL: must be sqlite:///relative/path or sqlite:////absolute/path (three or four "
            "slashes); sqlite://:memory: for a database that is lost at every restart (got 'sqlite://briefing.db')",
        ),
        (
            "DATABASE_URL",
            "mysql://bot:hunter2@db/x",
            "DATABASE_URL: must be sqlite:///relative/path, sqlite:////absolute/path or postgresql://… "
            "(got 'mysql://bot:***@db/x')",
        ),
        (
            "RELOAD_INTERVAL",
            "1e-9",
            "RELOAD_INTERVAL: must be 0 (off) or at least 0.1 seconds (got '1e-9')",
        ),
        ("RELOAD_INTERVAL", "inf", "RELOAD_INTERVAL: Input should be a finite number (got 'inf')"),
        ("BRIEFS_REFRESH", "nan", "BRIEFS_REFRESH: Input should be a finite number (got 'nan')"),
        (
            "BRIEFS_REFRESH",
            "0.001",
            "BRIEFS_REFRESH: Input should be greater than or equal to 0.1 (got '0.001')",
        ),
        (
            "HEALTH_INTERVAL",
            "1e12",
            "HEALTH_INTERVAL: Input should be less than or equal to 86400 (got '1e12')",
        ),
        ("DEV_GUILD_ID", "-4", "DEV_GUILD_ID: Input should be greater than 0 (got '-4')"),
        (
            "DEV_GUILD_ID",
            "99999999999999999999999",
            "DEV_GUILD_ID: Input should be less than 18446744073709551616 (got '99999999999999999999999')",
        ),
        (
            "DEFAULT_TIMEZONE",
            "Mars/Olympus",
            "DEFAULT_TIMEZONE: is not an IANA time zone name such as UTC or Europe/London (got 'Mars/Olympus')",
        ),
        (
            "DISCORD_API_BASE",
            "discord.com/api",
            "DISCORD_API_BASE: must be a URL starting with https:// or http:// and a host (got '***')",
        ),
        (
            "DISCORD_GATEWAY_URL",
            "https://gateway.discord.gg",
            "DISCORD_GATEWAY_URL: must be a URL starting with wss:// or ws:// and a host "
            "(got 'https://gateway.discord.gg')",
        ),
        (
            "BRIEFS_URL",
            "http://packs.example/pack.json?sig=abcdef",
            "BRIEFS_URL: must be an https:// URL (http:// only to this machine: 127.0.0.1, ::1, localhost) "
            "(got 'http://packs.example/pack.json?***')",
        ),
    ],
)
def test_a_bad_setting_stops_the_start_with_one_line_and_exit_code_2(
    tmp_path: Path, name: str, value: str, line: str
) -> None:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "check"],
        check=False,
        cwd=tmp_path,
        env={**env, name: value, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == ["Invalid settings:", line]
    assert result.stdout == ""


@pytest.mark.parametrize(
    "url",
    [
        "sqlite:///data/briefing.sqlite3",
        "sqlite:////var/lib/briefing/briefing.sqlite3",
        "sqlite://:memory:",
        "postgresql://bot:pw@db.internal:5432/briefing",
        "postgres://db.internal/briefing",
    ],
)
def test_database_urls_that_are_clear_are_accepted(monkeypatch: pytest.MonkeyPatch, url: str) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    assert load_settings().database_url == url


def test_repr_shows_no_url_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://bot:db-password-1@db/briefing")
    monkeypatch.setenv("BRIEFS_URL", "https://packs.example/p.json?sig=pack-signature-2")
    monkeypatch.setenv("DISCORD_API_BASE", "https://proxy.example/k/9f8e7d6c5b4a39281706/api/v10")
    shown = repr(load_settings()) + str(load_settings())
    for secret in ("db-password-1", "pack-signature-2", "9f8e7d6c5b4a39281706"):
        assert secret not in shown
    assert "postgresql://bot:***@db/briefing" in shown


@pytest.mark.parametrize(
    ("value", "expected"),
    [("0", (0,)), ("0,1", (0, 1)), ("0-3", (0, 1, 2, 3)), (" 3, 0-1 ", (0, 1, 3))],
)
def test_shard_ids_as_lists_and_ranges(monkeypatch: pytest.MonkeyPatch, value: str, expected: tuple) -> None:
    monkeypatch.setenv("SHARD_COUNT", "4")
    monkeypatch.setenv("SHARD_IDS", value)
    settings = load_settings()
    assert (settings.shard_count, settings.shard_ids) == (4, expected)


@pytest.mark.parametrize(
    ("count", "ids", "message"),
    [
        ("2", "2", r"SHARD_IDS must be below SHARD_COUNT \(2\)"),
        (None, "0", "SHARD_IDS needs SHARD_COUNT"),
        ("2", "a-b", "SHARD_IDS: .*'a-b' is not a shard id"),
        ("0", None, "SHARD_COUNT: .*greater than or equal to 1"),
    ],
)
def test_bad_shards_are_refused_by_name(
    monkeypatch: pytest.MonkeyPatch, count: str | None, ids: str | None, message: str
) -> None:
    for name, value in (("SHARD_COUNT", count), ("SHARD_IDS", ids)):
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        load_settings()
