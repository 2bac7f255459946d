"""Column helpers and row shapes shared by every table.

Each table is declared once, in the fastapi full-stack template's way: ``XBase`` holds the
fields a client or an import file may give, with their constraints (lengths, choices as
``Literal``), ``X(XBase, …, table=True)`` adds the columns the gateway sets, and
``XCreate``/``XUpdate`` are what a mutation accepts. The importer's records and the
mutations' inputs validate with these classes, so a rule lives in one place.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, field_validator
from pydantic_core import PydanticCustomError
from sqlmodel import AutoString, Field, SQLModel

from gateway.ids import new_id
from gateway.inputs import to_utc
from gateway.sql import UTCDateTime, utcnow

# A timestamp as a client or a file gives it: with its offset (RFC 3339; a naive time is
# ambiguous), within the range every layer represents once in UTC, stored as UTC.
Moment = Annotated[AwareDatetime, AfterValidator(to_utc)]


def id_field() -> Any:
    """A UUID primary key, generated when not given (imports give their own)."""
    return Field(default_factory=uuid.uuid4, primary_key=True)


def time_id_field() -> Any:
    """A UUID primary key whose first bits are its creation time (``gateway.ids``), so
    that ids sort as rows were made; generated when not given."""
    return Field(default_factory=new_id, primary_key=True)


def org_field() -> Any:
    """The owning organisation: every table carries it and every query filters on it."""
    return Field(foreign_key="organizations.id", nullable=False, ondelete="CASCADE")


def timestamp_field(*, nullable: bool = False, default_now: bool = False) -> Any:
    """A UTC, timezone-aware timestamp column."""
    if default_now:
        return Field(default_factory=utcnow, sa_type=UTCDateTime, nullable=nullable)
    return Field(default=None, sa_type=UTCDateTime, nullable=nullable)


def choice_field(length: int, default: Any = ...) -> Any:
    """A ``Literal`` column: text of at most ``length`` characters, checked in SQL by a
    CHECK constraint over the same choices (``check_in``)."""
    return Field(default=default, sa_type=AutoString(length=length))


class IdRow(SQLModel):
    """The primary key. A mixin listed after the table's ``…Base``, so that its column
    comes first, as the migrations create it."""

    id: uuid.UUID = id_field()


class TenantRow(IdRow):
    """The primary key and the owning organisation, the first columns of most tables."""

    org_id: uuid.UUID = org_field()


class TimeOrderedTenantRow(SQLModel):
    """``TenantRow`` with a time-ordered id: the governance family's tables, whose REST
    ids (``<prefix>_<ULID>``) promise to sort by creation time."""

    id: uuid.UUID = time_id_field()
    org_id: uuid.UUID = org_field()


def not_null(*fields: str) -> Any:
    """A validator refusing an explicit null for ``fields`` of an update, whose columns
    hold no null: omitted means unchanged, null is a mistake."""

    def refuse(value: Any) -> Any:
        if value is None:
            raise PydanticCustomError("not_null", "cannot be null")
        return value

    return field_validator(*fields)(_classmethod(refuse))


def trimmed(*fields: str) -> Any:
    """A validator trimming name-like text before its length is checked."""

    def trim(value: Any) -> Any:
        return value.strip() if isinstance(value, str) else value

    return field_validator(*fields, mode="before")(_classmethod(trim))


def _classmethod(check: Callable[[Any], Any]) -> Any:
    def validator(cls: type, value: Any) -> Any:
        return check(value)

    return classmethod(validator)


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
