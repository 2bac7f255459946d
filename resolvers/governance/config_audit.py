"""Configuration changes in SQL: the audit page.

A change belongs to a window when its ``changed_at`` is in ``[start, end)``. The page is
newest first on ``(changed_at desc, id desc)``, keyset-paginated.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from gateway.sql import table_of
from models.governance import ConfigChange
from resolvers.governance.window import window_conditions

CHANGES = table_of(ConfigChange)


def change_conditions(
    *, org_id: uuid.UUID, start: datetime, end: datetime, after: str | None
) -> list[Any]:
    """Which changes a page holds: the resolver's statement and the compiled one
    (gateway/compiler) both read these."""
    return window_conditions(
        CHANGES, "changed_at", org_id=org_id, start=start, end=end, after=after
    )


# Changes newest first, then id descending; a cursor holds (changed_at, id).
CHANGE_ORDER: tuple[Any, ...] = (CHANGES.c.changed_at.desc(), CHANGES.c.id.desc())
CHANGE_CURSOR = ("changed_at", "id")
