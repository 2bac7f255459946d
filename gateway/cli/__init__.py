"""The `gateway` command: serve, migrate, seed, import, issue credentials, run jobs.

Each subcommand is a thin shell around an async function taking an engine (tests call
those directly). A mistake by the person at the keyboard (an unknown user, a bad line
in a file, an unreachable database) prints one line to stderr and exits 1; only bugs
show a traceback. The commands live beside this module, grouped by what they work on:
database.py (serve, migrate, seed, import), credentials.py (token, apikey) and jobs.py
(worker, jobs); arguments.py holds the argument types.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError

from gateway.cli import credentials, database, incidents, jobs, kpis, models, nhi
from gateway.cli.common import require_schema, safe_url, say
from gateway.cli.database import PORTAL_PATHS, prepare_serve, run_import, run_migrate, run_seed
from gateway.cli.jobs import job_lines
from gateway.credentials import (
    CliError,
    KeyListing,
    create_api_key,
    issue_token,
    list_api_keys,
    revoke_api_key,
)
from gateway.demo import DemoDataExists
from gateway.settings import get_settings

__all__ = [
    "PORTAL_PATHS",
    "CliError",
    "KeyListing",
    "build_parser",
    "create_api_key",
    "issue_token",
    "job_lines",
    "list_api_keys",
    "main",
    "prepare_serve",
    "require_schema",
    "revoke_api_key",
    "run_import",
    "run_migrate",
    "run_seed",
]


def build_parser() -> argparse.ArgumentParser:
    from gateway.families import known_scopes  # loads every family's schema: only here

    parser = argparse.ArgumentParser(
        prog="gateway",
        description="Analytics gateway: GraphQL over analytics data, with REST compatibility.",
        epilog="Settings come from GATEWAY_* environment variables (see the README).",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    database.add_commands(commands)
    credentials.add_commands(commands, known_scopes())
    jobs.add_commands(commands)
    nhi.add_commands(commands)
    kpis.add_commands(commands)
    incidents.add_commands(commands)
    models.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `gateway` console script; returns the exit status."""
    args = build_parser().parse_args(argv)
    try:
        settings = get_settings()
    except ValidationError as exc:
        say(f"gateway: error: {_settings_problems(exc)}")
        return 1
    try:
        return int(args.handler(args, settings))
    except (CliError, DemoDataExists) as exc:
        say(f"gateway {args.command}: error: {exc}")
    except (DBAPIError, OSError) as exc:
        reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
        say(f"gateway {args.command}: database error at {safe_url(settings)}: {reason}")
    except KeyboardInterrupt:
        return 130
    return 1


def _settings_problems(error: ValidationError) -> str:
    """Every invalid setting, named by its variable, on one line."""
    problems = []
    for problem in error.errors():
        message = problem["msg"].removeprefix("Value error, ")
        if problem["type"] != "value_error":
            # Our own messages quote the value (passwords hidden); pydantic's do not.
            message += f" (got {problem['input']!r})"
        if not problem["loc"]:
            # A rule over several settings names them in its own message.
            problems.append(message)
            continue
        variable = "GATEWAY_" + "_".join(str(part) for part in problem["loc"][:1]).upper()
        problems.append(f"{variable}: {message}")
    return "; ".join(problems)
