"""The one failure of an import, and readable reasons for it."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError
from sqlalchemy.exc import DBAPIError


class ImportFailed(Exception):
    """A line the import refused; nothing of the file was kept."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


def describe_validation(exc: ValidationError) -> str:
    """The first problem of a line, in words a person editing the file can act on."""
    error = exc.errors(include_url=False)[0]
    kind, context = error["type"], error.get("ctx") or {}
    if kind == "json_invalid":
        return f"invalid JSON ({context.get('error', error['msg'])})"
    if kind == "union_tag_not_found":
        return 'missing "entity"'
    if kind == "union_tag_invalid":
        expected = context.get("expected_tags")
        return f"unknown entity {context.get('tag')!r} (expected one of {expected})"
    if kind in ("dict_type", "model_type", "model_attributes_type") and len(error["loc"]) <= 1:
        return "expected a JSON object"  # the line itself; a field's is named below
    # The first location is the entity's tag; what follows is the field.
    location = ".".join(str(part) for part in error["loc"][1:])
    if kind == "extra_forbidden":
        return f"unknown field {location!r}"
    if kind == "missing":
        return f"missing field {location!r}"
    return f"{location}: {error['msg']} (got {_short(error.get('input'))})"


def describe_db_error(exc: DBAPIError) -> str:
    """The database's reason, without the driver's class name or the SQL."""
    original = str(exc.orig) if exc.orig is not None else str(exc)
    # asyncpg's message reads "<class '...'>: reason"; the reason is what matters.
    if original.startswith("<class"):
        original = original.split(": ", 1)[-1]
    return "the database refused the row: " + " ".join(original.split())


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
