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


def settle_heap(threshold: int) -> None:
    """Collect once, freeze what survives (it lives as long as the process), and set the
    youngest generation's threshold (0 leaves Python's default)."""
    gc.collect()
    gc.freeze()
    if threshold:
        _, older, oldest = gc.get_threshold()
        gc.set_threshold(threshold, older, oldest)
