"""The gateway as the load and fault benches run it: the demo data in a PostgreSQL
database, credentials for its admin, and ``gateway serve`` and ``gateway worker`` as
processes of their own on 127.0.0.1, each logging to a file, stopped afterwards.

The processes get a clean environment: every ``GATEWAY_*`` variable of this one is
dropped (a ``GATEWAY_REDIS_URL`` in the shell must not point a bench at the shared
Redis), and the bench sets its own.
"""

from __future__ import annotations

import asyncio
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psutil
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.processes import free_port
from gateway.credentials import create_api_key, issue_token
from gateway.demo import seed_demo
from gateway.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
MB = 1024 * 1024
# Limits high enough that none refuses a bench's load, yet real ones that every request
# of a limited family (and every GraphQL operation's cost) counts against, in memory or
# in Redis when it is configured. Settings this gateway does not have are ignored.
RATE_LIMITS = {
    "GATEWAY_INCIDENTS_RATE_LIMITS": "1000000/minute",
    "GATEWAY_GOVERNANCE_RATE_LIMITS": "1000000/minute",
    "GATEWAY_GRAPHQL_COST_BUDGET": "1000000000/minute",
}


@dataclass(frozen=True)
class Demo:
    """The demo's first organisation, as its admin reaches it."""

    admin_email: str
    jwt: str
    api_key: str
    secret: str

    def headers(self, scheme: str) -> dict[str, str]:
        """The credential in one of the schemes the families accept."""
        return {
            "jwt": {"Authorization": f"Bearer {self.jwt}"},
            "bearer": {"Authorization": f"Bearer {self.api_key}"},
            "token": {"Authorization": f"Token {self.api_key}"},
            "key": {"X-API-Key": self.api_key},
        }[scheme]


async def prepare(engine: AsyncEngine, data_dir: Path) -> Demo:
    """Seeds the demo into a migrated, empty database (bench.common.fresh_database), and
    mints a JWT (24 h) and an API key (every scope) for its admin."""
    info = await seed_demo(engine, progress=lambda _: None)
    secret = secrets.token_urlsafe(32)
    settings = Settings(data_dir=data_dir, jwt_secret=secret)
    jwt = await issue_token(engine, settings, user_id=info.admin_user_id)
    _, key = await create_api_key(engine, user_id=info.admin_user_id, name="bench")
    async with engine.connect() as conn:
        email = await conn.scalar(
            text("SELECT email FROM users WHERE id = :id"), {"id": info.admin_user_id}
        )
    return Demo(str(email), jwt, key, secret)


def environment(database_url: str, data_dir: Path, demo: Demo, **settings: str) -> dict[str, str]:
    """The environment of a gateway process: this one's without GATEWAY_*, then ours."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("GATEWAY_")}
    env.update(
        {
            "GATEWAY_DATABASE_URL": database_url,
            "GATEWAY_DATA_DIR": str(data_dir),
            "GATEWAY_JWT_SECRET": demo.secret,
            **RATE_LIMITS,
            # Warnings and errors only: an access line per request would be the bench's
            # biggest cost on a small machine, and the fault benches read the warnings.
            "GATEWAY_LOG_LEVEL": "warning",
            "PYTHONPATH": str(ROOT),
        }
    )
    env.update({f"GATEWAY_{name.upper()}": value for name, value in settings.items()})
    return env


@dataclass
class Process:
    """A ``gateway`` command running in its own process group, its output in ``log``."""

    name: str
    popen: subprocess.Popen[bytes]
    log: Path
    port: int | None = None
    started: float = field(default_factory=time.monotonic)

    @property
    def pid(self) -> int:
        return self.popen.pid

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def rss_mb(self) -> float:
        return float(psutil.Process(self.pid).memory_info().rss) / MB

    def cpu_s(self) -> float:
        """CPU seconds the process has used (user and system)."""
        times = psutil.Process(self.pid).cpu_times()
        return float(times.user + times.system)

    def alive(self) -> bool:
        return self.popen.poll() is None

    def output(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def kill(self) -> None:
        """SIGKILL to the whole group: the process and any child it spawned (a job's
        process pool), as when a container is killed."""
        if self.alive():
            os.killpg(self.pid, signal.SIGKILL)
        self.popen.wait(10)

    def stop(self) -> None:
        if not self.alive():
            return
        os.killpg(self.pid, signal.SIGTERM)
        try:
            self.popen.wait(15)
        except subprocess.TimeoutExpired:
            self.kill()


def start(name: str, args: list[str], env: dict[str, str], workdir: Path) -> Process:
    return launch(name, [sys.executable, "-m", "gateway.cli", *args], env, workdir, ROOT)


def launch(name: str, command: list[str], env: dict[str, str], workdir: Path, cwd: Path) -> Process:
    """Any command as a Process, logging to ``workdir/<name>.log``."""
    log = workdir / f"{name}.log"
    with log.open("wb") as out:
        popen = subprocess.Popen(
            command,
            env=env,
            cwd=cwd,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            # A group of its own: Ctrl-C in the terminal goes to the bench, which stops
            # it, and a kill reaches its children too.
            start_new_session=True,
        )
    return Process(name, popen, log)


async def serve(name: str, env: dict[str, str], workdir: Path, within: float = 90) -> Process:
    """``gateway serve --no-worker`` on a free 127.0.0.1 port, once ``/readyz`` answers 200."""
    port = free_port()
    process = start(
        name, ["serve", "--no-worker", "--host", "127.0.0.1", "--port", str(port)], env, workdir
    )
    process.port = port
    return await ready(process, lambda client: client.get("/readyz"), within)


async def ready(
    process: Process,
    probe: Callable[[httpx.AsyncClient], Awaitable[httpx.Response]],
    within: float,
) -> Process:
    """``process`` once ``probe`` on its port answers 200; stopped if it never does."""
    deadline = time.monotonic() + within
    async with httpx.AsyncClient(base_url=process.base_url, timeout=2) as client:
        while time.monotonic() < deadline:
            if not process.alive():
                raise RuntimeError(f"{process.name} stopped at start:\n{process.output()[-3000:]}")
            try:
                if (await probe(client)).status_code == 200:
                    return process
            except httpx.HTTPError:
                pass
            await asyncio.sleep(0.2)
    process.stop()
    raise RuntimeError(
        f"{process.name} was not ready within {within:g} s:\n{process.output()[-3000:]}"
    )


def worker(name: str, env: dict[str, str], workdir: Path) -> Process:
    return start(name, ["worker"], env, workdir)
