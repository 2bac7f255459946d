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


@contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic collection inside the block; the collector's state is restored after.

    For a batch job whose objects are freed by their reference counts (an import's lines,
    records and rows hold no cycles): each of its hundreds of thousands of allocations
    would otherwise count towards a collection, and the collections walked every object
    alive, which cost an import more than half of its Python time (measured in
    bench/imports.py). Whatever cycles the block leaves are collected once it is resumed.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
