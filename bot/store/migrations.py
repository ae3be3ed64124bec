"""The schema history: each step moves a database one version forward, and a database records how far."""

from __future__ import annotations

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE guild_settings (
        guild_id INTEGER PRIMARY KEY,
        language TEXT,
        updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
    );
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    """,
    """
    CREATE TABLE digest (
        guild_id INTEGER PRIMARY KEY,
        channel_id INTEGER NOT NULL,
        at TEXT NOT NULL,
        zone TEXT NOT NULL,
        next_due TEXT,
        paused TEXT,
        last_date TEXT,
        last_posted_at TEXT,
        nothing_new_on TEXT
    );
    CREATE INDEX digest_due ON digest (next_due) WHERE next_due IS NOT NULL AND paused IS NULL;
    CREATE TABLE digest_ledger (
        guild_id INTEGER NOT NULL,
        local_date TEXT NOT NULL,
        nonce TEXT NOT NULL,
        state TEXT NOT NULL,
        parts_sent INTEGER NOT NULL DEFAULT 0,
        claimed_at TEXT NOT NULL,
        PRIMARY KEY (guild_id, local_date)
    );
    CREATE TABLE digest_seen (
        guild_id INTEGER NOT NULL,
        card_id TEXT NOT NULL,
        version INTEGER NOT NULL,
        PRIMARY KEY (guild_id, card_id)
    );
    """,
)
