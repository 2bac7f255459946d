"""The incidents family's Django REST framework conventions, through its real paths:
trailing slashes (301 for GET, 404 for the other methods), credentials (Token, Bearer,
cookie) with an error code per failure, page sizes clamped at 100, and Z times."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Factory

API = "/api/analytics"


@pytest.fixture
async def data(factory: Factory) -> dict[str, Any]:
    org = await factory.org()
    user = await factory.user(org)
    await factory.api_key(user, "ik_reader", ["incidents:read"])
    for n in range(3):
        await factory.kpi_metric(org, "MTTA", name=f"m{n}")
    return {"org": org, "user": user}


async def test_a_path_without_its_slash(client, factory, data):
    headers = factory.headers(data["user"])
    moved = await client.get(f"{API}/kpi-metrics?ordering=name&page_size=2", headers=headers)
    assert moved.status_code == 301
    assert moved.headers["location"] == f"{API}/kpi-metrics/?ordering=name&page_size=2"
    posted = await client.post(f"{API}/kpi-metrics", headers=headers, json={"name": "x"})
    assert (posted.status_code, posted.json()["code"]) == (404, "NOT_FOUND")
    # The other families keep their own manner (307).
    portal = await client.get("/api/v1/analytics/dora/", headers=headers)
    assert portal.status_code == 307


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "NOT_AUTHENTICATED"),
        ({"Authorization": "Token ik_wrong"}, 401, "AUTHENTICATION_FAILED"),
        ({"Authorization": "Bearer not.a.jwt"}, 401, "AUTHENTICATION_FAILED"),
        ({"Authorization": "Token ik_reader"}, 200, None),
        ({"Authorization": "Bearer ik_reader"}, 200, None),
        ({"Cookie": "access_token=JWT"}, 200, None),
    ],
)
async def test_credentials(client, factory, data, headers, status, code):
    if headers.get("Cookie") == "access_token=JWT":
        headers = {"Cookie": f"access_token={factory.token(data['user'])}"}
    answer = await client.get(f"{API}/kpi-metrics/", headers=headers)
    assert answer.status_code == status
    if code is not None:
        assert answer.json()["code"] == code
        assert answer.json()["error"] == "Authentication required"


async def test_scopes(client, factory, data):
    reader = {"Authorization": "Token ik_reader"}
    refused = await client.post(
        f"{API}/kpi-metrics/", headers=reader, json={"name": "x", "metric_type": "MTTA"}
    )
    assert (refused.status_code, refused.json()["code"]) == (403, "PERMISSION_DENIED")
    writer = factory.scoped_headers(data["user"], ["incidents:read", "incidents:write"])
    made = await client.post(
        f"{API}/kpi-metrics/", headers=writer, json={"name": "x", "metric_type": "MTTA"}
    )
    assert made.status_code == 201
    outsider = factory.scoped_headers(data["user"], ["catalog:read"])
    assert (await client.get(f"{API}/kpi-metrics/", headers=outsider)).status_code == 403


async def test_page_sizes_and_pages(client, factory, data):
    headers = factory.headers(data["user"])
    clamped = await client.get(f"{API}/kpi-metrics/", params={"page_size": 1000}, headers=headers)
    assert (clamped.status_code, len(clamped.json()["results"])) == (200, 3)
    # Not a positive integer: the default, as DRF reads page_size.
    odd = await client.get(f"{API}/kpi-metrics/", params={"page_size": "x"}, headers=headers)
    assert odd.status_code == 200
    for page in ("2", "0", "x", str(10**30)):
        past = await client.get(f"{API}/kpi-metrics/", params={"page": page}, headers=headers)
        assert (past.status_code, past.json()["detail"]) == (404, "Invalid page."), page
    body = (await client.get(f"{API}/kpi-metrics/", headers=headers)).json()
    assert all(row["created_at"].endswith("Z") for row in body["results"])
