"""What the bot keeps between runs: the store interface every backend implements, and its rows."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from bot.core.language import Language

LedgerState = Literal["sending", "sent", "empty"]  # a day's digest: claimed, posted, or nothing to post
PauseReason = Literal["forbidden", "missing"]  # the channel answered 403, or 404


class Store(Protocol):
    """What the bot keeps between runs; a second backend implements the same methods."""

    async def guild_language(self, guild_id: int) -> Language | None:
        """The language a server chose, if it chose one."""
        ...

    async def set_guild_language(self, guild_id: int, language: Language | None) -> None:
        """Choose a server's language, or clear the choice with None."""
        ...

    async def get_meta(self, key: str) -> str | None:
        """A bookkeeping value, such as the hash of the last command sync."""
        ...

    async def set_meta(self, key: str, value: str) -> None:
        """Record a bookkeeping value."""
        ...

    async def set_digest(
        self, guild_id: int, channel_id: int, at: str, zone: str, next_due: dt.datetime
    ) -> None:
        """Set (or move) a server's digest; setting it again resumes a paused one."""
        ...

    async def digest_off(self, guild_id: int) -> bool:
        """Stop a server's digest."""
        ...

    async def digest(self, guild_id: int) -> DigestRow | None:
        """A server's digest settings."""
        ...

    async def due_digests(self, now: dt.datetime) -> list[DigestRow]:
        """Digests due by now, at a cost that grows with what is due."""
        ...

    async def next_digest_after(self, now: dt.datetime) -> dt.datetime | None:
        """The earliest due time still to come."""
        ...

    async def reschedule_digest(
        self, guild_id: int, next_due: dt.datetime, nothing_new_on: str | None = None
    ) -> None:
        """Move a digest's next due time."""
        ...

    async def pause_digest(self, guild_id: int, reason: PauseReason) -> None:
        """Pause a digest until it is set again."""
        ...

    async def seen_versions(self, guild_id: int) -> dict[str, int]:
        """The version of each card this server's digests have carried."""
        ...

    async def claim_digest(self, guild_id: int, local_date: str, nonce: str, now: dt.datetime) -> Claim:
        """Record, atomically, the intent to post a day's digest, or return the earlier claim."""
        ...

    async def digest_part_sent(self, guild_id: int, local_date: str, parts_sent: int) -> None:
        """Record how many of a digest's messages reached Discord."""
        ...

    async def finish_digest(
        self,
        guild_id: int,
        local_date: str,
        state: LedgerState,
        included: dict[str, int],
        next_due: dt.datetime,
        posted_at: dt.datetime,
    ) -> None:
        """Close a day's digest atomically: ledger, what was carried, the next due time."""
        ...

    async def problem(self) -> str | None:
        """Something wrong with the backend noticed while running (its file deleted, say), or None."""
        ...

    async def close(self) -> None:
        """Release the backend."""
        ...


class StoreUnavailable(Exception):
    """The backend could not be used just now (locked, busy, unreachable); worth trying again later."""


class SchemaTooNew(Exception):
    """The database was written by a newer version of the bot; this one refuses to touch it."""


@dataclass(frozen=True)
class Claim:
    """A day's digest in the ledger: the nonce it is posted with, how far it got."""

    nonce: str
    state: LedgerState
    parts_sent: int
    claimed_at: dt.datetime | None = None
    resumed: bool = False  # claimed by an earlier run that did not finish it (a crash, a kill)


@dataclass(frozen=True)
class DigestRow:
    """A server's digest settings and where its schedule stands."""

    guild_id: int
    channel_id: int
    at: str
    zone: str
    next_due: dt.datetime | None
    paused: PauseReason | None
    last_date: str | None
    last_posted_at: dt.datetime | None
    nothing_new_on: str | None

    @classmethod
    def from_row(cls, row: tuple[Any, ...]) -> DigestRow:
        """Build from a SELECT of the digest columns."""
        values = list(row)
        for i in (4, 7):
            values[i] = dt.datetime.fromisoformat(values[i]) if values[i] else None
        return cls(*values)
