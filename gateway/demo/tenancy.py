"""The demo's two organisations, their departments and people."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from gateway.demo.base import Seeder, demo_id
from gateway.sql import table_of
from models.tenancy import Department, Organization, User

# (username, full name, role, department); the first admin is the one `serve --demo`
# prints a token for. Inactive people are marked with a trailing "!" on the username.
NORTHWIND_PEOPLE = (
    ("ada", "Ada Okafor", "admin", "Platform"),
    ("grace", "Grace Lindqvist", "admin", "Security"),
    ("linus", "Linus Moreau", "manager", "Platform"),
    ("margaret", "Margaret Osei", "manager", "Payments"),
    ("dennis", "Dennis Aalto", "manager", "Mobile"),
    ("barbara", "Barbara Kowalski", "manager", "Data"),
    ("ken", "Ken Watanabe", "manager", "Security"),
    ("frances", "Frances Delgado", "manager", "Support"),
    ("alan", "Alan Brandt", "member", "Platform"),
    ("edsger", "Edsger Vos", "member", "Platform"),
    ("radia", "Radia Haddad", "member", "Platform"),
    ("joan", "Joan Whitaker", "member", "Payments"),
    ("tim", "Tim Berglund", "member", "Payments"),
    ("sophie", "Sophie Laurent", "member", "Payments"),
    ("john", "John Mbeki", "member", "Mobile"),
    ("jean", "Jean Dubois", "member", "Mobile"),
    ("claude", "Claude Rossi", "member", "Data"),
    ("hedy", "Hedy Novak", "member", "Data"),
    ("katherine", "Katherine Ito", "member", "Data"),
    ("whitfield", "Whitfield Acheampong", "member", "Security"),
    ("adi", "Adi Shapiro", "member", "Security"),
    ("mary", "Mary Keller", "member", "Support"),
    ("evelyn", "Evelyn Park", "member", "Support"),
    ("bob!", "Bob Halvorsen", "member", "Support"),
)

BLUEBIRD_PEOPLE = (
    ("nora", "Nora Quist", "admin", "Engineering"),
    ("ivan", "Ivan Petrov", "manager", "Engineering"),
    ("olga", "Olga Sandberg", "manager", "Operations"),
    ("pia", "Pia Lehtonen", "manager", "Research"),
    ("quinn", "Quinn Adeyemi", "member", "Engineering"),
    ("rosa", "Rosa Ferreira", "member", "Engineering"),
    ("sam", "Sam Oduya", "member", "Operations"),
    ("tara", "Tara Nakamura", "member", "Operations"),
    ("uma", "Uma Raman", "member", "Research"),
    ("victor!", "Victor Hale", "member", "Research"),
)


@dataclass(frozen=True)
class OrgSpec:
    key: str
    name: str
    plan: str
    domain: str
    people: tuple[tuple[str, str, str, str], ...]
    # Departments whose knowledge rests on one person: the bus-factor risk to find.
    concentrated: dict[str, str] = field(default_factory=dict)


ORGS = (
    OrgSpec(
        "northwind",
        "Northwind Robotics",
        "growth",
        "northwind.example",
        NORTHWIND_PEOPLE,
        concentrated={"Payments": "joan", "Security": "ken"},
    ),
    OrgSpec(
        "bluebird",
        "Bluebird Analytics",
        "starter",
        "bluebird.example",
        BLUEBIRD_PEOPLE,
        concentrated={"Research": "uma"},
    ),
)

DEMO_ORG_IDS = tuple(demo_id("org", spec.key) for spec in ORGS)


@dataclass
class OrgData:
    """What later modules need to know about one seeded organisation."""

    spec: OrgSpec
    id: uuid.UUID
    departments: dict[str, uuid.UUID]
    users: list[dict[str, Any]]

    @property
    def active_users(self) -> list[dict[str, Any]]:
        return [u for u in self.users if u["is_active"]]

    def in_department(self, name: str) -> list[dict[str, Any]]:
        department = self.departments[name]
        return [u for u in self.active_users if u["department_id"] == department]

    def by_username(self, username: str) -> dict[str, Any]:
        return next(u for u in self.users if u["username"] == username)

    @property
    def admin(self) -> dict[str, Any]:
        return next(u for u in self.users if u["role"] == "admin")


async def seed_tenancy(seeder: Seeder) -> list[OrgData]:
    """Organisations, departments and users, with ids stable across runs."""
    orgs: list[OrgData] = []
    org_rows, department_rows, user_rows = [], [], []
    for spec in ORGS:
        org_id = demo_id("org", spec.key)
        org_rows.append(
            {
                "id": org_id,
                "name": spec.name,
                "plan": spec.plan,
                "subscription_active": True,
                "trial_ends_at": None,
                "created_at": seeder.ago(days=400),
            }
        )
        names = sorted({person[3] for person in spec.people})
        departments = {name: demo_id("department", spec.key, name) for name in names}
        department_rows += [
            {"id": id_, "org_id": org_id, "name": name} for name, id_ in departments.items()
        ]
        users = [_user(spec, org_id, departments, person, seeder) for person in spec.people]
        user_rows += users
        orgs.append(OrgData(spec, org_id, departments, users))
    await seeder.write(table_of(Organization), org_rows, label="organisations")
    await seeder.write(table_of(Department), department_rows, label="departments")
    await seeder.write(table_of(User), user_rows, label="users")
    return orgs


def _user(
    spec: OrgSpec,
    org_id: uuid.UUID,
    departments: dict[str, uuid.UUID],
    person: tuple[str, str, str, str],
    seeder: Seeder,
) -> dict[str, Any]:
    username, name, role, department = person
    active = not username.endswith("!")
    username = username.rstrip("!")
    return {
        "id": demo_id("user", spec.key, username),
        "org_id": org_id,
        "username": username,
        "name": name,
        "email": f"{username}@{spec.domain}",
        "role": role,
        "is_active": active,
        "department_id": departments[department],
        "created_at": seeder.ago(days=380),
    }
