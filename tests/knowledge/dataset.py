"""The hand-worked knowledge base every knowledge test reads from.

Organisation "Acme" (Growth plan). Departments Engineering, Sales and Legal (empty).
Users: Alice (Eng, admin), Bob (Eng, manager), Carol (Eng, member), Dave, Erin, Gina
(Sales, members), Frank (no department, member). Entries, "days" being whole days since
the last review (or creation when never reviewed); each age is x.5 days so no answer
sits on a day boundary:

    entry  title               dept   authors              status        reviewed  days
    E1     Deploy runbook      Eng    Alice                active        45.5      45
    E2     Incident playbook   Eng    Alice                active        5.5       5
    E3     DB failover         Eng    Alice                needs_review  never     60
    E4     API design          Eng    Bob                  active        31.5      31
    E5     Onboarding          Eng    Alice, Carol         active        never     20
    E6     Old wiki            Eng    Carol                archived      never     300
    S1     Pricing             Sales  Dave                 active        29.5      29
    S2     Discounts           Sales  Erin                 active        30.5      30
    S3     CRM guide           Sales  Dave, Erin, Gina     active        never     10
    S4     Territories         Sales  Gina                 needs_review  120.5     120
    S5     Quota sheet         Sales  Gina                 active        never     3
    N1     Company handbook    -      Frank                active        never     75

Bus factor (E6 archived does not count; N1 has no department):
- Engineering: 5 entries. Alice sole E1-E3 = 3 -> 60.0 critical; Bob sole E4 = 1 -> 20.0
  medium; Carol 0 (E5 is shared, E6 archived) -> low. Weights: Alice 3 + 1/2 = 3.5, Bob 1,
  Carol 1/2; shares 0.7, 0.2, 0.1; HHI = 0.49 + 0.04 + 0.01 = 0.54 -> critical.
- Sales: 5 entries. Dave 1 -> 20.0 medium, Erin 1 -> 20.0 medium, Gina 2 -> 40.0 high.
  Weights 4/3, 4/3, 7/3 of 5; HHI = (16 + 16 + 49) / 225 = 0.36 -> high.
- Legal: 0 entries, HHI 0 -> low, no holders. Frank: no department -> 0, low.
- Persons: critical 1 (Alice), high 1 (Gina), medium 3 (Bob, Dave, Erin), low 2 (Carol,
  Frank); overall critical. Order: Alice 60, Gina 40, Bob/Dave/Erin 20, Carol/Frank 0.
- Critical: Alice and Engineering, total 2.

Staleness (11 non-archived entries, 1 archived; 2 needs_review, 9 active):
- days = 30: stale S4 120, N1 75, E3 60, E1 45, E4 31, S2 30 (S1 at 29 is not) -> 6;
  6 / 11 = 54.545... -> 54.55 %. Days sum 45+5+60+31+20+29+30+10+120+3+75 = 428;
  428 / 11 = 38.909... -> 38.9.
- days = 60: S4, N1, E3 -> 3; 27.27 %. days = 45: S4, N1, E3, E1 -> 4.
- The check at 30 flags the stale *active* ones: E1, E4, S2, N1 -> 4 (E3 and S4 already
  need review); checked 11; a second run flags 0.

Organisation "Globex" (Growth) holds Mallory (admin, its Engineering) and two stale
entries of hers; none of it may appear in Acme's answers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tests.factories import one_transaction


@dataclass
class Acme:
    org: dict[str, Any]
    departments: dict[str, dict[str, Any]]
    users: dict[str, dict[str, Any]]
    entries: dict[str, dict[str, Any]]
    other_org: dict[str, Any]
    other_department: dict[str, Any]
    other_user: dict[str, Any]

    def id(self, name: str) -> str:
        """The id of a user, department or entry, as JSON shows it."""
        for table in (self.users, self.departments, self.entries):
            if name in table:
                return str(table[name]["id"])
        raise KeyError(name)


@one_transaction
async def build_acme(factory: Any) -> Acme:
    """Writes the dataset above and returns its rows by name."""
    org = await factory.org("Acme")
    departments = {
        name: await factory.department(org, name) for name in ("Engineering", "Sales", "Legal")
    }
    eng, sales = departments["Engineering"], departments["Sales"]
    people = [
        ("alice", eng, "admin"),
        ("bob", eng, "manager"),
        ("carol", eng, "member"),
        ("dave", sales, "member"),
        ("erin", sales, "member"),
        ("gina", sales, "member"),
        ("frank", None, "member"),
    ]
    users = {
        name: await factory.user(org, name, role=role, department_id=dept["id"] if dept else None)
        for name, dept, role in people
    }
    u = users
    rows = [
        ("E1", "Deploy runbook", eng, [u["alice"]], "active", 200.5, 45.5),
        ("E2", "Incident playbook", eng, [u["alice"]], "active", 100.5, 5.5),
        ("E3", "DB failover", eng, [u["alice"]], "needs_review", 60.5, None),
        ("E4", "API design", eng, [u["bob"]], "active", 40.5, 31.5),
        ("E5", "Onboarding", eng, [u["alice"], u["carol"]], "active", 20.5, None),
        ("E6", "Old wiki", eng, [u["carol"]], "archived", 300.5, None),
        ("S1", "Pricing", sales, [u["dave"]], "active", 90.5, 29.5),
        ("S2", "Discounts", sales, [u["erin"]], "active", 50.5, 30.5),
        ("S3", "CRM guide", sales, [u["dave"], u["erin"], u["gina"]], "active", 10.5, None),
        ("S4", "Territories", sales, [u["gina"]], "needs_review", 400.5, 120.5),
        ("S5", "Quota sheet", sales, [u["gina"]], "active", 3.5, None),
        ("N1", "Company handbook", None, [u["frank"]], "active", 75.5, None),
    ]
    entries = {}
    for key, title, dept, authors, status, created, reviewed in rows:
        entries[key] = await factory.entry(
            org,
            authors[0],
            title,
            department=dept,
            status=status,
            created_days_ago=created,
            reviewed_days_ago=reviewed,
            authors=authors[1:],
        )

    globex = await factory.org("Globex")
    globex_eng = await factory.department(globex, "Engineering")
    mallory = await factory.user(globex, "mallory", role="admin", department_id=globex_eng["id"])
    for title in ("Secret plan", "Launch codes"):
        await factory.entry(globex, mallory, title, department=globex_eng, created_days_ago=500.5)
    return Acme(org, departments, users, entries, globex, globex_eng, mallory)
