"""Item 12: the trailing-slash redirect names no host, whatever `Host` the request carries."""

from __future__ import annotations

import pytest

EVIL = {"Host": "evil.example"}


@pytest.mark.parametrize(
    ("path", "location"),
    [
        ("/api/v1/analytics/bus-factor", "/api/v1/analytics/bus-factor/"),
        ("/api/v1/analytics/staleness?days=5&x=%2F", "/api/v1/analytics/staleness/?days=5&x=%2F"),
        ("/api/v1/analytics/catalog/", "/api/v1/analytics/catalog"),
    ],
)
async def test_item12_slash_redirect_is_relative(client, path, location):
    response = await client.get(path, headers=EVIL)
    assert response.status_code == 307
    assert response.headers["location"] == location


async def test_item12_slash_redirect_keeps_the_method(client):
    response = await client.post("/api/v1/analytics/staleness/check/", headers=EVIL)
    assert response.status_code == 307
    assert response.headers["location"] == "/api/v1/analytics/staleness/check"


@pytest.mark.parametrize("path", ["/nowhere", "/nowhere/", "/api/v1/analytics/bus-factor/x/"])
async def test_item12_unknown_paths_are_still_404(client, path):
    response = await client.get(path, headers=EVIL)
    assert response.status_code == 404
    assert "location" not in response.headers
