"""Automatic persisted queries (Apollo's protocol), the stored operations registered at
start, and the allow-list mode (gateway/persisted.py), through /graphql.

The Redis tests use the shared Redis with a key prefix of their own, so runs never
read each other's documents.
"""

from __future__ import annotations

import hashlib
import json
import logging
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bench.processes import free_port
from gateway.app import create_app
from gateway.settings import Settings
from rest_compat.registry import ROUTES
from tests.agents.live import GraphQLSocket, serving
from tests.apps import app_client

REDIS = "redis://127.0.0.1:6379/0"
COMPONENTS = "query Names { components(first: 10) { nodes { name } } }"
CATALOG = next(row.document for row in ROUTES if row.path == "/api/v1/analytics/catalog")


def sha256(document: str) -> str:
    return hashlib.sha256(document.encode()).hexdigest()


def by_hash(digest: str) -> dict[str, Any]:
    return {"persistedQuery": {"version": 1, "sha256Hash": digest}}


def codes(body: Any) -> list[str]:
    return [error["extensions"]["code"] for error in body.get("errors") or []]


@pytest.fixture
async def acme(factory: Any) -> dict[str, str]:
    org = await factory.org("Acme")
    for name in ("billing", "search"):
        await factory.component(org, name)
    headers: dict[str, str] = factory.headers(await factory.user(org, "ann", role="manager"))
    return headers


async def test_apq_round_trip_not_found_then_registered_then_by_hash(
    client: httpx.AsyncClient, acme: dict[str, str]
) -> None:
    # given a document the gateway has never seen
    digest = sha256(COMPONENTS)
    # when its hash alone is sent
    unknown = await client.post("/graphql", json={"extensions": by_hash(digest)}, headers=acme)
    # then Apollo's exact answer comes back, uncached, so the client resends with the query
    assert unknown.status_code == 200
    assert unknown.json() == {
        "errors": [
            {
                "message": "PersistedQueryNotFound",
                "extensions": {"code": "PERSISTED_QUERY_NOT_FOUND"},
            }
        ]
    }
    assert unknown.headers["cache-control"] == "private, no-cache, must-revalidate"
    # when the query and its hash are sent, it runs and is stored
    registered = await client.post(
        "/graphql", json={"query": COMPONENTS, "extensions": by_hash(digest)}, headers=acme
    )
    assert registered.json()["data"] == {
        "components": {"nodes": [{"name": "billing"}, {"name": "search"}]}
    }
    # then the hash alone runs it, by POST and by GET
    again = await client.post("/graphql", json={"extensions": by_hash(digest)}, headers=acme)
    fetched = await client.get(
        "/graphql", params={"extensions": json.dumps(by_hash(digest))}, headers=acme
    )
    assert again.json() == registered.json() == fetched.json()
    assert fetched.status_code == 200


async def test_a_hash_that_is_not_the_querys_is_refused(
    client: httpx.AsyncClient, acme: dict[str, str]
) -> None:
    # given a query sent with another document's hash
    wrong = sha256("{ viewer { username } }")
    # when it is sent
    response = await client.post(
        "/graphql", json={"query": COMPONENTS, "extensions": by_hash(wrong)}, headers=acme
    )
    # then it is a 400 naming the mismatch, and nothing was stored under that hash
    assert response.status_code == 400
    body = response.json()
    assert codes(body) == ["PERSISTED_QUERY_HASH_MISMATCH"]
    assert body["errors"][0]["extensions"]["details"] == {
        "sha256Hash": wrong,
        "computed": sha256(COMPONENTS),
    }
    later = await client.post("/graphql", json={"extensions": by_hash(wrong)}, headers=acme)
    assert codes(later.json()) == ["PERSISTED_QUERY_NOT_FOUND"]


@pytest.mark.parametrize(
    "extension",
    [{"version": 2, "sha256Hash": "0" * 64}, {"version": 1, "sha256Hash": "xyz"}, "hash"],
)
async def test_a_malformed_persisted_query_extension_is_a_400(
    client: httpx.AsyncClient, acme: dict[str, str], extension: Any
) -> None:
    # given / when a persistedQuery that is not {version: 1, sha256Hash: <64 hex>}
    response = await client.post(
        "/graphql", json={"extensions": {"persistedQuery": extension}}, headers=acme
    )
    # then it is refused as bad input, not a 500
    assert response.status_code == 400
    assert codes(response.json()) == ["BAD_USER_INPUT"]


async def test_the_stored_operations_are_registered_at_start(
    client: httpx.AsyncClient, acme: dict[str, str]
) -> None:
    # given / when the catalog's stored operation is asked by its hash alone, never sent
    response = await client.post(
        "/graphql", json={"extensions": by_hash(sha256(CATALOG))}, headers=acme
    )
    # then it runs: two components, both owned (the factory gives each an owner)
    assert response.status_code == 200
    coverage = response.json()["data"]["data"]["ownershipCoverage"]
    assert coverage == {"total": 2, "withOwner": 2, "withoutOwner": 0, "coveragePercent": 100.0}


async def test_allow_list_mode_refuses_unregistered_documents_and_runs_registered_ones(
    db: AsyncEngine, tmp_path: Path, acme: dict[str, str]
) -> None:
    # given allow-list mode with a file that allows one more document
    allowed = tmp_path / "allowed.json"
    allowed.write_text(json.dumps({sha256(COMPONENTS): COMPONENTS}))
    settings = Settings(data_dir=tmp_path, persisted_only=True, persisted_documents=allowed)
    async with app_client(db, settings) as client:
        # when a document not on the list is sent, with or without a hash
        other = "{ viewer { username } }"
        plain = await client.post("/graphql", json={"query": other}, headers=acme)
        apq = await client.post(
            "/graphql", json={"query": other, "extensions": by_hash(sha256(other))}, headers=acme
        )
        unknown = await client.post(
            "/graphql", json={"extensions": by_hash(sha256(other))}, headers=acme
        )
        # then each is a 400 naming the allow-list, and nothing got stored
        for refused in (plain, apq, unknown):
            assert refused.status_code == 400
            assert codes(refused.json()) == ["PERSISTED_QUERY_NOT_IN_LIST"]
        # when the file's document, and a stored operation, are sent as text or as hash
        listed = await client.post("/graphql", json={"query": COMPONENTS}, headers=acme)
        stored = await client.post(
            "/graphql", json={"extensions": by_hash(sha256(CATALOG))}, headers=acme
        )
        # then they run
        assert listed.json()["data"] == {
            "components": {"nodes": [{"name": "billing"}, {"name": "search"}]}
        }
        assert stored.json()["data"]["data"]["ownershipCoverage"]["total"] == 2
        # and the REST path, which runs the same stored operation, still answers
        rest = await client.get("/api/v1/analytics/catalog", headers=acme)
        assert rest.status_code == 200


async def test_allow_list_mode_holds_over_the_websocket_too(
    db: AsyncEngine, tmp_path: Path, factory: Any
) -> None:
    # given allow-list mode with one allowed document, and an API key's socket
    allowed = tmp_path / "allowed.json"
    allowed.write_text(json.dumps([COMPONENTS]))
    user = await factory.user(await factory.org(), "ann")
    await factory.api_key(user, "agw_allow_ann", ["catalog:read"])
    settings = Settings(data_dir=tmp_path, persisted_only=True, persisted_documents=allowed)
    app = create_app(settings, engine=db, run_migrations=False)
    async with serving(app) as served, GraphQLSocket.opened(served) as socket:
        assert (await socket.init({"X-API-Key": "agw_allow_ann"}))["type"] == "connection_ack"
        # when the allowed document and another one are sent
        await socket.subscribe("1", COMPONENTS)
        listed = await socket.message()
        assert await socket.message() == {"id": "1", "type": "complete"}
        await socket.subscribe("2", "{ components(first: 1) { nodes { id } } }")
        other = await socket.message()
    # then the first runs and the second is refused by the list
    assert listed["payload"]["data"] == {"components": {"nodes": []}}
    assert [e["extensions"]["code"] for e in other["payload"]] == ["PERSISTED_QUERY_NOT_IN_LIST"]


async def test_an_allow_list_file_with_a_wrong_hash_stops_the_start(
    db: AsyncEngine, tmp_path: Path
) -> None:
    # given a file whose hash is not its document's
    allowed = tmp_path / "allowed.json"
    allowed.write_text(json.dumps({"0" * 64: COMPONENTS}))
    # when / then the app refuses to start with it
    with pytest.raises(ValueError, match="is not the sha256 of its document"):
        create_app(Settings(data_dir=tmp_path, persisted_documents=allowed), engine=db)


async def test_apq_is_shared_by_two_apps_on_one_redis(
    db: AsyncEngine, tmp_path: Path, acme: dict[str, str]
) -> None:
    # given two gateways on one Redis, with a key prefix of this test's own
    prefix = f"test-apq-{uuid.uuid4().hex}"
    settings = Settings(data_dir=tmp_path, redis_url=REDIS, apq_prefix=prefix)
    digest = sha256(COMPONENTS)
    async with app_client(db, settings) as first, app_client(db, settings) as second:
        # when the first registers the query
        registered = await first.post(
            "/graphql", json={"query": COMPONENTS, "extensions": by_hash(digest)}, headers=acme
        )
        # then the second runs it by hash alone
        by_second = await second.post(
            "/graphql", json={"extensions": by_hash(digest)}, headers=acme
        )
    assert by_second.json() == registered.json()
    assert by_second.json()["data"]["components"]["nodes"] == [
        {"name": "billing"},
        {"name": "search"},
    ]


async def test_redis_away_degrades_to_memory_with_one_line(
    db: AsyncEngine, tmp_path: Path, acme: dict[str, str], caplog: Any
) -> None:
    # given a Redis URL where nothing listens
    caplog.set_level(logging.INFO, logger="gateway.persisted")
    settings = Settings(data_dir=tmp_path, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    digest = sha256(COMPONENTS)
    async with app_client(db, settings) as client:
        # when a query is registered, then asked by hash twice, and an unknown hash asked
        registered = await client.post(
            "/graphql", json={"query": COMPONENTS, "extensions": by_hash(digest)}, headers=acme
        )
        answers = [
            await client.post("/graphql", json={"extensions": by_hash(digest)}, headers=acme)
            for _ in range(2)
        ]
        unknown = await client.post(
            "/graphql", json={"extensions": by_hash(sha256("{ x }"))}, headers=acme
        )
    # then this process's memory served it, the unknown hash is still not found (no 5xx)
    assert [answer.json() for answer in answers] == [registered.json()] * 2
    assert unknown.status_code == 200 and codes(unknown.json()) == ["PERSISTED_QUERY_NOT_FOUND"]
    # and one line said why
    lines = [r.getMessage() for r in caplog.records if r.name == "gateway.persisted"]
    assert len(lines) == 1
    assert lines[0].startswith("persisted queries: Redis failed")
