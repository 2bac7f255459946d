"""Agent actions over GraphQL: recording (display ids, the allowed statuses, audit),
reviewing (once, by a manager or admin, audited), and ``reviewedBy`` batched."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from models.audit import AuditEvent
from tests.governance.test_guardian_graphql import gql

RECORD = """mutation($input: AgentActionInput!) { recordAgentAction(input: $input) {
  id displayId agentId riskLevel status toolName reviewedBy { username } } }"""
REVIEW = """mutation($id: UUID!, $decision: String!) {
  reviewAgentAction(id: $id, decision: $decision) { status reviewedBy { username } } }"""


@pytest.fixture
async def team(factory) -> dict[str, Any]:
    org = await factory.org()
    return {
        "org": org,
        "agent": await factory.user(org, "bot"),
        "manager": await factory.user(org, "max", role="manager"),
        "member": await factory.user(org, "mia"),
    }


async def record(client, factory, user, **values: Any) -> dict[str, Any]:
    action = {"agentId": "db-agent", "actionType": "query", "riskLevel": "high", **values}
    body = await gql(client, factory.headers(user), RECORD, {"input": action})
    return body


async def test_record_numbers_and_audits(client, factory, team, db) -> None:
    first = (await record(client, factory, team["agent"]))["data"]["recordAgentAction"]
    second = await record(client, factory, team["agent"], status="auto_approved", toolName=" sql ")

    assert first["displayId"] == 1
    assert first["status"] == "pending"
    assert first["reviewedBy"] is None
    assert second["data"]["recordAgentAction"]["displayId"] == 2
    assert second["data"]["recordAgentAction"]["toolName"] == "sql"
    async with db.connect() as conn:
        events = (
            await conn.execute(
                select(AuditEvent.action, AuditEvent.subject_type).where(
                    AuditEvent.family == "agents"
                )
            )
        ).all()
    assert sorted(events) == [("recorded", "agent_action"), ("recorded", "agent_action")]


@pytest.mark.parametrize(
    ("values", "argument"),
    [
        ({"status": "approved"}, "status"),  # a reviewer's answer, never the agent's
        ({"riskLevel": "severe"}, "riskLevel"),
        ({"agentId": ""}, "agentId"),
        ({"agentId": "x" * 201}, "agentId"),
        ({"summary": "bad\x00byte"}, None),
    ],
)
async def test_record_refuses_bad_values(client, factory, team, values, argument) -> None:
    body = await record(client, factory, team["agent"], **values)

    [error] = body["errors"]
    assert error["extensions"]["code"] == "BAD_USER_INPUT"
    if argument:
        assert argument in error["message"]


async def test_review_once_by_a_manager(client, factory, team, db) -> None:
    action = await factory.agent_action(team["org"])
    variables = {"id": str(action["id"]), "decision": "deny"}

    by_member = await gql(client, factory.headers(team["member"]), REVIEW, variables)
    by_manager = await gql(client, factory.headers(team["manager"]), REVIEW, variables)
    again = await gql(
        client, factory.headers(team["manager"]), REVIEW, {**variables, "decision": "approve"}
    )
    bad = await gql(
        client, factory.headers(team["manager"]), REVIEW, {**variables, "decision": "maybe"}
    )

    assert by_member["errors"][0]["extensions"]["code"] == "INSUFFICIENT_ROLE"
    assert by_manager["data"]["reviewAgentAction"] == {
        "status": "denied",
        "reviewedBy": {"username": "max"},
    }
    assert again["errors"][0]["extensions"]["code"] == "CONFLICT"
    assert bad["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    async with db.connect() as conn:
        actions = (
            await conn.execute(select(AuditEvent.action).where(AuditEvent.family == "agents"))
        ).scalars()
        assert list(actions) == ["denied"]


async def test_another_organisations_action_is_not_found(client, factory, team) -> None:
    other = await factory.org("Globex")
    action = await factory.agent_action(other)

    body = await gql(
        client,
        factory.headers(team["manager"]),
        REVIEW,
        {"id": str(action["id"]), "decision": "approve"},
    )
    read = await gql(
        client,
        factory.headers(team["manager"]),
        f'{{ agentAction(id: "{action["id"]}") {{ id }} }}',
    )

    assert body["errors"][0]["extensions"]["code"] == "NOT_FOUND"
    assert read["data"]["agentAction"] is None


async def test_reviewed_by_is_batched(resolver_client, factory, team, statements) -> None:
    # The loader path (the compiler off): one statement for every reviewer of the list.
    used = []
    for count in (2, 12):
        org = await factory.org(f"Org {count}")
        reader = await factory.user(org, f"r{count}")
        for n in range(count):
            reviewer = await factory.user(org, f"rev{count}_{n}", role="manager")
            await factory.agent_action(org, status="approved", reviewed_by=reviewer["id"])
        before = statements.count
        body = await gql(
            resolver_client,
            factory.headers(reader),
            '{ agentActions(first: 50, status: "approved") { reviewedBy { username } } }',
        )
        used.append(statements.count - before)
        assert len(body["data"]["agentActions"]) == count
        assert all(
            a["reviewedBy"]["username"].startswith("rev") for a in body["data"]["agentActions"]
        )
    # the caller, the actions, their reviewers: whatever the number of reviewers
    assert used == [3, 3]


async def test_min_risk_filters_levels(client, factory, team) -> None:
    for level in ("low", "medium", "high", "critical"):
        await factory.agent_action(team["org"], risk_level=level)

    body = await gql(
        client,
        factory.headers(team["member"]),
        '{ agentActions(minRisk: "high") { riskLevel } }',
    )
    wrong = await gql(
        client, factory.headers(team["member"]), "{ agentActions(first: 501) { id } }"
    )

    assert sorted(a["riskLevel"] for a in body["data"]["agentActions"]) == ["critical", "high"]
    assert wrong["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
