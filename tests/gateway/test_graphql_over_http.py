"""GraphQL over HTTP: ``application/graphql-response+json`` answers a request that could
not run with 400 and no ``data``; ``application/json`` answers as it always has."""

from __future__ import annotations

import pytest

SPEC = "application/graphql-response+json"
JSON = "application/json"

PARSE_FAILURE = {"query": "{"}
VALIDATION_FAILURE = {"query": "{ noSuchField }"}
COERCION_FAILURE = {
    "query": "query One($id: UUID!) { component(id: $id) { id } }",
    "variables": {"id": "not-a-uuid"},
}
REQUEST_FAILURES = [PARSE_FAILURE, VALIDATION_FAILURE, COERCION_FAILURE]


@pytest.mark.parametrize("body", REQUEST_FAILURES, ids=["parse", "validation", "coercion"])
async def test_spec_media_type_answers_400_without_data(client, body):
    answer = await client.post("/graphql", json=body, headers={"Accept": SPEC})
    assert answer.status_code == 400
    assert answer.headers["content-type"] == SPEC
    payload = answer.json()
    assert "data" not in payload
    assert [e["extensions"]["code"] for e in payload["errors"]] == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("body", REQUEST_FAILURES, ids=["parse", "validation", "coercion"])
async def test_json_still_answers_200_with_null_data(client, body):
    answer = await client.post("/graphql", json=body, headers={"Accept": JSON})
    assert answer.status_code == 200
    assert answer.headers["content-type"] == JSON
    payload = answer.json()
    assert payload["data"] is None
    assert [e["extensions"]["code"] for e in payload["errors"]] == ["BAD_USER_INPUT"]


async def test_spec_media_type_answers_a_query_that_ran(client):
    answer = await client.post(
        "/graphql", json={"query": "{ __typename }"}, headers={"Accept": SPEC}
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == SPEC
    assert answer.json() == {"data": {"__typename": "Query"}, "extensions": {"cost": 0}}


async def test_spec_media_type_keeps_data_when_a_field_failed(client):
    # It ran (data is null because the field refused): 200, with the data entry, per the spec.
    answer = await client.post(
        "/graphql", json={"query": "{ viewer { id } }"}, headers={"Accept": SPEC}
    )
    assert answer.status_code == 200
    assert answer.headers["content-type"] == SPEC
    payload = answer.json()
    assert payload["data"] is None
    assert [e["extensions"]["code"] for e in payload["errors"]] == ["UNAUTHENTICATED"]


@pytest.mark.parametrize(
    ("accept", "chosen", "status"),
    [
        (None, JSON, 200),  # no Accept: the legacy default
        ("*/*", JSON, 200),
        ("application/*", JSON, 200),
        ("text/html", JSON, 200),  # names neither: answered as before
        (f"{SPEC}, {JSON};q=0.9", SPEC, 400),  # what Apollo Client sends
        (f"{JSON}, {SPEC}", JSON, 200),  # equal weight: the first listed
        (f"{SPEC};q=0.5, {JSON}", JSON, 200),
        (f"{JSON};q=0.1, {SPEC}; charset=utf-8", SPEC, 400),
        (f"{SPEC};q=0, */*", JSON, 200),  # q=0 means "not this one"
    ],
)
async def test_media_type_follows_accept(client, accept, chosen, status):
    headers = {"Accept": accept} if accept is not None else {}
    if accept is None:
        client.headers.pop("accept", None)
    answer = await client.post("/graphql", json=PARSE_FAILURE, headers=headers)
    assert answer.status_code == status
    assert answer.headers["content-type"] == chosen
