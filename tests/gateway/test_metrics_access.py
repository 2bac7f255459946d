"""Item 12: /metrics stays open by default; GATEWAY_METRICS_PUBLIC=false closes it, and
GATEWAY_METRICS_TOKEN lets a scraper in with `Authorization: Bearer <token>`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import pytest

from gateway.app import create_app
from gateway.settings import Settings

TOKEN = "scrape-token-4f9c2e"
REFUSED = {
    "error": {
        "code": "UNAUTHENTICATED",
        "message": "metrics need `Authorization: Bearer <GATEWAY_METRICS_TOKEN>`",
    }
}


@asynccontextmanager
async def gateway(db, tmp_path, **settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(data_dir=tmp_path, **settings), engine=db, run_migrations=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
            yield c


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def test_item12_metrics_are_public_by_default(client):
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert "gateway_http_requests_total" in response.text


@pytest.mark.parametrize(
    ("settings", "headers", "status"),
    [
        # public: anyone, whatever they send
        ({"metrics_public": True, "metrics_token": TOKEN}, {}, 200),
        ({"metrics_public": True, "metrics_token": TOKEN}, bearer("wrong"), 200),
        ({"metrics_public": True, "metrics_token": TOKEN}, bearer(TOKEN), 200),
        # not public, with a token: only that token
        ({"metrics_public": False, "metrics_token": TOKEN}, bearer(TOKEN), 200),
        (
            {"metrics_public": False, "metrics_token": TOKEN},
            {"Authorization": f"bearer {TOKEN}"},
            200,
        ),
        ({"metrics_public": False, "metrics_token": TOKEN}, {}, 401),
        ({"metrics_public": False, "metrics_token": TOKEN}, bearer("wrong"), 401),
        ({"metrics_public": False, "metrics_token": TOKEN}, bearer(TOKEN[:-1]), 401),
        ({"metrics_public": False, "metrics_token": TOKEN}, bearer(TOKEN + "x"), 401),
        (
            {"metrics_public": False, "metrics_token": TOKEN},
            {"Authorization": f"Token {TOKEN}"},
            401,
        ),
        ({"metrics_public": False, "metrics_token": TOKEN}, {"X-API-Key": TOKEN}, 401),
        # not public, no token: nobody
        ({"metrics_public": False}, {}, 401),
        ({"metrics_public": False}, bearer(""), 401),
        ({"metrics_public": False, "metrics_token": ""}, bearer(""), 401),
    ],
)
async def test_item12_metrics_access(db, tmp_path, settings, headers, status):
    async with gateway(db, tmp_path, **settings) as client:
        response = await client.get("/metrics", headers=headers)
    assert response.status_code == status
    if status == 200:
        assert response.headers["content-type"].startswith("text/plain")
        assert "gateway_http_requests_total" in response.text
    else:
        assert response.json() == REFUSED
        assert response.headers["www-authenticate"] == "Bearer"


async def test_item12_metrics_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("GATEWAY_METRICS_PUBLIC", "false")
    monkeypatch.setenv("GATEWAY_METRICS_TOKEN", TOKEN)
    settings = Settings()
    assert (settings.metrics_public, settings.metrics_token) == (False, TOKEN)
