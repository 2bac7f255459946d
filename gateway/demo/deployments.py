"""90 days of deployments, with the audit events their starts and finishes wrote.

Each (component, environment) is walked forward in time: deployments arrive at a rate
set by the component's lifecycle and the environment, most succeed, some fail and are
followed by a recovery within hours, some roll back, and a few are still running.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from gateway.demo.base import Seeder, pick_weighted, random_id, rng_for
from gateway.demo.catalog import CatalogData, audit_event
from gateway.demo.tenancy import OrgData
from gateway.sql import table_of
from models.audit import AuditEvent
from models.catalog import Deployment

WINDOW_DAYS = 90
# Deployments per day, by lifecycle and environment; libraries are published, not deployed.
RATES: dict[str, dict[str, float]] = {
    "production": {"production": 0.3, "staging": 0.5, "dev": 0.7},
    "experimental": {"staging": 0.3, "dev": 0.8},
    "deprecated": {"production": 0.05, "staging": 0.05},
    "decommissioned": {"production": 0.1},
    "planned": {},
}
# Hours from start to finish (the lead time), by environment.
DURATION_HOURS = {"production": (0.3, 4.0), "staging": (0.2, 2.0), "dev": (0.05, 1.0)}


@dataclass
class _Walk:
    """One component in one environment, deploying over the window."""

    component: dict[str, Any]
    environment: str
    environment_id: uuid.UUID
    rate: float
    flakiness: float
    until: datetime


async def seed_deployments(seeder: Seeder, org: OrgData, catalog: CatalogData) -> int:
    """Deployments and their DEPLOY / DEPLOY_FINISH audit events; returns how many."""
    rng = rng_for(org.spec.key, "deployments")
    rows: list[dict[str, Any]] = []
    for component in catalog.components:
        if component["kind"] == "library":
            continue
        flakiness = rng.uniform(0.03, 0.14)
        # A decommissioned component stopped deploying a while ago.
        until = seeder.ago(days=60) if component["lifecycle"] == "decommissioned" else seeder.now
        component_rows: list[dict[str, Any]] = []
        for environment, rate in RATES[component["lifecycle"]].items():
            walk = _Walk(
                component,
                environment,
                catalog.environments[environment],
                rate,
                flakiness,
                until,
            )
            component_rows += _walk(rng, seeder, org, walk)
        _assign_versions(component_rows)
        rows += component_rows
    rows.sort(key=lambda row: row["started_at"])
    events = _audit_events(rng, org, catalog, rows)
    label = org.spec.key
    await seeder.write(table_of(Deployment), rows, label=f"{label} deployments")
    await seeder.write(table_of(AuditEvent), events, label=f"{label} deployment audit events")
    return len(rows)


def _walk(rng: random.Random, seeder: Seeder, org: OrgData, walk: _Walk) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    # Nothing deploys before it exists: recent experiments start mid-window.
    window_start = max(seeder.ago(days=WINDOW_DAYS), walk.component["created_at"])
    started = window_start + timedelta(days=rng.expovariate(walk.rate))
    recovering = False
    while started < walk.until:
        low, high = DURATION_HOURS[walk.environment]
        finished: datetime | None = started + timedelta(hours=rng.uniform(low, high))
        if recovering:
            status = "SUCCEEDED" if rng.random() < 0.85 else "FAILED"
        else:
            status = pick_weighted(
                rng,
                ("FAILED", "ROLLED_BACK", "SUCCEEDED"),
                (walk.flakiness, walk.flakiness / 2, 1 - 1.5 * walk.flakiness),
            )
        if finished is not None and finished > seeder.now:
            # Still under way: not finished yet, whatever it would have become.
            status, finished = "RUNNING", None
        rows.append(_row(rng, org, walk, status, started, finished))
        if finished is None:
            return rows
        if status == "FAILED":
            # Someone fixes it forward within hours: the sample MTTR measures.
            started = finished + timedelta(hours=rng.uniform(0.25, 8))
            recovering = True
        else:
            started += timedelta(days=rng.expovariate(walk.rate))
            recovering = False
    # Now and then one was started minutes ago and is still queued or running.
    if walk.until == seeder.now and walk.component["lifecycle"] == "production":
        if rng.random() < 0.12:
            status = "RUNNING" if rng.random() < 0.7 else "PENDING"
            started = seeder.ago(minutes=rng.uniform(2, 40))
            if not rows or (rows[-1]["finished_at"] or seeder.now) < started:
                rows.append(_row(rng, org, walk, status, started, None))
    return rows


def _row(
    rng: random.Random,
    org: OrgData,
    walk: _Walk,
    status: str,
    started: datetime,
    finished: datetime | None,
) -> dict[str, Any]:
    return {
        "id": random_id(rng),
        "org_id": org.id,
        "component_id": walk.component["id"],
        "environment_id": walk.environment_id,
        "status": status,
        "version": "",
        "started_at": started,
        "finished_at": finished,
    }


def _assign_versions(rows: list[dict[str, Any]]) -> None:
    # One build counter per component, in start order: dev sees a build first.
    for build, row in enumerate(sorted(rows, key=lambda r: r["started_at"]), start=1):
        row["version"] = f"1.{build // 20}.{build % 20}"


def _audit_events(
    rng: random.Random, org: OrgData, catalog: CatalogData, rows: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    # A few people do most of the deploying in every team, as in life.
    weights = {u["id"]: 1 / (rank + 1) for rank, u in enumerate(_shuffled(rng, org.active_users))}
    events = []
    for row in rows:
        people = org.in_department(catalog.department_of[row["component_id"]])
        actor = pick_weighted(rng, people, [weights[p["id"]] for p in people])
        events.append(
            audit_event(
                rng,
                org,
                "DEPLOY",
                actor,
                row["component_id"],
                row["started_at"],
                subject=("deployment", row["id"]),
                deployment_id=str(row["id"]),
                version=row["version"],
                environment_id=str(row["environment_id"]),
            )
        )
        if row["finished_at"] is not None:
            events.append(
                audit_event(
                    rng,
                    org,
                    "DEPLOY_FINISH",
                    actor,
                    row["component_id"],
                    row["finished_at"],
                    subject=("deployment", row["id"]),
                    deployment_id=str(row["id"]),
                    status=row["status"],
                )
            )
    return events


def _shuffled(rng: random.Random, items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    items = list(items)
    rng.shuffle(items)
    return items
