"""The GraphQL over HTTP spec's own audit suite (npm ``graphql-http``) against a real
uvicorn server: every audit must pass, warnings included.

The audit's node project is pinned here (``package.json``, ``package-lock.json``); this
test installs it with ``npm ci`` into ``node_modules`` (git-ignored) the first time.
The audit only asks ``{ __typename }`` and ``__type(name:)``, which no resolver and no
database statement answers, so it runs on SQLite alone.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app import create_app
from gateway.settings import Settings

HERE = Path(__file__).parent
NODE = shutil.which("node")
NPM = shutil.which("npm")
AUDITS = 61

pytestmark = pytest.mark.skipif(
    NODE is None or NPM is None,
    reason="node and npm are needed to run the graphql-http audit (Node 18 or newer)",
)


def install_audit() -> None:
    """``npm ci`` from the lockfile, once; an install that fails fails the test, so a
    broken audit setup is never mistaken for a passing one."""
    if (HERE / "node_modules" / "graphql-http" / "package.json").exists():
        return
    assert NPM is not None
    done = subprocess.run(
        [NPM, "ci", "--no-audit", "--no-fund"],
        cwd=HERE,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        pytest.fail(f"npm ci failed in {HERE}:\n{done.stdout}\n{done.stderr}")


@asynccontextmanager
async def served(engine: AsyncEngine, settings: Settings) -> AsyncIterator[str]:
    """The gateway on a real HTTP server on 127.0.0.1, on a free port; yields its URL."""
    app = create_app(settings, engine=engine, run_migrations=False)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, lifespan="on", ws="none", log_level="warning")
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()  # the server could not start: raise its error
                pytest.fail("the server stopped before it started")
            await asyncio.sleep(0.02)
        yield f"http://127.0.0.1:{port}/graphql"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def run_audit(url: str) -> list[dict[str, Any]]:
    assert NODE is not None
    process = await asyncio.create_subprocess_exec(
        NODE,
        str(HERE / "audit.mjs"),
        url,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    stdout, stderr = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode == 0, stderr.decode()
    results: list[dict[str, Any]] = json.loads(stdout)
    return results


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
async def test_graphql_over_http_audit_passes_every_check(engine, tmp_path):
    install_audit()
    async with served(engine, Settings(data_dir=tmp_path)) as url:
        results = await run_audit(url)

    failing = [
        f"{r['id']} {r['status']}: {r['name']} ({r.get('reason')})"
        for r in results
        if r["status"] != "ok"
    ]
    assert failing == [], "graphql-http audits not ok:\n" + "\n".join(failing)
    assert len(results) == AUDITS
