"""Where SQLite and PostgreSQL differ: one helper each, compiled per dialect.

Analytics code uses only these helpers for time arithmetic, so a query reads the
same on both databases and the difference lives here and nowhere else.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    BindParameter,
    Boolean,
    ColumnElement,
    DateTime,
    Float,
    Integer,
    Numeric,
    Select,
    String,
    TypeDecorator,
    bindparam,
    func,
    literal_column,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql import Insert
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.schema import Table
from sqlmodel import SQLModel


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always returned timezone-aware.

    PostgreSQL keeps ``timestamptz``; SQLite keeps naive UTC text, which sorts and
    compares correctly because every value goes through this type.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # aggregates over text columns on SQLite
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# --- money ----------------------------------------------------------------------------

MONEY_SCALE = 4
MONEY_UNITS = 10**MONEY_SCALE  # ten-thousandths of the currency unit per unit


class _FixedPoint(TypeDecorator[Decimal]):
    """``numeric(PRECISION, SCALE)``, exact on both databases.

    PostgreSQL keeps the numeric. SQLite has no exact decimal (SQLAlchemy's Numeric goes
    through a float there and warns), so it keeps a whole number of the smallest unit
    (10^-SCALE) in an INTEGER; the model's ``max_digits``/``decimal_places`` bound both
    alike. Sums go through ``money_units``/``hundredth_units``, integers on both.
    """

    PRECISION = 12
    SCALE = MONEY_SCALE
    impl = Numeric(12, MONEY_SCALE)
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "sqlite":
            return dialect.type_descriptor(BigInteger())
        return dialect.type_descriptor(Numeric(self.PRECISION, self.SCALE, asdecimal=True))

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        if value is None or dialect.name != "sqlite":
            return value
        return int((Decimal(value).scaleb(self.SCALE)).to_integral_value())

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-self.SCALE)
        return Decimal(value)


class Money(_FixedPoint):
    """``numeric(12,4)``: an amount with four decimal places (ten-thousandths on SQLite)."""

    impl = Numeric(12, MONEY_SCALE)
    cache_ok = True


class Hundredths(_FixedPoint):
    """``numeric(14,2)``: a figure with two decimal places (a KPI value, hours; whole
    hundredths on SQLite)."""

    PRECISION = 14
    SCALE = 2
    impl = Numeric(14, 2)
    cache_ok = True


class money_units(FunctionElement[int]):
    """A ``Money`` column as a whole number of ten-thousandths: sum it, and the sum is
    exact on both databases (divide by ``MONEY_UNITS`` in Python)."""

    type = BigInteger()
    inherit_cache = True
    name = "money_units"

    def __init__(self, value: Any) -> None:
        super().__init__(value)


@compiles(money_units)
def _money_units_pg(element: money_units, compiler: Any, **kw: Any) -> str:
    value = compiler.process(next(iter(element.clauses)), **kw)
    return f"CAST({value} * {MONEY_UNITS} AS BIGINT)"


@compiles(money_units, "sqlite")
def _money_units_sqlite(element: money_units, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(next(iter(element.clauses)), **kw))


class hundredth_units(FunctionElement[int]):
    """A ``Hundredths`` column as a whole number of hundredths (``money_units``' twin):
    its sums and maxima are exact on both databases (divide by 100 in Python)."""

    type = BigInteger()
    inherit_cache = True
    name = "hundredth_units"

    def __init__(self, value: Any) -> None:
        super().__init__(value)


@compiles(hundredth_units)
def _hundredth_units_pg(element: hundredth_units, compiler: Any, **kw: Any) -> str:
    value = compiler.process(next(iter(element.clauses)), **kw)
    return f"CAST({value} * 100 AS BIGINT)"


@compiles(hundredth_units, "sqlite")
def _hundredth_units_sqlite(element: hundredth_units, compiler: Any, **kw: Any) -> str:
    return str(compiler.process(next(iter(element.clauses)), **kw))


def table_of(model: type[SQLModel]) -> Table:
    """A table model's ``Table``, for Core statements over all its columns."""
    # SQLModel's metaclass sets __table__ on every table=True class but does not declare it.
    table: Table = model.__table__  # type: ignore[attr-defined]
    return table


def utcnow() -> datetime:
    """The current time, UTC and timezone-aware."""
    return datetime.now(UTC)


# --- seconds between two timestamps -------------------------------------------------


class seconds_between(FunctionElement[float]):
    """``end - start`` in seconds, as a float."""

    type = Float()
    inherit_cache = True
    name = "seconds_between"

    def __init__(self, start: Any, end: Any) -> None:
        super().__init__(start, end)


@compiles(seconds_between)
def _seconds_between_pg(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    # EXTRACT yields numeric (Decimal in Python); every caller wants a float.
    return (
        f"CAST(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - "
        f"{compiler.process(start, **kw)})) AS DOUBLE PRECISION)"
    )


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element: seconds_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    # SQLite keeps times to the millisecond, but a julianday near 2.46 million days has
    # only ~40 microseconds of resolution in a double: rounding to the millisecond gives
    # back the exact difference (4050.0, not 4049.99996), so an average that lands on a
    # half rounds the same as on PostgreSQL.
    return (
        f"round((julianday({compiler.process(end, **kw)}) - "
        f"julianday({compiler.process(start, **kw)})) * 86400.0, 3)"
    )


class whole_days_between(FunctionElement[int]):
    """Whole days elapsed from ``start`` to ``end`` (floor; both non-negative here)."""

    type = Integer()
    inherit_cache = True
    name = "whole_days_between"

    def __init__(self, start: Any, end: Any) -> None:
        super().__init__(start, end)


@compiles(whole_days_between)
def _whole_days(element: whole_days_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    seconds = compiler.process(seconds_between(start, end), **kw)
    return f"CAST(FLOOR({seconds} / 86400.0) AS INTEGER)"


@compiles(whole_days_between, "sqlite")
def _whole_days_sqlite(element: whole_days_between, compiler: Any, **kw: Any) -> str:
    start, end = list(element.clauses)
    seconds = compiler.process(seconds_between(start, end), **kw)
    # SQLite's CAST truncates toward zero, which is the floor for the non-negative
    # ages this is used for; FLOOR needs the optional math extension.
    return f"CAST(({seconds}) / 86400.0 AS INTEGER)"


# --- time buckets -------------------------------------------------------------------

_SQLITE_BUCKETS = {
    "minute": "%Y-%m-%d %H:%M:00",
    "hour": "%Y-%m-%d %H:00:00",
    "day": "%Y-%m-%d 00:00:00",
    "month": "%Y-%m-01 00:00:00",
}


class time_bucket(FunctionElement[datetime]):
    """The start of the ``unit`` bucket (minute, hour, day, month) holding a timestamp."""

    type = UTCDateTime()
    inherit_cache = True
    name = "time_bucket"

    def __init__(self, unit: str, value: Any) -> None:
        if unit not in _SQLITE_BUCKETS:
            raise ValueError(f"unknown bucket {unit!r}")
        self.unit = unit
        # The unit is a clause too, so that it is part of SQLAlchemy's statement cache
        # key: an attribute alone would let an "hour" statement reuse a "day" one.
        super().__init__(value, literal_column(f"'{unit}'"))


@compiles(time_bucket)
def _time_bucket_pg(element: time_bucket, compiler: Any, **kw: Any) -> str:
    value = next(iter(element.clauses))
    return f"date_trunc('{element.unit}', {compiler.process(value, **kw)}, 'UTC')"


@compiles(time_bucket, "sqlite")
def _time_bucket_sqlite(element: time_bucket, compiler: Any, **kw: Any) -> str:
    value = next(iter(element.clauses))
    return f"strftime('{_SQLITE_BUCKETS[element.unit]}', {compiler.process(value, **kw)})"


# --- fixed-size buckets ------------------------------------------------------------

# The governance family's bucket sizes, in seconds.
BUCKET_SECONDS: dict[str, int] = {"1m": 60, "5m": 300, "15m": 900, "1h": 3600, "1d": 86400}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class epoch_bucket(FunctionElement[datetime]):
    """The start of the ``seconds``-long bucket holding a timestamp: buckets start at UTC
    multiples of their size, ``floor(epoch / size) * size``."""

    type = UTCDateTime()
    inherit_cache = True
    name = "epoch_bucket"

    def __init__(self, value: Any, seconds: int) -> None:
        if isinstance(seconds, bool) or not isinstance(seconds, int) or seconds < 1:
            raise ValueError("a bucket is a positive whole number of seconds")
        self.seconds = seconds
        # In the cache key for the same reason as time_bucket's unit.
        super().__init__(value, literal_column(str(seconds)))


@compiles(epoch_bucket)
def _epoch_bucket_pg(element: epoch_bucket, compiler: Any, **kw: Any) -> str:
    value = compiler.process(next(iter(element.clauses)), **kw)
    # date_bin (PostgreSQL 14+) floors to multiples of the size from the epoch, as
    # floor(epoch / size) * size does, at about a third of the cost of that arithmetic
    # on numerics (it matters when a million rows are grouped by hour).
    return (
        f"date_bin(INTERVAL '{element.seconds} seconds', {value}, "
        "TIMESTAMPTZ '1970-01-01 00:00:00+00')"
    )


@compiles(epoch_bucket, "sqlite")
def _epoch_bucket_sqlite(element: epoch_bucket, compiler: Any, **kw: Any) -> str:
    value = compiler.process(next(iter(element.clauses)), **kw)
    size = element.seconds
    # Whole seconds are enough for sizes in whole seconds. The text is cut before its
    # fraction: SQLite rounds a time to the millisecond, so 00:09:59.9999 would read as
    # 00:10:00, the next bucket. The modulo floors (not truncates) before 1970 too.
    epoch = f"CAST(strftime('%s', substr({value}, 1, 19)) AS INTEGER)"
    return f"datetime({epoch} - ((({epoch}) % {size}) + {size}) % {size}, 'unixepoch')"


def bucket_floor(moment: datetime, seconds: int) -> datetime:
    """The start of the ``seconds``-long bucket holding ``moment`` (as ``epoch_bucket``)."""
    micro = seconds * 1_000_000
    elapsed = (moment - _EPOCH) // timedelta(microseconds=1)
    return _EPOCH + timedelta(microseconds=elapsed // micro * micro)


def bucket_count(start: datetime, end: datetime, seconds: int) -> int:
    """How many buckets ``bucket_starts`` lists for ``[start, end)``."""
    if end <= start:
        return 0
    first = bucket_floor(start, seconds)
    # The last bucket is the one holding the last instant before ``end``.
    last = bucket_floor(end - timedelta(microseconds=1), seconds)
    return (last - first) // timedelta(seconds=seconds) + 1


def bucket_starts(start: datetime, end: datetime, seconds: int) -> list[datetime]:
    """Every bucket start from the bucket holding ``start`` to the last one starting
    before ``end``, oldest first: the rows a zero-filled timeseries answers."""
    first, step = bucket_floor(start, seconds), timedelta(seconds=seconds)
    return [first + step * n for n in range(bucket_count(start, end, seconds))]


# --- calendar parts -----------------------------------------------------------------

CALENDAR_PARTS = ("hour", "weekday", "date", "iso_week")


class calendar_part(FunctionElement[Any]):
    """A UTC timestamp's place in the calendar, for heatmaps: ``hour`` (0-23), ``weekday``
    (0 = Monday ... 6), ``date`` (``YYYY-MM-DD``) or ``iso_week`` (``YYYY-Www``, the ISO
    8601 week and its own year, so 2026-12-31 is ``2026-W53`` and 2027-01-01 too)."""

    inherit_cache = True
    name = "calendar_part"

    def __init__(self, part: str, value: Any) -> None:
        if part not in CALENDAR_PARTS:
            raise ValueError(f"part must be one of {CALENDAR_PARTS}")
        self.part = part
        self.type = Integer() if part in ("hour", "weekday") else String()
        # In the cache key, as time_bucket's unit is.
        super().__init__(value, literal_column(repr(part)))


@compiles(calendar_part)
def _calendar_part_pg(element: calendar_part, compiler: Any, **kw: Any) -> str:
    value = compiler.process(next(iter(element.clauses)), **kw)
    utc = f"({value} AT TIME ZONE 'UTC')"
    return {
        "hour": f"CAST(EXTRACT(HOUR FROM {utc}) AS INTEGER)",
        "weekday": f"CAST(EXTRACT(ISODOW FROM {utc}) AS INTEGER) - 1",
        "date": f"to_char({utc}, 'YYYY-MM-DD')",
        "iso_week": f"to_char({utc}, 'IYYY-\"W\"IW')",
    }[element.part]


@compiles(calendar_part, "sqlite")
def _calendar_part_sqlite(element: calendar_part, compiler: Any, **kw: Any) -> str:
    value = compiler.process(next(iter(element.clauses)), **kw)
    weekday = f"((CAST(strftime('%w', {value}) AS INTEGER) + 6) % 7)"
    # The ISO week is the week of its Thursday, and the ISO year that Thursday's year.
    thursday = f"date({value}, '-' || {weekday} || ' days', '+3 days')"
    return {
        "hour": f"CAST(strftime('%H', {value}) AS INTEGER)",
        "weekday": weekday,
        "date": f"strftime('%Y-%m-%d', {value})",
        "iso_week": (
            f"printf('%s-W%02d', strftime('%Y', {thursday}), "
            f"(CAST(strftime('%j', {thursday}) AS INTEGER) - 1) / 7 + 1)"
        ),
    }[element.part]


# --- percentiles --------------------------------------------------------------------


class percentile_cont(FunctionElement[float]):
    """Continuous percentile (linear interpolation) of ``value`` over the group."""

    type = Float()
    inherit_cache = True
    name = "percentile_cont"

    def __init__(self, fraction: float, value: Any) -> None:
        if not 0.0 <= fraction <= 1.0:
            raise ValueError("fraction must be within [0, 1]")
        self.fraction = float(fraction)
        # In the cache key for the same reason as time_bucket's unit.
        super().__init__(value, literal_column(repr(self.fraction)))


@compiles(percentile_cont)
def _percentile_pg(element: percentile_cont, compiler: Any, **kw: Any) -> str:
    value = next(iter(element.clauses))
    return (
        f"percentile_cont({element.fraction!r}) WITHIN GROUP "
        f"(ORDER BY {compiler.process(value, **kw)})"
    )


@compiles(percentile_cont, "sqlite")
def _percentile_sqlite(element: percentile_cont, compiler: Any, **kw: Any) -> str:
    value = next(iter(element.clauses))
    return f"percentile_cont({compiler.process(value, **kw)}, {element.fraction!r})"


class SQLitePercentile:
    """SQLite aggregate matching PostgreSQL's ``percentile_cont`` (registered on connect)."""

    def __init__(self) -> None:
        self.values: list[float] = []
        self.fraction = 0.5

    def step(self, value: float | None, fraction: float) -> None:
        self.fraction = fraction
        if value is not None:
            self.values.append(float(value))

    def finalize(self) -> float | None:
        if not self.values:
            return None
        ordered = sorted(self.values)
        position = (len(ordered) - 1) * self.fraction
        low, high = math.floor(position), math.ceil(position)
        return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


# --- upsert -------------------------------------------------------------------------


def upsert(
    dialect_name: str,
    table: Table,
    values: dict[str, Any],
    keys: list[str],
    keep: Sequence[str] = (),
) -> Insert:
    """``INSERT ... ON CONFLICT (keys) DO UPDATE`` for either dialect; the columns in
    ``keep`` (an id, a creation time) are written by the insert only, never updated."""
    insert = postgresql.insert if dialect_name == "postgresql" else sqlite.insert
    stmt = insert(table).values(**values)
    updates = {k: stmt.excluded[k] for k in values if k not in keys and k not in keep}
    if not updates:
        return stmt.on_conflict_do_nothing(index_elements=keys)
    return stmt.on_conflict_do_update(index_elements=keys, set_=updates)


def newest_per_key(
    dialect_name: str,
    statement: Select[Any],
    key: ColumnElement[Any],
    keys: Sequence[Any] | BindParameter[Any],
    order_by: Sequence[ColumnElement[Any]],
    first: int | BindParameter[int] | ColumnElement[int],
) -> Select[Any]:
    """The first ``first`` rows of ``statement`` for each of ``keys``, in ``order_by``.

    The rows come with a ``rank`` column (1 = first) and are ordered by it. PostgreSQL
    runs one index probe per key (``CROSS JOIN LATERAL (... LIMIT first)``), reading only
    the rows it returns; SQLite has no LATERAL, so it numbers each key's rows with
    ``row_number()`` and keeps the first ``first``. ``keys`` and ``first`` may be bound
    parameters (``keys_parameter``, ``bindparam("first")``): a statement built once and
    given their values per execution (a loader's, every request).
    """
    if dialect_name == "postgresql":
        # The keys as one array parameter, not a VALUES list: the statement's text (and so
        # SQLAlchemy's compiled cache) stays the same whatever the keys, where VALUES
        # rendered each key into it and compiled the statement anew on every request.
        array = (
            keys
            if isinstance(keys, BindParameter)
            else bindparam("keys", list(keys), type_=postgresql.ARRAY(key.type), unique=True)
        )
        wanted = func.unnest(array).table_valued("key").render_derived(name="wanted")
        rank = func.row_number().over(order_by=order_by).label("rank")
        per_key = (
            statement.add_columns(rank)
            .where(key == wanted.c.key)
            .order_by(*order_by)
            .limit(first)
            .lateral("per_key")
        )
        return select(per_key).select_from(wanted).join(per_key, true()).order_by(per_key.c.rank)
    rank = func.row_number().over(partition_by=key, order_by=order_by).label("rank")
    ranked = statement.add_columns(rank).where(key.in_(keys)).subquery()
    return select(ranked).where(ranked.c.rank <= first).order_by(ranked.c.rank)


def inline_limit(limit: int) -> ColumnElement[int]:
    """A LIMIT written into the SQL text, not sent as a bound value: PostgreSQL plans a
    prepared statement afresh on each execution until a generic plan looks as cheap, and
    with ``LIMIT $n`` it never does (the generic plan cannot know that only a few rows are
    wanted), so every request paid about 0.25 ms of planning. With the number in the text
    the generic plan is chosen after five runs. The number is part of the compiled text
    (not a literal-execute parameter, which SQLAlchemy would splice into the whole text
    again on every execution): a page size is one more statement, compiled once, which
    asyncpg prepares once per connection."""
    return literal_column(str(int(limit)), Integer())


def keys_parameter(dialect_name: str, key: ColumnElement[Any]) -> BindParameter[Any]:
    """``:keys``, a list of ``key``'s values given per execution: one array on PostgreSQL
    (the text stays the same whatever the keys), an expanding IN list on SQLite."""
    if dialect_name == "postgresql":
        return bindparam("keys", type_=postgresql.ARRAY(key.type))
    return bindparam("keys", expanding=True)


# --- JSON arrays ------------------------------------------------------------------


class json_array_has(FunctionElement[bool]):
    """Whether a JSON array column of text holds ``value``."""

    type = Boolean()
    inherit_cache = True
    name = "json_array_has"

    def __init__(self, array: Any, value: Any) -> None:
        super().__init__(array, value)


@compiles(json_array_has)
def _json_array_has_pg(element: json_array_has, compiler: Any, **kw: Any) -> str:
    array, value = (compiler.process(c, **kw) for c in element.clauses)
    return (
        f"EXISTS (SELECT 1 FROM json_array_elements_text(CAST({array} AS json)) AS item "
        f"WHERE item = {value})"
    )


@compiles(json_array_has, "sqlite")
def _json_array_has_sqlite(element: json_array_has, compiler: Any, **kw: Any) -> str:
    array, value = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXISTS (SELECT 1 FROM json_each({array}) AS item WHERE item.value = {value})"
