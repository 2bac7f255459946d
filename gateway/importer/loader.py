"""Load an NDJSON file in one transaction: every line, or nothing.

Lines are read in chunks, and a chunk is validated, a slice at a time, while the database
writes the previous one, so that Python's validation and the database's writing use a core
each. Valid lines are gathered into batches of one entity, checked against the
organisation they claim, and upserted by key, so loading the same file twice changes
nothing. On PostgreSQL a batch goes through COPY into a staging table
(``gateway.importer.staging``); SQLite takes it as one ``executemany``. The first bad
line, whether invalid JSON, a failed validation, a reference to another organisation's
row or a row the database refuses, aborts the transaction and is reported with its line
number. A line that would change a guarded column of an existing row (an organisation's
plan, subscription or trial) is refused too, unless ``allow_guarded_changes`` is given.
"""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy import Table, bindparam, select
from sqlalchemy.exc import DataError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from gateway.collector import collections_deferred
from gateway.importer.entities import Entities, EntitySpec, Ref, entities_of
from gateway.importer.errors import ImportFailed, describe_db_error, describe_validation
from gateway.importer.records import Record
from gateway.importer.staging import BatchRefused, Staged, Stager
from gateway.sql import upsert

BATCH_SIZE = 1000
# COPY pays off with larger batches; each is still checked before the next is read.
COPY_BATCH_SIZE = 10_000
# Lines validated between two turns of the event loop (about 2 ms of work).
VALIDATION_SLICE = 500
# A file this long reports its progress on stderr every so many lines.
PROGRESS_EVERY = 50_000

Progress = Callable[[str], None]


@dataclass
class ImportReport:
    """What a successful import loaded."""

    lines: int = 0
    counts: Counter[str] = field(default_factory=Counter)


async def load_file(
    engine: AsyncEngine,
    path: Path,
    *,
    batch_size: int | None = None,
    allow_guarded_changes: bool = False,
    entities: Sequence[EntitySpec] | None = None,
    progress: Progress | None = None,
    progress_every: int | None = None,
    copy: bool | None = None,
) -> ImportReport:
    """Load ``path`` into the database, all of it or (raising ImportFailed) none of it.

    ``entities`` defaults to every family's (gateway.families.FAMILIES). ``progress``
    hears of every ``progress_every`` (PROGRESS_EVERY) lines, with the rate so far.
    ``copy=False`` takes the ``executemany`` path on PostgreSQL too (the bench compares).
    """
    if entities is None:
        from gateway.families import import_entities  # the families import the importer

        entities = import_entities()
    known = entities_of(entities)
    copy = engine.dialect.name == "postgresql" and copy is not False
    size = batch_size or (COPY_BATCH_SIZE if copy else BATCH_SIZE)
    every = progress_every or PROGRESS_EVERY
    meter = _Meter(progress, every)
    with collections_deferred():
        try:
            return await _load(engine, path, size, allow_guarded_changes, known, copy, meter)
        except BatchRefused:
            # The failed transaction was rolled back. Load again one row per statement,
            # which fails at the same row and so can name its line.
            meter = _Meter(None, every)
            return await _load(engine, path, 1, allow_guarded_changes, known, False, meter)


class _Meter:
    """Lines so far, said every ``every`` lines with the rate since the start."""

    def __init__(self, progress: Progress | None, every: int) -> None:
        self.progress, self.every = progress, every
        self.start = time.perf_counter()
        self.next = every

    def count(self, lines: int) -> None:
        if self.progress is None or lines < self.next:
            return
        self.next = (lines // self.every + 1) * self.every
        rate = lines / max(time.perf_counter() - self.start, 1e-9)
        self.progress(f"import: {lines:,} lines ({rate:,.0f} rows/s)")


@dataclass
class _Validated:
    """A chunk's valid lines, and the failure that ended it early, if any."""

    items: list[tuple[int, Record]]
    failure: ImportFailed | None


def _validate(known: Entities, chunk: list[tuple[int, bytes]]) -> _Validated:
    items = []
    for number, text in chunk:
        try:
            items.append((number, known.line.validate_json(text)))
        except ValidationError as exc:
            return _Validated(items, ImportFailed(number, describe_validation(exc)))
    return _Validated(items, None)


async def _load(
    engine: AsyncEngine,
    path: Path,
    batch_size: int,
    allow_guarded_changes: bool,
    known: Entities,
    copy: bool,
    meter: _Meter,
) -> ImportReport:
    report = ImportReport()
    async with engine.begin() as connection:
        batch = _Batch(connection, batch_size, allow_guarded_changes, known, copy)
        try:
            await _read_all(batch, path, known, meter, report)
        finally:
            await batch.settle()
    return report


async def _validate_beside(known: Entities, chunk: list[tuple[int, bytes]]) -> _Validated:
    """``_validate`` a slice at a time, letting the event loop run between slices: the
    batch being written needs it only for moments (to send the next statement), and
    has it within a slice's time, where a thread would have held the interpreter for
    its switch interval and contended with the COPY's encoding."""
    items: list[tuple[int, Record]] = []
    for start in range(0, len(chunk), VALIDATION_SLICE):
        part = _validate(known, chunk[start : start + VALIDATION_SLICE])
        items.extend(part.items)
        if part.failure is not None:
            return _Validated(items, part.failure)
        await asyncio.sleep(0)
    return _Validated(items, None)


async def _read_all(
    batch: _Batch, path: Path, known: Entities, meter: _Meter, report: ImportReport
) -> None:
    # Read as written, but not a line at a time when retrying row by row.
    size = batch.size if batch.size > 1 else BATCH_SIZE
    chunks = _chunks(_read_lines(path), size)
    validated = await _validate_beside(known, next(chunks, []))
    for chunk in itertools.chain(chunks, [None]):
        # This chunk is written while the next one is validated beside it.
        following = _validate_beside(known, chunk) if chunk else None
        write = _write(batch, validated, report)
        if following is None:
            await write
            break
        # The write's failure is an earlier line's, so it wins over the validation's.
        written, checked = await asyncio.gather(write, following, return_exceptions=True)
        if isinstance(written, BaseException):
            raise written
        if isinstance(checked, BaseException):
            raise checked
        validated = checked
        meter.count(report.lines)
    await batch.flush()
    await batch.drain()


async def _write(batch: _Batch, validated: _Validated, report: ImportReport) -> None:
    for number, record in validated.items:
        # Synchronous unless a batch is full: a coroutine per line costs more than the
        # rest of what the loop does with it.
        if not batch.take(number, record):
            await batch.flush()
            batch.take(number, record)
    report.lines += len(validated.items)
    report.counts.update(record.entity for _, record in validated.items)
    if validated.failure is not None:
        # Earlier lines are checked first, so the error is the file's first.
        await batch.flush()
        await batch.drain()
        raise validated.failure


def _chunks(lines: Iterator[tuple[int, bytes]], size: int) -> Iterator[list[tuple[int, bytes]]]:
    while chunk := list(itertools.islice(lines, size)):
        yield chunk


def _read_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    # Bytes, not text: the JSON parser checks the encoding, so a line that is not
    # UTF-8 fails as that line rather than aborting the read. Synchronous: an import
    # is a batch job that owns its event loop, and a buffered read is far cheaper
    # than the statements each line leads to.
    with path.open("rb") as lines:
        for number, text in enumerate(lines, start=1):
            if text.strip():
                yield number, text


class _Batch:
    """Consecutive lines of one entity, written together."""

    def __init__(
        self,
        connection: AsyncConnection,
        size: int,
        allow_guarded: bool,
        known: Entities,
        copy: bool,
    ) -> None:
        self.connection = connection
        self.stager = Stager(connection) if copy else None
        self.known = known
        self.size = size
        self.allow_guarded = allow_guarded
        self.spec: EntitySpec | None = None
        self.items: list[Staged] = []
        self.keys: set[Any] = set()
        # The batch PostgreSQL is writing while the next one is gathered.
        self.writing: asyncio.Task[None] | None = None

    async def drain(self) -> None:
        """Wait for the batch being written; its failure, if any, is raised here."""
        if self.writing is not None:
            writing, self.writing = self.writing, None
            await writing

    async def settle(self) -> None:
        """Let a batch still being written finish, whatever it raises: the transaction
        is being abandoned, and its connection must be idle to roll back."""
        if self.writing is not None:
            writing, self.writing = self.writing, None
            await asyncio.gather(writing, return_exceptions=True)

    def take(self, line: int, record: Record) -> bool:
        """Add the line to the batch, unless the batch must be written first (False)."""
        spec = self.known.by_name[record.entity]
        row = spec.to_row(record)
        key = spec.key_of(row)
        # A key seen twice in one batch is flushed first, so that rows of one batch
        # never conflict with each other and the later line wins, as in the file.
        if self.items and (
            spec is not self.spec or key in self.keys or len(self.items) >= self.size
        ):
            return False
        self.spec = spec
        self.items.append(Staged(line, row))
        self.keys.add(key)
        return True

    async def flush(self) -> None:
        if not self.items or self.spec is None:
            return
        spec, items = self.spec, self.items
        self.items, self.keys = [], set()
        await self.drain()
        # A batch whose rows are completed from the database (an organisation taken from
        # a reference, a fill) is checked here first, a line at a time; the others are
        # checked in the staging table, by set.
        by_row = self.stager is None or spec.org_via is not None or spec.fill is not None
        if by_row:
            await self._check_tenancy(spec, items)
        if spec.guarded and not self.allow_guarded:
            await self._check_guarded(spec, items)
        if spec.fill is not None:
            await spec.fill(self.connection, [item.row for item in items])
        if self.stager is not None:
            # Written in the background: the lines that follow are parsed and gathered
            # while PostgreSQL works, and the next flush waits for this one.
            self.writing = asyncio.create_task(self.stager.write(spec, items, checked=by_row))
            return
        table: Table = spec.table
        statement = upsert(
            self.connection.dialect.name,
            table,
            {name: bindparam(name, type_=table.c[name].type) for name in items[0].row},
            list(spec.keys),
        )
        try:
            await self.connection.execute(statement, [item.row for item in items])
        except (IntegrityError, DataError) as exc:
            # Only a row's own content makes it refused; a lost connection or the like
            # is not a bad line, and propagates as it is.
            if len(items) > 1:
                raise BatchRefused from exc
            raise ImportFailed(items[0].line, describe_db_error(exc)) from None

    async def _check_tenancy(self, spec: EntitySpec, items: list[Staged]) -> None:
        """Refuse any line that reaches into another organisation, by id or by reference.

        Ids are given by the file, so a line could name an existing row of another
        organisation: upserting it would move that row (or point at it). Each id and
        each reference is looked up, in this transaction, and must belong to the
        line's own organisation.
        """
        owners = {ref: await self._owners(ref, items) for ref in spec.refs}
        own = await self._owners(Ref("id", spec.table), items) if spec.guards_own_id else {}
        for item in items:
            if spec.org_via:
                via = item.row[spec.org_via]
                via_owners = next(owners[ref] for ref in spec.refs if ref.field == spec.org_via)
                if via in via_owners:
                    item.row["org_id"] = via_owners[via]
            org_id = item.row.get("org_id", item.row.get("id"))
            for ref in spec.refs:
                value = item.row.get(ref.field)
                if value is None or not ref.applies_to(item.row):
                    continue
                owner = owners[ref].get(value)
                if owner is None and ref.must_exist:
                    raise ImportFailed(
                        item.line,
                        f"{ref.field} {value} does not exist "
                        "(rows must appear in the file before the rows that refer to them)",
                    )
                if owner is not None and owner != org_id:
                    raise ImportFailed(
                        item.line, f"{ref.field} {value} belongs to another organisation"
                    )
            row_id = item.row.get("id")
            existing = own.get(row_id) if row_id is not None else None
            if existing is not None and existing != org_id:
                raise ImportFailed(
                    item.line,
                    f"{spec.name} {item.row['id']} already exists in another organisation; "
                    "an import cannot move rows between organisations",
                )

    async def _check_guarded(self, spec: EntitySpec, items: list[Staged]) -> None:
        """Refuse a line that changes a guarded column of a row already in the database."""
        ids = {item.row["id"] for item in items}
        table: Table = spec.table
        result = await self.connection.execute(
            select(table.c.id, *(table.c[name] for name in spec.guarded)).where(table.c.id.in_(ids))
        )
        existing = {row.id: row for row in result}
        for item in items:
            before = existing.get(item.row["id"])
            if before is None:
                continue
            for name in spec.guarded:
                old, new = getattr(before, name), item.row.get(name)
                if old != new:
                    raise ImportFailed(
                        item.line,
                        f"{spec.name} {item.row['id']} exists with {name} {_shown(old)}; "
                        f"this line would change it to {_shown(new)} "
                        "(allowed only with --allow-plan-changes)",
                    )

    async def _owners(self, ref: Ref, items: list[Staged]) -> dict[uuid.UUID, uuid.UUID]:
        """The organisation of each row that ``ref`` names in these lines."""
        ids = {
            item.row[ref.field]
            for item in items
            if item.row.get(ref.field) is not None and ref.applies_to(item.row)
        }
        if not ids:
            return {}
        id_column = ref.table.c.id
        result = await self.connection.execute(
            select(id_column, ref.tenant_column).where(id_column.in_(ids))
        )
        return {row_id: org_id for row_id, org_id in result}


def _shown(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, bool):
        return str(value).lower()
    return repr(value)
