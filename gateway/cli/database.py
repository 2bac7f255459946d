"""`gateway serve`, `migrate`, `seed` and `import`: bring up the database, fill it, serve it."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from gateway import migrate, tracing
from gateway.cli.arguments import port
from gateway.cli.common import safe_url, say, with_engine
from gateway.credentials import CliError, issue_token
from gateway.demo import DEMO_ORG_IDS, DemoInfo, seed_demo
from gateway.importer import ImportFailed, ImportReport, load_file
from gateway.settings import Settings
from models.tenancy import Organization, User

PORTAL_PATHS = (
    "/api/v1/analytics/catalog",
    "/api/v1/analytics/dora?days=30",
    "/api/v1/analytics/usage",
    "/api/v1/analytics/export?report=dora",
)


def add_commands(commands: Any) -> None:
    """Adds `serve`, `migrate`, `seed` and `import` to the `gateway` command's subcommands."""
    serve = commands.add_parser("serve", help="apply migrations and run the HTTP server")
    serve.add_argument("--demo", action="store_true", help="seed an empty database; print a token")
    serve.add_argument("--host", help="interface to bind (default: GATEWAY_HOST)")
    serve.add_argument("--port", type=port, help="port to bind (default: GATEWAY_PORT)")
    serve.add_argument(
        "--no-worker", action="store_true", help="run no job worker (run `gateway worker`)"
    )
    serve.add_argument(
        "--no-migrate",
        action="store_true",
        help="apply no migrations; refuse to start unless `gateway migrate` has run",
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


# --- the commands, callable in-process -------------------------------------------------


async def run_migrate(engine: AsyncEngine) -> None:
    """Bring the schema to the newest revision."""
    await migrate.upgrade(engine)


async def run_seed(engine: AsyncEngine, *, force: bool = False) -> DemoInfo:
    """Seed the demo data (refused if data exists, unless ``force``)."""
    return await seed_demo(engine, progress=say, replace=force)


async def run_import(
    engine: AsyncEngine, path: Path, *, allow_plan_changes: bool = False
) -> ImportReport:
    """Load an NDJSON file: all of it, or nothing (ImportFailed); a large file's progress
    goes to stderr."""
    return await load_file(engine, path, allow_guarded_changes=allow_plan_changes, progress=say)


async def prepare_serve(
    engine: AsyncEngine, settings: Settings, *, demo: bool, apply_migrations: bool = True
) -> None:
    """Migrate (unless told not to); with ``demo``, seed an empty database and print a
    token and curl lines."""
    if apply_migrations:
        await migrate.upgrade(engine)
    if not demo:
        return
    async with engine.connect() as connection:
        organisations = await connection.scalar(select(func.count()).select_from(Organization))
    if not organisations:
        await seed_demo(engine, progress=say)
    admin = await _demo_admin(engine)
    if admin is None:
        say("No active admin user to print a token for; create one with `gateway import`.")
        return
    token = await issue_token(engine, settings, user_id=admin.id)
    host = "127.0.0.1" if settings.host in ("0.0.0.0", "::") else settings.host
    base = f"http://{host}:{settings.port}"
    print(f"\nAdmin token for {admin.username} (valid 24h):\n\nexport TOKEN={token}\n")
    for path in PORTAL_PATHS:
        print(f'curl -H "Authorization: Bearer $TOKEN" "{base}{path}"')
    if not settings.graphiql_enabled:
        # Production mode (or GATEWAY_GRAPHIQL=false): no browser UI to point at.
        print(f"\nGraphQL: {base}/graphql\n", flush=True)
        return
    print(f"\nREST docs (Swagger UI): {base}/docs")
    print(f"GraphiQL, signed in as {admin.username}: {base}/graphql?token={token}")
    print(f"\nGraphQL (GraphiQL in a browser): {base}/graphql\n", flush=True)


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


# --- handlers: parsed arguments in, exit status out -------------------------------------


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    import uvicorn

    from gateway.app import create_app
    from gateway.collector import settle_heap
    from gateway.log_format import logging_config

    settings = settings.model_copy(
        update={"host": args.host or settings.host, "port": args.port or settings.port}
    )
    # Before anything starts: tracing asked for and not installed is one line, not a
    # traceback from inside the app.
    tracing.require(settings)
    if args.no_worker:
        settings = settings.model_copy(update={"run_worker": False})
    with_engine(
        settings,
        lambda engine: prepare_serve(
            engine, settings, demo=args.demo, apply_migrations=not args.no_migrate
        ),
        # Replicas started after a one-shot `gateway migrate` (docker/compose.yaml): one
        # that finds no schema, or an old one, says so and exits instead of serving.
        needs_schema=args.no_migrate,
    )
    app = create_app(settings, run_migrations=False)
    settle_heap(settings.gc_threshold)
    uvicorn.run(
        app,
        host=settings.host,
        port=settings.port,
        log_level=settings.log_level,
        # The gateway's own access line (gateway.access, with the request id) replaces
        # uvicorn's, which would log raw paths and query strings.
        access_log=False,
        log_config=logging_config(settings.log_format, settings.log_level),
    )
    return 0


def _migrate(args: argparse.Namespace, settings: Settings) -> int:
    with_engine(settings, run_migrate, needs_schema=False)
    print(f"{safe_url(settings)}: schema is up to date")
    return 0


def _seed(args: argparse.Namespace, settings: Settings) -> int:
    info = with_engine(
        settings, lambda engine: run_seed(engine, force=args.force), changes_data=True
    )
    rows = ", ".join(f"{count} {table}" for table, count in info.rows.items())
    print(f"Seeded {rows}.")
    print(f"Admin: {info.admin_username} ({info.admin_user_id}) of {info.org_name}")
    print(f"Token: gateway token --user {info.admin_user_id}")
    return 0


def _import(args: argparse.Namespace, settings: Settings) -> int:
    if not args.file.is_file():
        raise CliError(f"{args.file}: no such file")
    try:
        report = with_engine(
            settings,
            lambda engine: run_import(
                engine, args.file, allow_plan_changes=args.allow_plan_changes
            ),
            changes_data=True,
        )
    except ImportFailed as exc:
        raise CliError(f"{args.file}: {exc}; nothing was imported") from None
    counts = ", ".join(f"{count} {entity}" for entity, count in sorted(report.counts.items()))
    print(f"{args.file}: imported {report.lines} lines ({counts or 'nothing'})")
    return 0
