"""Settings are checked at start-up and reported in one line; the data directory is the user's."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from pathlib import Path

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.app import create_app
from gateway.db import create_engine
from gateway.settings import DATABASE_URLS, Settings
from tests.cli.run import gateway, gateway_sync
from tests.conftest import _fresh_postgres
from tests.factories import Factory

GATEWAY = str(Path(sys.executable).with_name("gateway"))
NOT_PEM = "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n"

BAD_SETTINGS = [
    (
        "garbage-url",
        {"GATEWAY_DATABASE_URL": "garbage"},
        f"GATEWAY_DATABASE_URL: 'garbage' is not a database URL; use {DATABASE_URLS}",
    ),
    (
        "sync-sqlite",
        {"GATEWAY_DATABASE_URL": "sqlite:///x.db"},
        "GATEWAY_DATABASE_URL: 'sqlite:///x.db' has no async driver; "
        "use 'sqlite+aiosqlite:///x.db'",
    ),
    (
        "mysql",
        {"GATEWAY_DATABASE_URL": "mysql://app:secret@db/app"},
        f"GATEWAY_DATABASE_URL: mysql is not supported; use {DATABASE_URLS}",
    ),
    (
        "sync-postgres-hides-password",
        {"GATEWAY_DATABASE_URL": "postgresql+psycopg2://app:secret@db/app"},
        "GATEWAY_DATABASE_URL: 'postgresql+psycopg2://app:***@db/app' has no async driver; "
        "use 'postgresql+asyncpg://app:***@db/app'",
    ),
    (
        "log-level",
        {"GATEWAY_LOG_LEVEL": "loud"},
        "GATEWAY_LOG_LEVEL: 'loud' is not a log level; "
        "use one of critical, error, warning, info, debug, trace",
    ),
    (
        "env",
        {"GATEWAY_ENV": "staging"},
        "GATEWAY_ENV: 'staging' is not an environment; use development or production",
    ),
    ("port-high", {"GATEWAY_PORT": "99999"}, "GATEWAY_PORT: 99999 is not a port; use 1 to 65535"),
    ("port-zero", {"GATEWAY_PORT": "0"}, "GATEWAY_PORT: 0 is not a port; use 1 to 65535"),
    (
        "port-text",
        {"GATEWAY_PORT": "http"},
        "GATEWAY_PORT: Input should be a valid integer, unable to parse string as an integer "
        "(got 'http')",
    ),
    (
        "pool-size",
        {"GATEWAY_DB_POOL_SIZE": "0"},
        "GATEWAY_DB_POOL_SIZE: Input should be greater than 0 (got '0')",
    ),
    (
        "pool-timeout",
        {"GATEWAY_DB_POOL_TIMEOUT": "-1"},
        "GATEWAY_DB_POOL_TIMEOUT: Input should be greater than 0 (got '-1')",
    ),
    (
        "body-limit",
        {"GATEWAY_MAX_BODY_BYTES": "0"},
        "GATEWAY_MAX_BODY_BYTES: Input should be greater than 0 (got '0')",
    ),
    (
        "cost-limit",
        {"GATEWAY_MAX_QUERY_COST": "-5"},
        "GATEWAY_MAX_QUERY_COST: Input should be greater than 0 (got '-5')",
    ),
    (
        "public-key-missing",
        {"GATEWAY_JWT_PUBLIC_KEY": "/nonexistent/jwt.pem"},
        "GATEWAY_JWT_PUBLIC_KEY: no such file: /nonexistent/jwt.pem "
        "(give PEM text or a PEM file's path)",
    ),
    (
        "public-key-not-pem-text",
        {"GATEWAY_JWT_PUBLIC_KEY": NOT_PEM},
        "GATEWAY_JWT_PUBLIC_KEY: the value is not a PEM public key",
    ),
    (
        "persisted-documents-missing",
        {"GATEWAY_PERSISTED_DOCUMENTS": "/nonexistent/allowed.json"},
        "GATEWAY_PERSISTED_DOCUMENTS: cannot read /nonexistent/allowed.json: No such file "
        "or directory",
    ),
    (
        "read-url-with-sqlite",
        {"GATEWAY_DATABASE_READ_URL": "postgresql://reader@127.0.0.1:5433/gateway"},
        # A rule over two settings names both itself, with no variable before it.
        "GATEWAY_DATABASE_READ_URL needs a PostgreSQL primary (GATEWAY_DATABASE_URL), which "
        "it streams from; SQLite has no read replicas",
    ),
    (
        "two-at-once",
        {"GATEWAY_PORT": "99999", "GATEWAY_LOG_LEVEL": "loud"},
        "GATEWAY_PORT: 99999 is not a port; use 1 to 65535; GATEWAY_LOG_LEVEL: 'loud' is not "
        "a log level; use one of critical, error, warning, info, debug, trace",
    ),
]
COMMANDS = [
    ["serve"],
    ["serve", "--demo"],
    ["migrate"],
    ["seed", "--demo"],
    ["import", "history.ndjson"],
    ["token", "--user", str(uuid.UUID(int=1))],
    ["apikey", "create", "--user", str(uuid.UUID(int=1))],
    ["apikey", "list"],
    ["apikey", "revoke", str(uuid.UUID(int=1))],
    # A replica of docker/compose.yaml, started after the one-shot `gateway migrate`.
    ["serve", "--no-migrate", "--no-worker"],
]


@pytest.mark.parametrize(
    ("env", "line"), [c[1:] for c in BAD_SETTINGS], ids=[c[0] for c in BAD_SETTINGS]
)
def test_item14_a_bad_setting_is_one_line_naming_its_variable(
    env: dict[str, str],
    line: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # when
    outcome = gateway_sync(
        ["migrate"], monkeypatch, capsys, {"GATEWAY_DATA_DIR": str(tmp_path), **env}
    )

    # then: exactly one line, exit 1, and nothing was created
    assert (outcome.status, outcome.out, outcome.err) == (1, "", f"gateway: error: {line}\n")
    assert list(tmp_path.iterdir()) == []


def test_item14_a_public_key_file_that_is_not_pem_is_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    key = tmp_path / "jwt.pem"
    key.write_text("ssh-rsa AAAA not pem\n")

    # when
    outcome = gateway_sync(["migrate"], monkeypatch, capsys, {"GATEWAY_JWT_PUBLIC_KEY": str(key)})

    # then
    assert (outcome.status, outcome.err) == (
        1,
        f"gateway: error: GATEWAY_JWT_PUBLIC_KEY: {key} is not a PEM public key\n",
    )


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "is not JSON: Expecting property name enclosed in double quotes at line 1"),
        ('{"abc": "{ viewer { id } }"}', "abc is not the sha256 of its document"),
    ],
    ids=["not-json", "wrong-hash"],
)
def test_a_persisted_documents_file_that_is_wrong_is_one_line(
    content: str,
    reason: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given
    allowed = tmp_path / "allowed.json"
    allowed.write_text(content)

    # when
    outcome = gateway_sync(
        ["migrate"], monkeypatch, capsys, {"GATEWAY_PERSISTED_DOCUMENTS": str(allowed)}
    )

    # then: one line naming the variable, not a traceback from the app's start
    line = f"gateway: error: GATEWAY_PERSISTED_DOCUMENTS: {allowed}"
    separator = " " if reason.startswith("is") else ": "
    assert (outcome.status, outcome.err) == (1, f"{line}{separator}{reason}\n")


@pytest.mark.parametrize("argv", COMMANDS, ids=[" ".join(c[:2]) for c in COMMANDS])
def test_item14_every_command_checks_settings_first(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # when
    outcome = gateway_sync(
        argv, monkeypatch, capsys, {"GATEWAY_DATA_DIR": str(tmp_path), "GATEWAY_PORT": "99999"}
    )

    # then
    assert (outcome.status, outcome.out, outcome.err) == (
        1,
        "",
        "gateway: error: GATEWAY_PORT: 99999 is not a port; use 1 to 65535\n",
    )


def test_item14_the_urls_the_engine_accepts_are_accepted(tmp_path: Path) -> None:
    for url in (
        f"sqlite+aiosqlite:///{tmp_path}/g.db",
        "postgresql+asyncpg://app:secret@db/app",
        "postgresql://app@db/app",
        "postgres://app@db/app",
    ):
        assert Settings(database_url=url).database_url == url


SCHEMA_COMMANDS = [
    ["token", "--user", str(uuid.UUID(int=1))],
    ["seed", "--demo"],
    ["import", "IMPORT_FILE"],
    ["apikey", "create", "--user", str(uuid.UUID(int=1))],
    ["apikey", "list"],
    ["apikey", "revoke", str(uuid.UUID(int=1))],
    # A replica of docker/compose.yaml, started after the one-shot `gateway migrate`.
    ["serve", "--no-migrate", "--no-worker"],
]


@pytest.mark.parametrize("argv", SCHEMA_COMMANDS, ids=[" ".join(c[:2]) for c in SCHEMA_COMMANDS])
def test_item14_no_database_file_says_to_migrate_and_creates_none(
    argv: list[str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given
    (tmp_path / "history.ndjson").write_text("")
    argv = [str(tmp_path / "history.ndjson") if a == "IMPORT_FILE" else a for a in argv]
    database = tmp_path / "nothing-here.db"

    # when
    outcome = gateway_sync(
        argv,
        monkeypatch,
        capsys,
        {
            "GATEWAY_DATA_DIR": str(tmp_path),
            "GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{database}",
        },
    )

    # then
    assert (outcome.status, outcome.out) == (1, "")
    assert outcome.err == (
        f"gateway {argv[0]}: error: no database at {database}; run `gateway migrate` first\n"
    )
    assert not database.exists()


@pytest.mark.parametrize("argv", SCHEMA_COMMANDS, ids=[" ".join(c[:2]) for c in SCHEMA_COMMANDS])
async def test_item14_a_database_never_migrated_says_to_migrate(
    argv: list[str],
    engine: AsyncEngine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given: an empty database of the dialect under test
    (tmp_path / "history.ndjson").write_text("")
    argv = [str(tmp_path / "history.ndjson") if a == "IMPORT_FILE" else a for a in argv]
    if engine.dialect.name == "postgresql":
        admin, empty, name = await _fresh_postgres()
    else:
        admin, name = None, ""
        empty = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
        async with empty.connect() as conn:
            await conn.execute(text("SELECT 1"))
    url = empty.url.render_as_string(hide_password=False)
    try:
        # when
        outcome = await gateway(
            argv,
            monkeypatch,
            capsys,
            {"GATEWAY_DATA_DIR": str(tmp_path), "GATEWAY_DATABASE_URL": url},
        )

        # then
        shown = make_url(url).render_as_string(hide_password=True)
        assert (outcome.status, outcome.out) == (1, "")
        assert outcome.err == (
            f"gateway {argv[0]}: error: the database at {shown} has no schema; "
            "run `gateway migrate` first\n"
        )
    finally:
        await empty.dispose()
        if admin is not None:
            async with admin.connect() as conn:
                await conn.execution_options(isolation_level="AUTOCOMMIT")
                await conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            await admin.dispose()


async def _run(*argv: str, cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    process = await asyncio.create_subprocess_exec(
        GATEWAY,
        *argv,
        cwd=cwd,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=120)
    assert process.returncode is not None
    return process.returncode, out.decode(), err.decode()


async def test_item13_a_token_made_elsewhere_is_signed_with_the_servers_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: no GATEWAY_* location or secret at all, only the user's data home
    home = tmp_path / "home"
    for name in ("GATEWAY_DATA_DIR", "GATEWAY_DATABASE_URL", "GATEWAY_JWT_SECRET"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / ".local" / "share"))
    env = dict(os.environ)
    here, elsewhere = tmp_path / "here", tmp_path / "elsewhere"
    here.mkdir()
    elsewhere.mkdir()
    assert (await _run("migrate", cwd=here, env=env))[0] == 0
    settings = Settings()
    assert settings.data_dir == home / ".local" / "share" / "analytics-gateway"
    engine = create_engine(settings.database_url)
    try:
        user = await Factory(engine, settings).user(await Factory(engine, settings).org(), "jane")

        # when: the token is made from another directory
        status, token, err = await _run("token", "--user", str(user["id"]), cwd=elsewhere, env=env)

        # then: the server (same settings) accepts it, and no directory got a database
        assert (status, err) == (0, "")
        app = create_app(settings, engine=engine, run_migrations=False)
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://g.test") as client:
                response = await client.post(
                    "/graphql",
                    json={"query": "{ viewer { username } }"},
                    headers={"Authorization": f"Bearer {token.strip()}"},
                )
        assert response.json()["data"] == {"viewer": {"username": "jane"}}
        assert list(here.iterdir()) == [] and list(elsewhere.iterdir()) == []
        assert (settings.data_dir / "gateway.db").is_file()
        assert (settings.data_dir / "jwt_secret").is_file()
    finally:
        await engine.dispose()
