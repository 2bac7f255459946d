"""The dialect helpers give the same answers on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, Float, MetaData, Table, func, insert, literal, select

from gateway.sql import (
    UTCDateTime,
    newest_per_key,
    percentile_cont,
    seconds_between,
    time_bucket,
    whole_days_between,
)

T0 = datetime(2026, 3, 14, 15, 9, 26, 535000, tzinfo=UTC)


def ts(value: datetime):
    return literal(value, UTCDateTime())


async def scalar(db, expression):
    async with db.connect() as conn:
        return (await conn.execute(select(expression))).scalar()


async def test_seconds_and_whole_days_between(db):
    later = datetime(2026, 3, 17, 3, 9, 26, 535000, tzinfo=UTC)  # 2.5 days later
    assert abs(await scalar(db, seconds_between(ts(T0), ts(later))) - 216000.0) < 1e-3
    assert await scalar(db, whole_days_between(ts(T0), ts(later))) == 2
    assert await scalar(db, whole_days_between(ts(T0), ts(T0))) == 0


async def test_item10_seconds_between_is_exact_to_the_millisecond(db):
    # julianday() of these two times differs by 449.99997317790985 s in a double; an
    # average of such samples would round 450 s (0.125 h) down to 0.12 h on SQLite only.
    start = datetime(2026, 1, 1, 9, 7, tzinfo=UTC)
    end = datetime(2026, 1, 1, 9, 14, 30, tzinfo=UTC)
    assert await scalar(db, seconds_between(ts(start), ts(end))) == 450.0
    finished = datetime(2026, 1, 1, 9, 14, 30, 125000, tzinfo=UTC)
    assert await scalar(db, seconds_between(ts(start), ts(finished))) == 450.125


async def test_time_buckets(db):
    cases = {
        "minute": datetime(2026, 3, 14, 15, 9, tzinfo=UTC),
        "hour": datetime(2026, 3, 14, 15, tzinfo=UTC),
        "day": datetime(2026, 3, 14, tzinfo=UTC),
        "month": datetime(2026, 3, 1, tzinfo=UTC),
    }
    for unit, expected in cases.items():
        assert await scalar(db, time_bucket(unit, ts(T0))) == expected, unit


async def test_percentiles_interpolate_like_postgres(db):
    metadata = MetaData()
    values = Table("percentile_probe", metadata, Column("v", Float))
    async with db.begin() as conn:
        await conn.run_sync(metadata.create_all)
        await conn.execute(insert(values), [{"v": v} for v in (10, 20, 30, 40, None)])
    try:
        async with db.connect() as conn:
            row = (
                await conn.execute(
                    select(
                        percentile_cont(0.5, values.c.v),
                        percentile_cont(0.95, values.c.v),
                        percentile_cont(0.0, values.c.v),
                        func.count(values.c.v),
                    )
                )
            ).one()
        # Sorted 10 20 30 40: median 25; p95 at position 2.85 -> 30 + 0.85 * 10 = 38.5.
        assert tuple(row) == (25.0, 38.5, 10.0, 4)
    finally:
        async with db.begin() as conn:
            await conn.run_sync(metadata.drop_all)


async def test_timestamps_come_back_aware_utc(db):
    naive_in_other_zone = datetime.fromisoformat("2026-03-14T17:09:26.535+02:00")
    assert await scalar(db, ts(naive_in_other_zone)) == T0


async def test_statement_cache_keeps_units_and_fractions_apart(db):
    # The same statement shape with another unit or fraction must compile anew.
    assert await scalar(db, time_bucket("day", ts(T0))) == datetime(2026, 3, 14, tzinfo=UTC)
    assert await scalar(db, time_bucket("month", ts(T0))) == datetime(2026, 3, 1, tzinfo=UTC)
    one = select(percentile_cont(0.5, literal(4.0)))
    other = select(percentile_cont(1.0, literal(4.0)))
    assert one.compile().string != other.compile().string


def test_newest_per_key_is_one_cached_statement_whatever_the_keys():
    # given the same lookup for two and for three keys on PostgreSQL
    table = Table(
        "things", MetaData(), Column("id", Float), Column("parent", Float), Column("at", Float)
    )

    def newest(keys):
        return newest_per_key(
            "postgresql", select(table), table.c.parent, keys, (table.c.at.desc(),), 20
        )

    # when SQLAlchemy keys its compiled-statement cache
    two = newest([1.0, 2.0])._generate_cache_key()
    three = newest([2.0, 3.0, 4.0])._generate_cache_key()
    # then both share one key (the keys travel as one array parameter), so the
    # statement compiles once, not on every request
    assert two is not None and three is not None
    assert two.key == three.key
