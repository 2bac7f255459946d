"""The organisation's guardians, by name, keyset-paginated."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import and_, or_
from sqlmodel import col

from gateway.cursors import decode_cursor
from models.governance import Guardian


def guardian_conditions(
    *,
    org_id: uuid.UUID,
    after: str | None,
    environment: str | None,
    is_active: bool | None,
) -> list[Any]:
    """Which guardians a page holds: the resolver's statement and the compiled one
    (gateway/compiler) both read these."""
    conditions: list[Any] = [col(Guardian.org_id) == org_id]
    if environment is not None:
        conditions.append(col(Guardian.environment) == environment)
    if is_active is not None:
        conditions.append(col(Guardian.is_active) == is_active)
    if after is not None:
        name, last = decode_cursor(after, str, uuid.UUID)
        conditions.append(
            or_(
                col(Guardian.name) > name,
                and_(col(Guardian.name) == name, col(Guardian.id) > last),
            )
        )
    return conditions


# Guardians in name order, then id; a cursor holds (name, id).
GUARDIAN_ORDER: tuple[Any, ...] = (col(Guardian.name), col(Guardian.id))
GUARDIAN_CURSOR = ("name", "id")
