"""The `gateway` command: serve, migrate, seed, import, issue credentials, run jobs.

Each subcommand is a thin shell around an async function taking an engine (tests call
those directly). A mistake by the person at the keyboard (an unknown user, a bad line
in a file, an unreachable database) prints one line to stderr and exits 1; only bugs
show a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from gateway import jobs_cli, migrate
from gateway.auth import ALL_SCOPES, MAX_TOKEN_LIFETIME
from gateway.credentials import (
    CliError,
    KeyListing,
    create_api_key,
    issue_token,
    list_api_keys,
    revoke_api_key,
)
from gateway.db import create_engine
from gateway.demo import DEMO_ORG_IDS, DemoDataExists, DemoInfo, seed_demo
from gateway.importer import ImportFailed, ImportReport, load_file
from gateway.settings import Settings, get_settings
from models.tenancy import Organization, User

__all__ = [
    "CliError",
    "KeyListing",
    "create_api_key",
    "issue_token",
    "list_api_keys",
    "main",
    "revoke_api_key",
]

T = TypeVar("T")
PORTAL_PATHS = (
    "/api/v1/analytics/catalog",
    "/api/v1/analytics/dora?days=30",
    "/api/v1/analytics/usage",
    "/api/v1/analytics/export?report=dora",
)


# --- the commands, callable in-process -------------------------------------------------


async def run_migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision."""
    await migrate.upgrade(engine)


async def run_seed(engine: AsyncEngine, *, force: bool = False) -> DemoInfo:
    """Seed the demo data (refused if data exists, unless ``force``)."""
    return await seed_demo(engine, progress=_say, replace=force)


async def run_import(
    engine: AsyncEngine, path: Path, *, allow_plan_changes: bool = False
) -> ImportReport:
    """Load an NDJSON file: all of it, or nothing (ImportFailed)."""
    return await load_file(engine, path, allow_guarded_changes=allow_plan_changes)


async def require_schema(engine: AsyncEngine) -> None:
    """Refuse, in one line, to work on a database that `gateway migrate` has not brought up."""
    current, head = await migrate.current_revision(engine), migrate.head_revision()
    if current is None:
        raise CliError(
            f"the database at {_safe(engine)} has no schema; run `gateway migrate` first"
        )
    if current != head:
        raise CliError(
            f"the database at {_safe(engine)} is at revision {current}, not {head}; "
            "run `gateway migrate` first"
        )


async def prepare_serve(engine: AsyncEngine, settings: Settings, *, demo: bool) -> None:
    """Migrate; with ``demo``, seed an empty database and print a token and curl lines."""
    await migrate.upgrade(engine)
    if not demo:
        return
    async with engine.connect() as connection:
        organisations = await connection.scalar(select(func.count()).select_from(Organization))
    if not organisations:
        await seed_demo(engine, progress=_say)
    admin = await _demo_admin(engine)
    if admin is None:
        _say("No active admin user to print a token for; create one with `gateway import`.")
        return
    token = await issue_token(engine, settings, user_id=admin.id)
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    base = f"http://{host}:{settings.port}"
    print(f"\nAdmin token for {admin.username} (valid 24h):\n\nexport TOKEN={token}\n")
    for path in PORTAL_PATHS:
        print(f'curl -H "Authorization: Bearer $TOKEN" "{base}{path}"')
    print(f"\nREST docs (Swagger UI): {base}/docs")
    print(f"GraphiQL, signed in as {admin.username}: {base}/graphql?token={token}")
    print(f"\nGraphQL (GraphiQL in a browser): {base}/graphql\n", flush=True)


# --- helpers ---------------------------------------------------------------------------


async def _demo_admin(engine: AsyncEngine) -> Any:
    """The demo's admin if present, else the oldest active admin of any organisation."""
    demo_first = col(User.org_id).in_(DEMO_ORG_IDS).desc()
    async with engine.connect() as connection:
        return (
            await connection.execute(
                select(col(User.id), col(User.username))
                .where(col(User.role) == "admin", col(User.is_active).is_(True))
                .order_by(demo_first, col(User.created_at), col(User.username))
            )
        ).first()


def _say(message: str) -> None:
    # Progress and notes go to stderr, so stdout carries only what scripts capture.
    print(message, file=sys.stderr, flush=True)


def _safe(engine: AsyncEngine) -> str:
    return engine.url.render_as_string(hide_password=True)


def _with_engine(
    settings: Settings,
    work: Callable[[AsyncEngine], Awaitable[T]],
    *,
    needs_schema: bool = True,
) -> T:
    """Run ``work`` on an engine; unless it migrates, only on a migrated database."""
    url = make_url(settings.database_url)
    if needs_schema and url.get_backend_name() == "sqlite" and url.database not in (None, ""):
        # Connecting would create an empty file (the cause of stray ./gateway.db files).
        if url.database != ":memory:" and not Path(url.database).exists():
            raise CliError(f"no database at {url.database}; run `gateway migrate` first")

    async def run() -> T:
        engine = create_engine(settings.database_url, pool_size=2)
        try:
            if needs_schema:
                await require_schema(engine)
            return await work(engine)
        finally:
            await engine.dispose()

    return asyncio.run(run())


# --- argument parsing ------------------------------------------------------------------

DURATION = re.compile(r"^(-?\d+)([smhd])$")
UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}


def token_lifetime(text: str) -> timedelta:
    """``30m``, ``24h``, ``7d``: more than nothing, and at most MAX_TOKEN_LIFETIME.

    The limit is the one the server checks a token's `exp` against, so a token printed
    here is never one the gateway refuses for lasting too long.
    """
    match = DURATION.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 30m, 24h or 7d")
    try:
        lifetime = timedelta(**{UNITS[match.group(2)]: int(match.group(1))})
    except OverflowError:
        lifetime = timedelta.max
    if not timedelta(0) < lifetime <= MAX_TOKEN_LIFETIME:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a lifetime from 1s to {MAX_TOKEN_LIFETIME.days}d (the maximum)"
        )
    return lifetime


def _uuid_of(what: str) -> Callable[[str], uuid.UUID]:
    def parse(text: str) -> uuid.UUID:
        try:
            return uuid.UUID(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not {what} (a UUID)") from None

    return parse


user_id = _uuid_of("a user id")
key_id = _uuid_of("an API key id")


def _scope_in(known: Sequence[str]) -> Callable[[str], str]:
    def parse(text: str) -> str:
        if text not in known:
            raise argparse.ArgumentTypeError(
                f"unknown scope {text!r}; known scopes: {' '.join(known)}"
            )
        return text

    return parse


def port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port (1 to 65535)")
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    from gateway.families import known_scopes  # loads every family's schema: only here

    scopes = known_scopes()
    token_scope = _scope_in(scopes)
    key_scope = _scope_in((*scopes, ALL_SCOPES))
    parser = argparse.ArgumentParser(
        prog="gateway",
        description="Analytics gateway: GraphQL over analytics data, with REST compatibility.",
        epilog="Settings come from GATEWAY_* environment variables (see the README).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    serve = commands.add_parser("serve", help="apply migrations and run the HTTP server")
    serve.add_argument("--demo", action="store_true", help="seed an empty database; print a token")
    serve.add_argument("--host", help="interface to bind (default: GATEWAY_HOST)")
    serve.add_argument("--port", type=port, help="port to bind (default: GATEWAY_PORT)")
    serve.add_argument(
        "--no-worker", action="store_true", help="run no job worker (run `gateway worker`)"
    )
    serve.set_defaults(handler=_serve)

    commands.add_parser("migrate", help="upgrade the schema to the newest revision").set_defaults(
        handler=_migrate
    )

    seed = commands.add_parser("seed", help="load the deterministic demo data")
    seed.add_argument("--demo", action="store_true", required=True, help="the demo data set")
    seed.add_argument(
        "--force",
        action="store_true",
        help="seed even if organisations exist (previous demo organisations are replaced)",
    )
    seed.set_defaults(handler=_seed)

    load = commands.add_parser("import", help="load an NDJSON file (all lines or none)")
    load.add_argument("file", type=Path, metavar="FILE.ndjson")
    load.add_argument(
        "--allow-plan-changes",
        action="store_true",
        help="let lines change an existing organisation's plan, subscription or trial",
    )
    load.set_defaults(handler=_import)

    token = commands.add_parser("token", help="print a JWT for a user")
    token.add_argument("--user", type=user_id, required=True, metavar="USER_ID")
    token.add_argument(
        "--scope",
        action="append",
        type=token_scope,
        default=[],
        metavar="S",
        help=f"repeatable; one of {', '.join(scopes)}; none: unrestricted",
    )
    token.add_argument(
        "--expires",
        type=token_lifetime,
        default=timedelta(hours=24),
        metavar="24h",
        help=f"how long the token lasts, at most {MAX_TOKEN_LIFETIME.days}d",
    )
    token.set_defaults(handler=_token)

    apikey = commands.add_parser("apikey", help="manage API keys")
    apikey_commands = apikey.add_subparsers(dest="apikey_command", required=True, metavar="ACTION")
    create = apikey_commands.add_parser("create", help="create a key and print it once")
    create.add_argument("--user", type=user_id, required=True, metavar="USER_ID")
    create.add_argument(
        "--scope",
        action="append",
        type=key_scope,
        default=[],
        metavar="S",
        help=f"repeatable; one of {', '.join(scopes)} or {ALL_SCOPES} (all, the default)",
    )
    create.add_argument("--name", default="", metavar="N", help="a label for the key")
    create.set_defaults(handler=_apikey_create)
    listing = apikey_commands.add_parser("list", help="list keys (never the keys themselves)")
    listing.add_argument("--user", type=user_id, metavar="USER_ID", help="only this user's keys")
    listing.set_defaults(handler=_apikey_list)
    revoke = apikey_commands.add_parser("revoke", help="revoke a key (401 from then on)")
    revoke.add_argument("key_id", type=key_id, metavar="KEY_ID")
    revoke.set_defaults(handler=_apikey_revoke)
    jobs_cli.add_commands(commands)
    return parser


# --- handlers: parsed arguments in, exit status out -------------------------------------


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from gateway.app import create_app

    settings = settings.model_copy(
        update={"host": args.host or settings.host, "port": args.port or settings.port}
    )
    if args.no_worker:
        settings = settings.model_copy(update={"run_worker": False})
    _with_engine(
        settings,
        lambda engine: prepare_serve(engine, settings, demo=args.demo),
        needs_schema=False,
    )
    app = create_app(settings, run_migrations=False)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level)
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    _with_engine(settings, run_migrate, needs_schema=False)
    print(f"{_safe_url(settings)}: schema is up to date")
    return 0


def _seed(args: argparse.Namespace, settings: Settings) -> int:
    info = _with_engine(settings, lambda engine: run_seed(engine, force=args.force))
    rows = ", ".join(f"{count} {table}" for table, count in info.rows.items())
    print(f"Seeded {rows}.")
    print(f"Admin: {info.admin_username} ({info.admin_user_id}) of {info.org_name}")
    print(f"Token: gateway token --user {info.admin_user_id}")
    return 0


def _import(args: argparse.Namespace, settings: Settings) -> int:
    if not args.file.is_file():
        raise CliError(f"{args.file}: no such file")
    try:
        report = _with_engine(
            settings,
            lambda engine: run_import(
                engine, args.file, allow_plan_changes=args.allow_plan_changes
            ),
        )
    except ImportFailed as exc:
        raise CliError(f"{args.file}: {exc}; nothing was imported") from None
    counts = ", ".join(f"{count} {entity}" for entity, count in sorted(report.counts.items()))
    print(f"{args.file}: imported {report.lines} lines ({counts or 'nothing'})")
    return 0


def _token(args: argparse.Namespace, settings: Settings) -> int:
    print(
        _with_engine(
            settings,
            lambda engine: issue_token(
                engine, settings, user_id=args.user, scopes=args.scope, expires=args.expires
            ),
        )
    )
    return 0


def _apikey_create(args: argparse.Namespace, settings: Settings) -> int:
    scopes = args.scope or [ALL_SCOPES]
    key_id, key = _with_engine(
        settings,
        lambda engine: create_api_key(engine, user_id=args.user, scopes=scopes, name=args.name),
    )
    print(key)
    _say(f"API key {key_id} (scopes: {' '.join(scopes)}). Store it now: it is not shown again.")
    return 0


def _apikey_list(args: argparse.Namespace, settings: Settings) -> int:
    keys = _with_engine(settings, lambda engine: list_api_keys(engine, user_id=args.user))
    rows = [("ID", "NAME", "USER", "SCOPES", "CREATED", "REVOKED")]
    rows += [
        (
            str(key.id),
            key.name or "-",
            key.username,
            ",".join(key.scopes) or "-",
            _when(key.created_at),
            _when(key.revoked_at),
        )
        for key in keys
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join([*(cell.ljust(w) for cell, w in zip(row, widths, strict=False)), row[-1]]))
    return 0


def _apikey_revoke(args: argparse.Namespace, settings: Settings) -> int:
    key = _with_engine(settings, lambda engine: revoke_api_key(engine, args.key_id))
    print(
        f"API key {key.id} ({key.name or 'no name'}, {key.username}) revoked at "
        f"{_when(key.revoked_at)}"
    )
    return 0


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _safe_url(settings: Settings) -> str:
    return make_url(settings.database_url).render_as_string(hide_password=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `gateway` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except ValidationError as exc:
        _say(f"gateway: error: {_settings_problems(exc)}")
        return 1
    try:
        return int(args.handler(args, settings))
    except (CliError, DemoDataExists) as exc:
        _say(f"gateway {args.command}: error: {exc}")
    except (DBAPIError, OSError) as exc:
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
        _say(f"gateway {args.command}: database error at {_safe_url(settings)}: {reason}")
    except KeyboardInterrupt:
        return 130
    return 1


def _settings_problems(error: ValidationError) -> str:
    """Every invalid setting, named by its variable, on one line."""
    problems = []
    for problem in error.errors():
        variable = "GATEWAY_" + "_".join(str(part) for part in problem["loc"][:1]).upper()
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] != "value_error":
            # Our own messages quote the value (passwords hidden); pydantic's do not.
            message += f" (got {problem['input']!r})"
        problems.append(f"{variable}: {message}")
    return "; ".join(problems)


if __name__ == "__main__":
    sys.exit(main())
