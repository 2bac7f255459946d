"""The agent console (seed 004): agent actions and their trends, realtime metrics,
predictive trends, the executive dashboard and system performance under
/api/analytics/, in FastAPI's dialect, with the live side (a WebSocket, subscriptions)."""

from __future__ import annotations

from gateway.demo.agents import seed_agents
from gateway.family import FamilyManifest
from gateway.importer.entities import AGENT_ENTITIES
from resolvers.agents.schema import Mutation, Query
from resolvers.agents.scopes import AGENTS_READ, AGENTS_WRITE
from resolvers.agents.subscriptions import Subscription
from rest_compat.agents import ROUTES
from rest_compat.agents.envelope import fastapi_envelope
from rest_compat.agents.ws import SOCKETS

AGENTS = FamilyManifest(
    name="agents",
    query=Query,
    mutation=Mutation,
    subscription=Subscription,
    routes=ROUTES,
    sockets=SOCKETS,
    envelope=fastapi_envelope,
    import_entities=AGENT_ENTITIES,
    demo=seed_agents,
    scopes=(AGENTS_READ, AGENTS_WRITE),
)
