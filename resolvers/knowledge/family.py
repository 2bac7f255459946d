"""The knowledge base (seed 003): entries and their authors; bus factor and staleness
under /api/v1/analytics/bus-factor and /api/v1/analytics/staleness."""

from __future__ import annotations

from gateway.demo.knowledge import seed_knowledge
from gateway.family import FamilyManifest, contributed
from gateway.importer.entities import KNOWLEDGE_ENTITIES
from resolvers.knowledge.schema import Mutation, Query
from resolvers.knowledge.types import user_knowledge_entries
from resolvers.tenancy.types import User
from rest_compat import knowledge
from rest_compat.envelopes import code_envelope

KNOWLEDGE = FamilyManifest(
    name="knowledge",
    query=Query,
    mutation=Mutation,
    routes=knowledge.ROUTES,
    envelope=code_envelope,
    import_entities=KNOWLEDGE_ENTITIES,
    demo=seed_knowledge,
    scopes=("knowledge:read", "knowledge:write"),
    extends={User: [contributed("knowledge_entries", user_knowledge_entries)]},
)
