"""Issue 6 item 1: every document check is linear in the document, so no small document
can stall the server; the limits (depth, aliases, fragments, expanded fields) hold."""

from __future__ import annotations

import asyncio
import gc
import time
from collections.abc import Iterator
from contextlib import contextmanager

from graphql import get_introspection_query

# 30 lines, ~1 KB, no token needed: F29 stands for 2^29 fields once expanded.
DOUBLING = " ".join(
    ["fragment F0 on Query { __typename }"]
    + [f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 30)]
    + ["{ ...F29 }"]
)


def chain(length: int) -> str:
    """``length`` fragments, each spreading the one before."""
    return " ".join(
        ["fragment F0 on Query { __typename }"]
        + [f"fragment F{i} on Query {{ ...F{i - 1} }}" for i in range(1, length)]
        + [f"{{ ...F{length - 1} }}"]
    )


def nested(levels: int) -> str:
    """``levels`` nested fields, without a token: __type, then ofType, ..., then name."""
    inner = "name"
    for _ in range(levels - 2):
        inner = f"ofType {{ {inner} }}"
    return f'{{ __type(name: "Query") {{ {inner} }} }}'


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection while a request is measured: late in the suite, the heap of
    two thousand tests makes one full collection cost more than the bound, whatever the
    request does. It runs before instead."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


async def post(client, query: str) -> tuple[dict, float]:
    """The answer, and the CPU seconds this process spent on it: CPU time, not wall time,
    so that other processes on a loaded machine do not count (the app runs in process)."""
    with collector_paused():
        start = time.process_time()
        response = await client.post("/graphql", json={"query": query})
        return response.json(), time.process_time() - start


async def test_item1_doubling_fragments_answered_fast_while_healthz_stays_fast(client):
    # given the 30-level document and a concurrent health check
    async def healthz() -> float:
        start = time.process_time()
        assert (await client.get("/healthz")).text == "ok"
        return time.process_time() - start

    # when
    (body, elapsed), health = await asyncio.gather(post(client, DOUBLING), healthz())

    # then
    assert elapsed < 0.1
    assert health < 0.1
    assert body["data"] is None
    [error] = body["errors"]
    assert error["message"] == "document too large: '__typename' is asked more than 20 times"
    assert error["extensions"] == {
        "code": "BAD_USER_INPUT",
        "details": {"limit": "same_path", "maximum": 20},
    }


async def test_item1_fragment_chains_are_linear(client):
    # Parsing 70 KB takes ~25 ms; the bound leaves room for a loaded machine, and
    # anything that walked the chain again per spread would take far longer.
    # 2,000 fragments: over the token limit, refused while parsing.
    body, elapsed = await post(client, chain(2000))
    assert elapsed < 0.5
    assert body["errors"][0]["message"].startswith(
        "Syntax Error: Document contains more than 5000 tokens."
    )
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}

    # 400 fragments fit in the tokens: refused by the fragment count, before validation.
    body, elapsed = await post(client, chain(400))
    assert elapsed < 0.5
    assert body["errors"][0]["extensions"]["details"] == {"limit": "fragments", "maximum": 100}

    # 100 fragments are allowed, and the chain is one __typename.
    body, _ = await post(client, chain(100))
    assert "errors" not in body
    assert body["data"] == {"__typename": "Query"}


async def test_item1_depth_16_refused_15_allowed(client):
    body, _ = await post(client, nested(16))
    assert body["errors"] == [
        {
            "message": "document too large: the document nests fields deeper than 15 levels",
            "extensions": {"code": "BAD_USER_INPUT", "details": {"limit": "depth", "maximum": 15}},
        }
    ]
    body, _ = await post(client, nested(15))
    assert "errors" not in body
    assert body["data"]["__type"] == {"ofType": None}


def of_types(levels: int, inner: str) -> str:
    for _ in range(levels):
        inner = f"ofType {{ {inner} }}"
    return inner


async def test_item1_depth_counts_through_fragments(client):
    # A fragment of 8 levels (7 ofType and a name), spread below __type and 6 or 7 ofType.
    fragment = f"fragment Deep on __Type {{ {of_types(7, 'name')} }}"

    def spread_below(levels: int) -> str:
        return f'{fragment} {{ __type(name: "Query") {{ {of_types(levels, "...Deep")} }} }}'

    body, _ = await post(client, spread_below(6))  # 1 + 6 + 8 = 15
    assert "errors" not in body
    body, _ = await post(client, spread_below(7))  # 16
    assert body["errors"][0]["extensions"]["details"] == {"limit": "depth", "maximum": 15}


async def test_item1_101_aliases_refused_100_allowed(client):
    def aliases(count: int) -> str:
        return "{ " + " ".join(f"a{i}: __typename" for i in range(count)) + " }"

    body, _ = await post(client, aliases(101))
    assert body["errors"][0]["message"] == (
        "document too large: the document uses more than 100 aliases"
    )
    assert body["errors"][0]["extensions"]["details"] == {"limit": "aliases", "maximum": 100}
    body, _ = await post(client, aliases(100))
    assert "errors" not in body
    assert body["data"]["a99"] == "Query"


async def test_item1_expanded_fields_capped(client):
    # Each fragment spreads the one before under four parents: 4 x size + 3 fields, so
    # F5 stands for 4,095 fields (each at its own path) in a document of ~60 tokens.
    fragments = ["fragment F0 on __Type { name kind description }"] + [
        f"fragment F{i} on __Type {{ ...F{i - 1} ofType {{ ...F{i - 1} }} "
        f"interfaces {{ ...F{i - 1} }} possibleTypes {{ ...F{i - 1} }} }}"
        for i in range(1, 6)
    ]
    query = '{ __type(name: "Query") { ...F5 } }'
    body, elapsed = await post(client, " ".join([*fragments, query]))
    assert elapsed < 0.1
    assert body["errors"][0]["message"] == (
        "document too large: the document asks for more than 2000 fields once fragments "
        "are expanded"
    )
    assert body["errors"][0]["extensions"]["details"] == {"limit": "fields", "maximum": 2000}
    # F2 (63 fields) is allowed; F4 (1,023) would be too, were it not for graphql-core's
    # own bound on nesting interfaces and possibleTypes in introspection.
    body, _ = await post(client, " ".join([*fragments[:3], query.replace("F5", "F2")]))
    assert "errors" not in body


async def test_item1_repeated_fields_refused_before_overlap_validation(client):
    # graphql-core's OverlappingFieldsCanBeMerged compares copies of a field pairwise:
    # 1,200 copies of `viewer { id }` kept it busy 2 s. 21 copies are already refused.
    body, elapsed = await post(client, "{" + " __schema { queryType { name } }" * 200 + "}")
    assert elapsed < 0.1
    assert body["errors"][0]["message"] == (
        "document too large: '__schema' is asked more than 20 times"
    )


async def test_item1_graphiql_introspection_still_works(client):
    body, _ = await post(client, get_introspection_query())
    assert "errors" not in body
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


async def test_item1_spread_cycle_is_reported_not_looped(client):
    body, elapsed = await post(
        client, "fragment A on Query { ...B } fragment B on Query { ...A } { ...A }"
    )
    assert elapsed < 0.1
    assert body["errors"][0]["message"] == "Cannot spread fragment 'A' within itself via 'B'."
    assert body["errors"][0]["extensions"] == {"code": "BAD_USER_INPUT"}
