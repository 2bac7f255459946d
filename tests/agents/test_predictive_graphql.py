"""``predictiveTrends`` over GraphQL: both members of its union, its scope, and both REST
answers against the documented schema (tests/agents/test_predictive_trends.py holds the
dataset helpers)."""

from __future__ import annotations

import jsonschema
import pytest

from tests.agents.test_predictive_trends import HEADERS, NOW, PATH, STEADY, daily
from tests.agents.test_predictive_trends import acme as acme  # the fixture, shared
from tests.governance.test_guardian_graphql import gql
from tests.rest_compat.test_openapi import answer_schema, openapi

QUERY = """{ predictiveTrends {
  __typename
  ... on PredictiveTrendsActive {
    status predictionQuality
    anomalies { type agentId modifiedZScore severity timestamp }
    meta { model }
  }
  ... on PredictiveTrendsCollecting {
    status dataCollection { daysCollected collectionProgress estimatedReadyDate }
  }
} }"""


async def test_graphql_answers_both_shapes(client_at, factory, acme) -> None:
    async with client_at(NOW) as client:
        empty = await gql(client, HEADERS, QUERY)
        await daily(factory, acme, [*STEADY, 8], agent="database-agent")
        active = await gql(client, HEADERS, QUERY)

    assert empty["data"]["predictiveTrends"] == {
        "__typename": "PredictiveTrendsCollecting",
        "status": "collecting_data",
        "dataCollection": {
            "daysCollected": 0,
            "collectionProgress": 0.0,
            "estimatedReadyDate": "2026-03-15",
        },
    }
    found = active["data"]["predictiveTrends"]
    assert found["__typename"] == "PredictiveTrendsActive"
    assert found["predictionQuality"] == "high"
    assert found["meta"] == {"model": "holt_winters"}
    midnight = "2026-03-10T00:00:00+00:00"
    assert found["anomalies"] == [
        {
            "type": "spike",
            "agentId": None,
            "modifiedZScore": 4.05,
            "severity": "medium",
            "timestamp": midnight,
        },
        {
            "type": "spike",
            "agentId": "database-agent",
            "modifiedZScore": 4.05,
            "severity": "medium",
            "timestamp": midnight,
        },
    ]


async def test_the_field_needs_the_read_scope(client_at, factory) -> None:
    org = await factory.org()
    user = await factory.user(org)
    await factory.api_key(user, "agw_no_scope_key", [])
    async with client_at(NOW) as client:
        response = await client.get(PATH, headers={"X-API-Key": "agw_no_scope_key"})
        anonymous = await client.get(PATH)

    assert response.status_code == 403
    assert anonymous.status_code == 401
    assert anonymous.json() == {"detail": "Not authenticated"}


async def test_both_answers_match_the_documented_schema(client_at, factory, acme) -> None:
    async with client_at(NOW) as client:
        document = await openapi(client)
        collecting = (await client.get(PATH, headers=HEADERS)).json()
        await daily(factory, acme, [*STEADY, 8], agent="database-agent")
        active = (await client.get(PATH, headers=HEADERS)).json()

    schema = answer_schema(document, "get", PATH, 200)
    assert collecting["status"] == "collecting_data"
    assert active["status"] == "active"
    jsonschema.validate(collecting, schema)
    jsonschema.validate(active, schema)
    # Each data_collection is one of the two shapes, never a mixture.
    mixed = {**collecting["data_collection"], "ready": True}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({**collecting, "data_collection": mixed}, schema)
