"""The NHI reads over GraphQL: nhis, nhi, nhiRisk, nhiRiskAssessment, nhiRiskHistory, and
the Nhi type's guardians, risk, riskHistory and mcpSessions, batched (the same number of
statements for 2 NHIs as for 20), on the risk core's hand-worked dataset."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.factories import Factory, one_transaction
from tests.governance.test_guardian_graphql import codes, gql
from tests.governance.test_nhi_risk import END, START, build, hour
from tests.governance.test_nhi_risk_rest import ORDER

W = {"from": START.isoformat(), "to": END.isoformat()}


@pytest.fixture
@one_transaction
async def data(factory: Factory) -> dict[str, Any]:
    built = await build(factory)
    built["user"] = await factory.user(built["org"], "ana")
    globex = await factory.org("Globex II")
    built["stranger"] = await factory.nhi(globex, "stranger", 1)
    return built


NHIS = """query ($first: Int!, $after: String) {
  nhis(first: $first, after: $after) {
    nodes { label tier }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def test_nhis_by_label_over_two_pages(client, factory, data):
    headers = factory.headers(data["user"])
    first = (await gql(client, headers, NHIS, {"first": 5}))["data"]["nhis"]
    assert [n["label"] for n in first["nodes"]] == sorted(ORDER)[:5]
    assert first["pageInfo"]["hasNextPage"] is True
    variables = {"first": 5, "after": first["pageInfo"]["endCursor"]}
    second = (await gql(client, headers, NHIS, variables))["data"]["nhis"]
    assert [n["label"] for n in second["nodes"]] == sorted(ORDER)[5:]
    assert second["pageInfo"]["hasNextPage"] is False


async def test_nhis_bad_paging(client, factory, data):
    headers = factory.headers(data["user"])
    assert codes(await gql(client, headers, NHIS, {"first": 0})) == ["BAD_USER_INPUT"]
    body = await gql(client, headers, NHIS, {"first": 5, "after": "nope"})
    assert codes(body) == ["BAD_USER_INPUT"]


ONE = "query ($id: UUID!) { nhi(id: $id) { label } }"


async def test_nhi_is_null_outside_the_organisation(client, factory, data):
    headers = factory.headers(data["user"])
    mine = await gql(client, headers, ONE, {"id": str(data["nhis"]["burst"]["id"])})
    assert mine["data"] == {"nhi": {"label": "burst"}}
    theirs = await gql(client, headers, ONE, {"id": str(data["stranger"]["id"])})
    assert theirs["data"] == {"nhi": None}


RISK = """query ($from: DateTime, $to: DateTime, $tier: Int, $minScore: Float, $first: Int!,
  $after: String) {
  nhiRisk(from: $from, to: $to, tier: $tier, minScore: $minScore, first: $first, after: $after) {
    from to
    nodes { nhiId nhiLabel riskScore riskSignals factors { key part } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def test_nhi_risk_in_score_order_with_plain_uuids(client, factory, data):
    headers = factory.headers(data["user"])
    body = await gql(client, headers, RISK, {**W, "first": 1000})
    page = body["data"]["nhiRisk"]
    assert [n["nhiLabel"] for n in page["nodes"]] == ORDER
    assert page["nodes"][1]["nhiId"] == str(data["nhis"]["burst"]["id"])
    assert page["nodes"][1]["factors"][0] == {"key": "spend_burst", "part": 1.0}
    assert page["from"] == START.isoformat()


async def test_nhi_risk_filters_and_pages(client, factory, data):
    headers = factory.headers(data["user"])
    first = (await gql(client, headers, RISK, {**W, "minScore": 0.1, "first": 3}))["data"]
    assert [n["nhiLabel"] for n in first["nhiRisk"]["nodes"]] == ["maxed", "burst", "denier"]
    after = first["nhiRisk"]["pageInfo"]["endCursor"]
    rest = await gql(client, headers, RISK, {**W, "minScore": 0.1, "first": 3, "after": after})
    assert [n["nhiLabel"] for n in rest["data"]["nhiRisk"]["nodes"]] == ["over", "unverified3"]
    tier = await gql(client, headers, RISK, {**W, "tier": 2, "first": 10})
    assert [n["nhiLabel"] for n in tier["data"]["nhiRisk"]["nodes"]] == ["burst"]


@pytest.mark.parametrize(
    "variables",
    [
        {"tier": 0},
        {"tier": 5},
        {"minScore": 2},
        {"minScore": -0.5},
        {"first": 0},
        {"first": 1001},
        {"after": "bad"},
        {"from": END.isoformat(), "to": START.isoformat()},
    ],
)
async def test_nhi_risk_bad_arguments(client, factory, data, variables):
    body = await gql(client, factory.headers(data["user"]), RISK, {"first": 10, **variables})
    assert codes(body) == ["BAD_USER_INPUT"]


ASSESSMENT = """query ($id: UUID!, $from: DateTime, $to: DateTime) {
  nhiRiskAssessment(id: $id, from: $from, to: $to) {
    nhiLabel riskScore recommendations
    inputs { p99Spend guardians { name } }
    openAnomalies { id type }
  }
}"""


async def test_assessment_and_null_outside_the_organisation(client, factory, data):
    headers = factory.headers(data["user"])
    await factory.anomaly(data["nhis"]["maxed"], hour(20))
    variables = {**W, "id": str(data["nhis"]["maxed"]["id"])}
    body = (await gql(client, headers, ASSESSMENT, variables))["data"]["nhiRiskAssessment"]
    assert body["riskScore"] == 1.0
    assert body["inputs"] == {"p99Spend": 2.0, "guardians": []}
    assert [a["type"] for a in body["openAnomalies"]] == ["spend_burst"]
    assert body["recommendations"][0] == (
        "Investigate maxed's spend: its p99 hourly spend is 2.00 USD against a baseline of "
        "0.00 USD."
    )
    theirs = await gql(client, headers, ASSESSMENT, {**W, "id": str(data["stranger"]["id"])})
    assert theirs["data"] == {"nhiRiskAssessment": None}


HISTORY = """query ($id: UUID!) {
  nhiRiskHistory(id: $id) { nhiId nodes { riskScore } }
}"""


async def test_history_is_null_outside_the_organisation(client, factory, data):
    headers = factory.headers(data["user"])
    theirs = await gql(client, headers, HISTORY, {"id": str(data["stranger"]["id"])})
    assert theirs["data"] == {"nhiRiskHistory": None}


RELATIONS = """query ($from: DateTime, $to: DateTime) {
  nhis(first: 50) {
    nodes {
      label
      guardians { name }
      risk(from: $from, to: $to) {
        riskScore riskSignals
        factors { key contribution }
        inputs { deniedAttempts guardians { name } }
      }
      riskHistory(from: $from, to: $to) { riskScore computedAt }
      mcpSessions(first: 2) { client toolCalls }
    }
  }
}"""


async def test_relations_of_the_hand_worked_dataset(client, factory, data):
    burst = data["nhis"]["burst"]
    await factory.snapshot(burst, START + timedelta(days=2), 0.2)
    await factory.snapshot(burst, START + timedelta(days=1), 0.1)
    for n, client_name in enumerate(("a", "b", "c")):
        await factory.mcp_session(data["org"], hour(n), client=client_name, nhi_id=burst["id"])
    body = await gql(client, factory.headers(data["user"]), RELATIONS, W)
    nodes = {n["label"]: n for n in body["data"]["nhis"]["nodes"]}
    assert nodes["burst"]["guardians"] == [{"name": "PII-Redactor"}]
    assert nodes["denier"]["guardians"] == []
    assert nodes["denier"]["risk"]["riskScore"] == 0.4
    assert nodes["denier"]["risk"]["inputs"] == {"deniedAttempts": 3, "guardians": []}
    assert nodes["burst"]["risk"]["factors"][0] == {"key": "spend_burst", "contribution": 0.35}
    # Oldest first; newest sessions first, the first 2.
    assert [s["riskScore"] for s in nodes["burst"]["riskHistory"]] == [0.1, 0.2]
    assert [s["client"] for s in nodes["burst"]["mcpSessions"]] == ["c", "b"]
    assert nodes["quiet"]["mcpSessions"] == []


async def test_nhi_relations_take_a_constant_number_of_statements(
    resolver_client, factory, statements
):
    async def count_for(size: int) -> int:
        org = await factory.org(f"Org{size}")
        user = await factory.user(org, f"user{size}")
        guardian = await factory.guardian(org, f"G{size}")
        for n in range(size):
            nhi = await factory.nhi(org, f"nhi-{n:02}", 1 + n % 4)
            await factory.bind(nhi, guardian)
            await factory.activities(nhi, [(hour(1), "2.00", "denied"), (hour(2), "1", "allowed")])
            await factory.snapshot(nhi, START + timedelta(days=1), 0.5)
            await factory.mcp_session(org, hour(3), nhi_id=nhi["id"])
        before = statements.count
        body = await gql(resolver_client, factory.headers(user), RELATIONS, W)
        nodes = body["data"]["nhis"]["nodes"]
        assert len(nodes) == size
        assert all(len(n["riskHistory"]) == 1 and len(n["mcpSessions"]) == 1 for n in nodes)
        assert all(n["risk"]["inputs"]["deniedAttempts"] == 1 for n in nodes)
        return statements.count - before

    many, few = await count_for(20), await count_for(2)
    # The caller, the page, guardians (one batch for both fields), risk, history, sessions
    # and their tool-call counts.
    assert many == few <= 7


async def test_scope(client, factory, data):
    headers = factory.scoped_headers(data["user"], ["mcp:read"])
    body = await gql(client, headers, NHIS, {"first": 5})
    assert codes(body) == ["INSUFFICIENT_SCOPE"]
