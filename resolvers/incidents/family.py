"""The incident platform (seed 001): incidents, KPIs, recurrence, cost and heatmaps
under /api/analytics/, in Django REST framework's dialect."""

from __future__ import annotations

from gateway.demo.incidents import seed_incidents
from gateway.family import FamilyManifest
from gateway.importer.entities import INCIDENT_ENTITIES
from resolvers.incidents.schema import Mutation, Query
from resolvers.incidents.scopes import INCIDENTS_READ, INCIDENTS_WRITE
from rest_compat.incidents import ROUTES
from rest_compat.incidents.envelope import incidents_envelope
from rest_compat.pages import drf_page

INCIDENTS = FamilyManifest(
    name="incidents",
    query=Query,
    mutation=Mutation,
    routes=ROUTES,
    envelope=incidents_envelope,
    page_shape=drf_page,
    import_entities=INCIDENT_ENTITIES,
    demo=seed_incidents,
    scopes=(INCIDENTS_READ, INCIDENTS_WRITE),
)
