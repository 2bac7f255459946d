"""`gateway nhi snapshot`: risk snapshots of every organisation's NHIs (or one's), one
line per organisation, and one clear line with exit 1 for every mistake."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from models.identities import NhiRiskSnapshot
from tests.cli.run import gateway
from tests.cli.test_apikeys import env
from tests.factories import Factory
from tests.governance.nhi_anomaly_data import END, START, build

SNAPSHOTS = NhiRiskSnapshot.__table__
WINDOW = ["--from", "2026-05-01T00:00:00Z", "--to", "2026-05-02T00:00:00Z"]


async def snapshots(db: AsyncEngine) -> list[Any]:
    async with db.connect() as conn:
        return list((await conn.execute(select(SNAPSHOTS))).mappings())


async def test_every_organisation_then_one(
    db: AsyncEngine,
    factory: Factory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given Acme's 9 NHIs and Globex's 1
    data = await build(factory)
    acme, globex = data.org, data.other

    # when
    outcome = await gateway(["nhi", "snapshot", *WINDOW], monkeypatch, capsys, env(db, tmp_path))

    # then one line per organisation, by name
    assert outcome.status == 0, outcome.err
    assert outcome.out.splitlines() == [
        f"{acme['id']}  Acme  snapshots=9",
        f"{globex['id']}  Globex  snapshots=1",
    ]
    rows = await snapshots(db)
    assert len(rows) == 10
    assert {(r["source"], r["window_from"], r["window_to"], r["job_id"]) for r in rows} == {
        ("snapshot", START, END, None)
    }
    zero = next(r for r in rows if r["nhi_id"] == data.nhis["zero"]["id"])
    assert zero["signals"] == ["spend_burst:p99", "guardian:none"] and zero["risk_score"] == 0.57

    # when the same window is snapshot again, for Acme only: nothing added
    again = await gateway(
        ["nhi", "snapshot", "--org", str(acme["id"]), *WINDOW],
        monkeypatch,
        capsys,
        env(db, tmp_path),
    )
    assert again.status == 0, again.err
    assert again.out.splitlines() == [f"{acme['id']}  Acme  snapshots=0"]
    assert len(await snapshots(db)) == 10


async def test_the_default_window_is_the_last_7_days(
    db: AsyncEngine,
    factory: Factory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    org = await factory.org("Acme")
    await factory.nhi(org, "quiet", 4)
    outcome = await gateway(["nhi", "snapshot"], monkeypatch, capsys, env(db, tmp_path))
    assert outcome.status == 0, outcome.err
    assert outcome.out == f"{org['id']}  Acme  snapshots=1\n"
    (row,) = await snapshots(db)
    assert (row["window_to"] - row["window_from"]).days == 7
    assert row["window_to"] == row["computed_at"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--org", "acme"], "--org 'acme' is not an organisation id (a UUID)"),
        (["--org", str(uuid.UUID(int=7))], f"no organisation {uuid.UUID(int=7)}"),
        (["--from", "yesterday"], "--from 'yesterday' is not an RFC 3339 date-time"),
        (["--to", "2026-05-01T00:00:00"], "--to '2026-05-01T00:00:00' is not an RFC 3339"),
        (["--from", "0001-01-01T00:00:00+01:00"], "--from '0001-01-01T00:00:00+01:00' is not"),
        (
            ["--from", "2026-05-02T00:00:00Z", "--to", "2026-05-01T00:00:00Z"],
            "to must be later than from",
        ),
        (
            ["--from", "2026-01-01T00:00:00Z", "--to", "2026-05-01T00:00:00Z"],
            "a detection window is at most 90 days",
        ),
        (
            ["--from", "0001-01-01T00:00:00Z", "--to", "0001-01-02T00:00:00Z"],
            "from must be at least 7 days after",
        ),
    ],
)
async def test_mistakes_are_one_line_and_exit_1(
    db: AsyncEngine,
    factory: Factory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    argv: list[str],
    message: str,
) -> None:
    await factory.org("Acme")
    outcome = await gateway(["nhi", "snapshot", *argv], monkeypatch, capsys, env(db, tmp_path))
    assert outcome.status == 1
    assert outcome.out == ""
    assert len(outcome.err.splitlines()) == 1, outcome.err
    assert outcome.err.startswith("gateway nhi: error: ") and message in outcome.err
    assert "Traceback" not in outcome.err
    assert await snapshots(db) == []
