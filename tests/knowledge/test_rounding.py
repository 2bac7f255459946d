"""Item 10: knowledge figures that land on a half round half up, on both databases.

Worked by hand (round() on a float rounds these halves to even, the first answer):
- Department "Big", 32 counted entries: Ann wrote 1 alone, Ben 31 alone.
  Ann's score 1/32 x 100 = 3.125 -> 3.13 (3.12); Ben's 31/32 x 100 = 96.875 -> 96.88.
- Department "Small", 8 entries: Pam wrote 1 alone, Quinn 7 alone. Concentration index
  (1/8)^2 + (7/8)^2 = 50/64 = 0.78125 -> 0.7813 (0.7812).
- Staleness (its own organisation), 32 active entries: 31 created half a day ago (0 whole
  days), 1 created 40 days ago. days=30: 1 stale of 32 = 3.125 % -> 3.13 (3.12); mean days
  since review 40 / 32 = 1.25 -> 1.3 (1.2).
"""

from __future__ import annotations

BUS = "/api/v1/analytics/bus-factor"
STATS = "/api/v1/analytics/staleness/stats"


async def test_item10_rounding_bus_factor_halves(client, factory):
    org = await factory.org()
    viewer = await factory.user(org, "viewer", role="manager")
    big = await factory.department(org, "Big")
    small = await factory.department(org, "Small")
    ann = await factory.user(org, "ann", department_id=big["id"])
    ben = await factory.user(org, "ben", department_id=big["id"])
    pam = await factory.user(org, "pam", department_id=small["id"])
    quinn = await factory.user(org, "quinn", department_id=small["id"])
    for author, department, count in ((ann, big, 1), (ben, big, 31), (pam, small, 1)):
        for n in range(count):
            await factory.entry(org, author, f"{author['username']}-{n}", department=department)
    for n in range(7):
        await factory.entry(org, quinn, f"quinn-{n}", department=small)
    headers = factory.headers(viewer)

    person = (await client.get(f"{BUS}/person/{ann['id']}", headers=headers)).json()
    assert (person["sole_entries"], person["total_department_entries"]) == (1, 32)
    assert person["score"] == 3.13
    assert person["risk_level"] == "low"

    department = (await client.get(f"{BUS}/department/{big['id']}", headers=headers)).json()
    assert [(h["user_name"], h["percentage"]) for h in department["top_holders"]] == [
        ("Ben", 96.88),
        ("Ann", 3.13),
    ]
    small_answer = (await client.get(f"{BUS}/department/{small['id']}", headers=headers)).json()
    assert small_answer["concentration_index"] == 0.7813
    assert small_answer["risk_level"] == "critical"

    everyone = (await client.get(f"{BUS}/", headers=headers)).json()
    scores = {p["user_name"]: p["score"] for p in everyone["person_scores"]}
    assert scores == {"Ben": 96.88, "Quinn": 87.5, "Pam": 12.5, "Ann": 3.13, "Viewer": 0.0}


async def test_item10_rounding_staleness_halves(client, factory):
    org = await factory.org()
    viewer = await factory.user(org, "viewer", role="manager")
    await factory.entry(org, viewer, "old", created_days_ago=40)
    for n in range(31):
        await factory.entry(org, viewer, f"new-{n:02}", created_days_ago=0.5)
    response = await client.get(STATS, params={"days": 30}, headers=factory.headers(viewer))
    assert response.status_code == 200
    assert response.json() == {
        "total_active": 32,
        "needs_review_count": 0,
        "active_count": 32,
        "archived_count": 0,
        "stale_count": 1,
        "average_days_since_review": 1.3,
        "days_threshold": 30,
        "stale_percentage": 3.13,
    }
