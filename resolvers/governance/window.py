"""The governance window and filters, checked once for GraphQL and REST alike.

A window is ``[start, end)`` with a bucket size. Seed 002's rules: ``from`` defaults to
now - 24 h and ``to`` to now (each on its own); ``to`` must be later than ``from`` (400);
a window longer than 1,440 buckets is refused (422). REST's parameter model
(``rest_compat/governance/params.py``) reads the wire format and applies the same rules
through ``check_window``; GraphQL fields call ``window``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Any

import strawberry
from sqlalchemy import Table, literal

from gateway.errors import bad_input, unprocessable
from gateway.sql import BUCKET_SECONDS, UTCDateTime
from models.governance import ENVIRONMENTS
from resolvers.common import check_choice, check_moment
from resolvers.pagination import newest_first_after

DEFAULT_SPAN = timedelta(hours=24)
# The NHI reads' default spans: 7 days for risk, observability and posture (the span of
# the seed's nhi-risk example), 30 days for a risk history. Detection keeps 24 h.
NHI_SPAN = timedelta(days=7)
HISTORY_SPAN = timedelta(days=30)
MAX_BUCKETS = 1440
BUCKETS: tuple[str, ...] = tuple(BUCKET_SECONDS)
MAX_TAG = 50

# The window's GraphQL arguments, as every governance field names them.
From = Annotated[
    datetime | None,
    strawberry.argument(name="from", description="Window start (inclusive); default now - 24 h."),
]
To = Annotated[
    datetime | None, strawberry.argument(description="Window end (exclusive); default now.")
]


@dataclass(frozen=True)
class Window:
    start: datetime  # inclusive
    end: datetime  # exclusive
    bucket: str = "1h"

    @property
    def bucket_seconds(self) -> int:
        return BUCKET_SECONDS[self.bucket]


@dataclass(frozen=True)
class Filters:
    """The common filters; None means all."""

    guardian_id: uuid.UUID | None = None
    environment: str | None = None
    tag: str | None = None


def check_order(start: datetime, end: datetime) -> None:
    """400 unless ``end`` is later than ``start``."""
    if end <= start:
        raise bad_input("to must be later than from", argument="to")


def check_window(start: datetime, end: datetime, bucket: str) -> None:
    """400 unless ``end`` is later than ``start``; 422 over 1,440 buckets.

    Judged on the window's length, not on the buckets a series lists: a day of 1m buckets
    is allowed wherever it starts, though off the minute it touches 1,441.
    """
    check_order(start, end)
    if end - start > MAX_BUCKETS * timedelta(seconds=BUCKET_SECONDS[bucket]):
        raise unprocessable(
            f"the window is longer than {MAX_BUCKETS} {bucket} buckets: "
            "choose a larger bucket or a shorter window",
            argument="bucket",
        )


def span(
    now: datetime,
    start: datetime | None = None,
    end: datetime | None = None,
    default: timedelta = DEFAULT_SPAN,
) -> tuple[datetime, datetime]:
    """The checked ``[from, to)`` of a read without buckets (MCP summary, tools, lists):
    the defaults (``from`` is now - ``default``), each on its own, and 400 unless ``to``
    is later than ``from``."""
    start = check_moment(start, "from") or now - default
    end = check_moment(end, "to") or now
    check_order(start, end)
    return start, end


def window(
    now: datetime,
    start: datetime | None = None,
    end: datetime | None = None,
    bucket: str = "1h",
    default: timedelta = DEFAULT_SPAN,
) -> Window:
    """The checked window for GraphQL arguments (naive times are UTC)."""
    checked_bucket = check_choice(bucket, BUCKETS, "bucket")
    assert checked_bucket is not None  # a str in, a str out
    start, end = span(now, start, end, default)
    check_window(start, end, checked_bucket)
    return Window(start=start, end=end, bucket=checked_bucket)


def filters(
    guardian_id: uuid.UUID | None = None,
    environment: str | None = None,
    tag: str | None = None,
) -> Filters:
    """The checked filters for GraphQL arguments."""
    if tag is not None and not 1 <= len(tag.strip()) <= MAX_TAG:
        raise bad_input(f"tag must be 1 to {MAX_TAG} characters", argument="tag")
    return Filters(
        guardian_id=guardian_id,
        environment=check_choice(environment, ENVIRONMENTS, "environment"),
        tag=tag.strip() if tag is not None else None,
    )


def window_conditions(
    table: Table,
    moment: str,
    *,
    org_id: uuid.UUID,
    start: datetime,
    end: datetime,
    after: str | None,
) -> list[Any]:
    """The organisation's rows of ``table`` whose ``moment`` lies in ``[start, end)``,
    after the cursor of a newest-first page: the conditions a list's resolver and the
    compiler both read."""
    at = table.c[moment]
    conditions: list[Any] = [
        table.c.org_id == org_id,
        at >= literal(start, UTCDateTime()),
        at < literal(end, UTCDateTime()),
    ]
    if after is not None:
        conditions.append(newest_first_after(at, table.c.id, after))
    return conditions
