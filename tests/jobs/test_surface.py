"""Jobs as clients and operators see them: `job(id)`, the app's worker, the commands."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import cli, jobs, migrate
from gateway.app import create_app
from gateway.cli import jobs as jobs_cli
from gateway.db import create_engine
from gateway.jobs import JobRegistry
from gateway.settings import Settings, get_settings
from models.jobs import Job
from models.tenancy import Organization
from tests.factories import Factory
from tests.jobs.kinds import job_row  # (and registers tests.echo in the app's registry)

T0 = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
JOB = """
query Job($id: UUID!) {
  job(id: $id) {
    id kind status attempts result error createdAt startedAt finishedAt
  }
}
"""
KINDS = JobRegistry()


@KINDS.job_kind("rollup")
async def _rollup(engine: AsyncEngine, **_: Any) -> dict[str, Any]:
    return {}


def jobs_for(kind: str) -> JobRegistry:
    return KINDS if KINDS.get(kind) else jobs.registry


async def add_job(
    engine: AsyncEngine, org_id: uuid.UUID, kind: str = "rollup", **values: Any
) -> uuid.UUID:
    created = values.pop("created_at", T0)
    async with engine.begin() as conn:
        row = await jobs.enqueue(
            conn, org_id=org_id, kind=kind, payload={}, now=created, kinds=jobs_for(kind)
        )
        if values:
            await conn.execute(update(Job.__table__).where(Job.id == row["id"]).values(**values))
    return uuid.UUID(str(row["id"]))


async def test_job_answers_for_the_callers_organisation_only(
    db: AsyncEngine, factory: Factory, client: httpx.AsyncClient
) -> None:
    # given: a member whose token carries a scope that has nothing to do with jobs
    acme, other = await factory.org("Acme"), await factory.org("Other")
    member = await factory.user(acme, "jane", role="member")
    headers = factory.headers(member, scopes=["catalog:read"])
    mine = await add_job(
        db,
        acme["id"],
        status="succeeded",
        attempts=2,
        result={"rows": 3, "by_day": [1, 2]},
        error=None,
        started_at=T0 + timedelta(seconds=5),
        finished_at=T0 + timedelta(seconds=9),
    )
    theirs = await add_job(db, other["id"])

    # when
    found = await client.post(
        "/graphql", json={"query": JOB, "variables": {"id": str(mine)}}, headers=headers
    )
    hidden = await client.post(
        "/graphql", json={"query": JOB, "variables": {"id": str(theirs)}}, headers=headers
    )
    absent = await client.post(
        "/graphql", json={"query": JOB, "variables": {"id": str(uuid.uuid4())}}, headers=headers
    )

    # then
    assert found.status_code == 200
    assert found.json() == {
        "data": {
            "job": {
                "id": str(mine),
                "kind": "rollup",
                "status": "succeeded",
                "attempts": 2,
                "result": {"rows": 3, "by_day": [1, 2]},
                "error": None,
                "createdAt": "2026-03-01T12:00:00+00:00",
                "startedAt": "2026-03-01T12:00:05+00:00",
                "finishedAt": "2026-03-01T12:00:09+00:00",
            }
        },
        "extensions": {"cost": 10},
    }
    for response in (hidden, absent):
        body = response.json()
        assert body["data"] is None
        assert [e["extensions"]["code"] for e in body["errors"]] == ["NOT_FOUND"]
        assert body["errors"][0]["message"] == "job not found"


async def test_job_needs_a_caller(
    db: AsyncEngine, factory: Factory, client: httpx.AsyncClient
) -> None:
    job_id = await add_job(db, (await factory.org())["id"])
    response = await client.post("/graphql", json={"query": JOB, "variables": {"id": str(job_id)}})
    assert [e["extensions"]["code"] for e in response.json()["errors"]] == ["UNAUTHENTICATED"]


async def test_the_apps_worker_runs_a_job_and_stops_with_the_app(
    db: AsyncEngine, factory: Factory, tmp_path: Path
) -> None:
    # given
    org = await factory.org()
    user = await factory.user(org, "jane")
    async with db.begin() as conn:
        row = await jobs.enqueue(
            conn, org_id=org["id"], kind="tests.echo", payload={"n": 1}, now=T0
        )
    settings = Settings(data_dir=tmp_path, run_worker=True, job_poll_interval=0.02)
    app = create_app(settings, engine=db, run_migrations=False)

    # when: a client polls the job while the app runs
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
            variables = {"id": str(row["id"])}
            for _ in range(200):
                response = await c.post(
                    "/graphql",
                    json={"query": JOB, "variables": variables},
                    headers=factory.headers(user),
                )
                job = response.json()["data"]["job"]
                if job["status"] == "succeeded":
                    break
                await asyncio.sleep(0.01)
    after = await add_job(db, org["id"], kind="tests.echo")
    await asyncio.sleep(0.1)  # five poll intervals

    # then: it ran the job, and stopped with the app
    assert (job["status"], job["attempts"]) == ("succeeded", 1)
    assert job["result"] == {"echo": {"n": 1}, "org": str(org["id"])}
    assert (await job_row(db, after))["status"] == "queued"


async def test_jobs_list_prints_one_line_per_job_newest_first(
    db: AsyncEngine, factory: Factory
) -> None:
    # given
    acme, other = await factory.org("Acme"), await factory.org("Other")
    old = await add_job(db, acme["id"], created_at=T0)
    failed = await add_job(
        db, other["id"], created_at=T0 + timedelta(minutes=1), status="failed", attempts=3
    )
    new = await add_job(db, acme["id"], created_at=T0 + timedelta(minutes=2))

    # when
    everything = await jobs_cli.job_lines(db, status=None, limit=50)
    queued = await jobs_cli.job_lines(db, status="queued", limit=1)

    # then
    assert everything == [
        f"{new}  {acme['id']}  rollup  queued  attempts=0  2026-03-01T12:02:00Z",
        f"{failed}  {other['id']}  rollup  failed  attempts=3  2026-03-01T12:01:00Z",
        f"{old}  {acme['id']}  rollup  queued  attempts=0  2026-03-01T12:00:00Z",
    ]
    assert queued == [everything[0]]


def test_the_jobs_list_command_prints_to_stdout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given: a database with one job
    url = f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"
    org_id = uuid.uuid4()

    async def prepare() -> uuid.UUID:
        engine = create_engine(url)
        try:
            await migrate.upgrade(engine)
            async with engine.begin() as conn:
                await conn.execute(Organization.__table__.insert().values(id=org_id, name="Acme"))
            return await add_job(engine, org_id, status="running", attempts=1)
        finally:
            await engine.dispose()

    job_id = asyncio.run(prepare())
    monkeypatch.setenv("GATEWAY_DATABASE_URL", url)
    get_settings.cache_clear()

    # when
    try:
        running = cli.main(["jobs", "list", "--status", "running"])
        running_out = capsys.readouterr().out
        none = cli.main(["jobs", "list", "--status", "failed", "--limit", "5"])
        none_out = capsys.readouterr().out
    finally:
        get_settings.cache_clear()

    # then
    assert (running, none) == (0, 0)
    assert running_out == f"{job_id}  {org_id}  rollup  running  attempts=1  2026-03-01T12:00:00Z\n"
    assert none_out == ""


@pytest.mark.parametrize(("flags", "has_worker"), [([], True), (["--no-worker"], False)])
def test_serve_runs_a_worker_unless_told_not_to(
    flags: list[str],
    has_worker: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # given: uvicorn replaced by something that starts the app and stops it again
    import uvicorn

    workers: list[object] = []

    def serve(app: Any, **_: Any) -> None:
        async def start_and_stop() -> None:
            async with app.router.lifespan_context(app):
                workers.append(app.state.runtime.worker)

        asyncio.run(start_and_stop())

    monkeypatch.setattr(uvicorn, "run", serve)
    monkeypatch.setenv("GATEWAY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'serve.db'}")
    monkeypatch.setenv("GATEWAY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GATEWAY_RUN_WORKER", "true")
    get_settings.cache_clear()

    # when
    try:
        status = cli.main(["serve", *flags])
    finally:
        get_settings.cache_clear()

    # then
    assert status == 0
    assert [worker is not None for worker in workers] == [has_worker]
