"""docker/compose.yaml's PostgreSQL scripts, run with this machine's PostgreSQL binaries
(Docker is not here): the primary's init script lets a replication role in, and the
replica's entrypoint turns an empty data directory into a hot standby that streams the
primary's writes. Each server runs as the postgres user, on a free port, in a temporary
directory, and is stopped afterwards."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

DOCKER = Path(__file__).resolve().parent.parent / "docker" / "postgres"
BIN = Path("/usr/lib/postgresql/15/bin")
PASSWORD = "replica-test-secret"
ROOT = os.geteuid() == 0


def _why_not() -> str | None:
    if not (BIN / "pg_basebackup").exists():
        return f"no PostgreSQL binaries in {BIN}"
    if ROOT and shutil.which("runuser") is None:
        return "running as root without runuser to become postgres (PostgreSQL refuses root)"
    return None


def as_postgres(args: Sequence[str], env: dict[str, str] | None = None) -> list[str]:
    """``args`` run as the postgres user (when we are root), with ``env`` and the binaries
    on the PATH."""
    env = {"PATH": f"{BIN}:{os.environ['PATH']}", **(env or {})}
    prefix = ["runuser", "-u", "postgres", "--"] if ROOT else []
    return [*prefix, "env", *(f"{k}={v}" for k, v in env.items()), *args]


def run(args: Sequence[str], env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        as_postgres(args, env), capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def owned_by_postgres(path: Path) -> Path:
    if ROOT:
        shutil.chown(path, "postgres")
    return path


@pytest.fixture
def place() -> Iterator[Path]:
    """A directory the postgres user can reach (pytest's own is root's alone); the
    servers in it are stopped and it is removed afterwards."""
    path = owned_by_postgres(Path(tempfile.mkdtemp(prefix="gateway-replica-")))
    path.chmod(0o755)
    yield path
    for data in (path / "replica", path / "primary"):
        if (data / "postmaster.pid").exists():
            subprocess.run(
                as_postgres(["pg_ctl", "-D", str(data), "-m", "immediate", "-w", "stop"]),
                capture_output=True,
                timeout=60,
                check=False,
            )
    shutil.rmtree(path, ignore_errors=True)


def start_primary(place: Path, port: int) -> None:
    """A primary as the postgres image leaves it (scram for host connections, a gateway
    database), with the compose init script run on it, then restarted as the image does."""
    primary = place / "primary"
    password_file = place / "pw"
    password_file.write_text("gateway\n")
    owned_by_postgres(password_file)
    initdb = ["initdb", "-D", str(primary), "-U", "gateway", f"--pwfile={password_file}"]
    run([*initdb, "--no-sync", "--auth-local=trust", "--auth-host=scram-sha-256"])
    with (primary / "pg_hba.conf").open("a") as hba:
        hba.write("host all all all scram-sha-256\n")
    options = f"-p {port} -k {place} -c listen_addresses=127.0.0.1 -c wal_level=replica"
    pg_ctl = ["pg_ctl", "-D", str(primary), "-l", str(place / "primary.log"), "-w"]
    run([*pg_ctl, "-o", options, "start"])
    run(["createdb", "-h", str(place), "-p", str(port), "-U", "gateway", "gateway"])
    init = {
        "PGHOST": str(place),
        "PGPORT": str(port),
        "PGDATA": str(primary),
        "POSTGRES_USER": "gateway",
        "POSTGRES_DB": "gateway",
        "POSTGRES_REPLICATION_PASSWORD": PASSWORD,
    }
    run(["sh", str(DOCKER / "primary-init.sh")], init)
    run([*pg_ctl, "restart"])


def psql(place: Path, port: int, sql: str) -> subprocess.CompletedProcess[str]:
    command = ["psql", "-h", str(place), "-p", str(port), "-U", "gateway", "-d", "gateway"]
    return subprocess.run(
        as_postgres([*command, "-Atc", sql]), capture_output=True, text=True, timeout=30
    )


@pytest.mark.skipif(_why_not() is not None, reason=_why_not() or "")
def test_the_replica_entrypoint_makes_a_streaming_hot_standby_of_the_primary(place: Path) -> None:
    # given: the primary, and an empty data directory as a new volume is (mode 1777)
    port, replica_port = free_port(), free_port()
    start_primary(place, port)
    replica = place / "replica"
    replica.mkdir()
    replica.chmod(0o1777)
    owned_by_postgres(replica)
    # when: the replica's entrypoint runs (it stays in the foreground, as PostgreSQL)
    environment = {
        "PGDATA": str(replica),
        "PRIMARY_HOST": "127.0.0.1",
        "PRIMARY_PORT": str(port),
        "POSTGRES_REPLICATION_PASSWORD": PASSWORD,
    }
    server = ["-p", str(replica_port), "-k", str(place), "-c", "listen_addresses=127.0.0.1"]
    entrypoint = ["sh", str(DOCKER / "replica-entrypoint.sh"), *server]
    standby = subprocess.Popen(
        as_postgres(entrypoint, environment),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert (
            psql(place, port, "CREATE TABLE t (x int); INSERT INTO t VALUES (42)").returncode == 0
        )
        # then: a hot standby that has the primary's write (within 20 s)
        answer = ""
        for _ in range(100):
            probe = psql(place, replica_port, "SELECT pg_is_in_recovery(), (SELECT x FROM t)")
            answer = probe.stdout.strip()
            if answer == "t|42":
                break
            time.sleep(0.2)
        assert answer == "t|42"
        assert replica.stat().st_mode & 0o777 == 0o700
        assert (replica / "standby.signal").exists()
    finally:
        standby.terminate()
        standby.wait(timeout=60)
