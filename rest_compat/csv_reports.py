"""CSV bodies for the portal's export: the one part of the portal that is not JSON."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

# A spreadsheet reads a cell starting with one of these as a formula (OWASP, "CSV
# Injection"): `=HYPERLINK(...)` in a component name would become a live link.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise(cell: Any) -> Any:
    """A text cell that a spreadsheet would run as a formula, prefixed with `'`.

    Only text is touched. Numbers are the gateway's own figures (counts, rates) and go
    out as numbers, so a negative value would stay a number rather than become text.
    Every text cell goes through here, the gateway's labels included: none of them starts
    with these characters, and checking all text means no report can forget a column that
    holds names users chose (component names and kinds, usernames, audit actions).
    """
    if isinstance(cell, str) and cell.startswith(FORMULA_PREFIXES):
        return "'" + cell
    return cell


def _csv(rows: Iterable[Iterable[Any]]) -> str:
    """Every CSV the gateway writes goes through here."""
    buffer = io.StringIO()
    # CRLF, as RFC 4180 and spreadsheets write it. It also makes the csv module quote any
    # cell holding a CR or LF (with "\n" alone, Python 3.11 leaves a bare CR unquoted, and
    # a reader that ends rows at CR would start a new row, unneutralised, inside a name).
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows([neutralise(cell) for cell in row] for row in rows)
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


def export_response(data: dict[str, Any], variables: dict[str, Any], _: Request) -> Response:
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
