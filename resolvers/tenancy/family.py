"""Tenancy: organisations, departments, users and API keys, under every family.

It has root fields (``viewer``, ``organization``) and import entities, but no routes
and no scopes of its own; the demo seeds it first, since every family's demo data
belongs to one of its organisations.
"""

from __future__ import annotations

from gateway.family import FamilyManifest
from gateway.importer.entities import TENANCY_ENTITIES
from resolvers.tenancy.schema import Query

TENANCY = FamilyManifest(name="tenancy", query=Query, import_entities=TENANCY_ENTITIES)
