"""Who may read the agent console, in FastAPI's words (seed 004): every credential kind,
each refusal with its status and ``detail``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest

from rest_compat.agents import ROUTES

KEY = "agw_console_reader"


@pytest.fixture
async def people(factory) -> dict[str, Any]:
    org = await factory.org()
    member = await factory.user(org, "mia")
    admin = await factory.user(org, "ada", role="admin")
    await factory.api_key(member, KEY, ["agents:read"])
    await factory.api_key(member, "agw_no_agents", ["incidents:read"])
    await factory.api_key(admin, "agw_admin_key", ["agents:read"])
    await factory.agent_action(org, summary="Email sent to external recipient")
    return {"org": org, "member": member, "admin": admin}


async def test_api_key_and_cookie_both_read(client: httpx.AsyncClient, factory, people) -> None:
    by_key = await client.get("/api/analytics/trends", headers={"X-API-Key": KEY})
    cookie = f"access_token={factory.token(people['member'])}"
    by_cookie = await client.get("/api/analytics/trends", headers={"Cookie": cookie})

    assert by_key.status_code == by_cookie.status_code == 200
    assert by_key.json() == by_cookie.json()


@pytest.mark.parametrize(
    ("headers", "status", "detail"),
    [
        ({}, 401, "Not authenticated"),
        ({"X-API-Key": "agw_not_a_key"}, 401, "Could not validate credentials"),
        ({"Authorization": "Bearer a.b.c"}, 401, "Could not validate credentials"),
        ({"X-API-Key": "agw_no_agents"}, 403, "this needs the agents:read scope"),
    ],
)
async def test_refusals(client: httpx.AsyncClient, people, headers, status, detail) -> None:
    response = await client.get("/api/analytics/trends", headers=headers)

    assert response.status_code == status
    assert response.json() == {"detail": detail}


@pytest.mark.parametrize(
    ("headers", "detail"),
    [({}, "Not authenticated"), ({"X-API-Key": "agw_not_a_key"}, "Could not validate credentials")],
)
@pytest.mark.parametrize("path", [route.path for route in ROUTES])
async def test_every_path_refuses_a_missing_or_bad_credential(
    client: httpx.AsyncClient, people, path, headers, detail
) -> None:
    # when: each of the family's paths (the debug list is on in the tests)
    response = await client.get(path, headers=headers)

    # then: FastAPI's 401, before any parameter or role is looked at
    assert response.status_code == 401
    assert response.json() == {"detail": detail}


async def test_debug_is_off_by_default(db, people) -> None:
    from gateway.app import create_app
    from gateway.settings import Settings

    # The tests switch it on (tests/conftest.py); a gateway as installed has it off.
    assert Settings.model_fields["debug_endpoints"].default is None
    assert Settings(debug_endpoints=None).debug_endpoints_enabled is False
    app = create_app(Settings(debug_endpoints=False), engine=db, run_migrations=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            for headers in ({}, {"X-API-Key": "agw_admin_key"}):
                # Off, it is no path at all: 404 before any credential is read.
                response = await client.get("/api/analytics/debug", headers=headers)
                assert response.status_code == 404
                assert response.json() == {"detail": "Not Found"}


async def test_debug_lists_actions_to_admins(client: httpx.AsyncClient, people) -> None:
    member = await client.get("/api/analytics/debug", headers={"X-API-Key": KEY})
    admin = await client.get("/api/analytics/debug", headers={"X-API-Key": "agw_admin_key"})

    assert member.status_code == 403
    assert member.json() == {"detail": "Admin access required"}
    assert admin.status_code == 200
    assert admin.json() == [
        {
            "id": 1,
            "agent_id": "customer-service-agent",
            "risk_level": "medium",
            "mitre_tactic": None,
            "nist_control": None,
            "recommendation": None,
            "summary": "Email sent to external recipient",
        }
    ]


async def test_debug_lists_the_fifty_newest(client: httpx.AsyncClient, factory, people) -> None:
    # given: 55 more actions a minute apart, after the fixture's one (display ids 2 to 56)
    for n in range(55):
        when = factory.now + timedelta(minutes=n + 1)
        await factory.agent_action(people["org"], when, summary=f"m{n}")

    # when
    response = await client.get("/api/analytics/debug", headers={"X-API-Key": "agw_admin_key"})

    # then: ids 56 down to 7, newest first; the six oldest are left out
    assert response.status_code == 200
    listed = response.json()
    assert [a["id"] for a in listed] == list(range(56, 6, -1))
    assert listed[0]["summary"] == "m54" and listed[-1]["summary"] == "m5"


async def test_a_trailing_slash_redirects_as_fastapi_does(client: httpx.AsyncClient) -> None:
    response = await client.get("/api/analytics/trends/?days=3")

    assert response.status_code == 307
    assert response.headers["location"] == "/api/analytics/trends?days=3"
