"""The four bus-factor paths on the hand-worked dataset (tests/knowledge/dataset.py)."""

from __future__ import annotations

from sqlalchemy import update

from models.knowledge import KnowledgeEntry
from tests.knowledge import expected

BASE = "/api/v1/analytics/bus-factor"


async def test_org_wide_bus_factor_matches_hand_worked_answer(client, factory, acme):
    # given the dataset, read by a manager
    headers = factory.headers(acme.users["bob"])
    # when
    response = await client.get(f"{BASE}/", headers=headers)
    # then
    assert response.status_code == 200
    assert response.json() == expected.bus_factor(acme)


async def test_person_paths_match_hand_worked_answers(client, factory, acme):
    headers = factory.headers(acme.users["bob"])
    for name, answer in expected.persons(acme).items():
        response = await client.get(f"{BASE}/person/{acme.id(name)}", headers=headers)
        assert response.status_code == 200, name
        assert response.json() == answer, name


async def test_department_paths_match_hand_worked_answers(client, factory, acme):
    headers = factory.headers(acme.users["alice"])
    for name, answer in expected.departments(acme).items():
        response = await client.get(f"{BASE}/department/{acme.id(name)}", headers=headers)
        assert response.status_code == 200, name
        assert response.json() == answer, name


async def test_critical_lists_only_critical_people_and_departments(client, factory, acme):
    response = await client.get(f"{BASE}/critical", headers=factory.headers(acme.users["bob"]))
    assert response.status_code == 200
    assert response.json() == expected.critical(acme)


async def test_archiving_changes_the_answer(client, factory, acme, db):
    # given E1 archived: Engineering has 4 entries, Alice 2 sole (50.0, still critical),
    # Bob 1 of 4 (25.0, high); weights Alice 2.5, Bob 1, Carol 0.5 of 4 ->
    # HHI = 0.390625 + 0.0625 + 0.015625 = 0.46875 -> 0.4688, high
    async with db.begin() as conn:
        await conn.execute(
            update(KnowledgeEntry)
            .where(KnowledgeEntry.id == acme.entries["E1"]["id"])
            .values(status="archived")
        )
    headers = factory.headers(acme.users["bob"])
    # when
    body = (await client.get(f"{BASE}/department/{acme.id('Engineering')}", headers=headers)).json()
    # then
    assert body["total_entries"] == 4
    assert body["concentration_index"] == 0.4688
    assert body["risk_level"] == "high"
    assert [(h["user_name"], h["percentage"], h["risk_level"]) for h in body["top_holders"]] == [
        ("Alice", 50.0, "critical"),
        ("Bob", 25.0, "high"),
    ]


async def test_risk_levels_at_their_exact_thresholds(client, factory):
    # given three departments built to land on the lines:
    #   X: 10 entries; P1 sole 5 (50 -> critical), P2 sole 1 (10 -> medium), 4 shared by
    #      P3 and P4 (0 -> low). Shares .5, .1, .2, .2 -> HHI .34 (high).
    #   Y: 4 entries, one each by Q1..Q4: each 25 (high); HHI 4 x .0625 = .25 (high).
    #   Z: 2 entries, one each by R1, R2: each 50 (critical); HHI .5 (critical).
    #   W: 11 entries; T1 sole 1 (9.09 -> low), T2 sole 10 (90.91 -> critical).
    org = await factory.org()
    viewer = await factory.user(org, "viewer", role="manager")
    made = {}

    async def members(dept_name, names):
        dept = await factory.department(org, dept_name)
        people = [await factory.user(org, n, department_id=dept["id"]) for n in names]
        made.update(zip(names, people, strict=True))
        return dept, people

    x, (p1, p2, p3, p4) = await members("X", ["p1", "p2", "p3", "p4"])
    for i in range(5):
        await factory.entry(org, p1, f"x-{i}", department=x)
    await factory.entry(org, p2, "x-5", department=x)
    for i in range(4):
        await factory.entry(org, p3, f"x-shared-{i}", department=x, authors=[p4])
    y, qs = await members("Y", ["q1", "q2", "q3", "q4"])
    for i, q in enumerate(qs):
        await factory.entry(org, q, f"y-{i}", department=y)
    z, rs = await members("Z", ["r1", "r2"])
    for i, r in enumerate(rs):
        await factory.entry(org, r, f"z-{i}", department=z)
    w, (t1, t2) = await members("W", ["t1", "t2"])
    await factory.entry(org, t1, "w-0", department=w)
    for i in range(10):
        await factory.entry(org, t2, f"w-{i + 1}", department=w)

    # when
    body = (await client.get(f"{BASE}/", headers=factory.headers(viewer))).json()

    # then
    people = {p["user_name"]: (p["score"], p["risk_level"]) for p in body["person_scores"]}
    assert people == {
        "P1": (50.0, "critical"),
        "P2": (10.0, "medium"),
        "P3": (0.0, "low"),
        "P4": (0.0, "low"),
        "Q1": (25.0, "high"),
        "Q2": (25.0, "high"),
        "Q3": (25.0, "high"),
        "Q4": (25.0, "high"),
        "R1": (50.0, "critical"),
        "R2": (50.0, "critical"),
        "T1": (9.09, "low"),
        "T2": (90.91, "critical"),
        "Viewer": (0.0, "low"),
    }
    departments = [
        (d["department_name"], d["concentration_index"], d["risk_level"])
        for d in body["department_scores"]
    ]
    # W: shares 1/11 and 10/11 -> (1 + 100) / 121 = 0.8347
    assert departments == [
        ("W", 0.8347, "critical"),
        ("Z", 0.5, "critical"),
        ("X", 0.34, "high"),
        ("Y", 0.25, "high"),
    ]
    assert (body["critical_count"], body["high_count"]) == (4, 4)
    assert (body["medium_count"], body["low_count"]) == (1, 4)
    # Persons by score descending, then name.
    assert [p["user_name"] for p in body["person_scores"]] == [
        "T2", "P1", "R1", "R2", "Q1", "Q2", "Q3", "Q4", "P2", "T1", "P3", "P4", "Viewer",
    ]  # fmt: skip


async def test_top_holders_stop_at_five_by_sole_entries_then_name(client, factory):
    # given seven members with 1..7 sole entries, plus one with none
    org = await factory.org()
    dept = await factory.department(org, "Ops")
    viewer = await factory.user(org, "viewer", role="manager", department_id=dept["id"])
    counts = {"ann": 3, "ben": 3, "cat": 7, "dan": 1, "eve": 5, "fay": 2, "gus": 4}
    for name, n in counts.items():
        person = await factory.user(org, name, department_id=dept["id"])
        for i in range(n):
            await factory.entry(org, person, f"{name}-{i}", department=dept)
    # when
    response = await client.get(f"{BASE}/department/{dept['id']}", headers=factory.headers(viewer))
    # then: cat 7, eve 5, gus 4, then ann and ben tied at 3 by name; 25 entries in all
    holders = response.json()["top_holders"]
    assert [(h["user_name"], h["sole_entries"], h["percentage"]) for h in holders] == [
        ("Cat", 7, 28.0),
        ("Eve", 5, 20.0),
        ("Gus", 4, 16.0),
        ("Ann", 3, 12.0),
        ("Ben", 3, 12.0),
    ]
    assert [h["risk_level"] for h in holders] == ["high", "medium", "medium", "medium", "medium"]


async def test_empty_organisation_is_low_with_zero_counts(client, factory):
    org = await factory.org()
    viewer = await factory.user(org, "viewer", role="manager")
    response = await client.get(f"{BASE}/", headers=factory.headers(viewer))
    assert response.json() == {
        "person_scores": [expected.person_without_entries(viewer)],
        "department_scores": [],
        "critical_count": 0,
        "high_count": 0,
        "medium_count": 0,
        "low_count": 1,
        "overall_risk_level": "low",
    }
    critical = await client.get(f"{BASE}/critical", headers=factory.headers(viewer))
    assert critical.json() == {
        "critical_people": [],
        "critical_departments": [],
        "total_critical": 0,
    }


async def test_org_wide_bus_factor_costs_three_statements_whatever_the_size(
    client, factory, acme, statements
):
    # given the dataset; then 20 more users and entries
    headers = factory.headers(acme.users["bob"])
    statements.statements.clear()
    await client.get(f"{BASE}/", headers=headers)
    small = statements.count
    sales = acme.departments["Sales"]
    for i in range(20):
        user = await factory.user(acme.org, f"extra{i:02d}", department_id=sales["id"])
        await factory.entry(acme.org, user, f"extra-{i}", department=sales)
    # when
    statements.statements.clear()
    body = (await client.get(f"{BASE}/", headers=headers)).json()
    # then: principal, persons, departments; grouped in SQL, never per user
    assert len(body["person_scores"]) == 27
    assert small == statements.count == 3, statements.statements
