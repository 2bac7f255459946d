"""The plan cache's saving on a repeated small operation, in process: p50 of
``schema.execute`` with the cache off (every sending parsed and validated) and on.

Run: ``python -m bench.plan_cache``. No database: the operation runs without a caller,
so its root field is refused the same way in both arms, and the difference is the
parsing and validation the cache skips.
"""

from __future__ import annotations

import asyncio
import logging
import statistics
import time

from gateway.plan_cache import cache_of
from gateway.schema import schema
from rest_compat.registry import ROUTES

SMALL = "query Small { components(first: 10) { nodes { id name kind lifecycle } } }"
CATALOG = next(row.document for row in ROUTES if row.path == "/api/v1/analytics/catalog")
ROUNDS = 2000


async def p50_ms(document: str, size: int) -> float:
    plans = cache_of(schema)
    plans.clear()
    plans.resize(size)
    timings = []
    for _ in range(ROUNDS):
        start = time.perf_counter()
        result = await schema.execute(document)
        timings.append(time.perf_counter() - start)
    # The refused resolver's masked error: the document parsed and validated.
    assert result.errors and result.errors[0].extensions == {"code": "INTERNAL_SERVER_ERROR"}
    return statistics.median(timings[ROUNDS // 10 :]) * 1000


async def main() -> None:
    # Each refused resolver logs its traceback as an unexpected error; not the point here.
    logging.disable(logging.CRITICAL)
    for name, document in (("small", SMALL), ("catalog (REST stored)", CATALOG)):
        off = await p50_ms(document, 0)
        on = await p50_ms(document, 1024)
        print(f"{name}: p50 {off:.3f} ms uncached, {on:.3f} ms cached ({off - on:.3f} ms saved)")
    cache_of(schema).resize(1024)


if __name__ == "__main__":
    asyncio.run(main())
