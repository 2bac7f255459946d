"""The garbage collector tuned for serving: the startup heap set aside, young collections
rarer.

A GraphQL answer of a few thousand objects allocates tens of thousands of Python
objects; with Python's default threshold (700) each request sets off dozens of young
collections, and the older ones walk every object the process ever built (the schema,
SQLAlchemy's tables, the imported modules). Freezing what exists once the app is built
keeps those out of every collection; a larger young threshold collects less often.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


def settle_heap(threshold: int) -> None:
    """Collect once, freeze what survives (it lives as long as the process), and set the
    youngest generation's threshold (0 leaves Python's default)."""
    gc.collect()
    gc.freeze()
    if threshold:
        _, older, oldest = gc.get_threshold()
        gc.set_threshold(threshold, older, oldest)


# Net new objects that set off a young collection inside ``collections_deferred``: more
# than an import keeps alive at once (a chunk of lines, a batch of rows: about 150,000
# objects), far fewer than a leak of cycles would make before it cost memory.
DEFERRED_YOUNG_THRESHOLD = 500_000


@contextmanager
def collections_deferred() -> Iterator[None]:
    """Young collections only once ``DEFERRED_YOUNG_THRESHOLD`` more objects are alive than
    at the last one; the collector's thresholds are restored after.

    For a batch job whose objects are mostly freed by their reference counts (an import's
    lines, records and rows hold no cycles). Python's default collects every 700 net new
    objects, and the collections that follow walked every object alive, which cost an
    import more than half of its Python time (measured in bench/imports.py). The count
    is net of the objects freed, so a job that frees as it goes never reaches it, while
    one that makes cycles (statements run one row at a time) still has them collected.
    """
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], DEFERRED_YOUNG_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
