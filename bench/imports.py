"""`gateway import` of 1,000 components x 100,000 deployments: the first import, a
re-import that changes nothing, and the floor, COPY of the same deployment rows straight
into the real table (all its indexes, check and foreign keys) in a fresh database."""

from __future__ import annotations

import contextlib
import json
import random
import tempfile
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from unittest.mock import patch

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.common import fresh_database
from gateway.importer import load_file
from gateway.importer import loader as import_loader

COMPONENTS = 1_000
DEPLOYMENTS = 100_000
STATUSES = ("SUCCEEDED", "SUCCEEDED", "SUCCEEDED", "FAILED", "ROLLED_BACK", "RUNNING")
COLUMNS = (
    "id",
    "org_id",
    "component_id",
    "environment_id",
    "status",
    "version",
    "started_at",
    "finished_at",
)


def dataset(
    components: int = COMPONENTS, deployments: int = DEPLOYMENTS
) -> Iterator[dict[str, Any]]:
    """One organisation, 2 environments, ``components`` components and ``deployments``
    deployments spread over them, as import lines; the same every time (seeded)."""
    rand = random.Random(14)
    org = uuid.UUID(int=rand.getrandbits(128), version=4)
    yield {"entity": "organization", "id": str(org), "name": "Bench", "plan": "enterprise"}
    environments = [uuid.UUID(int=rand.getrandbits(128), version=4) for _ in range(2)]
    for env, name in zip(environments, ("production", "staging"), strict=True):
        yield {"entity": "environment", "id": str(env), "org_id": str(org), "name": name}
    ids = [uuid.UUID(int=rand.getrandbits(128), version=4) for _ in range(components)]
    for n, component in enumerate(ids):
        yield {
            "entity": "component",
            "id": str(component),
            "org_id": str(org),
            "name": f"svc-{n:04d}",
            "kind": "service",
        }
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for n in range(deployments):
        started = start + timedelta(minutes=n)
        status = STATUSES[n % len(STATUSES)]
        yield {
            "entity": "deployment",
            "id": str(uuid.UUID(int=rand.getrandbits(128), version=4)),
            "org_id": str(org),
            "component_id": str(ids[n % components]),
            "environment_id": str(environments[n % 2]),
            "status": status,
            "version": f"v{n}",
            "started_at": started.isoformat().replace("+00:00", "Z"),
            "finished_at": None
            if status == "RUNNING"
            else (started + timedelta(minutes=5)).isoformat().replace("+00:00", "Z"),
        }


def write_dataset(path: Path) -> int:
    """The dataset as an NDJSON file; returns its line count."""
    lines = 0
    with path.open("w") as out:
        for line in dataset():
            out.write(json.dumps(line) + "\n")
            lines += 1
    return lines


async def _floor(engine: AsyncEngine, path: Path) -> tuple[int, float]:
    """COPY of the file's deployment rows into the real table, its parents put first."""
    lines = [json.loads(line) for line in path.read_text().splitlines()]  # noqa: ASYNC240
    parents = [line for line in lines if line["entity"] != "deployment"]
    rows = [
        (
            uuid.UUID(line["id"]),
            uuid.UUID(line["org_id"]),
            uuid.UUID(line["component_id"]),
            uuid.UUID(line["environment_id"]),
            line["status"],
            line["version"],
            datetime.fromisoformat(line["started_at"]),
            datetime.fromisoformat(line["finished_at"]) if line["finished_at"] else None,
        )
        for line in lines
        if line["entity"] == "deployment"
    ]
    with tempfile.TemporaryDirectory() as scratch:
        parents_file = Path(scratch) / "parents.ndjson"
        parents_file.write_text("".join(json.dumps(line) + "\n" for line in parents))
        await load_file(engine, parents_file)
    async with engine.begin() as conn:
        driver = (await conn.get_raw_connection()).driver_connection
        assert driver is not None
        start = time.perf_counter()
        await driver.copy_records_to_table("deployments", records=rows, columns=COLUMNS)
        seconds = time.perf_counter() - start
    return len(rows), seconds


def _line(name: str, rows: int, seconds: float) -> str:
    return f"{name:<34} {rows:>8,} rows {seconds:7.2f} s {rows / seconds:>9,.0f} rows/s"


async def run(url: str) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        path = Path(scratch) / "history.ndjson"
        write_dataset(path)
        print(f"import: {COMPONENTS:,} components x {DEPLOYMENTS:,} deployments")
        async with fresh_database(url, "bench_import") as engine:
            start = time.perf_counter()
            first = await load_file(engine, path)
            first_s = time.perf_counter() - start
            start = time.perf_counter()
            again = await load_file(engine, path)
            again_s = time.perf_counter() - start
            async with engine.connect() as conn:
                stored = await conn.scalar(text("SELECT count(*) FROM deployments"))
            assert stored == DEPLOYMENTS, stored
            # The path every import took before COPY: executemany of 1,000-row batches,
            # with Python's collector thresholds, as imports had them then (the issue's
            # baseline: about 12 s on the machine it was measured on).
            with patch.object(import_loader, "collections_deferred", contextlib.nullcontext):
                start = time.perf_counter()
                await load_file(engine, path, copy=False)
                before_s = time.perf_counter() - start
        async with fresh_database(url, "bench_import_floor") as engine:
            floor_rows, floor_s = await _floor(engine, path)
    first_rate = first.lines / first_s
    floor_rate = floor_rows / floor_s
    print(_line("gateway import (first)", first.lines, first_s))
    print(_line("gateway import (changes nothing)", again.lines, again_s))
    print(_line("  the same by executemany (before)", again.lines, before_s))
    print(_line("COPY into deployments (floor)", floor_rows, floor_s))
    print(f"first import / floor: {first_rate / floor_rate:.2f}x (target >= 0.50x)")
    print(f"re-import speed-up over executemany's: {before_s / again_s:.2f}x (target >= 5x)")
