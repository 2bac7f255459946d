"""Helpers of the predictive tests: a history a model can learn, and a worker that runs
the jobs it leaves (CPU work in a thread, so that no process is spawned per test)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.jobs import Worker

SERVICES = {"db": ("HIGH", "CRITICAL"), "web": ("LOW", "MEDIUM"), "auth": ("MEDIUM", "LOW")}


async def learnable_history(
    factory: Any, org: dict[str, Any], days: int = 50, per_day: int = 3
) -> int:
    """``per_day`` incidents a day over the last ``days`` days, whose severity follows
    their service (db: HIGH or CRITICAL; web and auth: LOW or MEDIUM), half of them
    resolved after a time that follows the severity. How many it made."""
    made = 0
    for day in range(days, 0, -1):
        for n in range(per_day):
            service = list(SERVICES)[(day + n) % 3]
            severity = SERVICES[service][(day * n) % 2]
            created = factory.now - timedelta(days=day, hours=n * 5 + 1)
            values: dict[str, Any] = {}
            if (day + n) % 2 == 0:
                hours = {"CRITICAL": 12, "HIGH": 8, "MEDIUM": 3, "LOW": 1}[severity]
                values["resolved_at"] = created + timedelta(hours=hours)
            await factory.incident(
                org,
                created,
                title=f"{service} incident {day}-{n}",
                service=service,
                severity=severity,
                category="Infrastructure" if service == "db" else "Application",
                escalation_count=1 if severity == "CRITICAL" else 0,
                affected_users=100 if service == "db" else 10,
                **values,
            )
            made += 1
    return made


async def run_jobs(db: AsyncEngine, now: datetime) -> int:
    """Runs every due job with ``now`` as the worker's clock: how many ran."""
    with ThreadPoolExecutor(max_workers=1) as executor:
        worker = Worker(db, clock=lambda: now, cpu_executor=executor)
        return await worker.run_until_idle()
