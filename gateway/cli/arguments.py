"""The `gateway` command's argument types: each turns a word into a value or a usage error."""

from __future__ import annotations

import argparse
import re
import uuid
from collections.abc import Callable, Sequence
from datetime import timedelta

from gateway.auth import MAX_TOKEN_LIFETIME

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


def scope_in(known: Sequence[str]) -> Callable[[str], str]:
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


def positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return value
