"""JSON in SQL, one class per dialect: objects, ordered arrays, and each column kind
written exactly as the resolver path writes it (gateway/compiler/spec.py's kinds).

PostgreSQL builds ``json`` (not ``jsonb``, which would reorder keys) with
``json_build_object``/``json_agg``; SQLite with ``json_object``/``json_group_array``.
PostgreSQL also writes a connection's cursors (base64 of a JSON array, as
gateway.cursors.encode_cursor does); SQLite has no base64, so there a cursor leaves the
database as the JSON array of its values and is encoded as the answer is read
(gateway/compiler/run.py), still from the one statement.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    Text,
    case,
    cast,
    func,
    literal,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import aggregate_order_by

from gateway.compiler.spec import Kind

# json_build_object takes at most 100 arguments: 50 keys. An object with more fields
# is left to the resolvers (SQLite's json_object allows as many, for one rule).
MAX_KEYS = 50


def _cat(*parts: ColumnElement[Any] | str) -> ColumnElement[Any]:
    """Text concatenation with ``||`` on both dialects (``+`` on a function's untyped
    result would be addition)."""
    exprs = [literal(p, String) if isinstance(p, str) else p for p in parts]
    joined = exprs[0]
    for part in exprs[1:]:
        joined = joined.op("||")(part)
    return joined


def _key(name: str) -> ColumnElement[Any]:
    # GraphQL names are [_A-Za-z][_0-9A-Za-z]*, so inlining one is safe; a literal (not a
    # bound parameter) because asyncpg cannot type a parameter of json_build_object.
    assert name.replace("_", "a").isalnum(), name
    return literal_column(f"'{name}'")


class JsonSql:
    name: str
    # Whether ``cursor`` writes the finished cursor; else the array of its values.
    cursors = False

    def obj(self, pairs: Sequence[tuple[str, ColumnElement[Any]]]) -> ColumnElement[Any]:
        raise NotImplementedError

    def array(self, rows: Select[Any], value: str, order: str) -> ColumnElement[Any]:
        """The ``value`` column of ``rows`` (a select naming it), as a JSON array in the
        order of its ``order`` column; ``[]`` for no rows."""
        raise NotImplementedError

    def nested(self, value: ColumnElement[Any]) -> ColumnElement[Any]:
        """A JSON value read back from a subquery, to nest as JSON (not as a string)."""
        return value

    def boolean(self, condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return condition

    def value(self, column: ColumnElement[Any], kind: Kind) -> ColumnElement[Any]:
        if kind == "uuid":
            return self.uuid(column)
        if kind == "moment":
            return self.moment(column)
        if kind == "bool":
            return self.flag(column)
        if kind == "json":
            return self.nested(column)
        return column

    def flag(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        return column

    def uuid(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        raise NotImplementedError

    def moment(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        raise NotImplementedError

    def cursor(self, values: Sequence[ColumnElement[Any]]) -> ColumnElement[Any]:
        raise NotImplementedError

    def as_text(self, value: ColumnElement[Any]) -> ColumnElement[Any]:
        return cast(value, Text)


class PostgresJson(JsonSql):
    name = "postgresql"
    cursors = True

    def obj(self, pairs: Sequence[tuple[str, ColumnElement[Any]]]) -> ColumnElement[Any]:
        return func.json_build_object(*(part for k, v in pairs for part in (_key(k), v)))

    def array(self, rows: Select[Any], value: str, order: str) -> ColumnElement[Any]:
        inner = rows.subquery()
        return (
            select(
                func.coalesce(
                    func.json_agg(aggregate_order_by(inner.c[value], inner.c[order])),
                    literal_column("'[]'::json"),
                )
            )
            .select_from(inner)
            .scalar_subquery()
        )

    def uuid(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        return cast(column, Text)

    def moment(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        # datetime.isoformat(): microseconds only when not zero, and always +00:00.
        utc = func.timezone("UTC", column)
        micros = func.to_char(utc, "US")
        return case(
            (column.is_(None), None),
            else_=_cat(
                func.to_char(utc, 'YYYY-MM-DD"T"HH24:MI:SS'),
                case((micros == "000000", ""), else_=_cat(".", micros)),
                "+00:00",
            ),
        )

    def cursor(self, values: Sequence[ColumnElement[Any]]) -> ColumnElement[Any]:
        # encode_cursor: urlsafe base64 of json.dumps([...], ensure_ascii=False) without
        # padding. PostgreSQL's json_build_array writes the same text ("[a, b]" with a
        # space), and encode() breaks lines every 76 characters, which translate drops.
        text = cast(func.json_build_array(*values), Text)
        encoded = func.encode(func.convert_to(text, "UTF8"), "base64")
        return func.translate(encoded, literal("+/=\n", String), literal("-_", String))


class SqliteJson(JsonSql):
    name = "sqlite"

    def obj(self, pairs: Sequence[tuple[str, ColumnElement[Any]]]) -> ColumnElement[Any]:
        return func.json_object(*(part for k, v in pairs for part in (_key(k), v)))

    def array(self, rows: Select[Any], value: str, order: str) -> ColumnElement[Any]:
        # SQLite before 3.44 has no ORDER BY inside an aggregate: it aggregates in the
        # order of the ordered subquery it reads, which the differential test checks.
        inner = rows.order_by(literal_column(order)).subquery()
        return (
            select(func.coalesce(func.json_group_array(func.json(inner.c[value])), "[]"))
            .select_from(inner)
            .scalar_subquery()
        )

    def nested(self, value: ColumnElement[Any]) -> ColumnElement[Any]:
        return func.json(value)

    def boolean(self, condition: ColumnElement[bool]) -> ColumnElement[Any]:
        return func.json(case((condition, "true"), else_="false"))

    def flag(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        # SQLite keeps 0/1: written as JSON's true/false (null stays null).
        return func.json(case((column.is_(None), "null"), (column, "true"), else_="false"))

    def uuid(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        # SQLAlchemy's Uuid keeps 32 hex digits on SQLite.
        def part(start: int, length: int) -> ColumnElement[Any]:
            return func.substr(column, start, length)

        return _cat(
            part(1, 8), "-", part(9, 4), "-", part(13, 4), "-", part(17, 4), "-", part(21, 12)
        )

    def moment(self, column: ColumnElement[Any]) -> ColumnElement[Any]:
        # Stored as 'YYYY-MM-DD HH:MM:SS.ffffff' (naive UTC, gateway.sql.UTCDateTime).
        whole = func.substr(column, 1, 19)
        micros = func.substr(column, 21, 6)
        return case(
            (column.is_(None), None),
            else_=_cat(
                func.replace(whole, " ", "T"),
                case((micros.in_(("", "000000")), ""), else_=_cat(".", micros)),
                "+00:00",
            ),
        )

    def as_text(self, value: ColumnElement[Any]) -> ColumnElement[Any]:
        return value

    def cursor(self, values: Sequence[ColumnElement[Any]]) -> ColumnElement[Any]:
        return func.json_array(*values)


def json_sql(dialect_name: str) -> JsonSql | None:
    if dialect_name == "postgresql":
        return PostgresJson()
    if dialect_name == "sqlite":
        return SqliteJson()
    return None


__all__ = ["MAX_KEYS", "JsonSql", "json_sql", "true"]
