"""A field refused while a sibling's DataLoader batch is still querying.

GraphQL cancels the siblings of a failed non-null field, but not the loader batch one of
them was waiting for: it runs in its own task. Closing the request's connection under it
handed the pool a connection in mid-statement, and the next request failed with
INTERNAL_SERVER_ERROR (found by the tenancy walk, tests/walk).
"""

from __future__ import annotations

import httpx

from tests.factories import Factory

# `department` is loaded in a batch; `knowledgeEntries` (manager or above) is refused at
# the same time, which nulls the non-null `viewer` and cancels the department's resolver.
REFUSED_BESIDE_A_LOADER = "{ viewer { id department { id name } knowledgeEntries { id } } }"


async def test_the_next_requests_are_answered_after_a_refusal_beside_a_loader(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    # given
    org = await factory.org("Acme")
    department = await factory.department(org, "Platform")
    member = await factory.user(org, "jane", role="member", department_id=department["id"])
    headers = factory.headers(member)

    # when: refused and plain requests, one after the other, on a few pooled connections
    answers = []
    for _ in range(20):
        for query in (REFUSED_BESIDE_A_LOADER, "{ viewer { username department { name } } }"):
            response = await client.post("/graphql", json={"query": query}, headers=headers)
            answers.append(response.json())

    # then
    assert answers[0] == {
        "data": None,
        "errors": [
            {
                "message": "this needs the manager role or higher",
                "locations": [{"line": 1, "column": 38}],
                "path": ["viewer", "knowledgeEntries"],
                "extensions": {"code": "INSUFFICIENT_ROLE"},
            }
        ],
        "extensions": answers[0]["extensions"],
    }
    assert answers[0::2] == [answers[0]] * 20
    plain = {"viewer": {"username": "jane", "department": {"name": "Platform"}}}
    assert [a.get("data") for a in answers[1::2]] == [plain] * 20
    assert all("errors" not in a for a in answers[1::2])
