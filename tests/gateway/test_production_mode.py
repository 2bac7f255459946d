"""Production mode (GATEWAY_ENV=production): the browser UIs, introspection and the debug
endpoints are off unless each is switched on explicitly; development keeps the UIs and
introspection on. The stored REST operations and /openapi.json work in either."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import get_introspection_query
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.settings import Settings
from tests.apps import app_client
from tests.factories import Factory

HTML = {"Accept": "text/html"}
ADMIN_KEY = "agw_prod_admin"
TYPE_QUERY = '{ __type(name: "Query") { name } }'


def settings_for(tmp_path: Path, **values: Any) -> Settings:
    # tests/conftest.py switches GraphiQL and the debug endpoints on through the
    # environment; None here is "the environment's default", as when they are unset.
    defaults: dict[str, Any] = {"graphiql": None, "introspection": None, "debug_endpoints": None}
    return Settings(data_dir=tmp_path, **{**defaults, **values})


async def admin(factory: Factory) -> dict[str, str]:
    org = await factory.org()
    user = await factory.user(org, "ada", role="admin")
    await factory.api_key(user, ADMIN_KEY, ["agents:read"])
    return factory.headers(user)


async def ask(client: httpx.AsyncClient, query: str, headers: dict[str, str]) -> Any:
    return (await client.post("/graphql", json={"query": query}, headers=headers)).json()


def test_settings_resolve_each_default_from_the_environment(tmp_path: Path) -> None:
    development = settings_for(tmp_path)
    production = settings_for(tmp_path, env="production")
    explicit = settings_for(
        tmp_path, env="production", graphiql=True, introspection=True, debug_endpoints=True
    )
    switched_off = settings_for(tmp_path, graphiql=False, introspection=False)
    # GraphiQL on in production brings the introspection it loads the schema with.
    graphiql_only = settings_for(tmp_path, env="production", graphiql=True)
    graphiql_not_introspection = settings_for(
        tmp_path, env="production", graphiql=True, introspection=False
    )

    def resolved(s: Settings) -> tuple[bool, bool, bool]:
        return s.graphiql_enabled, s.introspection_enabled, s.debug_endpoints_enabled

    assert Settings.model_fields["env"].default == "development"
    assert resolved(development) == (True, True, False)
    assert resolved(production) == (False, False, False)
    assert resolved(explicit) == (True, True, True)
    assert resolved(switched_off) == (False, False, False)
    assert resolved(graphiql_only) == (True, True, False)
    assert resolved(graphiql_not_introspection) == (True, False, False)
    assert settings_for(tmp_path, env=" Production ").env == "production"


async def test_production_turns_off_the_uis_introspection_and_debug(
    db: AsyncEngine, factory: Factory, tmp_path: Path
) -> None:
    # given
    headers = await admin(factory)

    # when
    async with app_client(db, settings_for(tmp_path, env="production")) as client:
        graphiql = await client.get("/graphql", headers=HTML)
        docs = await client.get("/docs")
        asset = await client.get("/static/ui/graphiql.js")
        schema = await ask(client, get_introspection_query(), headers)
        one_type = await ask(client, TYPE_QUERY, headers)
        typename = await ask(client, "{ __typename }", headers)
        usage = await ask(client, "{ usage { periodDays } }", headers)
        rest = await client.get("/api/v1/analytics/usage", headers=headers)
        openapi = await client.get("/openapi.json")
        debug = await client.get("/api/analytics/debug", headers={"X-API-Key": ADMIN_KEY})

    # then: the UIs answer as with GATEWAY_GRAPHIQL=false, a 404 in GraphQL's error shape
    assert (graphiql.status_code, graphiql.json()) == (
        404,
        {"errors": [{"message": "Not Found", "extensions": {"code": "NOT_FOUND"}}]},
    )
    assert (docs.status_code, asset.status_code) == (404, 404)
    # introspection is refused at validation, before anything runs
    assert schema["data"] is None
    assert {e["extensions"]["code"] for e in schema["errors"]} == {"INTROSPECTION_DISABLED"}
    assert one_type == {
        "data": None,
        "errors": [
            {
                "message": "GraphQL introspection has been disabled, but the requested query "
                "contained the field '__type'. Introspection is off in production mode "
                "(GATEWAY_INTROSPECTION=true turns it on).",
                "locations": [{"line": 1, "column": 3}],
                "extensions": {"code": "INTROSPECTION_DISABLED"},
            }
        ],
    }
    # __typename, ordinary queries, the stored REST operations and the OpenAPI document stay
    assert typename["data"] == {"__typename": "Query"} and "errors" not in typename
    assert "errors" not in usage and usage["data"]["usage"]["periodDays"] > 0
    assert rest.status_code == 200
    assert openapi.status_code == 200 and "/api/v1/analytics/usage" in openapi.json()["paths"]
    assert (debug.status_code, debug.json()) == (404, {"detail": "Not Found"})


async def test_production_serves_each_one_switched_on_explicitly(
    db: AsyncEngine, factory: Factory, tmp_path: Path
) -> None:
    # given
    headers = await admin(factory)
    settings = settings_for(
        tmp_path, env="production", graphiql=True, introspection=True, debug_endpoints=True
    )

    # when
    async with app_client(db, settings) as client:
        graphiql = await client.get("/graphql", headers=HTML)
        docs = await client.get("/docs")
        schema = await ask(client, get_introspection_query(), headers)
        debug = await client.get("/api/analytics/debug", headers={"X-API-Key": ADMIN_KEY})

    # then
    assert graphiql.status_code == 200 and '<div id="graphiql">' in graphiql.text
    assert docs.status_code == 200
    assert "errors" not in schema and schema["data"]["__schema"]["queryType"]["name"] == "Query"
    assert (debug.status_code, debug.json()) == (200, [])


async def test_development_defaults_keep_the_uis_and_introspection_not_debug(
    db: AsyncEngine, factory: Factory, tmp_path: Path
) -> None:
    # given
    headers = await admin(factory)

    # when
    async with app_client(db, settings_for(tmp_path)) as client:
        graphiql = await client.get("/graphql", headers=HTML)
        docs = await client.get("/docs")
        one_type = await ask(client, TYPE_QUERY, headers)
        debug = await client.get("/api/analytics/debug", headers={"X-API-Key": ADMIN_KEY})

    # then
    assert graphiql.status_code == 200 and '<div id="graphiql">' in graphiql.text
    assert docs.status_code == 200
    assert one_type["data"] == {"__type": {"name": "Query"}} and "errors" not in one_type
    assert (debug.status_code, debug.json()) == (404, {"detail": "Not Found"})


async def test_one_schema_serves_both_modes_side_by_side(
    db: AsyncEngine, factory: Factory, tmp_path: Path
) -> None:
    # The schema (and its validation cache) is shared: the same document is refused by
    # the production app and answered by the development one, in either order.
    headers = await admin(factory)
    production = settings_for(tmp_path, env="production")
    development = settings_for(tmp_path)

    answers = []
    for settings in (production, development, production):
        async with app_client(db, settings) as client:
            answers.append(await ask(client, TYPE_QUERY, headers))

    codes = [[e["extensions"]["code"] for e in a.get("errors", [])] for a in answers]
    assert codes == [["INTROSPECTION_DISABLED"], [], ["INTROSPECTION_DISABLED"]]
    assert answers[1]["data"] == {"__type": {"name": "Query"}}


def test_an_empty_variable_is_the_environments_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # docker/compose.yaml passes an unset GATEWAY_GRAPHIQL on as an empty value.
    for name in ("GRAPHIQL", "INTROSPECTION", "DEBUG_ENDPOINTS"):
        monkeypatch.setenv(f"GATEWAY_{name}", "")
    monkeypatch.setenv("GATEWAY_ENV", "production")

    settings = Settings(data_dir=tmp_path)

    assert (settings.graphiql, settings.introspection, settings.debug_endpoints) == (None,) * 3
    assert (settings.graphiql_enabled, settings.introspection_enabled) == (False, False)
