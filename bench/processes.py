"""Throwaway servers on this machine, for the replica tests and the fault figures: a
PostgreSQL cluster made by ``initdb``, a streaming replica made by ``pg_basebackup -R``
and a ``redis-server``, each on a free 127.0.0.1 port in a temporary directory, stopped
and removed afterwards.

PostgreSQL refuses to run as root: as root, its processes run as the ``postgres`` user
(``runuser``) in directories that user owns. ``unavailable()`` says in one line why the
servers cannot be made here (no binaries, no such user), so a caller can skip with it.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

POSTGRES_USER = "postgres"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _bindir() -> Path | None:
    """Where initdb, pg_ctl and pg_basebackup of one version are (Debian keeps them
    outside PATH, per major version; the newest is taken)."""
    for candidate in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if all(Path(candidate, tool).exists() for tool in ("initdb", "pg_ctl", "pg_basebackup")):
            return Path(candidate)
    found = shutil.which("pg_ctl")
    return Path(found).parent if found else None


def _as_root() -> bool:
    return os.geteuid() == 0


def unavailable() -> str | None:
    """Why throwaway PostgreSQL servers cannot be made here, or None when they can."""
    if _bindir() is None:
        return "the PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) are not installed"
    if _as_root():
        try:
            pwd.getpwnam(POSTGRES_USER)
        except KeyError:
            return "running as root and there is no 'postgres' user to run PostgreSQL as"
        if shutil.which("runuser") is None:
            return "running as root without runuser to start PostgreSQL as 'postgres'"
    return None


def redis_unavailable() -> str | None:
    return None if shutil.which("redis-server") else "redis-server is not installed"


def _run(*command: str | Path, timeout: float = 120) -> None:
    prefix = ["runuser", "-u", POSTGRES_USER, "--"] if _as_root() else []
    result = subprocess.run(
        [*prefix, *map(str, command)], capture_output=True, text=True, timeout=timeout
    )
    if result.returncode != 0:
        raise RuntimeError(f"{command[0]} failed: {result.stderr.strip() or result.stdout.strip()}")


def _workdir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="gateway-pg-"))
    if _as_root():
        entry = pwd.getpwnam(POSTGRES_USER)
        os.chown(path, entry.pw_uid, entry.pw_gid)
    return path


@dataclass
class PostgresServer:
    """One cluster in ``workdir/data``, listening on 127.0.0.1:``port`` (trust auth)."""

    workdir: Path
    port: int
    standby: bool = False
    running: bool = field(default=False, init=False)

    @property
    def data(self) -> Path:
        return self.workdir / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def dsn(self, database: str = "postgres") -> str:
        """The libpq form, for psql and asyncpg directly."""
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def _pg_ctl(self, *args: str) -> None:
        bindir = _bindir()
        assert bindir is not None
        _run(bindir / "pg_ctl", "-D", self.data, "-l", self.workdir / "server.log", *args)

    def start(self) -> None:
        self._pg_ctl("-w", "-t", "60", "start")
        self.running = True

    def stop(self, mode: str = "fast") -> None:
        """``fast`` (clients are disconnected, a clean shutdown) or ``immediate`` (as if
        the server crashed: recovery replays the WAL on the next start)."""
        if self.running:
            self._pg_ctl("-w", "-m", mode, "stop")
            self.running = False

    def restart(self, mode: str = "fast") -> None:
        self.stop(mode)
        self.start()

    def remove(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.workdir, ignore_errors=True)


def _settings(server: PostgresServer, lines: list[str]) -> None:
    with (server.data / "postgresql.conf").open("a") as conf:
        conf.write("\n".join(lines) + "\n")


def new_primary() -> PostgresServer:
    """A fresh cluster that accepts streaming replicas, started."""
    bindir = _bindir()
    assert bindir is not None, unavailable()
    server = PostgresServer(_workdir(), free_port())
    _run(bindir / "initdb", "-D", server.data, "-U", POSTGRES_USER, "--auth=trust", "-E", "UTF8")
    _settings(
        server,
        [
            f"port = {server.port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{server.workdir}'",
            "wal_level = replica",
            "max_wal_senders = 5",
            "hot_standby = on",
            "timezone = 'UTC'",
        ],
    )
    with (server.data / "pg_hba.conf").open("a") as hba:
        hba.write("host replication all 127.0.0.1/32 trust\n")
    server.start()
    return server


def new_replica(host: str, port: int, user: str = POSTGRES_USER) -> PostgresServer:
    """A streaming replica of the server at ``host:port`` (which must allow replication
    connections from ``user``), on a port of its own, started and replaying."""
    bindir = _bindir()
    assert bindir is not None, unavailable()
    server = PostgresServer(_workdir(), free_port(), standby=True)
    _run(
        bindir / "pg_basebackup",
        *("-h", host, "-p", str(port), "-U", user),
        *("-D", server.data, "-R", "-X", "stream", "--checkpoint=fast"),
    )
    # The copied configuration is the source's (its port, socket directory, and on
    # Debian an include of /etc): a later line wins, so these are the replica's.
    _settings(
        server,
        [
            f"port = {server.port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{server.workdir}'",
            "hot_standby = on",
        ],
    )
    server.start()
    return server


@contextlib.contextmanager
def primary_and_replica() -> Iterator[tuple[PostgresServer, PostgresServer]]:
    primary = new_primary()
    replica: PostgresServer | None = None
    try:
        replica = new_replica("127.0.0.1", primary.port)
        yield primary, replica
    finally:
        if replica is not None:
            replica.remove()
        primary.remove()


@dataclass
class RedisServer:
    """A ``redis-server`` without persistence on 127.0.0.1:``port``; stop and start it
    again on the same port to play a Redis outage."""

    port: int = field(default_factory=free_port)
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                *("redis-server", "--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            with (
                contextlib.suppress(OSError),
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2),
            ):
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server did not listen on port {self.port}")

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None


@contextlib.contextmanager
def redis_server() -> Iterator[RedisServer]:
    server = RedisServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()
