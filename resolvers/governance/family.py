"""AI governance (seed 002): guardian verdict analytics under /v1/analytics/governance and
MCP tool-call analytics under /v1/mcp/analytics, non-human identity analytics under
/v1/analytics/nhi-*."""

from __future__ import annotations

from gateway.demo.governance import seed_governance
from gateway.family import FamilyManifest
from gateway.importer.entities import GOVERNANCE_ENTITIES
from resolvers.governance.schema import Mutation, Query
from resolvers.governance.types import LOGS_READ, MCP_READ, NHI_READ, WRITE
from rest_compat.governance import ROUTES
from rest_compat.governance.envelope import governance_envelope
from rest_compat.pages import cursor_page

GOVERNANCE = FamilyManifest(
    name="governance",
    query=Query,
    mutation=Mutation,
    routes=ROUTES,
    envelope=governance_envelope,
    page_shape=cursor_page,
    import_entities=GOVERNANCE_ENTITIES,
    demo=seed_governance,
    scopes=(LOGS_READ, MCP_READ, NHI_READ, WRITE),
)
