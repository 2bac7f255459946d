"""The selection compiler on the agent console's actions: ``agentAction``,
``agentActions`` and ``debugAgentActions`` answer exactly what the resolver path answers
(values, key order, errors), in one statement, the other organisation's never."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.apps import app_client
from tests.compiler.test_compiled_catalog import both, post
from tests.compiler.test_differential import selection, typed, user_selection
from tests.factories import one_transaction

MOMENT = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
@one_transaction
async def console(factory: Any) -> dict[str, Any]:
    """Two organisations. Acme: six actions, display ids 1 to 6 as recorded:

    | id | agent       | risk     | status        | at (MOMENT minus) | reviewed by        |
    |----|-------------|----------|---------------|-------------------|--------------------|
    | 1  | db-agent    | low      | pending       | 5 h               |                    |
    | 2  | email-agent | medium   | approved      | 3 h less 0.25 s   | max (Sales)        |
    | 3  | db-agent    | high     | denied        | 2 h               | mo (no department) |
    | 4  | ops-agent   | critical | auto_approved | 2 h               |                    |
    | 5  | db-agent    | critical | pending       | 1 h               |                    |
    | 6  | email-agent | low      | pending       | 10 min            |                    |

    Newest first: 6, 5, 4, 3 (4 and 3 at one time: the higher display id first), 2, 1.
    Other: one action, "secret-agent", reviewed by its own "zed"."""
    factory.now = MOMENT
    acme = await factory.org("Acme")
    sales = await factory.department(acme, "Sales")
    rita = await factory.user(acme, "rita")
    ada = await factory.user(acme, "ada", role="admin")
    max_ = await factory.user(acme, "max", role="manager", department_id=sales["id"])
    mo = await factory.user(acme, "mo", role="manager")
    hours = timedelta(hours=1)
    actions = [
        await factory.agent_action(
            acme,
            MOMENT - 5 * hours,
            agent_id="db-agent",
            risk_level="low",
            tool_name=None,
            summary='Caf\u00e9 "quoted" \\ and a\nnew line',
        ),
        await factory.agent_action(
            acme,
            MOMENT - 3 * hours + timedelta(seconds=0.25),
            agent_id="email-agent",
            status="approved",
            reviewed_by=max_["id"],
        ),
        await factory.agent_action(
            acme,
            MOMENT - 2 * hours,
            agent_id="db-agent",
            risk_level="high",
            status="denied",
            reviewed_by=mo["id"],
        ),
        await factory.agent_action(
            acme,
            MOMENT - 2 * hours,
            agent_id="ops-agent",
            risk_level="critical",
            status="auto_approved",
        ),
        await factory.agent_action(
            acme,
            MOMENT - hours,
            agent_id="db-agent",
            risk_level="critical",
            mitre_tactic="TA0002",
            nist_control="AC-3",
            recommendation="Review the query",
        ),
        await factory.agent_action(
            acme, MOMENT - timedelta(minutes=10), agent_id="email-agent", risk_level="low"
        ),
    ]
    other = await factory.org("Other")
    zed = await factory.user(other, "zed", role="admin")
    hidden = await factory.agent_action(
        other, MOMENT - hours, agent_id="secret-agent", status="approved", reviewed_by=zed["id"]
    )
    return {"rita": rita, "ada": ada, "actions": actions, "hidden": hidden}


EVERY_FIELD = """
id displayId agentId actionType toolName riskLevel mitreTactic nistControl
recommendation summary status reviewedById timestamp __typename
reviewedBy { id username name email role isActive departmentId department { id name } }
"""


def ids(body: dict[str, Any], root: str) -> list[int]:
    return [action["displayId"] for action in body["data"][root]]


async def test_a_fully_compiled_list_is_one_statement(
    client, resolver_client, factory, console, statements
):
    headers = factory.headers(console["rita"])
    query = "{ agentActions { displayId reviewedBy { username department { name } } } }"
    statements.statements.clear()
    await post(client, headers, query)
    # the caller's lookup, then one statement for the whole answer
    assert len(statements.statements) == 2, statements.statements
    assert "agent_actions" not in statements.statements[0]
    assert "agent_actions" in statements.statements[1]
    statements.statements.clear()
    await post(resolver_client, headers, query)
    # the resolver path: the caller, the actions, their reviewers, the departments
    assert len(statements.statements) == 4, statements.statements
    _, body = await both(client, resolver_client, headers, query)
    assert body["data"]["agentActions"] == [
        {"displayId": 6, "reviewedBy": None},
        {"displayId": 5, "reviewedBy": None},
        {"displayId": 4, "reviewedBy": None},
        {"displayId": 3, "reviewedBy": {"username": "mo", "department": None}},
        {"displayId": 2, "reviewedBy": {"username": "max", "department": {"name": "Sales"}}},
        {"displayId": 1, "reviewedBy": None},
    ]


async def test_every_field_is_written_as_the_resolvers_write_it(
    client, resolver_client, factory, console
):
    headers = factory.headers(console["rita"])
    _, body = await both(
        client, resolver_client, headers, f"{{ agentActions {{ {EVERY_FIELD} }} }}"
    )
    first, *_, two, one = body["data"]["agentActions"]
    assert first["timestamp"] == "2026-11-02T11:50:00+00:00"
    # a fraction of a second is written, whole seconds are not (datetime.isoformat)
    assert two["timestamp"] == "2026-11-02T09:00:00.250000+00:00"
    assert two["reviewedBy"]["department"] == {
        "id": two["reviewedBy"]["departmentId"],
        "name": "Sales",
    }
    assert two["reviewedById"] == two["reviewedBy"]["id"]
    assert one["summary"] == 'Caf\u00e9 "quoted" \\ and a\nnew line'
    assert one["toolName"] is None and one["__typename"] == "AgentAction"


FILTERS = [
    # (arguments, display ids, newest first), worked out from the table in ``console``
    ("", [6, 5, 4, 3, 2, 1]),
    ("(first: 2)", [6, 5]),
    # the limit is taken after the filter: the newest high-or-above, not the newest two
    ('(first: 2, minRisk: "high")', [5, 4]),
    ('(minRisk: "critical")', [5, 4]),
    ('(minRisk: "low")', [6, 5, 4, 3, 2, 1]),
    ('(status: "pending")', [6, 5, 1]),
    ('(status: "pending", minRisk: "medium")', [5]),
    ('(status: "denied", first: 1)', [3]),
    # 4 and 3 share a time: the higher display id first, the limit cutting between them
    ("(first: 3)", [6, 5, 4]),
    ('(status: "approved", minRisk: "critical")', []),
]


@pytest.mark.parametrize(("arguments", "expected"), FILTERS)
async def test_filters_and_limits_pick_the_same_newest_rows(
    client, resolver_client, factory, console, arguments, expected
):
    headers = factory.headers(console["rita"])
    query = f"{{ agentActions{arguments} {{ displayId riskLevel status }} }}"
    _, body = await both(client, resolver_client, headers, query)
    assert ids(body, "agentActions") == expected


CORPUS = [
    "query($id: UUID!) { agentAction(id: $id) { " + EVERY_FIELD + " } }",
    '{ agentAction(id: "00000000-0000-0000-0000-000000000000") { id } }',
    "{ a: agentActions(first: 1) { n: displayId who: reviewedBy { u: username } } "
    'b: agentActions(status: "approved") { agentId } }',
    "query($yes: Boolean!) { agentActions { displayId summary @include(if: $yes) "
    "toolName @skip(if: $yes) reviewedBy @include(if: $yes) { name } } }",
    "fragment A on AgentAction { agentId ...B } fragment B on AgentAction { riskLevel } "
    "{ agentActions(first: 4) { ...A ... on AgentAction { timestamp } } }",
    "{ agentActions(first: 2) { displayId } agentTrends { pendingActionsCount } }",
    "{ debugAgentActions { " + EVERY_FIELD + " } }",
    "{ debugAgentActions { displayId } agentActions(first: 1) { displayId } }",
]


@pytest.mark.parametrize("query", CORPUS)
async def test_the_corpus_answers_alike(client, resolver_client, factory, console, query):
    headers = factory.headers(console["ada"])
    variables: dict[str, Any] = {}
    if "$id" in query:
        variables = {"id": str(console["actions"][2]["id"])}
    elif "$yes" in query:
        variables = {"yes": True}
    _, body = await both(client, resolver_client, headers, query, variables)
    assert "errors" not in body, body


async def test_by_id_is_one_statement_and_nested(
    client, resolver_client, factory, console, statements
):
    headers = factory.headers(console["rita"])
    query = "query($id: UUID!) { agentAction(id: $id) { displayId reviewedBy { name } } }"
    variables = {"id": str(console["actions"][1]["id"])}
    _, body = await both(client, resolver_client, headers, query, variables)
    assert body["data"]["agentAction"] == {"displayId": 2, "reviewedBy": {"name": "Max"}}
    statements.statements.clear()
    await post(client, headers, query, variables)
    # one statement: the caller (seen before, gateway/callers.py) read beside the answer
    assert len(statements.statements) == 1, statements.statements
    assert "JOIN organizations" in statements.statements[0]


async def test_a_guarded_child_sends_the_root_to_the_resolvers(
    client, resolver_client, factory, console, statements
):
    # reviewedBy { knowledgeEntries } has guards of its own and may not be null: the
    # whole root is resolved as before, field by field
    headers = factory.headers(console["ada"])
    query = (
        "{ agentActions(first: 4) { displayId reviewedBy { username knowledgeEntries { id } } } }"
    )
    statements.statements.clear()
    await post(client, headers, query)
    compiled = len(statements.statements)
    statements.statements.clear()
    await post(resolver_client, headers, query)
    # the caller, the actions, the reviewer, the reviewer's entries: on both paths
    assert compiled == len(statements.statements) == 4, statements.statements
    _, body = await both(client, resolver_client, headers, query)
    assert body["data"]["agentActions"][3] == {
        "displayId": 3,
        "reviewedBy": {"username": "mo", "knowledgeEntries": []},
    }


async def test_the_debug_list_is_capped_at_50_newest(client, resolver_client, factory, console):
    org = await factory.org("Busy")
    admin = await factory.user(org, "bea", role="admin")
    async with factory.batch():
        for n in range(52):
            await factory.agent_action(org, MOMENT + timedelta(minutes=n))
    headers = factory.headers(admin)
    _, body = await both(client, resolver_client, headers, "{ debugAgentActions { displayId } }")
    # display ids 1 to 52 in time order: the 50 newest are 52 down to 3
    assert ids(body, "debugAgentActions") == list(range(52, 2, -1))


ERRORS = [
    ("{ agentActions(first: 0) { id } }", "rita", "BAD_USER_INPUT"),
    ("{ agentActions(first: 501) { id } }", "rita", "BAD_USER_INPUT"),
    ('{ agentActions(minRisk: "severe") { id } }', "rita", "BAD_USER_INPUT"),
    ('{ agentActions(status: "maybe") { id } }', "rita", "BAD_USER_INPUT"),
    # first is checked before anything else
    ('{ agentActions(first: 0, minRisk: "severe", status: "maybe") { id } }', "rita", "first"),
    ('{ agentAction(id: "not-a-uuid") { id } }', "rita", None),
    ("{ debugAgentActions { id } }", "rita", "INSUFFICIENT_ROLE"),
]


@pytest.mark.parametrize(("query", "user", "expected"), ERRORS)
async def test_errors_are_the_resolvers_errors(
    client, resolver_client, factory, console, query, user, expected
):
    headers = factory.headers(console[user])
    _, body = await both(client, resolver_client, headers, query)
    [error] = body["errors"]
    if expected == "first":
        assert "first" in error["message"]
    elif expected is not None:
        assert error["extensions"]["code"] == expected


async def test_the_debug_list_is_not_found_when_switched_off(db, settings, factory, console):
    headers = factory.headers(console["ada"])
    answers = []
    for compiling in (True, False):
        async with app_client(
            db, settings, debug_endpoints=False, compile_selections=compiling
        ) as client:
            answers.append(await post(client, headers, "{ debugAgentActions { id } }"))
    assert answers[0].status_code == answers[1].status_code
    assert json.dumps(answers[0].json()) == json.dumps(answers[1].json())
    assert answers[0].json()["errors"][0]["extensions"]["code"] == "NOT_FOUND"


async def test_another_organisations_actions_never_come_through(client, factory, console):
    headers = factory.headers(console["ada"])
    queries = [
        f"{{ agentActions(first: 500) {{ {EVERY_FIELD} }} }}",
        f"{{ debugAgentActions {{ {EVERY_FIELD} }} }}",
        f'{{ agentAction(id: "{console["hidden"]["id"]}") {{ id agentId }} }}',
        '{ agentActions(status: "approved") { agentId reviewedBy { username } } }',
    ]
    for query in queries:
        text = (await post(client, headers, query)).text
        assert "secret" not in text and "zed" not in text, text
    answer = (await post(client, headers, queries[2])).json()
    assert answer["data"] == {"agentAction": None}
    listed = (await post(client, headers, queries[3])).json()
    assert listed["data"]["agentActions"] == [
        {"agentId": "email-agent", "reviewedBy": {"username": "max"}}
    ]


async def test_the_rest_debug_list_answers_alike(db, settings, factory, console):
    # The REST /debug route runs debugAgentActions as a stored operation.
    headers = factory.headers(console["ada"])
    async with (
        app_client(db, settings) as client,
        app_client(db, settings, compile_selections=False) as resolver,
    ):
        compiled = await client.get("/api/analytics/debug", headers=headers)
        resolved = await resolver.get("/api/analytics/debug", headers=headers)
    assert compiled.status_code == resolved.status_code == 200
    assert json.dumps(compiled.json()) == json.dumps(resolved.json())
    assert [row["id"] for row in compiled.json()] == [6, 5, 4, 3, 2, 1]


ACTION = [
    "id",
    "displayId",
    "agentId",
    "actionType",
    "toolName",
    "riskLevel",
    "mitreTactic",
    "nistControl",
    "recommendation",
    "summary",
    "status",
    "reviewedById",
    "timestamp",
    "__typename",
]


@st.composite
def action_root(draw: Any) -> str:
    """One of the three roots with a random selection of actions and their reviewer."""
    inner = draw(typed(selection(ACTION, {"reviewedBy": user_selection()}), "AgentAction"))
    root = draw(st.sampled_from(["agentActions", "debugAgentActions", "agentAction"]))
    if root == "agentActions":
        first = draw(st.integers(min_value=1, max_value=7))
        risk = draw(st.sampled_from(["", ', minRisk: "high"', ', minRisk: "medium"']))
        status = draw(st.sampled_from(["", ', status: "pending"', ', status: "approved"']))
        return f"agentActions(first: {first}{risk}{status}) {{ {inner} }}"
    if root == "agentAction":
        return f"agentAction(id: $id) {{ {inner} }}"
    return f"debugAgentActions {{ {inner} }}"


async def test_random_selections_answer_alike(client, resolver_client, factory, console):
    headers = factory.headers(console["ada"])
    variables = {"yes": True, "id": str(console["actions"][1]["id"])}
    checked: list[str] = []

    @settings(
        max_examples=40,
        deadline=None,
        derandomize=True,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    # each root aliased: the same root twice with other arguments would conflict
    @given(
        st.lists(action_root(), min_size=1, max_size=2).map(
            lambda roots: " ".join(f"r{n}: {root}" for n, root in enumerate(roots))
        )
    )
    def case(query: str) -> None:
        checked.append(query)

    case()
    assert len(checked) >= 30
    for query in checked:
        # a variable declared only where read: an unused one is a validation error
        used = {n: t for n, t in (("yes", "Boolean!"), ("id", "UUID!")) if f"${n}" in query}
        declared = ", ".join(f"${n}: {t}" for n, t in used.items())
        document = f"query({declared}) {{ {query} }}" if used else f"{{ {query} }}"
        sent = {n: variables[n] for n in used}
        _, body = await both(client, resolver_client, headers, document, sent)
        assert "errors" not in body, (query, body)
        assert "secret" not in json.dumps(body)
