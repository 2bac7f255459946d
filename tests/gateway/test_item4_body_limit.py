"""Item 4: request bodies are bounded before anything parses them, and before auth."""

from __future__ import annotations

import json

from gateway.settings import Settings
from tests.gateway.safety import app_client

CHECK = "/api/v1/analytics/staleness/check"


def test_item4_default_limit_is_one_megabyte():
    assert Settings().max_body_bytes == 1_048_576


async def test_item4_declared_length_over_the_limit_is_413_in_each_envelope(db, tmp_path):
    settings = Settings(data_dir=tmp_path, max_body_bytes=1000)
    big = json.dumps({"query": "{ viewer { id } }", "variables": {"x": "y" * 2000}})
    async with app_client(db, settings) as client:
        # no credential at all: the size is refused before anything else is looked at
        graphql = await client.post(
            "/graphql", content=big, headers={"Content-Type": "application/json"}
        )
        rest = await client.post(CHECK, content=big, headers={"Content-Type": "application/json"})
        small = await client.post(CHECK, json={"days": 30})
    assert graphql.status_code == 413
    assert graphql.json() == {
        "errors": [
            {
                "message": "the request body is larger than 1000 bytes",
                "extensions": {"code": "PAYLOAD_TOO_LARGE", "details": {"max_bytes": 1000}},
            }
        ]
    }
    assert rest.status_code == 413
    assert rest.json() == {
        "error": {
            "code": "PAYLOAD_TOO_LARGE",
            "message": "the request body is larger than 1000 bytes",
            "details": {"max_bytes": 1000},
        }
    }
    # a body within the limit goes on to authentication as before
    assert small.status_code == 401


async def test_item4_streamed_body_is_cut_off_at_the_limit(db, tmp_path):
    settings = Settings(data_dir=tmp_path, max_body_bytes=1000)
    sent = 0

    async def chunks():
        # 100 KB in 1 KB chunks, with no Content-Length (chunked transfer)
        nonlocal sent
        for _ in range(100):
            sent += 1
            yield b" " * 1000

    async with app_client(db, settings) as client:
        for path in ("/graphql", CHECK):
            sent = 0
            answer = await client.post(
                path, content=chunks(), headers={"Content-Type": "application/json"}
            )
            assert answer.status_code == 413
            # the gateway stopped reading as soon as the limit was passed
            assert sent <= 3
