"""The developer portal (seed 000): components, environments, deployments, audit log;
catalog health, DORA and usage analytics under /api/v1/analytics."""

from __future__ import annotations

from gateway.demo.base import Seeder
from gateway.demo.catalog import seed_catalog
from gateway.demo.deployments import seed_deployments
from gateway.demo.tenancy import OrgData
from gateway.family import FamilyManifest
from gateway.importer.entities import CATALOG_ENTITIES
from resolvers.catalog.schema import Mutation, Query
from rest_compat import portal
from rest_compat.envelopes import code_envelope


async def seed_portal(seeder: Seeder, org: OrgData) -> None:
    """The organisation's components, then 90 days of their deployments."""
    catalog = await seed_catalog(seeder, org)
    await seed_deployments(seeder, org, catalog)


PORTAL = FamilyManifest(
    name="portal",
    query=Query,
    mutation=Mutation,
    routes=portal.ROUTES,
    envelope=code_envelope,
    import_entities=CATALOG_ENTITIES,
    demo=seed_portal,
    scopes=("catalog:read", "catalog:write"),
)
