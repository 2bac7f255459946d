"""Sending one query through both paths, for the compiler's per-family tests."""

from __future__ import annotations

import json
from typing import Any


async def post(client: Any, headers: dict[str, str], query: str, variables: Any = None) -> Any:
    return await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )


async def both(
    client: Any, resolver_client: Any, headers: dict[str, str], query: str, variables: Any = None
) -> Any:
    """The compiled answer (parsed), after asserting it is the resolver path's answer: the
    same status, values and key order."""
    compiled = await post(client, headers, query, variables)
    resolved = await post(resolver_client, headers, query, variables)
    assert compiled.status_code == resolved.status_code
    assert json.dumps(compiled.json()) == json.dumps(resolved.json()), query
    return compiled.json()
