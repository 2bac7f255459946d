"""The PostGraphile comparison's check that both servers answered with the same rows."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from bench.postgraphile import gateway_rows, postgraphile_rows


def gateway_answer(version: str, started: str) -> dict[str, Any]:
    deployment = {
        "version": version,
        "status": "FAILED",
        "startedAt": started,
        "environment": {"name": "env-2"},
    }
    return {"components": {"nodes": [{"name": "svc-0001", "deployments": [deployment]}]}}


def postgraphile_answer(version: str, started: str) -> dict[str, Any]:
    deployment = {
        "version": version,
        "status": "FAILED",
        "startedAt": started,
        "environmentByEnvironmentId": {"name": "env-2"},
    }
    component = {"name": "svc-0001", "deploymentsByComponentId": {"nodes": [deployment]}}
    return {"allComponents": {"nodes": [component]}}


def test_both_namings_give_the_same_rows_whatever_the_utc_offsets_spelling() -> None:
    # given: the gateway's RFC 3339 Z and PostgreSQL's +00:00 for one instant
    ours = gateway_answer("v17000", "2026-11-30T17:55:30.749731Z")
    theirs = postgraphile_answer("v17000", "2026-11-30T17:55:30.749731+00:00")

    # when
    rows = gateway_rows(ours)

    # then
    started = datetime(2026, 11, 30, 17, 55, 30, 749731, tzinfo=UTC)
    assert rows == [("svc-0001", [("v17000", "FAILED", started, "env-2")])]
    assert postgraphile_rows(theirs) == rows


def test_another_version_or_instant_is_another_answer() -> None:
    ours = gateway_rows(gateway_answer("v17000", "2026-11-30T17:55:30.749731Z"))

    assert postgraphile_rows(postgraphile_answer("v17001", "2026-11-30T17:55:30.749731Z")) != ours
    assert postgraphile_rows(postgraphile_answer("v17000", "2026-11-30T17:55:30.749732Z")) != ours
