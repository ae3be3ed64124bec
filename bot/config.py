"""Runtime settings from the environment and `.env`, built once at start-up."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BeforeValidator, Field, SecretStr, ValidationError, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from bot.core.language import Language

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
    dev_guild_id: int | None = Field(default=None, validation_alias="DEV_GUILD_ID")
    default_timezone: str = Field(default="UTC", validation_alias="DEFAULT_TIMEZONE")
    briefs_url: str | None = Field(default=None, validation_alias="BRIEFS_URL")
    briefs_refresh: float = Field(default=300.0, gt=0, validation_alias="BRIEFS_REFRESH")
    reload_interval: float = Field(default=2.0, ge=0, validation_alias="RELOAD_INTERVAL")
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


class SettingsError(Exception):
    """A setting has a bad value; the message names the variable."""


def load_settings(**overrides: object) -> Settings:
    """Build settings, turning validation errors into one line per bad variable."""
    try:
        return Settings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = ".".join(str(part) for part in err["loc"]) or "settings"
            # A secret's value never reaches a message, even when it is the bad one.
            shown = "" if name == "DISCORD_TOKEN" else f" (got {err.get('input')!r})"
            lines.append(f"{name}: {err['msg']}{shown}")
        raise SettingsError("\n".join(lines)) from exc
