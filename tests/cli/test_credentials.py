"""`gateway token`, `gateway apikey create` and `serve --demo`: what they print works."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import uuid
from datetime import timedelta
from pathlib import Path

import httpx
import jwt
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import cli
from gateway.settings import Settings
from models.tenancy import ApiKey
from tests.factories import Factory

VIEWER = "{ viewer { username } }"


async def viewer(client: httpx.AsyncClient, headers: dict[str, str]) -> dict[str, object]:
    response = await client.post("/graphql", json={"query": VIEWER}, headers=headers)
    assert response.status_code == 200
    body: dict[str, object] = response.json()
    return body


async def test_a_printed_token_authenticates(
    db: AsyncEngine, settings: Settings, factory: Factory, client: httpx.AsyncClient
) -> None:
    # given
    org = await factory.org()
    user = await factory.user(org, "jane")

    # when
    token = await cli.issue_token(db, settings, user_id=user["id"])

    # then
    body = await viewer(client, {"Authorization": f"Bearer {token}"})
    assert body["data"] == {"viewer": {"username": "jane"}}


async def test_a_token_carries_its_scopes_and_expiry(
    db: AsyncEngine, settings: Settings, factory: Factory
) -> None:
    # given
    user = await factory.user(await factory.org(), "jane")

    # when
    token = await cli.issue_token(
        db, settings, user_id=user["id"], scopes=["catalog:read"], expires=timedelta(minutes=30)
    )

    # then
    claims = jwt.decode(token, settings.resolved_jwt_secret(), algorithms=["HS256"])
    assert claims["org_id"] == str(user["org_id"]) and claims["sub"] == str(user["id"])
    assert claims["scope"] == "catalog:read"
    assert claims["exp"] - claims["iat"] == 30 * 60


async def test_no_credential_for_unknown_or_deactivated_users(
    db: AsyncEngine, settings: Settings, factory: Factory
) -> None:
    # given
    gone = await factory.user(await factory.org(), "gone", is_active=False)

    # when / then
    with pytest.raises(cli.CliError, match="no user with id"):
        await cli.issue_token(db, settings, user_id=uuid.uuid4())
    with pytest.raises(cli.CliError, match="deactivated"):
        await cli.issue_token(db, settings, user_id=gone["id"])
    with pytest.raises(cli.CliError, match="no user with id"):
        await cli.create_api_key(db, user_id=uuid.uuid4())


async def test_a_printed_api_key_authenticates_and_is_stored_hashed(
    db: AsyncEngine, factory: Factory, client: httpx.AsyncClient
) -> None:
    # given
    user = await factory.user(await factory.org(), "jane")

    # when
    key_id, key = await cli.create_api_key(db, user_id=user["id"], name="ci")

    # then
    for headers in ({"X-API-Key": key}, {"Authorization": f"Token {key}"}):
        assert (await viewer(client, headers))["data"] == {"viewer": {"username": "jane"}}
    async with db.connect() as conn:
        row = (await conn.execute(select(ApiKey).where(ApiKey.id == key_id))).one()
    assert row.key_hash == hashlib.sha256(key.encode()).hexdigest()
    assert (row.scopes, row.name, row.org_id) == (["*"], "ci", user["org_id"])


async def test_serve_demo_seeds_and_prints_a_token_that_answers_the_portal(
    db: AsyncEngine,
    settings: Settings,
    client: httpx.AsyncClient,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # when
    await cli.prepare_serve(db, settings, demo=True)

    # then
    out = capsys.readouterr().out
    token = next(line for line in out.splitlines() if line.startswith("export TOKEN="))[13:]
    headers = {"Authorization": f"Bearer {token}"}
    for path in cli.PORTAL_PATHS:
        assert f'"http://127.0.0.1:8000{path}"' in out
        response = await client.get(path, headers=headers)
        assert response.status_code == 200, (path, response.text)
    assert (await viewer(client, headers))["data"] == {"viewer": {"username": "ada"}}
    assert f"GraphiQL, signed in as ada: http://127.0.0.1:8000/graphql?token={token}\n" in out


def test_the_console_script_answers_help() -> None:
    # when
    script = Path(sys.executable).with_name("gateway")
    result = subprocess.run(
        [str(script), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    # then
    assert result.returncode == 0
    for command in ("serve", "migrate", "seed", "import", "token", "apikey"):
        assert command in result.stdout
