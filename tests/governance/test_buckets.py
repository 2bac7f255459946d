"""Fixed-size buckets: UTC multiples of their size, the same in SQL on both dialects as
in the Python list a timeseries zero-fills from."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, literal, select

from gateway.sql import BUCKET_SECONDS, UTCDateTime, bucket_count, bucket_starts, epoch_bucket
from models.governance import GuardianVerdictEvent as Verdict

T = datetime(2026, 5, 1, 0, 0, tzinfo=UTC)


def at(**delta: float) -> datetime:
    return T + timedelta(**delta)


async def bucket_of(db, moment: datetime, seconds: int) -> datetime:
    async with db.connect() as conn:
        return (
            await conn.execute(select(epoch_bucket(literal(moment, UTCDateTime()), seconds)))
        ).scalar()


@pytest.mark.parametrize(
    ("moment", "size", "expected"),
    [
        (at(minutes=5), "5m", at(minutes=5)),  # exactly on an edge: its own bucket
        (at(minutes=9, seconds=59, microseconds=999_999), "5m", at(minutes=5)),
        (at(minutes=14, seconds=59), "15m", at()),
        (at(hours=13, minutes=59, seconds=59), "1h", at(hours=13)),
        (at(hours=23, minutes=59), "1d", at()),
        (at(minutes=1, seconds=0.5), "1m", at(minutes=1)),
        # A value given with an offset falls in its UTC bucket.
        (
            datetime(2026, 5, 1, 1, 30, tzinfo=timezone(timedelta(hours=2))),
            "1h",
            datetime(2026, 4, 30, 23, tzinfo=UTC),
        ),
        # Before the epoch the floor still goes down, not toward zero.
        (datetime(1969, 12, 31, 23, 30, tzinfo=UTC), "1h", datetime(1969, 12, 31, 23, tzinfo=UTC)),
    ],
)
async def test_sql_bucket_is_the_floor_of_epoch_over_size(db, moment, size, expected):
    assert await bucket_of(db, moment, BUCKET_SECONDS[size]) == expected


async def test_grouping_by_bucket_keeps_edges_and_zero_fills(db, factory):
    # given a 5-minute series over [00:05, 00:25) with events on its edges
    guardian = await factory.guardian(await factory.org())
    start, end = at(minutes=5), at(minutes=25)
    for moment in [
        at(minutes=4, seconds=59),  # before `from`: out
        start,  # exactly at `from`: in, first bucket
        at(minutes=9, seconds=59),
        at(minutes=10),  # on an edge: the next bucket
        at(minutes=24, seconds=59, microseconds=999_000),
        end,  # exactly at `to`: out
    ]:
        await factory.verdict(guardian, moment)

    # when counted per bucket in SQL
    bucket = epoch_bucket(Verdict.created_at, 300).label("bucket")
    query = (
        select(bucket, func.count())
        .where(Verdict.created_at >= start, Verdict.created_at < end)
        .group_by(bucket)
    )
    async with db.connect() as conn:
        counted = {row.bucket: row[1] for row in await conn.execute(query)}

    # then every bucket is listed, oldest first, the empty one with zero
    series = [(b, counted.get(b, 0)) for b in bucket_starts(start, end, 300)]
    assert series == [
        (at(minutes=5), 2),
        (at(minutes=10), 1),
        (at(minutes=15), 0),
        (at(minutes=20), 1),
    ]
    assert set(counted) <= {b for b, _ in series}


@pytest.mark.parametrize(
    ("start", "end", "size", "expected"),
    [
        (at(), at(hours=1), 3600, [at()]),
        (at(minutes=30), at(hours=1), 3600, [at()]),  # the bucket holding `from`
        (at(minutes=30), at(hours=1, seconds=1), 3600, [at(), at(hours=1)]),
        (at(), at(hours=2), 3600, [at(), at(hours=1)]),  # `to` on an edge: not its bucket
        (at(), at(), 3600, []),
        (at(hours=1), at(), 3600, []),
    ],
)
def test_bucket_starts(start, end, size, expected):
    assert bucket_starts(start, end, size) == expected
    assert bucket_count(start, end, size) == len(expected)


def test_bucket_count_of_a_day_of_minutes():
    assert bucket_count(at(), at(days=1), 60) == 1440
    assert bucket_count(at(seconds=1), at(days=1, seconds=1), 60) == 1441
    assert bucket_count(at(), at(days=30), 60) == 43200


def test_a_bucket_is_a_positive_whole_number_of_seconds():
    for bad in (0, -60, 1.5, True):
        with pytest.raises(ValueError):
            epoch_bucket(Verdict.created_at, bad)
