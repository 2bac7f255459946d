"""The cursor format of every paginated list: a keyset position as URL-safe base64 of a
JSON list of strings. The resolvers write and read it, and the selection compiler
(gateway/compiler) writes the same text from SQL, so it lives with neither."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from gateway.errors import GatewayError, bad_input
from gateway.inputs import text_problem


def encode_cursor(*values: Any) -> str:
    """An opaque cursor over a keyset position."""
    # ensure_ascii=False: the text PostgreSQL's json_build_array writes, so the compiled
    # path (gateway/compiler/render.py) writes the same cursor. Both decode alike.
    raw = json.dumps([str(v) if v is not None else None for v in values], ensure_ascii=False)
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, *kinds: Callable[[str], Any]) -> list[Any]:
    """The keyset position in a cursor, each value parsed by its kind, or BAD_USER_INPUT.

    ``encode_cursor`` writes a JSON list of strings; anything else (another length, a
    number, a null, a nested list, a value its kind refuses) is not a cursor of ours.
    """
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, RecursionError):
        raise _invalid_cursor() from None
    if (
        not isinstance(values, list)
        or len(values) != len(kinds)
        or not all(isinstance(v, str) and text_problem(v) is None for v in values)
    ):
        raise _invalid_cursor()
    try:
        return [kind(value) for kind, value in zip(kinds, values, strict=True)]
    except ValueError:
        raise _invalid_cursor() from None


def _invalid_cursor() -> GatewayError:
    return bad_input("after is not a valid cursor", argument="after")
