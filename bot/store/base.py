"""What the bot keeps between runs: the store interface every backend implements, and its rows."""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Literal, Protocol

from bot.core.language import Language

LedgerState = Literal["sending", "sent", "empty"]  # a day's digest: claimed, posted, or nothing to post
PauseReason = Literal["forbidden", "missing"]  # the channel answered 403, or 404
ChannelKind = Literal["text", "forum", "announcement"]  # how a digest is posted in its channel
CHANNEL_KINDS: tuple[ChannelKind, ...] = ("text", "forum", "announcement")
MAX_DIGESTS = 10  # digests per server: one per channel, up to this many


class TooManyDigests(Exception):
    """A server already has MAX_DIGESTS digests and asked for one more in another channel."""

    def __init__(self, guild_id: int, limit: int = MAX_DIGESTS) -> None:
        super().__init__(f"server {guild_id} already has {limit} digests")
        self.guild_id = guild_id
        self.limit = limit


class SchemaTooNew(Exception):
    """The database was migrated by a newer version of the bot; this one refuses to touch it."""

    def __init__(self, found: int, known: int) -> None:
        super().__init__(
            f"the database is at schema version {found}, newer than this code knows ({known}): run the "
            "newer version of the bot that wrote it, or restore a backup; nothing was changed"
        )
        self.found = found
        self.known = known


class Store(Protocol):
    """What the bot keeps between runs; every backend implements the same methods."""

    async def guild_language(self, guild_id: int) -> Language | None:
        """The language a server chose, if it chose one."""
        ...

    async def set_guild_language(self, guild_id: int, language: Language | None) -> None:
        """Choose a server's language, or clear the choice with None."""
        ...

    async def guild_locale(self, guild_id: int) -> str | None:
        """A server's preferred locale as last seen by any process (for posts made from another shard)."""
        ...

    async def set_guild_locale(self, guild_id: int, locale: str) -> None:
        """Record a server's preferred locale as the gateway reported it."""
        ...

    async def user_language(self, user_id: int) -> Language | None:
        """The language a person saved for themselves, if any."""
        ...

    async def set_user_language(self, user_id: int, language: Language | None) -> None:
        """Save a person's own language, or clear it with None."""
        ...

    async def channel_language(self, channel_id: int) -> Language | None:
        """The language a channel was set to, if any."""
        ...

    async def set_channel_language(self, guild_id: int, channel_id: int, language: Language | None) -> None:
        """Set a channel's language, or clear it with None."""
        ...

    async def get_meta(self, key: str) -> str | None:
        """A bookkeeping value, such as the hash of the last command sync."""
        ...

    async def set_meta(self, key: str, value: str) -> None:
        """Record a bookkeeping value."""
        ...

    async def set_digest(
        self,
        guild_id: int,
        channel_id: int,
        at: str,
        zone: str,
        next_due: dt.datetime,
        *,
        language: Language | None = None,
        topics: tuple[str, ...] = (),
        role_id: int | None = None,
        kind: ChannelKind = "text",
    ) -> None:
        """Set (or move) the digest of a channel; setting it again resumes a paused one.

        Raises TooManyDigests when the channel has none yet and the server already has MAX_DIGESTS.
        """
        ...

    async def digest_off(self, guild_id: int, channel_id: int) -> bool:
        """Stop the digest of a channel; False when it had none."""
        ...

    async def digest(self, guild_id: int, channel_id: int) -> DigestRow | None:
        """The digest of a channel."""
        ...

    async def digests(self, guild_id: int) -> list[DigestRow]:
        """Every digest of a server, by channel."""
        ...

    async def due_digests(self, now: dt.datetime) -> list[DigestRow]:
        """Digests due by now, at a cost that grows with what is due."""
        ...

    async def next_digest_after(self, now: dt.datetime) -> dt.datetime | None:
        """The earliest moment a digest becomes due, or a lease on a due one runs out."""
        ...

    async def reschedule_digest(
        self, guild_id: int, channel_id: int, next_due: dt.datetime, nothing_new_on: str | None = None
    ) -> None:
        """Move a digest's next due time (and note a day with nothing new)."""
        ...

    async def pause_digest(self, guild_id: int, channel_id: int, reason: PauseReason) -> None:
        """Pause a digest until it is set again."""
        ...

    async def seen_versions(self, guild_id: int, channel_id: int) -> dict[str, int]:
        """The version of each card this digest has carried."""
        ...

    async def claim_digest(
        self, guild_id: int, channel_id: int, local_date: str, nonce: str, now: dt.datetime
    ) -> Claim:
        """Record, atomically, the intent to post a day's digest, or return the earlier claim."""
        ...

    async def digest_part_sent(
        self, guild_id: int, channel_id: int, local_date: str, parts_sent: int
    ) -> None:
        """Record how many of a digest's messages reached Discord."""
        ...

    async def finish_digest(
        self,
        guild_id: int,
        channel_id: int,
        local_date: str,
        state: LedgerState,
        included: dict[str, int],
        next_due: dt.datetime,
        posted_at: dt.datetime,
        publish_problem: str | None = None,
    ) -> None:
        """Close a day's digest atomically: ledger, what was carried, the next due time, a publish note."""
        ...

    async def lease_due(
        self,
        now: dt.datetime,
        owner: str,
        until: dt.datetime,
        limit: int,
        shards: Shards | None = None,
    ) -> list[DigestRow]:
        """Take up to `limit` due digests that no live lease holds, leasing them to `owner` until `until`.

        Two processes asking at once never get the same digest; a lease that runs out (its holder died)
        makes the digest due again for anyone. Finishing, moving or pausing a digest ends its lease.
        With `shards`, only servers of those shards are taken, and others' once overdue since `others_after`.
        """
        ...

    async def rate_slot(self, name: str, interval: float) -> float:
        """Book the next free slot of a rate budget shared by every process; seconds to wait for it."""
        ...

    def lock(self, name: str) -> AbstractAsyncContextManager[None]:
        """Hold a named lock shared by every process of the deployment (one command sync at a time)."""
        ...

    async def problem(self) -> str | None:
        """Something wrong with the backend noticed while running (its file deleted, say), or None."""
        ...

    async def close(self) -> None:
        """Release the backend."""
        ...


class StoreUnavailable(Exception):
    """The backend could not be used just now (locked, busy, unreachable); worth trying again later."""


@dataclass(frozen=True)
class Shards:
    """The shards a process serves: it takes their digests first, and others' only once overdue."""

    count: int
    ids: tuple[int, ...]
    others_after: dt.datetime  # digests due before this are anyone's: their own process may be gone

    def owns(self, guild_id: int) -> bool:
        """Whether a server is on one of these shards (Discord's formula)."""
        return (guild_id >> 22) % self.count in self.ids


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
    """One channel's digest: its settings and where its schedule stands."""

    guild_id: int
    channel_id: int
    at: str
    zone: str
    next_due: dt.datetime | None
    paused: PauseReason | None = None
    last_date: str | None = None
    last_posted_at: dt.datetime | None = None
    nothing_new_on: str | None = None
    language: Language | None = None
    topics: tuple[str, ...] = ()
    role_id: int | None = None
    kind: ChannelKind = "text"
    publish_problem: str | None = None  # why the last announcement post could not be published


def join_topics(topics: tuple[str, ...]) -> str:
    """Topic ids as stored: comma-separated (ids are lowercase letters, digits and hyphens)."""
    return ",".join(topics)


def split_topics(stored: str | None) -> tuple[str, ...]:
    """Topic ids from their stored form."""
    return tuple(t for t in (stored or "").split(",") if t)
