"""The page shapes of rest_compat.pages, on small fake answers (no family uses them yet)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from starlette.requests import Request

from gateway.errors import GatewayError
from rest_compat.pages import (
    CursorParams,
    DrfPage,
    LimitOffsetParams,
    PageNumberParams,
    cursor_page,
    drf_limit_offset,
    drf_page,
)
from rest_compat.params import RouteParams, read_params

INCIDENTS = "http://gateway.test/api/analytics/incidents/"


def request(url: str) -> Request:
    parts = urlsplit(url)
    return Request(
        {
            "type": "http",
            "method": "GET",
            "scheme": "http",
            "server": ("gateway.test", 80),
            "path": parts.path,
            "query_string": parts.query.encode(),
            "headers": [(b"host", b"gateway.test")],
            "path_params": {},
        }
    )


async def variables(model: type[RouteParams], url: str) -> dict:
    return (await read_params(model, request(url))).variables()


def answer(count: int, results: list[int]) -> dict:
    """An operation's answer as the DRF shape expects it aliased."""
    return {"data": {"count": count, "results": [{"id": r} for r in results]}}


async def drf(url: str, count: int) -> dict:
    found = await variables(PageNumberParams, url)
    return drf_page(answer(count, [1]), found, request(url))


async def test_drf_page_links_keep_the_other_parameters():
    # 45 items by 20: pages 1-3; page 2 links to 3 and to the first (without `page`),
    # the parameters sorted by name as DRF writes them.
    body = await drf(f"{INCIDENTS}?status=open&page=2&page_size=20", 45)
    assert body == {
        "count": 45,
        "next": f"{INCIDENTS}?page=3&page_size=20&status=open",
        "previous": f"{INCIDENTS}?page_size=20&status=open",
        "results": [{"id": 1}],
    }
    last = await drf(f"{INCIDENTS}?page=3&status=open", 45)
    assert (last["next"], last["previous"]) == (None, f"{INCIDENTS}?page=2&status=open")
    first = await drf(INCIDENTS, 45)
    assert (first["next"], first["previous"]) == (f"{INCIDENTS}?page=2", None)


async def test_drf_empty_list_is_one_page_and_past_the_last_is_404():
    assert await drf(INCIDENTS, 0) == {
        "count": 0,
        "next": None,
        "previous": None,
        "results": [{"id": 1}],
    }
    with pytest.raises(GatewayError) as refused:
        await drf(f"{INCIDENTS}?page=4", 45)
    assert (refused.value.code, refused.value.status) == ("NOT_FOUND", 404)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", {"page": 1, "page_size": 20, "first": 20, "offset": 0}),
        ("?page=3&page_size=10", {"page": 3, "page_size": 10, "first": 10, "offset": 20}),
        # DRF clamps page_size to its maximum and ignores one that is not a page size
        ("?page_size=500", {"page": 1, "page_size": 100, "first": 100, "offset": 0}),
        ("?page_size=abc", {"page": 1, "page_size": 20, "first": 20, "offset": 0}),
        ("?page_size=0", {"page": 1, "page_size": 20, "first": 20, "offset": 0}),
    ],
)
async def test_page_number_params(query, expected):
    assert await variables(PageNumberParams, INCIDENTS + query) == expected


@pytest.mark.parametrize("page", ["0", "-1", "abc", "1.5"])
async def test_a_page_that_is_not_a_page_number_is_404(page):
    with pytest.raises(GatewayError) as refused:
        await variables(PageNumberParams, f"{INCIDENTS}?page={page}")
    assert (refused.value.code, refused.value.message) == ("NOT_FOUND", "Invalid page.")


async def test_relative_links():
    url = f"{INCIDENTS}?page=2&page_size=1"
    found = await variables(PageNumberParams, url)
    body = DrfPage(absolute=False)(answer(3, []), found, request(url))
    assert (body["next"], body["previous"]) == (
        "/api/analytics/incidents/?page=3&page_size=1",
        "/api/analytics/incidents/?page_size=1",
    )


async def test_drf_limit_offset_links():
    url = f"{INCIDENTS}?severity=HIGH&limit=10&offset=10"
    found = await variables(LimitOffsetParams, url)
    assert found == {"limit": 10, "offset": 10, "first": 10}
    body = drf_limit_offset(answer(25, [11]), found, request(url))
    assert (body["next"], body["previous"]) == (
        f"{INCIDENTS}?limit=10&offset=20&severity=HIGH",
        f"{INCIDENTS}?limit=10&severity=HIGH",
    )
    url = f"{INCIDENTS}?limit=10&offset=20"
    body = drf_limit_offset(answer(25, []), await variables(LimitOffsetParams, url), request(url))
    assert (body["next"], body["previous"]) == (None, f"{INCIDENTS}?limit=10&offset=10")


ANOMALIES = "http://gateway.test/v1/analytics/nhi-anomalies"


def cursor_answer(has_more: bool) -> dict:
    return {
        "data": {
            "data": [{"anomaly_id": "a1"}],
            "page": {"next_cursor": "Y3Vyc29y", "has_more": has_more},
        }
    }


async def test_cursor_params():
    assert await variables(CursorParams, ANOMALIES) == {
        "cursor": None,
        "limit": 50,
        "first": 50,
        "after": None,
    }
    found = await variables(CursorParams, f"{ANOMALIES}?cursor=Y3Vyc29y&limit=200")
    assert (found["first"], found["after"]) == (200, "Y3Vyc29y")


@pytest.mark.parametrize("limit", ["0", "201", "ten"])
async def test_cursor_limit_out_of_bounds_is_400_naming_it(limit):
    with pytest.raises(GatewayError) as refused:
        await variables(CursorParams, f"{ANOMALIES}?limit={limit}")
    assert refused.value.code == "BAD_USER_INPUT"
    assert refused.value.message == "limit must be an integer from 1 to 200"
    assert refused.value.details == {"argument": "limit"}


async def test_cursor_page_shape():
    found = await variables(CursorParams, ANOMALIES)
    more = cursor_page(cursor_answer(True), found, request(ANOMALIES))
    assert more == {
        "data": [{"anomaly_id": "a1"}],
        "page": {"next_cursor": "Y3Vyc29y", "has_more": True},
    }
    # the last page has no next cursor, whatever endCursor the connection named
    last = cursor_page(cursor_answer(False), found, request(ANOMALIES))
    assert last["page"] == {"next_cursor": None, "has_more": False}


def test_page_schemas_wrap_the_operation_schema():
    item = {"type": "object", "properties": {"id": {"type": "integer"}}}
    operation = {
        "properties": {
            "data": {
                "type": "object",
                "properties": {
                    "count": {"type": "integer"},
                    "results": {"type": "array", "items": item},
                },
            }
        }
    }
    schema = drf_page.response_schema(operation)
    assert schema["required"] == ["count", "next", "previous", "results"]
    assert schema["properties"]["next"] == {"type": ["string", "null"], "format": "uri-reference"}
    assert schema["properties"]["results"] == {"type": "array", "items": item}
    page = {
        "type": "object",
        "properties": {"next_cursor": {"type": "string"}, "has_more": {"type": "boolean"}},
    }
    cursor = cursor_page.response_schema(
        {"properties": {"data": {"type": "object", "properties": {"data": {}, "page": page}}}}
    )
    assert cursor["properties"]["page"]["properties"]["next_cursor"] == {"type": ["string", "null"]}
