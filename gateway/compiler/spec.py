"""What a type declares for the compiler: its fields that are columns and relations.

A family writes one ``Node`` next to each Strawberry type it lets the compiler build;
the type's ``from_row`` reads the same columns (``Node.values``), so the two paths read
one description. Fields a node does not name are resolved by the type itself.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any, Literal

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    FromClause,
    Integer,
    String,
    Table,
    TypeDecorator,
    Uuid,
)

from gateway.sql import UTCDateTime

# How a column's value is written in an answer, from its SQLAlchemy type: ``text`` and
# ``int`` as they are, ``uuid`` as its hyphenated text, ``moment`` as the UTC time's
# ``datetime.isoformat()`` (what Strawberry's DateTime writes), ``json`` as the stored
# document. Other types (numbers kept as integers of a smaller unit, floats) are left
# to the resolvers.
Kind = Literal["text", "int", "uuid", "moment", "bool", "json"]


def kind_of(column: Any) -> Kind | None:
    kind = column.type
    if isinstance(kind, UTCDateTime):
        return "moment"
    if isinstance(kind, TypeDecorator):  # sqlmodel's AutoString is a String underneath
        kind = kind.impl_instance
    if isinstance(kind, JSON):
        # Nested as JSON: the stored document, keys in their stored order, which is the
        # order the resolver path's parsed dict keeps.
        return "json"
    if isinstance(kind, Uuid):
        return "uuid"
    if isinstance(kind, String):
        return "text"
    if isinstance(kind, Boolean):
        return "bool"
    if isinstance(kind, Integer) and not isinstance(kind, Boolean):
        return "int"
    return None


@dataclass(frozen=True)
class Column:
    """A field that is a column. An ``enum`` column's stored text is the member's name,
    which is how GraphQL writes the member (the resolver builds the member from it)."""

    column: str
    enum: type[Enum] | None = None


@dataclass(frozen=True)
class ToOne:
    """A relation to one row of ``target`` whose id is this row's ``key`` column."""

    target: str
    key: str
    nullable: bool = False


@dataclass(frozen=True)
class Through:
    """A link table between two tenant tables: ``own`` holds this row's id, ``target``
    the related row's (both tables' organisation columns must agree)."""

    table: Table
    own: str
    target: str


def no_arguments(
    table: FromClause, arguments: Mapping[str, Any]
) -> tuple[list[ColumnElement[bool]], int | None]:
    """A to-many field without arguments: every related row."""
    return [], None


@dataclass(frozen=True)
class ToMany:
    """Rows of ``target`` whose ``foreign_key`` is this row's id (or linked to it
    ``through`` a table), in ``order``.

    ``arguments`` turns the field's arguments (as graphql-core coerced them) into extra
    conditions on the target's table and the page size (None: all), with the resolver's
    own checks: a GatewayError there means the resolver must answer (with that error).
    """

    target: str
    foreign_key: str | None
    order: Sequence[tuple[str, bool]]  # (column, descending)
    arguments: Callable[
        [FromClause, Mapping[str, Any]], tuple[list[ColumnElement[bool]], int | None]
    ] = no_arguments
    through: Through | None = None


Member = Column | ToOne | ToMany


@dataclass
class Node:
    """One GraphQL object type over one table (rows always filtered by ``org_id``)."""

    type_name: str
    table: Table
    fields: dict[str, Member]  # keyed by the GraphQL field name
    # Undeclared fields that send their root field to the resolvers even when nullable:
    # a fallback's rebuilt object carries only the columns the compiler writes, so one
    # that reads another column (a float) would be answered null there.
    to_resolvers: frozenset[str] = frozenset()
    # Rebuilds the Strawberry object from its columns, for a field the compiler leaves
    # to the type's resolver (set by ``compilable``).
    build: Callable[[Mapping[str, Any]], Any] | None = field(default=None, repr=False)
    _columns: list[tuple[str, str, type[Enum] | None]] | None = field(
        default=None, init=False, repr=False
    )

    def columns(self) -> dict[str, Column]:
        return {name: m for name, m in self.fields.items() if isinstance(m, Column)}

    def values(self, row: Mapping[str, Any]) -> dict[str, Any]:
        """The Python attributes a resolver-path object gets from a row: one per column
        field (snake_case), enums built. A relation's key is a column field of its own
        (``componentId``), which is how the type's resolver finds the related row."""
        values: dict[str, Any] = {}
        for attribute, column, enum in self._attributes():
            value = row[column]
            values[attribute] = enum(value) if enum is not None and value is not None else value
        return values

    def _attributes(self) -> list[tuple[str, str, type[Enum] | None]]:
        # Worked out once: values() runs for every row the resolver path builds.
        if self._columns is None:
            self._columns = [
                (_snake(name), member.column, member.enum)
                for name, member in self.fields.items()
                if isinstance(member, Column)
            ]
        return self._columns

    def from_json(self, data: Mapping[str, Any]) -> dict[str, Any]:
        """A row as the compiler's hidden ``__row`` object carries it, typed again."""
        row: dict[str, Any] = {}
        for column in self.table.c:
            value = data.get(column.name)
            kind = kind_of(column)
            if value is not None and kind == "moment":
                value = datetime.fromisoformat(value)
            elif value is not None and kind == "uuid":
                value = uuid.UUID(value)
            row[column.name] = value
        return row


NODES: dict[str, Node] = {}


def compilable(node: Node, build: Callable[[Mapping[str, Any]], Any]) -> Node:
    """Registers ``node`` for its type; ``build`` is the type's ``from_row``."""
    # Every table the compiler reads is filtered by the caller's organisation.
    tables = [node.table] + [
        m.through.table for m in node.fields.values() if isinstance(m, ToMany) and m.through
    ]
    for table in tables:
        if "org_id" not in table.c:
            raise TypeError(f"{node.type_name}: {table.name} has no org_id to filter by")
    for name, member in node.fields.items():
        # A column the compiler cannot write would be null in a fallback's rebuilt
        # object: refused when the type is declared, not answered wrongly later.
        if isinstance(member, Column) and kind_of(node.table.c[member.column]) is None:
            raise TypeError(f"{node.type_name}.{name}: no SQL rendering for its column")
    node.build = build
    NODES[node.type_name] = node
    return node


def _snake(name: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in name)
