"""Unexpected failures are logged and masked; clients see a code, never internals."""

from __future__ import annotations

import logging

from graphql import get_introspection_query

from resolvers.catalog import queries


async def test_unexpected_error_is_masked_on_both_doors(client, factory, monkeypatch, caplog):
    org = await factory.org()
    user = await factory.user(org)

    async def broken(*args, **kwargs):
        raise RuntimeError("password=hunter2 in a stack trace")

    monkeypatch.setattr(queries, "usage", broken)
    with caplog.at_level(logging.ERROR, logger="gateway.errors"):
        body = (
            await client.post(
                "/graphql",
                json={"query": "{ usage { periodDays } }"},
                headers=factory.headers(user),
            )
        ).json()
        rest = await client.get("/api/v1/analytics/usage", headers=factory.headers(user))
    assert body["errors"][0]["message"] == "Internal server error."
    assert body["errors"][0]["extensions"] == {"code": "INTERNAL_SERVER_ERROR"}
    assert rest.status_code == 500
    assert rest.json() == {
        "error": {"code": "INTERNAL_SERVER_ERROR", "message": "Internal server error."}
    }
    assert "hunter2" not in rest.text + str(body)
    assert "hunter2" in caplog.text  # the operator still sees what happened


async def test_health_endpoints(client):
    assert (await client.get("/healthz")).text == "ok"
    assert (await client.get("/readyz")).json() == {"status": "ok"}


async def test_graphql_syntax_error_is_bad_user_input(client):
    body = (await client.post("/graphql", json={"query": "{ components { "})).json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"


async def test_metrics_count_requests_by_route_template(client, factory):
    org = await factory.org()
    user = await factory.user(org)
    await client.get("/api/v1/analytics/usage", headers=factory.headers(user))
    await client.get("/api/v1/analytics/usage")
    text = (await client.get("/metrics")).text
    line = 'gateway_http_requests_total{method="GET",route="/api/v1/analytics/usage",status="401"}'
    assert line in text
    assert 'route="/api/v1/analytics/usage",status="200"' in text


async def test_too_deep_documents_are_refused_and_introspection_is_not(client, factory):
    org = await factory.org()
    user = await factory.user(org)
    deep = "{ deployments { nodes { " + "component { latestDeployment { " * 7 + "id" + " } }" * 7
    deep += " } } }"
    body = (
        await client.post("/graphql", json={"query": deep}, headers=factory.headers(user))
    ).json()
    assert body["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert "nests fields deeper than 15 levels" in body["errors"][0]["message"]
    introspection = (
        await client.post("/graphql", json={"query": get_introspection_query(descriptions=True)})
    ).json()
    assert "errors" not in introspection
    assert introspection["data"]["__schema"]["queryType"]["name"] == "Query"
