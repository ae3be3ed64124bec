"""Per-server settings, the digest schedule and its ledger: the store interface and its backends."""

from bot.store.base import (
    Claim,
    DigestRow,
    LedgerState,
    PauseReason,
    SchemaTooNew,
    Store,
    StoreUnavailable,
)
from bot.store.migrations import MIGRATIONS
from bot.store.sqlite import SQLiteStore, sqlite_path

__all__ = [
    "MIGRATIONS",
    "Claim",
    "DigestRow",
    "LedgerState",
    "PauseReason",
    "SQLiteStore",
    "SchemaTooNew",
    "Store",
    "StoreUnavailable",
    "sqlite_path",
]
