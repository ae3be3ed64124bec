"""The schema history: each step moves a database one version forward, and a database records how far.

One history for both backends: step N means the same tables and columns in SQLite and in PostgreSQL,
written in each one's dialect where they differ (PostgreSQL keeps times as timestamptz and ids as bigint;
SQLite keeps times as sortable UTC ISO text).
"""

from __future__ import annotations

from dataclasses import dataclass

# PostgreSQL announces every change to a language setting here (NOTIFY), as "<table>:<id>", or "*" when a
# table was emptied; each process listens and forgets what it remembered of that key.
LANGUAGE_CHANNEL = "briefing_languages"


@dataclass(frozen=True)
class Migration:
    """One step of the schema history, in each backend's dialect."""

    name: str
    sqlite: str
    postgres: str


MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        "server settings and bookkeeping",
        sqlite="""
        CREATE TABLE guild_settings (
            guild_id INTEGER PRIMARY KEY,
            language TEXT,
            updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
        );
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
        postgres="""
        CREATE TABLE guild_settings (
            guild_id BIGINT PRIMARY KEY,
            language TEXT,
            updated_at TIMESTAMPTZ NOT NULL DEFAULT now()
        );
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
        """,
    ),
    Migration(
        "one daily digest per server, its ledger and what it carried",
        sqlite="""
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
        postgres="""
        CREATE TABLE digest (
            guild_id BIGINT PRIMARY KEY,
            channel_id BIGINT NOT NULL,
            at TEXT NOT NULL,
            zone TEXT NOT NULL,
            next_due TIMESTAMPTZ,
            paused TEXT,
            last_date TEXT,
            last_posted_at TIMESTAMPTZ,
            nothing_new_on TEXT
        );
        CREATE INDEX digest_due ON digest (next_due) WHERE next_due IS NOT NULL AND paused IS NULL;
        CREATE TABLE digest_ledger (
            guild_id BIGINT NOT NULL,
            local_date TEXT NOT NULL,
            nonce TEXT NOT NULL,
            state TEXT NOT NULL,
            parts_sent INTEGER NOT NULL DEFAULT 0,
            claimed_at TIMESTAMPTZ NOT NULL,
            PRIMARY KEY (guild_id, local_date)
        );
        CREATE TABLE digest_seen (
            guild_id BIGINT NOT NULL,
            card_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            PRIMARY KEY (guild_id, card_id)
        );
        """,
    ),
    Migration(
        # A server's one digest becomes the digest of its channel; ledger and seen rows follow it there.
        # Rows of a server that had turned its digest off keep channel 0: nothing is dropped.
        "several digests per server, by channel; per-person and per-channel languages; leases",
        sqlite="""
        CREATE TABLE user_settings (user_id INTEGER PRIMARY KEY, language TEXT NOT NULL);
        CREATE TABLE channel_settings (
            channel_id INTEGER PRIMARY KEY,
            guild_id INTEGER NOT NULL,
            language TEXT NOT NULL
        );
        ALTER TABLE guild_settings ADD COLUMN locale TEXT;
        CREATE TABLE digest_by_channel (
            guild_id INTEGER NOT NULL,
            channel_id INTEGER NOT NULL,
            kind TEXT NOT NULL DEFAULT 'text',
            at TEXT NOT NULL,
            zone TEXT NOT NULL,
            language TEXT,
            topics TEXT NOT NULL DEFAULT '',
            role_id INTEGER,
            next_due TEXT,
            paused TEXT,
            last_date TEXT,
            last_posted_at TEXT,
            nothing_new_on TEXT,
            publish_problem TEXT,
            lease_owner TEXT,
            lease_until TEXT,
            PRIMARY KEY (guild_id, channel_id)
        );
        INSERT INTO digest_by_channel (guild_id, channel_id, at, zone, next_due, paused, last_date,
            last_posted_at, nothing_new_on)
            SELECT guild_id, channel_id, at, zone, next_due, paused, last_date, last_posted_at, nothing_new_on
            FROM digest;
        CREATE TABLE ledger_by_channel (
            guild_id INTEGER NOT NULL,
            channel_id INTEGER NOT NULL,
            local_date TEXT NOT NULL,
            nonce TEXT NOT NULL,
            state TEXT NOT NULL,
            parts_sent INTEGER NOT NULL DEFAULT 0,
            claimed_at TEXT NOT NULL,
            PRIMARY KEY (guild_id, channel_id, local_date)
        );
        INSERT INTO ledger_by_channel
            SELECT l.guild_id, COALESCE(d.channel_id, 0), l.local_date, l.nonce, l.state, l.parts_sent,
                l.claimed_at
            FROM digest_ledger l LEFT JOIN digest d ON d.guild_id = l.guild_id;
        CREATE TABLE seen_by_channel (
            guild_id INTEGER NOT NULL,
            channel_id INTEGER NOT NULL,
            card_id TEXT NOT NULL,
            version INTEGER NOT NULL,
            PRIMARY KEY (guild_id, channel_id, card_id)
        );
        INSERT INTO seen_by_channel
            SELECT s.guild_id, COALESCE(d.channel_id, 0), s.card_id, s.version
            FROM digest_seen s LEFT JOIN digest d ON d.guild_id = s.guild_id;
        DROP TABLE digest;
        DROP TABLE digest_ledger;
        DROP TABLE digest_seen;
        ALTER TABLE digest_by_channel RENAME TO digest;
        ALTER TABLE ledger_by_channel RENAME TO digest_ledger;
        ALTER TABLE seen_by_channel RENAME TO digest_seen;
        CREATE INDEX digest_due ON digest (next_due) WHERE next_due IS NOT NULL AND paused IS NULL;
        """,
        postgres="""
        CREATE TABLE user_settings (user_id BIGINT PRIMARY KEY, language TEXT NOT NULL);
        CREATE TABLE channel_settings (
            channel_id BIGINT PRIMARY KEY,
            guild_id BIGINT NOT NULL,
            language TEXT NOT NULL
        );
        ALTER TABLE guild_settings ADD COLUMN locale TEXT;
        ALTER TABLE digest DROP CONSTRAINT digest_pkey;
        ALTER TABLE digest ADD PRIMARY KEY (guild_id, channel_id);
        ALTER TABLE digest ADD COLUMN kind TEXT NOT NULL DEFAULT 'text';
        ALTER TABLE digest ADD COLUMN language TEXT;
        ALTER TABLE digest ADD COLUMN topics TEXT NOT NULL DEFAULT '';
        ALTER TABLE digest ADD COLUMN role_id BIGINT;
        ALTER TABLE digest ADD COLUMN publish_problem TEXT;
        ALTER TABLE digest ADD COLUMN lease_owner TEXT;
        ALTER TABLE digest ADD COLUMN lease_until TIMESTAMPTZ;
        ALTER TABLE digest_ledger ADD COLUMN channel_id BIGINT NOT NULL DEFAULT 0;
        UPDATE digest_ledger l SET channel_id = d.channel_id FROM digest d WHERE d.guild_id = l.guild_id;
        ALTER TABLE digest_ledger DROP CONSTRAINT digest_ledger_pkey;
        ALTER TABLE digest_ledger ADD PRIMARY KEY (guild_id, channel_id, local_date);
        ALTER TABLE digest_seen ADD COLUMN channel_id BIGINT NOT NULL DEFAULT 0;
        UPDATE digest_seen s SET channel_id = d.channel_id FROM digest d WHERE d.guild_id = s.guild_id;
        ALTER TABLE digest_seen DROP CONSTRAINT digest_seen_pkey;
        ALTER TABLE digest_seen ADD PRIMARY KEY (guild_id, channel_id, card_id);
        """,
    ),
    Migration(
        # Shared by every process of a deployment: the next free moment (Unix seconds) of a rate budget.
        "a rate budget shared by every process",
        sqlite="CREATE TABLE rate_budget (name TEXT PRIMARY KEY, next_at REAL NOT NULL)",
        postgres="CREATE TABLE rate_budget (name TEXT PRIMARY KEY, next_at DOUBLE PRECISION NOT NULL)",
    ),
    Migration(
        # Triggers, so that a change made any way at all (another process, an older one, an operator's
        # psql) is announced. SQLite serves one process, which knows its own changes: nothing to add.
        "every change to a language setting is announced to every process",
        sqlite="",
        postgres=f"""
        CREATE FUNCTION briefing_language_changed() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'TRUNCATE' THEN
                PERFORM pg_notify('{LANGUAGE_CHANNEL}', '*');
                RETURN NULL;
            END IF;
            IF TG_OP IN ('UPDATE', 'DELETE') THEN
                PERFORM pg_notify(
                    '{LANGUAGE_CHANNEL}', TG_TABLE_NAME || ':' || (to_jsonb(OLD) ->> TG_ARGV[0])
                );
            END IF;
            IF TG_OP IN ('INSERT', 'UPDATE') THEN
                PERFORM pg_notify(
                    '{LANGUAGE_CHANNEL}', TG_TABLE_NAME || ':' || (to_jsonb(NEW) ->> TG_ARGV[0])
                );
            END IF;
            RETURN NULL;
        END
        $$;
        CREATE TRIGGER language_changed AFTER INSERT OR UPDATE OR DELETE ON user_settings
            FOR EACH ROW EXECUTE FUNCTION briefing_language_changed('user_id');
        CREATE TRIGGER languages_emptied AFTER TRUNCATE ON user_settings
            FOR EACH STATEMENT EXECUTE FUNCTION briefing_language_changed('user_id');
        CREATE TRIGGER language_changed AFTER INSERT OR UPDATE OR DELETE ON channel_settings
            FOR EACH ROW EXECUTE FUNCTION briefing_language_changed('channel_id');
        CREATE TRIGGER languages_emptied AFTER TRUNCATE ON channel_settings
            FOR EACH STATEMENT EXECUTE FUNCTION briefing_language_changed('channel_id');
        CREATE TRIGGER language_changed AFTER INSERT OR UPDATE OR DELETE ON guild_settings
            FOR EACH ROW EXECUTE FUNCTION briefing_language_changed('guild_id');
        CREATE TRIGGER languages_emptied AFTER TRUNCATE ON guild_settings
            FOR EACH STATEMENT EXECUTE FUNCTION briefing_language_changed('guild_id');
        """,
    ),
)
