"""Runtime settings from the environment and `.env`, built once at start-up."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit

from pydantic import BeforeValidator, Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.language import Language
from bot.digest.schedule import parse_zone
from bot.redaction import redact_url, url_secrets

LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


def parse_shard_ids(value: object) -> object:
    """`0,1`, `0-3` or `0-1,4` as a tuple of shard ids; anything else is left for pydantic to refuse."""
    if isinstance(value, int):  # the settings loader reads a lone `0` as JSON
        return (value,)
    if not isinstance(value, str):
        return value
    ids: list[int] = []
    for part in filter(None, (p.strip() for p in value.split(","))):
        low, dash, high = part.partition("-")
        if not low.isdigit() or (dash and not high.isdigit()):
            raise ValueError(f"{part!r} is not a shard id or a range such as 0-3")
        ids.extend(range(int(low), int(high) + 1) if dash else [int(low)])
    if not ids:
        raise ValueError("no shard ids")
    return tuple(sorted(set(ids)))


ShardIds = Annotated[tuple[int, ...] | None, BeforeValidator(parse_shard_ids)]


# Polling faster than this spins a core; slower than a day is a mistake, not a setting.
MIN_INTERVAL = 0.1
MAX_INTERVAL = 86400.0
_LOOPBACK_HOSTS = ("localhost",)


def _url(value: str, schemes: tuple[str, ...]) -> str:
    """A URL with one of the schemes and a host, else a ValueError saying what was expected."""
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - reading it validates the port
    except ValueError as exc:
        raise ValueError(f"is not a valid URL ({exc})") from None
    if parts.scheme not in schemes or not parts.hostname:
        raise ValueError(f"must be a URL starting with {' or '.join(s + '://' for s in schemes)} and a host")
    return value


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host in _LOOPBACK_HOSTS


def check_database_url(value: str) -> str:
    """A file path, an explicit in-memory database, or a PostgreSQL server; nothing that could mean both."""
    try:
        parts = urlsplit(value)
    except ValueError as exc:
        raise ValueError(f"is not a valid URL ({exc})") from None
    if parts.scheme in ("postgresql", "postgres"):
        return _url(value, ("postgresql", "postgres"))
    if parts.scheme != "sqlite":
        raise ValueError("must be sqlite:///relative/path, sqlite:////absolute/path or postgresql://…")
    if value in ("sqlite://:memory:", "sqlite:///:memory:"):
        return value  # asked for by name: a database that is lost at every restart
    if parts.netloc or not parts.path.startswith("/") or parts.path in ("/", "//") or parts.query:
        # sqlite://briefing.db would silently mean an in-memory database: say so instead.
        raise ValueError(
            "must be sqlite:///relative/path or sqlite:////absolute/path (three or four slashes); "
            "sqlite://:memory: for a database that is lost at every restart"
        )
    return value


class Settings(BaseSettings):
    """Everything the bot reads from its environment."""

    # An empty variable (as copied from .env.example) means "not set", not an empty value.
    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", env_ignore_empty=True
    )

    discord_token: SecretStr | None = Field(default=None, validation_alias="DISCORD_TOKEN")
    default_language: Language = Field(default="en", validation_alias="DEFAULT_LANGUAGE")
    briefs_dir: Path = Field(default=Path("briefs"), validation_alias="BRIEFS_DIR")
    locales_dir: Path = Field(default=Path("locales"), validation_alias="LOCALES_DIR")
    log_level: LogLevel = Field(default="INFO", validation_alias="LOG_LEVEL")
    discord_api_base: str = Field(default="https://discord.com/api/v10", validation_alias="DISCORD_API_BASE")
    discord_gateway_url: str = Field(
        default="wss://gateway.discord.gg/", validation_alias="DISCORD_GATEWAY_URL"
    )
    database_url: str = Field(default="sqlite:///data/briefing.sqlite3", validation_alias="DATABASE_URL")
    dev_guild_id: int | None = Field(default=None, gt=0, lt=2**64, validation_alias="DEV_GUILD_ID")
    default_timezone: str = Field(default="UTC", validation_alias="DEFAULT_TIMEZONE")
    briefs_url: str | None = Field(default=None, validation_alias="BRIEFS_URL")
    briefs_refresh: float = Field(
        default=300.0,
        ge=MIN_INTERVAL,
        le=MAX_INTERVAL,
        allow_inf_nan=False,
        validation_alias="BRIEFS_REFRESH",
    )
    briefs_timeout: float = Field(
        default=60.0, ge=1.0, le=3600.0, allow_inf_nan=False, validation_alias="BRIEFS_TIMEOUT"
    )
    reload_interval: float = Field(
        default=2.0, ge=0, le=MAX_INTERVAL, allow_inf_nan=False, validation_alias="RELOAD_INTERVAL"
    )
    health_interval: float = Field(
        default=60.0,
        ge=MIN_INTERVAL,
        le=MAX_INTERVAL,
        allow_inf_nan=False,
        validation_alias="HEALTH_INTERVAL",
    )
    content_cache: str = Field(default="data/cache", validation_alias="CONTENT_CACHE")
    studio_host: str = Field(default="127.0.0.1", min_length=1, validation_alias="STUDIO_HOST")
    studio_port: int = Field(default=8765, ge=0, le=65535, validation_alias="STUDIO_PORT")

    shard_count: int | None = Field(default=None, ge=1, validation_alias="SHARD_COUNT")
    shard_ids: ShardIds = Field(default=None, validation_alias="SHARD_IDS")
    metrics_port: int | None = Field(default=None, ge=1, le=65535, validation_alias="METRICS_PORT")
    digest_lease: float = Field(default=30.0, ge=2, validation_alias="DIGEST_LEASE")
    digest_rate: float = Field(default=45.0, gt=0, le=50, validation_alias="DIGEST_RATE")

    @property
    def content_cache_dir(self) -> Path | None:
        """Where the compiled content cache lives, or None when CONTENT_CACHE is `off`."""
        return None if self.content_cache.strip().lower() == "off" else Path(self.content_cache)

    @model_validator(mode="after")
    def _shards_fit(self) -> Settings:
        """SHARD_IDS needs SHARD_COUNT, and each id must be below it."""
        if self.shard_ids is not None:
            if self.shard_count is None:
                raise ValueError("SHARD_IDS needs SHARD_COUNT")
            if any(i >= self.shard_count for i in self.shard_ids):
                raise ValueError(f"SHARD_IDS must be below SHARD_COUNT ({self.shard_count})")
        return self

    @field_validator("discord_api_base")
    @classmethod
    def _api_base(cls, value: str) -> str:
        return _url(value, ("https", "http"))

    @field_validator("discord_gateway_url")
    @classmethod
    def _gateway(cls, value: str) -> str:
        return _url(value, ("wss", "ws"))

    @field_validator("database_url")
    @classmethod
    def _database(cls, value: str) -> str:
        return check_database_url(value)

    @field_validator("briefs_url")
    @classmethod
    def _pack_url(cls, value: str | None) -> str | None:
        if value is None:
            return None
        _url(value, ("https", "http"))
        host = urlsplit(value).hostname or ""
        if urlsplit(value).scheme == "http" and not _is_loopback(host):
            raise ValueError(
                "must be an https:// URL (http:// only to this machine: 127.0.0.1, ::1, localhost)"
            )
        return value

    @field_validator("default_timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        if parse_zone(value) is None:
            raise ValueError("is not an IANA time zone name such as UTC or Europe/London")
        return value

    @field_validator("reload_interval")
    @classmethod
    def _reload(cls, value: float) -> float:
        if 0 < value < MIN_INTERVAL:
            raise ValueError(f"must be 0 (off) or at least {MIN_INTERVAL} seconds")
        return value

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        """Fields as repr shows them: URLs with their secrets replaced."""
        for name, value in super().__repr_args__():
            yield name, redact_url(value) if name in SECRET_URLS and isinstance(value, str) else value

    def secrets(self) -> list[str]:
        """Every secret these settings hold, for the log filter to remove wherever it appears."""
        found = [self.discord_token.get_secret_value()] if self.discord_token else []
        for name in SECRET_URLS:
            found += url_secrets(getattr(self, name))
        return found


# Variables whose values may carry a password, a token in the path, or a signed query string.
SECRET_URLS = ("discord_api_base", "discord_gateway_url", "database_url", "briefs_url")
_SECRET_VARIABLES = ("DISCORD_API_BASE", "DISCORD_GATEWAY_URL", "DATABASE_URL", "BRIEFS_URL")


class SettingsError(Exception):
    """A setting has a bad value; the message names the variable."""


def _shown(name: str, value: object) -> str:
    """What a bad value is echoed as: never a token, and a URL only with its secrets removed."""
    if name == "DISCORD_TOKEN":
        return ""
    if name in _SECRET_VARIABLES and isinstance(value, str):
        return f" (got {redact_url(value)!r})"
    return f" (got {value!r})"


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning validation errors into one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = ".".join(str(part) for part in err["loc"]) or "settings"
            message = err["msg"].removeprefix("Value error, ")
            lines.append(f"{name}: {message}{_shown(name, err.get('input'))}")
        raise SettingsError("\n".join(lines)) from None
    except (OSError, UnicodeDecodeError) as exc:  # an unreadable .env
        raise SettingsError(f".env: cannot be read ({exc})") from None
