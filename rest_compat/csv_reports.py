"""CSV bodies for the portal's export: the one part of the portal that is not JSON."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from starlette.responses import Response


def _csv(rows: Iterable[Iterable[Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(rows)
    return buffer.getvalue()


def catalog_rows(data: dict[str, Any]) -> list[list[Any]]:
    coverage = data["ownershipCoverage"]
    rows: list[list[Any]] = [
        ["Section", "Metric", "Value"],
        ["Ownership", "Total", coverage["total"]],
        ["Ownership", "With Owner", coverage["withOwner"]],
        ["Ownership", "Without Owner", coverage["withoutOwner"]],
        ["Ownership", "Coverage %", coverage["coveragePercent"]],
    ]
    rows += [["Lifecycle", x["lifecycle"], x["count"]] for x in data["lifecycleDistribution"]]
    rows += [["Kind", x["kind"], x["count"]] for x in data["kindDistribution"]]
    return rows


def dora_rows(data: dict[str, Any], days: int) -> list[list[Any]]:
    frequency = data["deploymentFrequency"]
    failure = data["changeFailureRate"]
    recovery = data["meanTimeToRecovery"]
    lead = data["leadTimeForChanges"]
    return [
        ["Metric", "Value", "Notes"],
        ["Deployment Frequency (deploys/day)", frequency["deploymentsPerDay"], f"Last {days} days"],
        [
            "Change Failure Rate (%)",
            failure["rate"],
            f"{failure['failed']} failed of {failure['total']} total",
        ],
        ["Mean Time To Recovery (hours)", recovery["avgHours"], f"{recovery['samples']} samples"],
        ["Lead Time For Changes (hours)", lead["avgHours"], f"{lead['samples']} samples"],
    ]


def usage_rows(data: dict[str, Any], days: int) -> list[list[Any]]:
    # Not in the seed: built like the catalog report, one section per part of the JSON.
    rows: list[list[Any]] = [
        ["Section", "Name", "Count"],
        ["Total", f"Audit events (last {days} days)", data["totalAuditEvents"]],
    ]
    rows += [["Component", x["componentName"], x["accessCount"]] for x in data["topComponents"]]
    rows += [["User", x["actorUsername"], x["actionCount"]] for x in data["activeUsers"]]
    rows += [["Action", x["action"], x["count"]] for x in data["actionBreakdown"]]
    return rows


def export_response(data: dict[str, Any], variables: dict[str, Any]) -> Response:
    days = variables["days"]
    if variables["catalog"]:
        report, rows = "catalog", catalog_rows(data["catalog"])
    elif variables["dora"]:
        report, rows = "dora", dora_rows(data["dora"], days)
    else:
        report, rows = "usage", usage_rows(data["usage"], days)
    filename = f"{report}-analytics-{datetime.now(UTC):%Y-%m-%d}.csv"
    return Response(
        _csv(rows),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
