"""NHI anomaly detection: the ``nhi.detect`` job kind, and risk snapshots.

A detection job's payload is ``{from, to}``. For every NHI of the organisation it reads
the risk inputs over ``[from, to)`` (``nhi_risk.risk_inputs``: one statement) and finds:

- ``spend_burst`` when ``nhi_risk.spend_burst(p99, baseline)`` (p99 >= 1.00 USD and over
  5x the baseline). Severity ``critical`` when the baseline is 0 or p99 / baseline >= 20,
  ``high`` when >= 10, else ``medium``: compared as exact fractions. Evidence
  ``{"p99_spend_usd_24h", "rolling_baseline"}``, each rounded half up to 2 decimals.
- ``tool_denials`` when the window holds at least 5 denied attempts. Severity ``high`` at
  20 or more, else ``medium``. Evidence ``{"denied_attempts", "window_hours"}``: the
  window's length in hours, a whole number when it is one, else rounded half up to 2
  decimals (90 minutes is 1.5).

The anomalies are inserted in one ``INSERT ... ON CONFLICT DO NOTHING`` on the unique
``(org_id, nhi_id, type, window_from, window_to)``: a second run over the same window
adds nothing (a row found there keeps its status, note and acknowledgement). Each run
also writes one risk snapshot per NHI (source ``detection``, the job's id) unless the
NHI already has a snapshot of the same source and exactly the same window: so a rerun
adds no snapshot either, while another window adds one. Everything is one transaction.
``gateway nhi snapshot`` writes snapshots alone (source ``snapshot``) under the same rule.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway import jobs
from gateway.errors import bad_input, unprocessable
from gateway.ids import new_id
from gateway.jobs import ClaimedJob, job_kind
from gateway.rounding import half_up
from gateway.sql import table_of
from models.identities import NhiAnomaly, NhiRiskSnapshot
from resolvers.governance.nhi_risk import BASELINE_SPAN, Risk, risks, spend_burst
from resolvers.governance.window import check_order

KIND = "nhi.detect"
ANOMALIES = table_of(NhiAnomaly)
SNAPSHOTS = table_of(NhiRiskSnapshot)

# The longest window one detection may cover. The job reads every NHI's activity of the
# window (and the 7 days before) in one transaction; 90 days is three history spans and
# keeps that transaction bounded. A longer window is refused (422), not cut.
MAX_DETECTION_SPAN = timedelta(days=90)
DENIALS_FLOOR = 5
DENIALS_HIGH = 20
CRITICAL_RATIO = 20
HIGH_RATIO = 10


def check_detection_window(start: datetime, end: datetime) -> None:
    """400 unless ``end`` is later than ``start`` and the 7-day baseline before ``start``
    is a time (not before year 1); 422 over 90 days."""
    check_order(start, end)
    if start - datetime.min.replace(tzinfo=UTC) < BASELINE_SPAN:
        raise bad_input(
            "from must be at least 7 days after 0001-01-01T00:00:00Z: the baseline is the "
            "7 days before it",
            argument="from",
        )
    if end - start > MAX_DETECTION_SPAN:
        raise unprocessable(
            "a detection window is at most 90 days: request several shorter windows",
            argument="to",
        )


def burst_severity(p99: Fraction, baseline: Fraction) -> str:
    """critical at a zero baseline or p99 >= 20x it, high at >= 10x, else medium."""
    if baseline == 0 or p99 >= CRITICAL_RATIO * baseline:
        return "critical"
    return "high" if p99 >= HIGH_RATIO * baseline else "medium"


def window_hours(start: datetime, end: datetime) -> int | float:
    """The window's length in hours: whole, or half up to 2 decimals."""
    hours = Fraction(int((end - start) / timedelta(microseconds=1)), 3_600_000_000)
    return int(hours) if hours.denominator == 1 else half_up(hours, 2)


def found_anomalies(risk: Risk, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """The anomalies one NHI's inputs show: type, severity and evidence of each."""
    inputs = risk.inputs
    found = []
    if spend_burst(inputs.p99_spend, inputs.rolling_baseline):
        found.append(
            {
                "type": "spend_burst",
                "severity": burst_severity(inputs.p99_spend, inputs.rolling_baseline),
                "evidence": {
                    "p99_spend_usd_24h": half_up(inputs.p99_spend, 2),
                    "rolling_baseline": half_up(inputs.rolling_baseline, 2),
                },
            }
        )
    if inputs.denied_attempts >= DENIALS_FLOOR:
        found.append(
            {
                "type": "tool_denials",
                "severity": "high" if inputs.denied_attempts >= DENIALS_HIGH else "medium",
                "evidence": {
                    "denied_attempts": inputs.denied_attempts,
                    "window_hours": window_hours(start, end),
                },
            }
        )
    return found


async def write_snapshots(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    found: Sequence[Risk],
    start: datetime,
    end: datetime,
    now: datetime,
    source: str,
    job_id: uuid.UUID | None = None,
) -> int:
    """One snapshot per NHI of ``found``, except those that already have one of this
    source over exactly ``[start, end)``: how many it added."""
    taken = await conn.execute(
        select(SNAPSHOTS.c.nhi_id).where(
            SNAPSHOTS.c.org_id == org_id,
            SNAPSHOTS.c.source == source,
            SNAPSHOTS.c.window_from == start,
            SNAPSHOTS.c.window_to == end,
        )
    )
    have = {row.nhi_id for row in taken}
    rows = [
        {
            "id": new_id(now),
            "org_id": org_id,
            "nhi_id": risk.inputs.nhi_id,
            "computed_at": now,
            "window_from": start,
            "window_to": end,
            "risk_score": risk.score,
            "signals": risk.signals,
            "source": source,
            "job_id": job_id,
        }
        for risk in found
        if risk.inputs.nhi_id not in have
    ]
    if rows:
        await conn.execute(insert(SNAPSHOTS), rows)
    return len(rows)


async def detect(
    conn: AsyncConnection,
    *,
    org_id: uuid.UUID,
    start: datetime,
    end: datetime,
    now: datetime,
    job_id: uuid.UUID | None = None,
) -> dict[str, int]:
    """Detection over ``[start, end)`` in the caller's transaction: ``{nhis,
    anomalies_found, anomalies_added, snapshots_added}``."""
    found = await risks(conn, org_id=org_id, start=start, end=end)
    rows = [
        {
            "id": new_id(now),
            "org_id": org_id,
            "nhi_id": risk.inputs.nhi_id,
            "window_from": start,
            "window_to": end,
            "detected_at": now,
            "status": "open",
            **anomaly,
        }
        for risk in found
        for anomaly in found_anomalies(risk, start, end)
    ]
    added = 0
    if rows:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        statement = (
            dialect.insert(ANOMALIES)
            .values(rows)
            .on_conflict_do_nothing(
                index_elements=["org_id", "nhi_id", "type", "window_from", "window_to"]
            )
            .returning(ANOMALIES.c.id)
        )
        # RETURNING lists the rows inserted, not those skipped: the count of both drivers.
        added = len((await conn.execute(statement)).all())
    snapshots = await write_snapshots(
        conn,
        org_id=org_id,
        found=found,
        start=start,
        end=end,
        now=now,
        source="detection",
        job_id=job_id,
    )
    return {
        "nhis": len(found),
        "anomalies_found": len(rows),
        "anomalies_added": added,
        "snapshots_added": snapshots,
    }


async def snapshot(
    conn: AsyncConnection, *, org_id: uuid.UUID, start: datetime, end: datetime, now: datetime
) -> int:
    """`gateway nhi snapshot` for one organisation: snapshots only; how many it added."""
    found = await risks(conn, org_id=org_id, start=start, end=end)
    return await write_snapshots(
        conn, org_id=org_id, found=found, start=start, end=end, now=now, source="snapshot"
    )


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text).astimezone(UTC)


@job_kind(KIND)
async def nhi_detect(engine: AsyncEngine, *, job: ClaimedJob, now: datetime) -> dict[str, Any]:
    """The job: detection over the payload's window, in one transaction."""
    start, end = _moment(job.payload["from"]), _moment(job.payload["to"])
    async with engine.begin() as conn:
        return await detect(conn, org_id=job.org_id, start=start, end=end, now=now, job_id=job.id)


async def request(
    conn: AsyncConnection, *, org_id: uuid.UUID, start: datetime, end: datetime, now: datetime
) -> RowMapping:
    """A queued detection job of ``[start, end)``, in the caller's transaction."""
    payload = {"from": start.isoformat(), "to": end.isoformat()}
    return await jobs.enqueue(conn, org_id=org_id, kind=KIND, payload=payload, now=now)
