"""Walk 1, tenancy: every root field, guarded nested field and REST route, called by each
role of one organisation (a full session) with another organisation's ids, answers
nothing of the other organisation's, and changes none of its rows.

The calls come from the schema and the families' route rows (``surfaces.py``): a new
family is walked without an edit here. Each call is sent with every id slot filled with
Other's rows, and again with one slot at a time Other's and the rest Acme's (a write gets
fresh Acme rows), so that a filter or an input naming a foreign row is tried on its own.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from typing import Any

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.schema import schema
from models.tenancy import ROLES
from rest_compat.registry import ROUTES
from tests.factories import Factory
from tests.walk.dataset import THROWAWAY, Tenant, snapshot, tenant
from tests.walk.surfaces import Call, Slot, every_call, refusal
from tests.walk.walker import Answer, leaks, refused_with, send

GRAPHQL = schema._schema
FRESH = itertools.count()


def variants(call: Call) -> Iterator[frozenset[Slot]]:
    """Which slots get the other organisation's ids: all of them, then each alone."""
    if call.slots:
        yield frozenset(call.slots)
    if len(call.slots) > 1:
        for slot in call.slots:
            yield frozenset({slot})


async def acme_ids(factory: Factory, acme: Tenant, role: str, call: Call) -> dict[Slot, str]:
    """The organisation's rows for a call's slots; fresh ones for a write, which may
    spend them (by the caller, where it matters: an entry's author may change it)."""
    ids: dict[Slot, str] = {}
    for slot in call.slots:
        make = THROWAWAY.get(slot.kind) if call.writes else None
        if make is not None:
            row = await make(factory, acme, acme.users[role], f"fresh-{next(FRESH)}")
            ids[slot] = str(row["id"])
        else:
            ids[slot] = acme.id_of(slot.kind)
    return ids


def check(answer: Answer, other: Tenant, foreign: frozenset[Slot], denied: str | None) -> list[str]:
    """What is wrong with one answer (nothing, if the list is empty)."""
    problems: list[str] = []
    found = leaks(answer, other.secrets)
    if found:
        problems.append(f"leaks {found}: {answer.describe()}")
    if answer.status >= 500:
        problems.append(f"failed: {answer.describe()}")
    if denied is not None:
        why = refused_with(answer, denied)
        if why:
            problems.append(why)
    elif any(slot.required for slot in foreign):
        # Addressed by another organisation's id: as if it did not exist (a nullable
        # lookup may say so with null instead).
        why = refused_with(answer, "NOT_FOUND")
        if why and not (answer.graphql and not answer.body.get("errors") and answer.data() is None):
            problems.append(why)
    return problems


async def test_no_call_answers_or_changes_another_organisations_rows(
    client: httpx.AsyncClient, factory: Factory, db: AsyncEngine, statements: Any
) -> None:
    # given: two Growth organisations with the same small dataset, each its own texts
    acme, other = await tenant(factory, "acme"), await tenant(factory, "zother")
    calls = every_call(GRAPHQL, ROUTES, set(acme.rows))
    before = await snapshot(db, other.org["id"])

    # when: each of Acme's roles calls everything with Other's ids
    problems: list[str] = []
    seen: list[str] = []
    for role in ROLES:
        headers = factory.headers(acme.users[role])
        for call in calls:
            denied = refusal(call.guards(GRAPHQL), acme.principal(role, None))
            for foreign in [frozenset(), *variants(call)]:
                ids = await acme_ids(factory, acme, role, call)
                ids.update({slot: other.id_of(slot.kind) for slot in foreign})
                answer = await send(client, call, headers, ids.__getitem__)
                problems += [f"{role}: {p}" for p in check(answer, other, foreign, denied)]
                if role == "admin":
                    seen.append(answer.text)

    # then
    assert problems == []
    assert await snapshot(db, other.org["id"]) == before
    # The selection compiler (on, as by default) answered the root fields it compiles:
    # the walk went through the compiled path too (gateway/compiler).
    compiled = [s for s in statements.statements if "WITH page AS" in s]
    assert any("FROM environments" in s for s in compiled)
    assert any("FROM components" in s for s in compiled)
    assert any("FROM knowledge_entries" in s for s in compiled)
    # The walk saw Acme's own rows, so its silence about Other's means something.
    answers = "\n".join(seen)
    assert {s for s in acme.secrets if s not in answers} <= {
        str(row["id"]) for kind in ("AuditEvent", "Job", "Organization") for row in acme.rows[kind]
    }
