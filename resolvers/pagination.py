"""Cursor pagination shared by every domain: keyset pages in, Relay-style connections out."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any, Generic, TypeVar

import strawberry
from sqlalchemy import and_, literal, or_, select
from sqlalchemy.engine import RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.compiler.build import Keyset
from gateway.compiler.run import compiled_page
from gateway.context import Info
from gateway.cursors import decode_cursor, encode_cursor
from gateway.sql import UTCDateTime, inline_limit
from resolvers.common import cursor_moment

T = TypeVar("T")

# A page as the list functions return it: (cursor, row) pairs and whether more follow.
Page = tuple[list[tuple[str, RowMapping]], bool]


def newest_first_after(moment_column: Any, id_column: Any, after: str) -> Any:
    """Rows after a cursor in (moment desc, id desc) order: the newest-first keyset."""
    moment, last = decode_cursor(after, cursor_moment, uuid.UUID)
    boundary = literal(moment, UTCDateTime())
    return or_(moment_column < boundary, and_(moment_column == boundary, id_column < last))


def newest_first_cursor(moment_key: str) -> Callable[[RowMapping], str]:
    """The cursor of a row in a newest-first page keyed on ``moment_key`` and id."""
    return lambda row: encode_cursor(row[moment_key].isoformat(), row["id"])


def page_of(rows: list[RowMapping], first: int, cursor_of: Callable[[RowMapping], str]) -> Page:
    """The first ``first`` rows of ``first + 1`` fetched, and whether there were more."""
    return [(cursor_of(row), row) for row in rows[:first]], len(rows) > first


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


@strawberry.type
class Edge(Generic[T]):
    cursor: str
    node: T


@strawberry.type(description="A page of results and how to get the next one.")
class Connection(Generic[T]):
    edges: list[Edge[T]]
    page_info: PageInfo

    @strawberry.field(description="The page's nodes, without their cursors.")
    def nodes(self) -> list[T]:
        return [edge.node for edge in self.edges]


def connection(page: Page, build: Callable[[RowMapping], Any]) -> Connection[Any]:
    """A Connection from a page, each row built into its GraphQL type."""
    edges, has_next = page
    return Connection(
        edges=[Edge(cursor=cursor, node=build(row)) for cursor, row in edges],
        page_info=PageInfo(has_next_page=has_next, end_cursor=edges[-1][0] if edges else None),
    )


async def compiled_or_read(
    info: Info, org_id: uuid.UUID, keyset: Keyset, build: Callable[[RowMapping], Any]
) -> Connection[Any]:
    """A root connection over ``keyset``: compiled into one statement when its selection
    allows (gateway/compiler), else read here for the resolvers. Both read the keyset's
    conditions, order and cursor columns, so they list the same rows."""
    compiled = await compiled_page(info, org_id, keyset)
    if compiled is not None:
        return compiled  # type: ignore[return-value]
    async with info.context.reading() as conn:
        page = await read_page(conn, keyset)
    return connection(page, build)


async def read_page(conn: AsyncConnection, keyset: Keyset) -> Page:
    """The keyset's page as the resolvers read it: ``first + 1`` rows (one more says
    whether more follow), each with the cursor of its ``keyset.cursor`` columns."""
    statement = (
        select(*keyset.table.c)
        .where(*keyset.conditions)
        .order_by(*keyset.order)
        .limit(inline_limit(keyset.first + 1))
    )
    rows = list((await conn.execute(statement)).mappings())
    return page_of(rows, keyset.first, lambda row: _cursor(row, keyset.cursor))


def _cursor(row: RowMapping, columns: Sequence[str]) -> str:
    # A moment as the compiled path writes it (isoformat, not str's space).
    values = (row[column] for column in columns)
    return encode_cursor(*(v.isoformat() if isinstance(v, datetime) else v for v in values))
