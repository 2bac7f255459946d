"""`gateway import` of the governance entities: guardians, verdicts, MCP sessions and
calls, config changes; upserted by id, idempotent, and never across organisations."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import cli
from gateway.importer import ImportFailed, load_file
from models.governance import ConfigChange, Guardian, GuardianVerdictEvent, McpToolCall
from tests.cli import samples as s
from tests.cli.test_import import snapshot

GUARD_A = "0a000000-0000-4000-8000-00000000a001"
GUARD_B = "0b000000-0000-4000-8000-00000000b001"
VERDICT_1 = "0a000000-0000-4000-8000-00000000a101"
VERDICT_2 = "0a000000-0000-4000-8000-00000000a102"
SESSION_A = "0a000000-0000-4000-8000-00000000a201"
SESSION_B = "0b000000-0000-4000-8000-00000000b201"
CALL_1 = "0a000000-0000-4000-8000-00000000a301"
CHANGE_1 = "0a000000-0000-4000-8000-00000000a401"
NHI_B = "0b000000-0000-4000-8000-00000000b999"


def organisations() -> list[dict[str, Any]]:
    """The two organisations and Acme's admin (alice), Globex's carol, from the sample."""
    people = {s.ALICE, s.CAROL}
    return [
        line
        for line in s.history()
        if line["entity"] == "organization"
        or (line["entity"] == "user" and line["id"] in people)
        or line["entity"] == "department"
    ]


def governance() -> list[dict[str, Any]]:
    return [
        {
            "entity": "guardian",
            "id": GUARD_A,
            "org_id": s.ORG_A,
            "name": "PII-Redactor",
            "environment": "test",
            "description": "redacts",
            "tags": ["pii"],
            "config": {"mode": "mask"},
            "is_active": False,
            "created_at": "2026-04-01T08:00:00Z",
        },
        {
            "entity": "guardian",
            "id": GUARD_B,
            "org_id": s.ORG_B,
            "name": "Shield",
            "environment": "live",
        },
        {  # no environment: the guardian's (test)
            "entity": "guardian_verdict",
            "id": VERDICT_1,
            "org_id": s.ORG_A,
            "guardian_id": GUARD_A,
            "verdict": "blocked",
            "latency_ms": 41,
            "violation_type": "pii_email",
            "created_at": "2026-04-02T09:00:00+02:00",
        },
        {  # its own environment, and a tag
            "entity": "guardian_verdict",
            "id": VERDICT_2,
            "org_id": s.ORG_A,
            "guardian_id": GUARD_A,
            "verdict": "passed",
            "latency_ms": 0,
            "environment": "dev",
            "tag": "pii",
            "created_at": "2026-04-02T09:00:01Z",
        },
        {
            "entity": "mcp_session",
            "id": SESSION_A,
            "org_id": s.ORG_A,
            "started_at": "2026-04-02T10:00:00Z",
            "client": "cursor",
        },
        {  # the NHI Globex's session names, before it
            "entity": "nhi",
            "id": NHI_B,
            "org_id": s.ORG_B,
            "label": "ci-agent",
            "tier": 3,
        },
        {
            "entity": "mcp_session",
            "id": SESSION_B,
            "org_id": s.ORG_B,
            "started_at": "2026-04-02T10:00:00Z",
            "nhi_id": NHI_B,
        },
        {
            "entity": "mcp_tool_call",
            "id": CALL_1,
            "org_id": s.ORG_A,
            "session_id": SESSION_A,
            "tool": "stripe.create_refund",
            "verdict": "blocked",
            "latency_ms": 612,
            "created_at": "2026-04-02T10:00:05Z",
        },
        {
            "entity": "config_change",
            "id": CHANGE_1,
            "org_id": s.ORG_A,
            "actor_id": s.ALICE,
            "target_type": "guardian",
            "target_id": GUARD_A,
            "field": "config",
            "old_value": {"mode": "hash"},
            "new_value": {"mode": "mask"},
            "changed_at": "2026-04-01T09:00:00Z",
        },
    ]


async def one(engine: AsyncEngine, model: Any, id: str) -> dict[str, Any]:
    async with engine.connect() as conn:
        statement = select(model).where(model.id == uuid.UUID(id))
        return dict((await conn.execute(statement)).mappings().one())


async def test_governance_lines_imported_twice_change_nothing(db, tmp_path: Path) -> None:
    path = s.write(tmp_path / "governance.ndjson", [*organisations(), *governance()])
    report = await cli.run_import(db, path)
    first = await snapshot(db)
    again = await cli.run_import(db, path)
    assert report.counts == again.counts
    assert {k: v for k, v in report.counts.items() if k not in ("organization", "user")} == {
        "department": 1,
        "guardian": 2,
        "guardian_verdict": 2,
        "nhi": 1,
        "mcp_session": 2,
        "mcp_tool_call": 1,
        "config_change": 1,
    }
    assert await snapshot(db) == first


async def test_governance_values_land_as_given(db, tmp_path: Path) -> None:
    await load_file(db, s.write(tmp_path / "g.ndjson", [*organisations(), *governance()]))
    guardian = await one(db, Guardian, GUARD_A)
    assert (guardian["tags"], guardian["config"], guardian["is_active"]) == (
        ["pii"],
        {"mode": "mask"},
        False,
    )
    assert guardian["created_at"] == datetime(2026, 4, 1, 8, tzinfo=UTC)
    defaults = await one(db, Guardian, GUARD_B)
    assert (defaults["tags"], defaults["config"], defaults["is_active"]) == ([], {}, True)
    first = await one(db, GuardianVerdictEvent, VERDICT_1)
    # no environment given: the guardian's; +02:00 stored as UTC
    assert (first["environment"], first["created_at"]) == (
        "test",
        datetime(2026, 4, 2, 7, tzinfo=UTC),
    )
    second = await one(db, GuardianVerdictEvent, VERDICT_2)
    assert (second["environment"], second["tag"], second["latency_ms"]) == ("dev", "pii", 0)
    call = await one(db, McpToolCall, CALL_1)
    assert (call["tool"], call["verdict"], call["latency_ms"]) == (
        "stripe.create_refund",
        "blocked",
        612,
    )
    change = await one(db, ConfigChange, CHANGE_1)
    assert (change["old_value"], change["new_value"], change["actor_id"]) == (
        {"mode": "hash"},
        {"mode": "mask"},
        uuid.UUID(s.ALICE),
    )


async def test_a_guardian_without_created_at_keeps_its_first_on_reimport(
    db, tmp_path: Path
) -> None:
    line = {k: v for k, v in governance()[1].items()}
    path = s.write(tmp_path / "g.ndjson", [*organisations(), line])
    await load_file(db, path)
    first = await snapshot(db)
    await load_file(db, path)
    assert await snapshot(db) == first


def _with(index: int, **changes: Any) -> dict[str, Any]:
    line = {**governance()[index], **changes}
    return {k: v for k, v in line.items() if v is not ...}


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (_with(2, verdict="maybe"), "verdict"),
        (_with(2, latency_ms=-1), "latency_ms"),
        (_with(2, latency_ms="12"), "latency_ms"),
        (_with(2, created_at="2026-04-02T09:00:00"), "created_at"),
        (_with(2, created_at=...), "created_at"),
        (_with(0, environment="prod"), "environment"),
        (_with(0, environment=...), "environment"),
        (_with(0, tags=["x" * 51]), "tags"),
        (_with(0, config=[1]), "config"),
        (_with(7, verdict="error"), "verdict"),  # a tool call is never an error
        (_with(7, surprise=1), "surprise"),
        (_with(8, field=...), "field"),
        (_with(2, guardian_id=s.uid(77)), "does not exist"),
        (_with(7, session_id=s.uid(78)), "does not exist"),
        (_with(6, nhi_id=s.uid(79)), "does not exist"),
    ],
)
async def test_a_bad_governance_line_is_named_and_nothing_kept(
    db, tmp_path: Path, bad: dict[str, Any], reason: str
) -> None:
    # given: a good file whose last line (14, after the guardians and sessions) is bad
    lines: list[dict[str, Any]] = [*organisations(), *governance()]
    assert len(lines) == 14
    lines[13] = bad
    path = s.write(tmp_path / "bad.ndjson", lines)
    with pytest.raises(ImportFailed) as failure:
        await cli.run_import(db, path)
    assert failure.value.line == 14
    assert reason in failure.value.reason, failure.value.reason
    assert all(rows == [] for rows in (await snapshot(db)).values())


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        # Acme's verdict of Globex's guardian; Globex's call in Acme's session
        (_with(2, guardian_id=GUARD_B), "guardian_id"),
        (_with(7, org_id=s.ORG_B), "session_id"),
        # Acme's session naming Globex's NHI
        (_with(4, nhi_id=NHI_B), "nhi_id"),
        # Globex's config change by Acme's admin
        (_with(8, org_id=s.ORG_B), "actor_id"),
        # Acme's guardian, claimed by Globex
        (_with(0, org_id=s.ORG_B), "another organisation"),
        (_with(4, org_id=s.ORG_B), "another organisation"),
    ],
)
async def test_a_governance_line_cannot_reach_into_another_organisation(
    db, tmp_path: Path, line: dict[str, Any], reason: str
) -> None:
    await load_file(db, s.write(tmp_path / "good.ndjson", [*organisations(), *governance()]))
    before = await snapshot(db)
    with pytest.raises(ImportFailed) as failure:
        await load_file(db, s.write(tmp_path / "attack.ndjson", [line]))
    assert failure.value.line == 1
    assert reason in failure.value.reason, failure.value.reason
    assert await snapshot(db) == before
