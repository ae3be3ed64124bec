"""Settings: read from the environment at start-up, with errors that name the variable."""

from __future__ import annotations

import pytest

from bot.config import SettingsError, load_settings


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
