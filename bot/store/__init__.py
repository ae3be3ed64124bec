"""Settings, the digest schedules and their ledger: the store interface and its backends."""

from bot.store.base import (
    CHANNEL_KINDS,
    MAX_DIGESTS,
    ChannelKind,
    Claim,
    DigestRow,
    LedgerState,
    PauseReason,
    SchemaTooNew,
    Shards,
    Store,
    StoreUnavailable,
    TooManyDigests,
)
from bot.store.migrations import MIGRATIONS, Migration
from bot.store.open import is_postgres, open_store
from bot.store.sqlite import SQLiteStore, sqlite_path

__all__ = [
    "CHANNEL_KINDS",
    "MAX_DIGESTS",
    "MIGRATIONS",
    "ChannelKind",
    "Claim",
    "DigestRow",
    "LedgerState",
    "Migration",
    "PauseReason",
    "SQLiteStore",
    "SchemaTooNew",
    "Shards",
    "Store",
    "StoreUnavailable",
    "TooManyDigests",
    "is_postgres",
    "open_store",
    "sqlite_path",
]
