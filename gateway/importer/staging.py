"""PostgreSQL's bulk path: a batch streamed with COPY into a temporary staging table,
checked there with set-based SQL, and upserted with one ``INSERT ... SELECT``.

The staging table has the batch's columns and a ``line`` column, so that every check
answers with the first offending line of the file, as the per-row path does. The upsert
leaves out rows that would not change (``IS DISTINCT FROM`` the stored row), so importing
the same file again writes nothing: no new row versions, no index entries, no row locks.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import JSON, Column, Table, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.importer.entities import EntitySpec
from gateway.importer.errors import ImportFailed
from gateway.sql import UTCDateTime

# Words for a refused line, from the referenced value and whether its row is missing.
Describe = Callable[[str, bool], str]


class BatchRefused(Exception):
    """The database refused a batch of several rows without saying which one."""


@dataclass
class Staged:
    """One line's row, ready for the staging table."""

    line: int
    row: dict[str, Any]


@dataclass(frozen=True)
class _Plan:
    """The statements of one entity's table, built once per import."""

    stage: str
    columns: tuple[str, ...]
    # A row's values of the columns the file gives, in order; the defaulted ones follow.
    given: Callable[[dict[str, Any]], Any]
    defaulted: int
    # The columns whose values need converting, by position.
    processed: tuple[tuple[int, Callable[[Any], Any]], ...]
    upsert: str
    checks: tuple[str, tuple[Describe, ...]]


class Stager:
    """Writes batches of one entity at a time through the staging tables of one
    transaction (they are dropped at its end)."""

    def __init__(self, connection: AsyncConnection) -> None:
        self.connection = connection
        self.plans: dict[str, _Plan] = {}

    async def write(self, spec: EntitySpec, items: Sequence[Staged], *, checked: bool) -> None:
        """Stage ``items``, check them unless ``checked`` (the caller did), and upsert."""
        plan = await self._plan(spec, items[0].row)
        records = [(item.line, *_values(plan, item.row)) for item in items]
        driver = await _driver(self.connection)
        try:
            await driver.execute(f"TRUNCATE {plan.stage}")
            await driver.copy_records_to_table(
                plan.stage, records=records, columns=("line", *plan.columns)
            )
        except Exception as exc:
            # asyncpg's own errors, not SQLAlchemy's: a data exception (class 22) or an
            # integrity violation (23) is a row's content; anything else propagates.
            if str(getattr(exc, "sqlstate", ""))[:2] in ("22", "23"):
                raise BatchRefused from exc
            raise
        if not checked:
            await self._check(plan)
        try:
            await self.connection.execute(text(plan.upsert))
        except (IntegrityError, DataError) as exc:
            raise BatchRefused from exc

    async def _check(self, plan: _Plan) -> None:
        """The first line any check refuses; at one line, the first check in spec order."""
        query, says = plan.checks
        if not query:
            return
        found = (await self.connection.execute(text(query))).all()
        if found:
            line, check, value, missing = min(tuple(row) for row in found)
            raise ImportFailed(line, says[check](value, missing))

    async def _plan(self, spec: EntitySpec, row: dict[str, Any]) -> _Plan:
        if spec.name in self.plans:
            return self.plans[spec.name]
        table: Table = spec.table
        dialect = self.connection.dialect
        given = tuple(row)
        defaults = tuple(c.name for c in table.c if c.name not in row and c.default is not None)
        columns = given + defaults
        stage = f"import_stage_{table.name}"
        definition = ", ".join(
            f"{name} {table.c[name].type.compile(dialect=dialect)}" for name in columns
        )
        await self.connection.execute(
            text(f"CREATE TEMPORARY TABLE {stage} (line integer, {definition}) ON COMMIT DROP")
        )
        processors = (
            _processor(table.c[name], dialect, defaulted=name in defaults) for name in columns
        )
        processed = tuple((i, p) for i, p in enumerate(processors) if p is not None)
        plan = _Plan(
            stage,
            columns,
            # A row's values in one C call: a lookup per column was a tenth of the
            # import's Python time. Every row of an entity has the same columns.
            operator.itemgetter(*given) if len(given) > 1 else lambda row: (row[given[0]],),
            len(defaults),
            processed,
            _upsert_sql(table, stage, columns, given, spec.keys),
            _checks(spec, stage),
        )
        self.plans[spec.name] = plan
        return plan


def _values(plan: _Plan, row: dict[str, Any]) -> list[Any]:
    values = [*plan.given(row), *(None,) * plan.defaulted]
    for index, process in plan.processed:
        values[index] = process(values[index])
    return values


def _processor(
    column: Column[Any], dialect: Any, *, defaulted: bool
) -> Callable[[Any], Any] | None:
    """What SQLAlchemy would do to a value before the driver sees it (a JSON column's
    text, a UTC timestamp), and a ``defaulted`` column's Python default (lines leave it
    out), per row as SQLAlchemy's insert evaluates it."""
    # asyncpg takes an aware datetime as it is; a line's are aware (``Moment``), so the
    # UTC conversion of UTCDateTime, a tenth of the import's Python time, is skipped.
    kind = column.type
    process = None if isinstance(kind, UTCDateTime) else kind.bind_processor(dialect)
    default = column.default
    if not defaulted or default is None:
        return process
    if default.is_callable:
        make: Callable[[], Any] = lambda: default.arg(None)  # type: ignore[attr-defined]  # noqa: E731
    else:
        make = lambda: default.arg  # type: ignore[attr-defined]  # noqa: E731

    def with_default(value: Any) -> Any:
        value = make() if value is None else value
        return process(value) if process is not None else value

    return with_default


def _upsert_sql(
    table: Table,
    stage: str,
    columns: tuple[str, ...],
    given: tuple[str, ...],
    keys: tuple[str, ...],
) -> str:
    """``INSERT ... SELECT ... ON CONFLICT`` that updates only the columns the file gave
    (as ``gateway.sql.upsert`` does), and only where one of them differs.

    A staged row equal to the stored one is left out before the insert: ``ON CONFLICT DO
    UPDATE ... WHERE`` would skip its update but still lock the row, which writes its
    page, so a re-import would rewrite the table it changes nothing in. The stored row
    is probed by key a row at a time (LATERAL ... LIMIT 1), as the own-id check is.
    """
    names = ", ".join(columns)
    updated = [name for name in given if name not in keys]
    on_key = " AND ".join(f"r.{key} = s.{key}" for key in keys)
    stored = "".join(f", r.{name}" for name in updated)
    probe = (
        f"LEFT JOIN LATERAL (SELECT true AS stored_row{stored} FROM {table.name} r "
        f"WHERE {on_key} LIMIT 1) o ON true"
    )
    kept = "o.stored_row IS NULL"
    if updated:
        before = ", ".join(_comparable(table, f"o.{name}", name) for name in updated)
        after = ", ".join(_comparable(table, f"s.{name}", name) for name in updated)
        kept += f" OR ({before}) IS DISTINCT FROM ({after})"
    head = (
        f"INSERT INTO {table.name} ({names}) "
        f"SELECT {', '.join(f's.{name}' for name in columns)} FROM {stage} s {probe} "
        f"WHERE {kept} ORDER BY s.line ON CONFLICT ({', '.join(keys)}) DO "
    )
    if not updated:
        return head + "NOTHING"
    sets = ", ".join(f"{name} = EXCLUDED.{name}" for name in updated)
    before = ", ".join(_comparable(table, f"{table.name}.{name}", name) for name in updated)
    after = ", ".join(_comparable(table, f"EXCLUDED.{name}", name) for name in updated)
    return head + f"UPDATE SET {sets} WHERE ({before}) IS DISTINCT FROM ({after})"


def _comparable(table: Table, expression: str, name: str) -> str:
    # json has no equality operator; jsonb compares by value.
    kind = table.c[name].type
    if isinstance(kind, JSON) and not isinstance(kind, JSONB):
        return f"{expression}::jsonb"
    return expression


def _checks(spec: EntitySpec, stage: str) -> tuple[str, tuple[Describe, ...]]:
    """One statement for every reference of the entity (and its own id), answering with
    the first staged line each refuses, and how to say each in the per-row path's words.

    A reference is a plain join, which the planner hashes when the referenced table is
    small (components, environments). The row's own id probes its table's primary key
    row by row (LATERAL ... LIMIT 1): that table grows through the import, and a hash
    join would read all of it again for every batch.
    """
    org = "s.org_id" if "org_id" in spec.record.model_fields else "s.id"
    parts: list[str] = []
    says: list[Describe] = []
    for ref in spec.refs:
        table: Table = ref.table
        wrong = f"(t.id IS NOT NULL AND t.org <> {org})"
        refused = f"(t.id IS NULL OR {wrong})" if ref.must_exist else wrong
        narrowed = f" AND s.{ref.when[0]} = '{ref.when[1]}'" if ref.when else ""
        parts.append(
            _first_refused(
                stage,
                len(parts),
                f"s.{ref.field}",
                f"LEFT JOIN (SELECT r.id, r.{ref.tenant_column.name} AS org "
                f"FROM {table.name} r) t ON t.id = s.{ref.field}",
                f"s.{ref.field} IS NOT NULL{narrowed} AND {refused}",
            )
        )
        says.append(_reference_refused(ref.field))
    if spec.guards_own_id:
        own: Table = spec.table
        parts.append(
            _first_refused(
                stage,
                len(parts),
                "s.id",
                f"JOIN LATERAL (SELECT r.id, r.org_id AS org FROM {own.name} r "
                "WHERE r.id = s.id LIMIT 1) t ON true",
                "t.org <> s.org_id",
            )
        )
        name = spec.name
        says.append(
            lambda value, missing: (
                f"{name} {value} already exists in another organisation; "
                "an import cannot move rows between organisations"
            )
        )
    return " UNION ALL ".join(parts), tuple(says)


def _first_refused(stage: str, check: int, value: str, join: str, refused: str) -> str:
    return (
        f"(SELECT s.line, {check} AS k, {value}::text AS value, t.id IS NULL AS missing "
        f"FROM {stage} s {join} WHERE {refused} ORDER BY s.line LIMIT 1)"
    )


def _reference_refused(field: str) -> Describe:
    def describe(value: str, missing: bool) -> str:
        if missing:
            return (
                f"{field} {value} does not exist "
                "(rows must appear in the file before the rows that refer to them)"
            )
        return f"{field} {value} belongs to another organisation"

    return describe


async def _driver(connection: AsyncConnection) -> Any:
    """The asyncpg connection under ``connection``, in its transaction."""
    raw = await connection.get_raw_connection()
    return raw.driver_connection
