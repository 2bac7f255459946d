"""Walk 2, roles, scopes and plans: every root field, guarded nested field and REST route,
called on the caller's own organisation by each role with each scope set, answers with
data exactly when the guards on the fields it selects let the caller through.

The guards are read from the schema (each field's ``Requires``), not restated here: a
caller the first failing guard refuses gets its code (PLAN_UPGRADE_REQUIRED,
INSUFFICIENT_ROLE, INSUFFICIENT_SCOPE; REST: in the family's envelope, with its status)
and no data; a caller every guard lets through gets a whole answer. Writes spend fresh
rows, so that the walk reads the same dataset throughout.
"""

from __future__ import annotations

import httpx

from gateway.families import known_scopes
from gateway.schema import schema
from models.tenancy import ROLES
from rest_compat.registry import ROUTES
from tests.factories import Factory
from tests.walk.dataset import Tenant, tenant
from tests.walk.surfaces import Call, every_call, refusal
from tests.walk.test_tenancy_walk import acme_ids
from tests.walk.walker import answered, refused_with, send

GRAPHQL = schema._schema
# A full session (no scope claim), no scope at all, and each scope alone.
SCOPE_SETS: list[frozenset[str] | None] = [
    None,
    frozenset(),
    *(frozenset({s}) for s in known_scopes()),
]


async def walk(
    client: httpx.AsyncClient,
    factory: Factory,
    t: Tenant,
    calls: list[Call],
    scope_sets: list[frozenset[str] | None],
) -> tuple[list[str], set[str | None]]:
    """What went wrong, and which outcomes were seen (None: an answer with data)."""
    problems: list[str] = []
    outcomes: set[str | None] = set()
    for role in ROLES:
        for scopes in scope_sets:
            user = t.users[role]
            headers = (
                factory.headers(user) if scopes is None else factory.scoped_headers(user, scopes)
            )
            caller = t.principal(role, scopes)
            who = f"{t.plan} {role} with {'a full session' if scopes is None else sorted(scopes)}"
            for call in calls:
                code = refusal(call.guards(GRAPHQL), caller)
                ids = await acme_ids(factory, t, role, call)
                answer = await send(client, call, headers, ids.__getitem__)
                why = answered(answer) if code is None else refused_with(answer, code)
                if why:
                    problems.append(f"{who}: {why}")
                outcomes.add(code)
    return problems, outcomes


async def test_every_call_answers_exactly_whom_its_guards_let_through(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    # given
    acme = await tenant(factory, "acme")
    calls = every_call(GRAPHQL, ROUTES, set(acme.rows))

    # when
    problems, outcomes = await walk(client, factory, acme, calls, SCOPE_SETS)

    # then
    assert problems == []
    assert outcomes == {None, "INSUFFICIENT_ROLE", "INSUFFICIENT_SCOPE"}


async def test_a_starter_organisation_is_refused_what_needs_a_higher_plan(
    client: httpx.AsyncClient, factory: Factory
) -> None:
    # given: the plan is checked before role and scope, so a full session shows it all
    small = await tenant(factory, "small", plan="starter")
    calls = every_call(GRAPHQL, ROUTES, set(small.rows))

    # when
    problems, outcomes = await walk(client, factory, small, calls, [None])

    # then
    assert problems == []
    assert outcomes == {None, "PLAN_UPGRADE_REQUIRED", "INSUFFICIENT_ROLE"}
