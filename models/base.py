"""Column helpers shared by every table."""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Field

from gateway.sql import UTCDateTime, utcnow


def id_field() -> Any:
    """A UUID primary key, generated when not given (imports give their own)."""
    return Field(default_factory=uuid.uuid4, primary_key=True)


def org_field() -> Any:
    """The owning organisation: every table carries it and every query filters on it."""
    return Field(foreign_key="organizations.id", nullable=False, ondelete="CASCADE")


def timestamp_field(*, nullable: bool = False, default_now: bool = False) -> Any:
    """A UTC, timezone-aware timestamp column."""
    if default_now:
        return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=nullable)
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable)


def max_length(column: Any) -> int | None:
    """The most characters a text column holds (its ``Field(max_length=...)``), or None.

    Input checks read their limits here, so that a value too long for the column is
    refused the same way on both dialects (SQLite would store it, PostgreSQL refuse it).
    """
    return getattr(column.type, "length", None)


def check_in(column: str, values: tuple[str, ...]) -> str:
    """SQL text of a CHECK that ``column`` holds one of ``values``."""
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"

