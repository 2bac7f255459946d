"""A batch function answers one value per key, in the keys' order: these turn the rows of
its one statement into that list."""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy.engine import RowMapping


def one_per_key(
    rows: Iterable[RowMapping], keys: Sequence[uuid.UUID], column: str = "id"
) -> list[RowMapping | None]:
    """The row whose ``column`` is each key, or None."""
    found = {row[column]: row for row in rows}
    return [found.get(key) for key in keys]


def all_per_key(
    rows: Iterable[RowMapping], keys: Sequence[uuid.UUID], column: str
) -> list[list[RowMapping]]:
    """The rows whose ``column`` is each key, in the statement's order."""
    grouped: defaultdict[uuid.UUID, list[RowMapping]] = defaultdict(list)
    for row in rows:
        grouped[row[column]].append(row)
    return [grouped[key] for key in keys]
