"""The NHI anomalies' batch function: one statement per batch, keys in order."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.engine import RowMapping

from gateway.context import Context
from resolvers.batching import all_per_key
from resolvers.governance import nhi_anomalies


async def anomalies_by_nhi(
    ctx: Context, status: str, keys: Sequence[uuid.UUID]
) -> list[list[RowMapping]]:
    """Each NHI's anomalies of ``status`` (or all), newest first."""
    org_id = await ctx.org_id()
    rows = await ctx.all(nhi_anomalies.anomalies_of(org_id, status, keys))
    return all_per_key(rows, keys, "nhi_id")
