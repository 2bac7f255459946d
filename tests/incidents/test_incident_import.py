"""`gateway import` of incidents, KPI metrics and cost analyses: values as given
(amounts exact), idempotent, never across organisations, a bad line named."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway import cli
from gateway.importer import ImportFailed
from models.incidents import CostAnalysis, Incident, KpiMetric
from tests.cli import samples as s
from tests.cli.test_import import snapshot
from tests.governance.test_import import organisations

INCIDENT = "0c000000-0000-4000-8000-00000000c001"
OTHER = "0c000000-0000-4000-8000-00000000c002"
METRIC = "0c000000-0000-4000-8000-00000000c101"
COST = "0c000000-0000-4000-8000-00000000c201"


def incidents() -> list[dict[str, Any]]:
    return [
        {
            "entity": "incident",
            "id": INCIDENT,
            "org_id": s.ORG_A,
            "title": "Database down",
            "category": "Infrastructure",
            "severity": "CRITICAL",
            "priority": "P1",
            "status": "RESOLVED",
            "service": "db",
            "created_at": "2026-04-01T10:00:00Z",
            "acknowledged_at": "2026-04-01T10:05:00Z",
            "resolved_at": "2026-04-01T12:00:00+02:00",
            "downtime_minutes": 55,
            "escalation_count": None,
        },
        {  # the optional fields absent
            "entity": "incident",
            "id": OTHER,
            "org_id": s.ORG_B,
            "title": "Slow page",
            "category": "Application",
            "severity": "LOW",
            "priority": "P4",
            "status": "OPEN",
            "service": "web",
            "created_at": "2026-04-02T10:00:00Z",
        },
        {
            "entity": "kpi_metric",
            "id": METRIC,
            "org_id": s.ORG_A,
            "name": "Ratio",
            "metric_type": "CUSTOM",
            "calculation_formula": "MTTR * 60 / MTTA",
            "incident_severities": ["HIGH", "CRITICAL"],
            "target_value": "12.5",
            "is_system_metric": True,
        },
        {
            "entity": "cost_analysis",
            "id": COST,
            "org_id": s.ORG_A,
            "incident_id": INCIDENT,
            "cost_type": "DOWNTIME",
            "cost_amount": "12345.6789",
            "downtime_hours": 0.92,
            "affected_users": 1200,
            "created_at": "2026-04-01T13:00:00Z",
        },
    ]


async def rows(engine, model) -> dict[str, dict[str, Any]]:
    async with engine.connect() as conn:
        found = (await conn.execute(select(model))).mappings()
        return {str(row["id"]): dict(row) for row in found}


async def test_lines_land_as_given_and_twice_change_nothing(db, tmp_path: Path) -> None:
    path = s.write(tmp_path / "incidents.ndjson", [*organisations(), *incidents()])
    report = await cli.run_import(db, path)
    assert {k: report.counts[k] for k in ("incident", "kpi_metric", "cost_analysis")} == {
        "incident": 2,
        "kpi_metric": 1,
        "cost_analysis": 1,
    }
    found = await rows(db, Incident)
    done, other = found[INCIDENT], found[OTHER]
    assert (done["status"], done["downtime_minutes"], done["escalation_count"]) == (
        "RESOLVED",
        55,
        0,
    )
    assert done["resolved_at"].isoformat() == "2026-04-01T10:00:00+00:00"
    assert (other["acknowledged_at"], other["affected_users"]) == (None, 0)
    metric = (await rows(db, KpiMetric))[METRIC]
    assert (metric["target_value"], metric["aggregation_type"], metric["is_system_metric"]) == (
        Decimal("12.50"),
        "AVERAGE",
        True,
    )
    assert metric["updated_at"] == metric["created_at"]
    cost = (await rows(db, CostAnalysis))[COST]
    assert (cost["cost_amount"], cost["downtime_hours"], cost["currency"]) == (
        Decimal("12345.6789"),
        Decimal("0.92"),
        "USD",
    )
    first = await snapshot(db)
    await cli.run_import(db, path)
    assert await snapshot(db) == first


def _with(index: int, **changes: Any) -> dict[str, Any]:
    return {**incidents()[index], **changes}


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (_with(0, severity="SEVERE"), "severity"),
        (_with(0, created_at="2026-04-01T10:00:00"), "created_at"),
        (_with(2, calculation_formula="__import__('os')"), "calculation_formula"),
        (_with(2, metric_type="MTTA", calculation_formula="MTTR"), "only for CUSTOM"),
        (_with(3, cost_amount="1.00001"), "cost_amount"),
        (_with(3, currency="usd"), "currency"),
        # Globex's incident named by Acme's cost analysis.
        (_with(3, incident_id=OTHER), "incident_id"),
    ],
)
async def test_a_bad_line_is_refused_by_number(db, tmp_path: Path, bad, reason) -> None:
    # The bad line in place of its own: a cost analysis after the incidents it names.
    lines = [
        *organisations(),
        *(bad if n == bad_index(bad) else line for n, line in enumerate(incidents())),
    ]
    with pytest.raises(ImportFailed) as failed:
        await cli.run_import(db, s.write(tmp_path / "bad.ndjson", lines))
    assert reason in str(failed.value)
    # One transaction: nothing of the file landed.
    assert await rows(db, Incident) == {}


def bad_index(bad: dict[str, Any]) -> int:
    return [line["id"] for line in incidents()].index(bad["id"])
