"""`gateway token` and `gateway apikey create|list|revoke`: issue and manage credentials.

The work itself is in gateway/credentials.py; these read the arguments and print.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from gateway.auth import ALL_SCOPES, MAX_TOKEN_LIFETIME
from gateway.cli.arguments import key_id, scope_in, token_lifetime, user_id
from gateway.cli.common import say, with_engine
from gateway.credentials import create_api_key, issue_token, list_api_keys, revoke_api_key
from gateway.settings import Settings


def add_commands(commands: Any, scopes: Sequence[str]) -> None:
    """Adds `token` and `apikey` to the `gateway` command's subcommands."""
    token = commands.add_parser("token", help="print a JWT for a user")
    token.add_argument("--user", type=user_id, required=True, metavar="USER_ID")
    token.add_argument(
        "--scope",
        action="append",
        type=scope_in(scopes),
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
        type=scope_in((*scopes, ALL_SCOPES)),
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


# --- handlers: parsed arguments in, exit status out -------------------------------------


def _token(args: argparse.Namespace, settings: Settings) -> int:
    print(
        with_engine(
            settings,
            lambda engine: issue_token(
                engine, settings, user_id=args.user, scopes=args.scope, expires=args.expires
            ),
        )
    )
    return 0


def _apikey_create(args: argparse.Namespace, settings: Settings) -> int:
    scopes = args.scope or [ALL_SCOPES]
    new_id, key = with_engine(
        settings,
        lambda engine: create_api_key(engine, user_id=args.user, scopes=scopes, name=args.name),
    )
    print(key)
    say(f"API key {new_id} (scopes: {' '.join(scopes)}). Store it now: it is not shown again.")
    return 0


def _apikey_list(args: argparse.Namespace, settings: Settings) -> int:
    keys = with_engine(settings, lambda engine: list_api_keys(engine, user_id=args.user))
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
    key = with_engine(settings, lambda engine: revoke_api_key(engine, args.key_id))
    print(
        f"API key {key.id} ({key.name or 'no name'}, {key.username}) revoked at "
        f"{_when(key.revoked_at)}"
    )
    return 0


def _when(moment: datetime | None) -> str:
    return "-" if moment is None else moment.strftime("%Y-%m-%dT%H:%M:%SZ")
