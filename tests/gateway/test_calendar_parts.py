"""calendar_part on both dialects: hour, Monday-first weekday, date and ISO week (with
its own year) at the year edges, from UTC timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import literal, select

from gateway.sql import UTCDateTime, calendar_part

CASES = [
    (datetime(2026, 12, 27, 23, 30, tzinfo=UTC), 23, 6, "2026-12-27", "2026-W52"),  # Sunday
    (datetime(2026, 12, 31, 1, 0, tzinfo=UTC), 1, 3, "2026-12-31", "2026-W53"),
    (datetime(2027, 1, 1, 0, 0, tzinfo=UTC), 0, 4, "2027-01-01", "2026-W53"),
    (datetime(2027, 1, 4, 12, 0, tzinfo=UTC), 12, 0, "2027-01-04", "2027-W01"),
    (datetime(2024, 12, 30, 8, 0, tzinfo=UTC), 8, 0, "2024-12-30", "2025-W01"),
]


@pytest.mark.parametrize(("moment", "hour", "weekday", "date", "week"), CASES)
async def test_calendar_parts(db, moment, hour, weekday, date, week):
    value = literal(moment, UTCDateTime())
    statement = select(*(calendar_part(p, value) for p in ("hour", "weekday", "date", "iso_week")))
    async with db.connect() as conn:
        row = (await conn.execute(statement)).one()
    assert tuple(row) == (hour, weekday, date, week)
