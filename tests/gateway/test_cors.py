"""CORS: a page on a listed origin may call the gateway with credentials; any other
origin gets no Access-Control header; with the default (empty) list, CORS is off."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from gateway.app import create_app
from gateway.settings import Settings
from tests.gateway.safety import app_client

APP = "https://app.example"
FOREIGN = "https://evil.example"
CHECK = "/api/v1/analytics/staleness/check"
ALLOWED_HEADERS = (
    "Accept, Accept-Language, Apollo-Require-Preflight, Authorization, Content-Language, "
    "Content-Type, X-API-Key, X-Requested-With"
)


@pytest.fixture
async def admin(factory):
    org = await factory.org()
    return await factory.user(org, "ada", role="admin")


@pytest.fixture
def listed(tmp_path) -> Settings:
    return Settings(data_dir=tmp_path, allowed_origins=f"{APP},https://admin.example")


def cookie(factory, user) -> dict[str, str]:
    return {"Cookie": f"access_token={factory.token(user)}"}


def cors_headers(answer: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in answer.headers.items() if k.startswith("access-control-")}


async def calls(client: httpx.AsyncClient, headers: dict[str, str]) -> list[httpx.Response]:
    """A GET and a POST on each front door, as a page's fetch would send them."""
    return [
        await client.get("/api/v1/analytics/usage", headers=headers),
        await client.post(CHECK, json={}, headers=headers),
        await client.get("/graphql", params={"query": "{ viewer { username } }"}, headers=headers),
        await client.post("/graphql", json={"query": "{ viewer { username } }"}, headers=headers),
    ]


async def test_a_listed_origin_reads_answers_with_credentials(db, factory, admin, listed):
    async with app_client(db, listed) as client:
        answers = await calls(client, {**cookie(factory, admin), "Origin": APP})
    assert [a.status_code for a in answers] == [200, 200, 200, 200]
    assert answers[3].json()["data"] == {"viewer": {"username": "ada"}}
    for answer in answers:
        assert cors_headers(answer) == {
            "access-control-allow-origin": APP,
            "access-control-allow-credentials": "true",
            "access-control-expose-headers": "Retry-After",
        }
        assert answer.headers["vary"] == "Origin"


async def test_a_foreign_origin_gets_no_cors_headers(db, factory, admin, listed):
    async with app_client(db, listed) as client:
        answers = await calls(client, {**factory.headers(admin), "Origin": FOREIGN})
    # The gateway still answers a header-authenticated call; the browser hides the answer.
    assert [a.status_code for a in answers] == [200, 200, 200, 200]
    for answer in answers:
        assert cors_headers(answer) == {}
        assert answer.headers["vary"] == "Origin"


@pytest.mark.parametrize("path", ["/graphql", CHECK, "/api/v1/analytics/usage"])
async def test_a_preflight_from_a_listed_origin_succeeds(db, listed, path):
    headers = {
        "Origin": APP,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, x-api-key, "
        "x-requested-with, apollo-require-preflight, accept",
    }
    async with app_client(db, listed) as client:
        answer = await client.options(path, headers=headers)
    assert answer.status_code == 200
    assert cors_headers(answer) == {
        "access-control-allow-origin": APP,
        "access-control-allow-credentials": "true",
        "access-control-allow-methods": "DELETE, GET, HEAD, OPTIONS, PATCH, POST",
        "access-control-allow-headers": ALLOWED_HEADERS,
        "access-control-max-age": "600",
    }


async def test_a_preflight_for_a_method_no_route_answers_is_refused(db, listed):
    headers = {"Origin": APP, "Access-Control-Request-Method": "PUT"}
    async with app_client(db, listed) as client:
        answer = await client.options("/graphql", headers=headers)
    assert answer.status_code == 400
    assert answer.text == "Disallowed CORS method"


async def test_a_preflight_from_a_foreign_origin_is_refused(db, listed):
    headers = {
        "Origin": FOREIGN,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type",
    }
    async with app_client(db, listed) as client:
        answer = await client.options("/graphql", headers=headers)
    assert answer.status_code == 400
    assert answer.text == "Disallowed CORS origin"
    assert cors_headers(answer) == {}


async def test_a_refusal_drawn_before_routing_still_reaches_a_listed_page(db, tmp_path):
    # The body limit answers below the CORS layer, so the page can read its 413.
    settings = Settings(data_dir=tmp_path, allowed_origins=APP, max_body_bytes=64)
    async with app_client(db, settings) as client:
        answer = await client.post(
            "/graphql", content=b"{" + b" " * 100 + b"}", headers={"Origin": APP}
        )
    assert answer.status_code == 413
    assert answer.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert answer.headers["access-control-allow-origin"] == APP
    assert answer.headers["access-control-allow-credentials"] == "true"


async def test_cors_is_off_by_default(client, factory, admin):
    answers: list[Any] = await calls(client, {**cookie(factory, admin), "Origin": APP})
    preflight = await client.options(
        "/graphql", headers={"Origin": APP, "Access-Control-Request-Method": "POST"}
    )
    # A cookie write from another origin is CSRF-refused; the reads answer, unreadable.
    assert [a.status_code for a in answers] == [200, 403, 200, 200]
    assert all(cors_headers(a) == {} and "vary" not in a.headers for a in answers)
    assert preflight.status_code == 405
    assert cors_headers(preflight) == {}


def test_a_wildcard_origin_is_refused_at_start(tmp_path):
    settings = Settings(data_dir=tmp_path, allowed_origins="https://app.example,*")
    with pytest.raises(ValueError, match="'\\*' is refused"):
        create_app(settings, run_migrations=False)
