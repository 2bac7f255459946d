"""What every demo module shares: stable ids, seeded randomness, bulk writes."""

from __future__ import annotations

import random
import uuid
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncConnection

Progress = Callable[[str], None]

# Ids are derived from names, so the demo's admin and organisations keep the same ids
# on every machine and every run (and `seed --force` can find what to replace).
NAMESPACE = uuid.UUID("2f6b8a9e-4c1d-4f3a-9b7e-6a1c0d2e3f40")
CHUNK = 1000
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def demo_id(*parts: object) -> uuid.UUID:
    """A stable UUID for a demo row, from what it is (``demo_id("user", org, "ada")``)."""
    return uuid.uuid5(NAMESPACE, "/".join(str(part) for part in parts))


def random_id(rng: random.Random) -> uuid.UUID:
    """A UUID4 drawn from a seeded stream: stable across runs, whatever the clock."""
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def rng_for(*parts: object) -> random.Random:
    """A random stream of its own per organisation and module: changing how one
    module draws leaves every other module's data as it was."""
    return random.Random("demo/" + "/".join(str(part) for part in parts))


def time_id(rng: random.Random, at: datetime) -> uuid.UUID:
    """A time-ordered id, as the gateway gives new governance rows (gateway.ids.new_id),
    with its random bits from the demo's seeded stream, so it is stable across runs."""
    ms = (at - EPOCH) // timedelta(milliseconds=1)
    rand_a, rand_b = rng.getrandbits(12), rng.getrandbits(62)
    return uuid.UUID(int=ms << 80 | 0x7 << 76 | rand_a << 64 | 0b10 << 62 | rand_b)


def activity(at: datetime) -> float:
    """How busy an hour is: the UTC working day (08-18, weekdays) at full rate."""
    working = 8 <= at.hour < 18 and at.weekday() < 5
    evening = 18 <= at.hour < 22
    return 1.0 if working else 0.45 if evening else 0.2


def pick_weighted(rng: random.Random, options: Sequence[Any], weights: Sequence[float]) -> Any:
    """One of ``options``, drawn with ``weights``."""
    return rng.choices(options, weights=weights, k=1)[0]


@dataclass
class Seeder:
    """One transaction, one clock and one progress line for the whole demo."""

    connection: AsyncConnection
    now: datetime
    progress: Progress
    rows: Counter[str] = field(default_factory=Counter)

    def ago(self, **delta: float) -> datetime:
        return self.now - timedelta(**delta)

    async def write(self, table: Table, rows: list[dict[str, Any]], *, label: str) -> int:
        """Insert ``rows`` in chunks (one executemany each), reporting as it goes."""
        total = len(rows)
        for start in range(0, total, CHUNK):
            chunk = rows[start : start + CHUNK]
            await self.connection.execute(insert(table), chunk)
            self.rows[table.name] += len(chunk)
        self.progress(f"  {label}: {total}")
        return total
