"""Webhook loaders: per-request batches over every delivery of an answer."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy.engine import RowMapping

from gateway.context import Context
from resolvers.batching import all_per_key
from resolvers.webhooks import reads


async def attempts_by_delivery(ctx: Context, keys: Sequence[uuid.UUID]) -> list[list[RowMapping]]:
    """Each delivery's attempts, first to last: one statement for a page of deliveries."""
    org_id = await ctx.org_id()
    rows = await ctx.all(reads.attempts_of(org_id, keys))
    return all_per_key(rows, keys, "delivery_id")
