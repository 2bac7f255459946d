"""The incidents list over GraphQL: DRF-style ordering (unknown names ignored, id breaking
ties), search (any case, `%` literal), filters, offset pages and organisation scoping."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from tests.factories import Factory
from tests.governance.test_guardian_graphql import codes, gql

LIST = """query ($first: Int!, $offset: Int!, $ordering: String, $search: String,
  $severity: String) {
  incidents(first: $first, offset: $offset, ordering: $ordering, search: $search,
    severity: $severity) { totalCount results { title severity } }
}"""


@pytest.fixture
async def data(factory: Factory) -> dict[str, Any]:
    org = await factory.org()
    t0 = factory.now - timedelta(days=1)
    for n, (title, severity) in enumerate(
        [("Disk full", "LOW"), ("DB down", "CRITICAL"), ("100% CPU", "HIGH"), ("db slow", "LOW")]
    ):
        await factory.incident(
            org, t0 + timedelta(hours=n), title=title, severity=severity, service="api"
        )
    stranger = await factory.org("Globex")
    await factory.incident(stranger, t0, title="DB elsewhere")
    return {"user": await factory.user(org)}


async def run(client, factory, data, **variables: Any) -> Any:
    body = await gql(
        client, factory.headers(data["user"]), LIST, {"first": 20, "offset": 0, **variables}
    )
    return body


async def test_newest_first_by_default_and_unknown_ordering_ignored(client, factory, data):
    for ordering in (None, "nonsense"):
        page = (await run(client, factory, data, ordering=ordering))["data"]["incidents"]
        assert page["totalCount"] == 4
        assert [r["title"] for r in page["results"]] == [
            "db slow",
            "100% CPU",
            "DB down",
            "Disk full",
        ]


async def test_ordering_by_two_fields(client, factory, data):
    page = (await run(client, factory, data, ordering="severity,-title"))["data"]["incidents"]
    assert [r["title"] for r in page["results"]] == ["DB down", "100% CPU", "db slow", "Disk full"]


async def test_search_any_case_and_percent_is_literal(client, factory, data):
    page = (await run(client, factory, data, search="DB"))["data"]["incidents"]
    assert sorted(r["title"] for r in page["results"]) == ["DB down", "db slow"]
    page = (await run(client, factory, data, search="%"))["data"]["incidents"]
    assert [r["title"] for r in page["results"]] == ["100% CPU"]


async def test_offset_page_and_filter(client, factory, data):
    page = (await run(client, factory, data, first=1, offset=1, severity="LOW"))["data"]
    assert page["incidents"] == {
        "totalCount": 2,
        "results": [{"title": "Disk full", "severity": "LOW"}],
    }
    past = (await run(client, factory, data, offset=9))["data"]["incidents"]
    assert past == {"totalCount": 4, "results": []}


async def test_bad_enum_and_window_are_bad_input(client, factory, data):
    assert codes(await run(client, factory, data, severity="URGENT")) == ["BAD_USER_INPUT"]
    assert codes(await run(client, factory, data, first=101)) == ["BAD_USER_INPUT"]
