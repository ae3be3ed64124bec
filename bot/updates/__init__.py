"""Keeping the served content current: local folders watched, a remote card pack fetched."""

from bot.updates.remote import RemotePack
from bot.updates.watch import FolderWatch, Reloader, fingerprint

__all__ = ["FolderWatch", "Reloader", "RemotePack", "fingerprint"]
