"""Deterministic, realistic demo data (`gateway seed --demo`, `gateway serve --demo`).

Two organisations (Northwind Robotics on the growth plan, Bluebird Analytics on the
starter plan), their departments and people, 50 components, 90 days of deployments
with their audit trail, and a knowledge base. The same code always writes the same
rows: ids come from names or seeded streams, and times are relative to ``now``.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

if TYPE_CHECKING:
    from gateway.family import FamilyManifest

from gateway.demo.base import Progress, Seeder
from gateway.demo.tenancy import DEMO_ORG_IDS, seed_tenancy
from gateway.sql import utcnow
from models.tenancy import Organization


class DemoDataExists(Exception):
    """The database already holds organisations; seeding needs ``replace=True``."""

    def __init__(self, organisations: int) -> None:
        super().__init__(
            f"the database already has {organisations} organisation(s); "
            "use --force to seed anyway (previous demo organisations are replaced)"
        )
        self.organisations = organisations


@dataclass(frozen=True)
class DemoInfo:
    """Who to log in as, and what was written (rows per table)."""

    admin_user_id: uuid.UUID
    admin_username: str
    org_id: uuid.UUID
    org_name: str
    rows: dict[str, int]


async def seed_demo(
    engine: AsyncEngine,
    *,
    progress: Progress,
    now: datetime | None = None,
    replace: bool = False,
    families: Sequence[FamilyManifest] | None = None,
) -> DemoInfo:
    """Seed the demo in one transaction.

    Refuses (DemoDataExists) when any organisation exists, unless ``replace``: then the
    two demo organisations, if present, are deleted with everything they own and
    seeded again, and any other organisation is left alone.
    """
    if families is None:
        from gateway.families import FAMILIES  # the families' seeders live in this package

        families = FAMILIES

    async with engine.begin() as connection:
        if replace:
            await connection.execute(
                delete(Organization).where(col(Organization.id).in_(DEMO_ORG_IDS))
            )
        else:
            existing = await connection.scalar(select(func.count()).select_from(Organization))
            if existing:
                raise DemoDataExists(existing)
        seeder = Seeder(connection, now or utcnow(), progress)
        progress("Seeding demo data")
        orgs = await seed_tenancy(seeder)
        for org in orgs:
            progress(f"{org.spec.name} ({org.spec.plan} plan)")
            for family in families:
                if family.demo is not None:
                    await family.demo(seeder, org)
    main = orgs[0]
    return DemoInfo(
        admin_user_id=main.admin["id"],
        admin_username=main.admin["username"],
        org_id=main.id,
        org_name=main.spec.name,
        rows=dict(seeder.rows),
    )


__all__ = ["DEMO_ORG_IDS", "DemoDataExists", "DemoInfo", "seed_demo"]
