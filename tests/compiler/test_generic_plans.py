"""A compiled statement writes its LIMITs into its SQL text (``gateway.sql.inline_limit``),
so PostgreSQL settles on a generic plan for it instead of planning it afresh on every
execution; the resolver path's newest-deployments statement too."""

from __future__ import annotations

import re

from sqlalchemy import text

from tests.compiler.answers import post

QUERY = """
{ components(first: 2) { nodes { name deployments(first: 3) {
    version environment { name } } } } }
"""


async def test_a_compiled_statements_limits_are_in_its_text_and_its_plan_is_generic(
    db, client, factory, statements
):
    org = await factory.org()
    headers = factory.headers(await factory.user(org))
    prod = await factory.environment(org, "prod")
    for name in ("api", "web", "zeta"):
        component = await factory.component(org, name)
        for hours in (1, 2, 3, 4):
            await factory.deployment(
                component, prod, "SUCCEEDED", started_hours_ago=hours, version=f"{name}-{hours}"
            )
    statements.statements.clear()
    answer = await post(client, headers, QUERY)
    nodes = answer.json()["data"]["components"]["nodes"]
    assert [n["name"] for n in nodes] == ["api", "web"]
    assert [d["version"] for d in nodes[0]["deployments"]] == ["api-1", "api-2", "api-3"]
    # first: 2 reads a third row (is there a next page?); deployments(first: 3)
    assert re.findall(r"LIMIT\s+([^\s)]+)", statements.statements[-1]) == ["3", "3"]
    # From the second request on, the caller's lookup is part of the statement
    # (gateway/callers.py): that statement is the one a steady caller sends.
    statements.statements.clear()
    assert (await post(client, headers, QUERY)).json() == answer.json()
    [compiled] = statements.statements
    assert re.findall(r"LIMIT\s+([^\s)]+)", compiled) == ["3", "3"], compiled
    if db.dialect.name != "postgresql":
        return
    for _ in range(8):
        again = await post(client, headers, QUERY)
        assert again.json() == answer.json()
    # The pool hands out the connection returned last: the one the requests used, with
    # the statement asyncpg prepared on it.
    async with db.connect() as conn:
        plans = (
            await conn.execute(
                text(
                    "SELECT generic_plans, custom_plans FROM pg_prepared_statements "
                    "WHERE statement = :compiled"
                ),
                {"compiled": compiled},
            )
        ).all()
    assert len(plans) == 1, plans
    generic, custom = plans[0]
    # PostgreSQL tries five custom plans, then keeps the generic one.
    assert custom == 5 and generic >= 4, plans


async def test_the_resolver_paths_newest_deployments_carry_their_limit_in_the_text(
    db, resolver_client, factory, statements
):
    org = await factory.org()
    headers = factory.headers(await factory.user(org))
    prod = await factory.environment(org, "prod")
    component = await factory.component(org, "api")
    for hours in (1, 2, 3, 4):
        await factory.deployment(component, prod, "SUCCEEDED", started_hours_ago=hours)
    statements.statements.clear()
    answer = await post(resolver_client, headers, QUERY)
    assert len(answer.json()["data"]["components"]["nodes"][0]["deployments"]) == 3
    (newest,) = [s for s in statements.statements if "FROM deployments" in s]
    if db.dialect.name == "postgresql":
        assert re.findall(r"LIMIT\s+([^\s)]+)", newest) == ["3"], newest
    else:
        assert re.findall(r"rank <= (\S+)", newest) == ["3"], newest
