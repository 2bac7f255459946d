"""The bus-factor and staleness fields through GraphQL: the REST answers, in camelCase."""

from __future__ import annotations

import uuid

import pytest

from tests.knowledge import expected
from tests.knowledge.expected import camel

PERSON = """userId userName userEmail soleEntries totalDepartmentEntries score riskLevel
    departmentId departmentName"""
DEPARTMENT = """departmentId departmentName totalEntries concentrationIndex riskLevel
    topHolders { userId userName soleEntries percentage riskLevel }"""
STALE = """entries { entryId title departmentId departmentName createdBy creatorName status
    lastReviewedAt daysSinceReview createdAt } total daysThreshold"""
STATS = """totalActive needsReviewCount activeCount archivedCount staleCount
    averageDaysSinceReview daysThreshold stalePercentage"""

BUS_FACTOR = f"""{{ busFactor {{
    personScores {{ {PERSON} }} departmentScores {{ {DEPARTMENT} }}
    criticalCount highCount mediumCount lowCount overallRiskLevel }} }}"""
PERSON_QUERY = f"query($id: UUID!) {{ busFactorPerson(userId: $id) {{ {PERSON} }} }}"
DEPARTMENT_QUERY = (
    f"query($id: UUID!) {{ busFactorDepartment(departmentId: $id) {{ {DEPARTMENT} }} }}"
)
CRITICAL = f"""{{ busFactorCritical {{ criticalPeople {{ {PERSON} }}
    criticalDepartments {{ {DEPARTMENT} }} totalCritical }} }}"""
STALE_QUERY = f"query($days: Int!) {{ staleEntries(days: $days) {{ {STALE} }} }}"
STATS_QUERY = f"query($days: Int!) {{ stalenessStats(days: $days) {{ {STATS} }} }}"
CHECK = """mutation($days: Int!) {
    runStalenessCheck(days: $days) { checked flagged daysThreshold message } }"""


async def gql(client, headers, query, variables=None):
    response = await client.post(
        "/graphql", json={"query": query, "variables": variables or {}}, headers=headers
    )
    assert response.status_code == 200
    return response.json()


async def test_bus_factor_fields_match_the_hand_worked_answers(client, factory, acme):
    headers = factory.headers(acme.users["bob"])
    body = await gql(client, headers, BUS_FACTOR)
    # Every answer carries its estimated cost (issue 6 item 3): lists without `first`
    # count 10 items, staleEntries(first: 20) multiplies its 12 fields by 20.
    assert body == {
        "data": {"busFactor": camel(expected.bus_factor(acme))},
        "extensions": {"cost": 658},
    }
    for name, answer in expected.persons(acme).items():
        body = await gql(client, headers, PERSON_QUERY, {"id": acme.id(name)})
        assert body == {"data": {"busFactorPerson": camel(answer)}, "extensions": {"cost": 10}}
    for name, answer in expected.departments(acme).items():
        body = await gql(client, headers, DEPARTMENT_QUERY, {"id": acme.id(name)})
        assert body == {
            "data": {"busFactorDepartment": camel(answer)},
            "extensions": {"cost": 57},
        }, name
    body = await gql(client, headers, CRITICAL)
    assert body == {
        "data": {"busFactorCritical": camel(expected.critical(acme))},
        "extensions": {"cost": 654},
    }


async def test_staleness_fields_match_the_hand_worked_answers(client, factory, acme):
    headers = factory.headers(acme.users["bob"])
    for days in (30, 45, 60):
        body = await gql(client, headers, STALE_QUERY, {"days": days})
        assert body == {
            "data": {"staleEntries": camel(expected.stale_entries(acme, days))},
            "extensions": {"cost": 261},
        }
    stats = await gql(client, headers, STATS_QUERY, {"days": 30})
    assert stats == {
        "data": {"stalenessStats": camel(expected.stats(6, 30, 54.55))},
        "extensions": {"cost": 9},
    }
    defaulted = await gql(client, headers, "{ stalenessStats { daysThreshold staleCount } }")
    assert defaulted["data"]["stalenessStats"] == {"daysThreshold": 30, "staleCount": 6}


@pytest.mark.parametrize(("days", "used"), [(0, 30), (-7, 30), (99999, 3650)])
async def test_graphql_days_are_coerced_like_rest(client, factory, acme, days, used):
    headers = factory.headers(acme.users["alice"])
    stats = await gql(client, headers, STATS_QUERY, {"days": days})
    assert stats["data"]["stalenessStats"]["daysThreshold"] == used
    listed = await gql(client, headers, STALE_QUERY, {"days": days})
    assert listed["data"]["staleEntries"]["daysThreshold"] == used
    check = await gql(client, headers, CHECK, {"days": days})
    assert check["data"]["runStalenessCheck"]["daysThreshold"] == used
    assert check["data"]["runStalenessCheck"]["flagged"] == (4 if used == 30 else 0)


async def test_check_through_graphql_is_idempotent(client, factory, acme):
    headers = factory.headers(acme.users["alice"])
    first = await gql(client, headers, CHECK, {"days": 30})
    again = await gql(client, headers, CHECK, {"days": 30})
    assert first["data"]["runStalenessCheck"] == {
        "checked": 11,
        "flagged": 4,
        "daysThreshold": 30,
        "message": "Staleness check complete. 4 entries flagged for review.",
    }
    assert again["data"]["runStalenessCheck"]["flagged"] == 0


@pytest.mark.parametrize(
    ("query", "id_of", "code"),
    [
        (PERSON_QUERY, lambda acme: str(acme.other_user["id"]), "NOT_FOUND"),
        (PERSON_QUERY, lambda acme: str(uuid.uuid4()), "NOT_FOUND"),
        (PERSON_QUERY, lambda acme: "not-a-uuid", "BAD_USER_INPUT"),
        (DEPARTMENT_QUERY, lambda acme: str(acme.other_department["id"]), "NOT_FOUND"),
        (DEPARTMENT_QUERY, lambda acme: acme.id("alice"), "NOT_FOUND"),
        (DEPARTMENT_QUERY, lambda acme: "12345", "BAD_USER_INPUT"),
    ],
)
async def test_unknown_or_malformed_ids(client, factory, acme, query, id_of, code):
    body = await gql(client, factory.headers(acme.users["bob"]), query, {"id": id_of(acme)})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == code


@pytest.mark.parametrize(
    ("user", "query"),
    [
        ("carol", BUS_FACTOR),
        ("carol", CRITICAL),
        ("carol", STALE_QUERY),
        ("carol", STATS_QUERY),
        ("bob", CHECK),
    ],
)
async def test_roles_are_the_same_as_rest(client, factory, acme, user, query):
    body = await gql(client, factory.headers(acme.users[user]), query, {"days": 30})
    assert body["data"] is None
    assert body["errors"][0]["extensions"]["code"] == "INSUFFICIENT_ROLE"


async def test_plan_below_growth_through_graphql(client, factory):
    org = await factory.org(plan="starter")
    admin = await factory.user(org, role="admin")
    body = await gql(client, factory.headers(admin), BUS_FACTOR)
    assert body["errors"][0]["extensions"] == {
        "code": "PLAN_UPGRADE_REQUIRED",
        "details": {"required_plan": "growth", "feature": "analytics"},
    }
