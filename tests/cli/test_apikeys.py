"""`gateway token` / `apikey` scopes, `apikey list` and `apikey revoke`, through the entry point."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import jwt
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway import cli
from gateway.families import known_scopes
from models.tenancy import ApiKey
from tests.cli.run import Outcome, gateway, gateway_sync
from tests.factories import Factory

KNOWN = (
    "catalog:read catalog:write knowledge:read knowledge:write logs:read mcp:read nhi:read "
    "governance:write incidents:read incidents:write agents:read agents:write"
)
VIEWER = {"query": "{ viewer { username } }"}


def env(db: AsyncEngine, tmp_path: Path) -> dict[str, str]:
    return {
        "GATEWAY_DATABASE_URL": db.url.render_as_string(hide_password=False),
        "GATEWAY_DATA_DIR": str(tmp_path),
    }


def usage_error(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exit_:
        gateway_sync(argv, monkeypatch, capsys, {})
    return int(exit_.value.code or 0), capsys.readouterr().err


def test_item15_the_known_scopes_are_kept_in_one_place() -> None:
    assert " ".join(known_scopes()) == KNOWN


@pytest.mark.parametrize(
    ("argv", "scope"),
    [
        (["token", "--user", str(uuid.UUID(int=1)), "--scope", "catalog:raed"], "catalog:raed"),
        (["token", "--user", str(uuid.UUID(int=1)), "--scope", "*"], "*"),
        (["apikey", "create", "--user", str(uuid.UUID(int=1)), "--scope", "admin"], "admin"),
    ],
    ids=["token-typo", "token-star", "apikey-unknown"],
)
def test_item15_unknown_scopes_are_refused_with_the_known_ones(
    argv: list[str], scope: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # when
    status, err = usage_error(argv, monkeypatch, capsys)

    # then: argparse's usage error (exit 2, as the README says), naming the known scopes
    known = KNOWN if argv[0] == "token" else f"{KNOWN} *"
    command = "gateway token" if argv[0] == "token" else "gateway apikey create"
    assert status == 2
    assert err.splitlines()[-1] == (
        f"{command}: error: argument --scope: unknown scope {scope!r}; known scopes: {known}"
    )
    assert err.startswith("usage: ")


async def test_item15_a_deactivated_user_is_reported_as_deactivated(
    db: AsyncEngine,
    factory: Factory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given
    gone = await factory.user(await factory.org(), "gone", is_active=False)

    for argv in (["token"], ["apikey", "create"]):
        # when
        outcome = await gateway(
            [*argv, "--user", str(gone["id"])], monkeypatch, capsys, env(db, tmp_path)
        )

        # then
        assert outcome == Outcome(
            1, "", f"gateway {argv[0]}: error: user gone ({gone['id']}) is deactivated\n"
        )


async def test_item15_apikey_list_shows_keys_but_never_the_key(
    db: AsyncEngine,
    factory: Factory,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given: two users' keys, one revoked
    org = await factory.org()
    jane, joe = await factory.user(org, "jane"), await factory.user(org, "joe")
    ci_id, ci_key = await cli.create_api_key(db, user_id=jane["id"], name="ci")
    read_id, read_key = await cli.create_api_key(
        db, user_id=joe["id"], scopes=["catalog:read", "knowledge:read"]
    )
    await cli.revoke_api_key(db, read_id)
    async with db.connect() as conn:
        rows = {r.id: r for r in await conn.execute(select(ApiKey))}
    when = {k: rows[k].created_at.strftime("%Y-%m-%dT%H:%M:%SZ") for k in rows}
    revoked = rows[read_id].revoked_at.strftime("%Y-%m-%dT%H:%M:%SZ")

    # when
    everyone = await gateway(["apikey", "list"], monkeypatch, capsys, env(db, tmp_path))
    only_joe = await gateway(
        ["apikey", "list", "--user", str(joe["id"])], monkeypatch, capsys, env(db, tmp_path)
    )

    # then
    header = ["ID", "NAME", "USER", "SCOPES", "CREATED", "REVOKED"]
    ci = [str(ci_id), "ci", "jane", "*", when[ci_id], "-"]
    read = [str(read_id), "-", "joe", "catalog:read,knowledge:read", when[read_id], revoked]
    assert (everyone.status, everyone.err) == (0, "")
    assert sorted(line.split() for line in everyone.out.splitlines()[1:]) == sorted([ci, read])
    assert everyone.out.splitlines()[0].split() == header
    assert [line.split() for line in only_joe.out.splitlines()] == [header, read]
    for secret in (ci_key, read_key, rows[ci_id].key_hash, rows[read_id].key_hash):
        assert secret not in everyone.out


async def test_item15_apikey_revoke_makes_the_key_answer_401_invalid_token(
    db: AsyncEngine,
    factory: Factory,
    client: httpx.AsyncClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given: a key that works
    jane = await factory.user(await factory.org(), "jane")
    key_id, key = await cli.create_api_key(db, user_id=jane["id"], name="ci")
    ok = await client.post("/graphql", json=VIEWER, headers={"X-API-Key": key})
    assert ok.json()["data"] == {"viewer": {"username": "jane"}}

    # when
    outcome = await gateway(
        ["apikey", "revoke", str(key_id)], monkeypatch, capsys, env(db, tmp_path)
    )

    # then
    assert outcome.status == 0 and outcome.err == ""
    assert outcome.out.startswith(f"API key {key_id} (ci, jane) revoked at ")
    response = await client.get("/api/v1/analytics/catalog", headers={"X-API-Key": key})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_TOKEN"
    graphql = await client.post("/graphql", json=VIEWER, headers={"X-API-Key": key})
    assert graphql.json()["errors"][0]["extensions"]["code"] == "INVALID_TOKEN"

    # and revoking again keeps the first time; an unknown id is one line
    again = await gateway(["apikey", "revoke", str(key_id)], monkeypatch, capsys, env(db, tmp_path))
    assert again.out == outcome.out
    unknown = uuid.uuid4()
    missing = await gateway(
        ["apikey", "revoke", str(unknown)], monkeypatch, capsys, env(db, tmp_path)
    )
    assert missing == Outcome(1, "", f"gateway apikey: error: no API key with id {unknown}\n")


@pytest.mark.parametrize(
    ("expires", "reason"),
    [
        ("367d", "'367d' is not a lifetime from 1s to 366d (the maximum)"),
        ("8785h", "'8785h' is not a lifetime from 1s to 366d (the maximum)"),
        ("0m", "'0m' is not a lifetime from 1s to 366d (the maximum)"),
        ("-1d", "'-1d' is not a lifetime from 1s to 366d (the maximum)"),
        ("9" * 20 + "d", f"'{'9' * 20}d' is not a lifetime from 1s to 366d (the maximum)"),
        ("1w", "'1w' is not a duration like 30m, 24h or 7d"),
    ],
    ids=["days", "hours", "zero", "negative", "overflow", "unit"],
)
def test_a_token_lifetime_beyond_what_the_server_accepts_is_refused(
    expires: str, reason: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # when: `=` so that argparse reads "-1d" as the value, not as an option
    argv = ["token", "--user", str(uuid.UUID(int=1)), f"--expires={expires}"]
    status, err = usage_error(argv, monkeypatch, capsys)

    # then: the usage error, naming the server's limit (gateway/auth.py MAX_TOKEN_LIFETIME)
    assert status == 2
    assert err.splitlines()[-1] == f"gateway token: error: argument --expires: {reason}"
    assert err.startswith("usage: ")


async def test_the_longest_token_lifetime_is_one_the_server_accepts(
    db: AsyncEngine,
    factory: Factory,
    client: httpx.AsyncClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given
    jane = await factory.user(await factory.org(), "jane")

    # when
    argv = ["token", "--user", str(jane["id"]), "--expires", "366d"]
    outcome = await gateway(argv, monkeypatch, capsys, env(db, tmp_path))

    # then
    assert (outcome.status, outcome.err) == (0, "")
    token = outcome.out.strip()
    claims = jwt.decode(token, options={"verify_signature": False})
    assert claims["exp"] - claims["iat"] == 366 * 24 * 3600
    headers = {"Authorization": f"Bearer {token}"}
    answer = await client.post("/graphql", json=VIEWER, headers=headers)
    assert answer.status_code == 200
    assert answer.json()["data"] == {"viewer": {"username": "jane"}}
