"""`gateway kpis calculate` and `gateway incidents analyze-recurrence`: what they write,
one line per organisation, and one clear line for a mistake."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from models.incidents import KpiMeasurement, RecurrenceAnalysis
from tests.cli.run import gateway
from tests.cli.test_apikeys import env


async def count(db, model) -> int:
    async with db.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)) or 0)


async def test_kpis_calculate_skips_then_forces(db, factory, tmp_path, monkeypatch, capsys):
    org = await factory.org("Acme")
    await factory.kpi_metric(org, "INCIDENT_COUNT")
    await factory.kpi_metric(org, "MTTA", is_active=False)
    argv = ["kpis", "calculate", "--org", str(org["id"])]
    first = await gateway(argv, monkeypatch, capsys, env(db, tmp_path))
    assert first.status == 0
    assert f"{org['id']}  Acme  written=1 skipped=0 period_end=" in first.out
    again = await gateway(argv, monkeypatch, capsys, env(db, tmp_path))
    assert "written=0 skipped=1" in again.out
    forced = await gateway(
        [*argv, "--force", "--time-window", "48"], monkeypatch, capsys, env(db, tmp_path)
    )
    assert "written=1 skipped=0" in forced.out
    assert await count(db, KpiMeasurement) == 2  # one per window (24 h, then 48 h)


async def test_recurrence_analysis(db, factory, tmp_path, monkeypatch, capsys):
    org = await factory.org("Acme")
    for hours in (1, 30):
        await factory.incident(org, factory.now - timedelta(hours=hours))
    outcome = await gateway(
        ["incidents", "analyze-recurrence", "--days", "7"], monkeypatch, capsys, env(db, tmp_path)
    )
    assert outcome.status == 0
    assert f"{org['id']}  Acme  groups=1 incidents=2" in outcome.out
    assert await count(db, RecurrenceAnalysis) == 1


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["kpis", "calculate", "--metric-id", "nope"],
            "--metric-id 'nope' is not a KPI metric id (a UUID)",
        ),
        (
            ["kpis", "calculate", "--time-window", "0"],
            "--time-window '0' is not a number of hours from 1 to 8760",
        ),
        (
            ["kpis", "calculate", "--metric-id", "00000000-0000-4000-8000-000000000000"],
            "no KPI metric 00000000-0000-4000-8000-000000000000",
        ),
        (
            ["incidents", "analyze-recurrence", "--days", "x"],
            "--days 'x' is not a number of days from 1 to 3650",
        ),
    ],
)
async def test_mistakes_are_one_line(db, tmp_path, monkeypatch, capsys, argv, message):
    outcome = await gateway(argv, monkeypatch, capsys, env(db, tmp_path))
    assert outcome.status == 1
    [line] = outcome.err.strip().splitlines()
    assert line == f"gateway {argv[0]}: error: {message}"
