"""DRF-style lists in GraphQL: ``{totalCount, results}`` pages by ``first``/``offset``,
with DRF's ``ordering`` and ``search`` applied in SQL.

- ``ordering``: comma-separated field names, ``-`` for descending. A name the list does
  not offer is ignored, as DRF's OrderingFilter ignores it; the list's default order
  applies when none is left. The id always breaks ties, so pages never overlap.
- ``search``: a case-insensitive substring of any of the list's text columns (DRF's
  SearchFilter with ``icontains``); ``%`` and ``_`` are literal characters.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypedDict, TypeVar, Unpack

import strawberry
from sqlalchemy import ColumnElement, Select, func, or_, select
from strawberry.utils.str_converters import to_camel_case

from gateway.compiler.run import compiled_offset_page
from gateway.compiler.spec import Column, Member
from gateway.context import Info
from gateway.errors import bad_input
from resolvers.common import check_text

T = TypeVar("T")

MAX_FIRST = 100  # DRF's max_page_size
MAX_OFFSET = 100_000_000  # rest_compat.pages.MAX_PAGE_NUMBER pages of 100
MAX_ORDERING = 200  # characters of an ordering parameter
MAX_SEARCH = 200


@strawberry.type(description="A page of a list, by first/offset, and the list's size.")
class OffsetPage(Generic[T]):
    total_count: int
    results: list[T]


def check_window(first: int, offset: int) -> None:
    if not 1 <= first <= MAX_FIRST:
        raise bad_input(f"first must be from 1 to {MAX_FIRST}", argument="first")
    if not 0 <= offset <= MAX_OFFSET:
        raise bad_input(f"offset must be from 0 to {MAX_OFFSET}", argument="offset")


def order_by(
    ordering: str | None, allowed: Mapping[str, Any], default: Sequence[Any], tie: Any
) -> list[Any]:
    """The ORDER BY of ``ordering`` over ``allowed`` (name -> column), else ``default``;
    ``tie`` (the id) last."""
    clauses: list[Any] = []
    seen: set[str] = set()
    for raw in (ordering or "")[:MAX_ORDERING].split(","):
        name = raw.strip()
        descending = name.startswith("-")
        name = name.removeprefix("-")
        if name in allowed and name not in seen:
            seen.add(name)
            column = allowed[name]
            clauses.append(column.desc() if descending else column.asc())
    return [*(clauses or default), tie]


def search_condition(search: str | None, columns: Sequence[Any]) -> ColumnElement[bool] | None:
    """The rows with ``search`` in any of ``columns``, any case; None: no search."""
    if search is None or not search.strip():
        return None
    needle = search.strip().lower()
    return or_(*(func.lower(column).contains(needle, autoescape=True) for column in columns))


def searched(statement: Select[Any], search: str | None, columns: Sequence[Any]) -> Select[Any]:
    """``statement`` keeping the rows with ``search`` in any of ``columns``, any case."""
    condition = search_condition(search, columns)
    return statement if condition is None else statement.where(condition)


def check_search(search: str | None, column: Any) -> str | None:
    return check_text(search, column, "search")


async def offset_page(
    info: Info,
    statement: Select[Any],
    *,
    first: int,
    offset: int,
    order: Sequence[Any],
) -> tuple[int, list[Any]]:
    """The total and one page of ``statement``'s rows: two statements on the request's
    connection, the page skipped when the offset is past the end."""
    check_window(first, offset)
    total = await info.context.scalar(
        select(func.count()).select_from(statement.order_by(None).subquery())
    )
    if offset >= total:
        return total, []
    rows = await info.context.all(statement.order_by(*order).limit(first).offset(offset))
    return total, rows


@dataclass(frozen=True)
class Listing:
    """What a list offers: its ``ordering`` names, its default order and its tie-break."""

    allowed: Mapping[str, Any]
    default: Sequence[Any]
    tie: Any


async def page_of(
    info: Info,
    statement: Select[Any],
    listing: Listing,
    build: Callable[[Any], T],
    *,
    first: int,
    offset: int,
    ordering: str | None,
) -> OffsetPage[T]:
    """One page of ``statement`` in ``ordering`` (else the list's default), each row
    built into its type."""
    order = order_by(ordering, listing.allowed, listing.default, listing.tie)
    total, rows = await offset_page(info, statement, first=first, offset=offset, order=order)
    return OffsetPage(total_count=total, results=[build(row) for row in rows])


def columns_named(*names: str) -> dict[str, Member]:
    """Fields that are the columns of their own (snake_case) name."""
    return {to_camel_case(name): Column(name) for name in names}


class Window(TypedDict):
    """A page's arguments: ``first`` rows after ``offset``, in ``ordering``."""

    first: int
    offset: int
    ordering: str | None


async def compiled_or_page(
    info: Info,
    org_id: uuid.UUID,
    statement: Select[Any],
    listing: Listing,
    build: Callable[[Any], T],
    **window: Unpack[Window],
) -> OffsetPage[T]:
    """``page_of`` (``statement``: rows of one table, at least the columns its type
    declares, the organisation's among its conditions) in one compiled statement when
    the selection allows (gateway/compiler), else through the resolvers. The compiled one
    numbers ``statement`` itself in the same order, so the two count and list the same
    rows."""
    order = order_by(window["ordering"], listing.allowed, listing.default, listing.tie)
    first, offset = window["first"], window["offset"]
    check_window(first, offset)
    compiled = await compiled_offset_page(
        info, org_id, statement, order, first=first, offset=offset
    )
    if compiled is not None:
        return compiled  # type: ignore[return-value]
    return await page_of(info, statement, listing, build, **window)
