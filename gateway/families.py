"""The families this gateway serves. Adding a family is one entry here.

Everything else is read from their manifests (gateway/family.py): the schema
(gateway/schema.py), the REST routes (rest_compat/registry.py), the importer's
entities, the demo's seeders and the scopes a credential may carry.
"""

from __future__ import annotations

from collections.abc import Sequence

from gateway.family import FamilyManifest
from gateway.importer.entities import EntitySpec
from resolvers.agents.family import AGENTS
from resolvers.catalog.family import PORTAL
from resolvers.governance.family import GOVERNANCE
from resolvers.incidents.family import INCIDENTS
from resolvers.jobs.family import JOBS
from resolvers.knowledge.family import KNOWLEDGE
from resolvers.tenancy.family import TENANCY

FAMILIES: tuple[FamilyManifest, ...] = (
    TENANCY,
    JOBS,
    PORTAL,
    KNOWLEDGE,
    GOVERNANCE,
    INCIDENTS,
    AGENTS,
)


def import_entities(families: Sequence[FamilyManifest] = FAMILIES) -> list[EntitySpec]:
    return [entity for family in families for entity in family.import_entities]


def known_scopes(families: Sequence[FamilyManifest] = FAMILIES) -> tuple[str, ...]:
    """Every scope a credential may carry: what the families' fields check."""
    return tuple(scope for family in families for scope in family.scopes)
