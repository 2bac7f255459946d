"""`gateway import` of agent actions and user sessions: values as given, display ids
1..n per organisation in file order and kept on a second import, never across
organisations, a bad line named."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway import cli
from gateway.importer import ImportFailed
from models.agents import AgentAction, AgentActionCounter, UserSession
from tests.cli import samples as s
from tests.cli.test_import import snapshot
from tests.governance.test_import import organisations

ACTION_1 = "0c000000-0000-4000-8000-00000000a001"
ACTION_2 = "0c000000-0000-4000-8000-00000000a002"
ACTION_B = "0c000000-0000-4000-8000-00000000a003"
SESSION = "0c000000-0000-4000-8000-00000000a101"
SESSION_B = "0c000000-0000-4000-8000-00000000a102"


def agents() -> list[dict[str, Any]]:
    return [
        {
            "entity": "agent_action",
            "id": ACTION_1,
            "org_id": s.ORG_A,
            "agent_id": "customer-service-agent",
            "action_type": "email_send",
            "risk_level": "medium",
            "status": "approved",
            "timestamp": "2026-04-01T10:00:00+02:00",
            "tool_name": "email_service",
            "mitre_tactic": "TA0002",
            "nist_control": "AC-3",
            "recommendation": "Verify recipient authorization",
            "summary": "Email sent to external recipient",
            "reviewed_by": s.ALICE,
        },
        {  # the optional fields absent
            "entity": "agent_action",
            "id": ACTION_2,
            "org_id": s.ORG_A,
            "agent_id": "data-analysis-agent",
            "action_type": "database_query",
            "risk_level": "critical",
            "status": "pending",
            "timestamp": "2026-04-01T11:00:00Z",
        },
        {
            "entity": "agent_action",
            "id": ACTION_B,
            "org_id": s.ORG_B,
            "agent_id": "billing-agent",
            "action_type": "refund",
            "risk_level": "high",
            "status": "auto_approved",
            "timestamp": "2026-04-01T12:00:00Z",
            "tool_name": None,
        },
        {
            "entity": "user_session",
            "id": SESSION,
            "org_id": s.ORG_A,
            "user_id": s.ALICE,
            "started_at": "2026-04-01T09:00:00Z",
            "last_seen_at": "2026-04-01T09:40:00Z",
            "ended_at": "2026-04-01T10:00:00Z",
        },
        {  # still open, never seen since it started
            "entity": "user_session",
            "id": SESSION_B,
            "org_id": s.ORG_B,
            "user_id": s.CAROL,
            "started_at": "2026-04-01T09:30:00Z",
        },
    ]


async def rows(engine, model) -> dict[str, dict[str, Any]]:
    async with engine.connect() as conn:
        found = (await conn.execute(select(model))).mappings()
        return {str(row["id"]): dict(row) for row in found}


async def test_lines_land_as_given_and_twice_change_nothing(db, tmp_path: Path) -> None:
    # given
    path = s.write(tmp_path / "agents.ndjson", [*organisations(), *agents()])

    # when
    report = await cli.run_import(db, path)

    # then
    assert {k: report.counts[k] for k in ("agent_action", "user_session")} == {
        "agent_action": 3,
        "user_session": 2,
    }
    actions = await rows(db, AgentAction)
    first, second, other = actions[ACTION_1], actions[ACTION_2], actions[ACTION_B]
    # Display ids count each organisation's actions from 1, in file order.
    assert (first["display_id"], second["display_id"], other["display_id"]) == (1, 2, 1)
    assert first["timestamp"].isoformat() == "2026-04-01T08:00:00+00:00"
    assert (first["status"], str(first["reviewed_by"]), first["nist_control"]) == (
        "approved",
        s.ALICE,
        "AC-3",
    )
    assert (second["tool_name"], second["summary"], second["reviewed_by"]) == (None, None, None)
    sessions = await rows(db, UserSession)
    assert sessions[SESSION]["ended_at"].isoformat() == "2026-04-01T10:00:00+00:00"
    assert sessions[SESSION_B]["last_seen_at"] == sessions[SESSION_B]["started_at"]
    assert sessions[SESSION_B]["ended_at"] is None

    before = await snapshot(db)
    await cli.run_import(db, path)
    assert await snapshot(db) == before


async def test_new_actions_continue_the_organisations_numbering(db, tmp_path: Path) -> None:
    # given: the file imported once
    await cli.run_import(db, s.write(tmp_path / "a.ndjson", [*organisations(), *agents()]))
    later = {**agents()[1], "id": s.uid(77), "timestamp": "2026-04-02T11:00:00Z"}

    # when: a later file adds one of Acme's actions
    await cli.run_import(db, s.write(tmp_path / "b.ndjson", [later]))

    # then
    assert (await rows(db, AgentAction))[s.uid(77)]["display_id"] == 3


def _with(index: int, **changes: Any) -> dict[str, Any]:
    return {**agents()[index], **changes}


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (_with(0, risk_level="severe"), "risk_level"),
        (_with(0, status="rejected"), "status"),
        (_with(0, timestamp="2026-04-01T10:00:00"), "timestamp"),
        (_with(0, summary="x" * 2001), "summary"),
        (_with(1, display_id=7), "unknown field 'display_id'"),
        (_with(3, ended_at="2026-04-01T08:00:00Z"), "ended_at is before started_at"),
        # Globex's carol named by Acme's action and Acme's session.
        (_with(0, reviewed_by=s.CAROL), "reviewed_by"),
        (_with(3, user_id=s.CAROL), "user_id"),
    ],
)
async def test_a_bad_line_is_refused_by_number(db, tmp_path: Path, bad, reason) -> None:
    # given: the bad line in place of its own
    index = [line["id"] for line in agents()].index(bad["id"])
    lines = [*organisations(), *(bad if n == index else line for n, line in enumerate(agents()))]
    line_number = len(organisations()) + index + 1

    # when
    with pytest.raises(ImportFailed) as failed:
        await cli.run_import(db, s.write(tmp_path / "bad.ndjson", lines))

    # then: that line, one reason, and nothing of the file kept (counters included)
    assert failed.value.line == line_number
    assert reason in failed.value.reason
    assert await rows(db, AgentAction) == {}
    assert await rows(db, UserSession) == {}
    async with db.connect() as conn:
        assert (await conn.execute(select(AgentActionCounter))).all() == []


async def test_another_organisations_action_cannot_be_taken_over(db, tmp_path: Path) -> None:
    # given: Globex's action stored
    await cli.run_import(db, s.write(tmp_path / "a.ndjson", [*organisations(), *agents()]))

    # when: a line gives its id to Acme
    moved = _with(2, org_id=s.ORG_A)
    with pytest.raises(ImportFailed) as failed:
        await cli.run_import(db, s.write(tmp_path / "b.ndjson", [moved]))

    # then
    assert "already exists in another organisation" in failed.value.reason
    assert str((await rows(db, AgentAction))[ACTION_B]["org_id"]) == s.ORG_B
