"""The incident family's root types: each side's fields, merged.

Incidents are in ``incident_schema.py``; each further side (KPIs, recurrence, cost,
heatmaps) adds its root type to the tuples below.
"""

from __future__ import annotations

from strawberry.tools import merge_types

from resolvers.incidents.anomaly_schema import AnomalyMutation, AnomalyQuery
from resolvers.incidents.cost_schema import CostMutation, CostQuery
from resolvers.incidents.dashboard_schema import DashboardMutation, DashboardQuery
from resolvers.incidents.heatmap_schema import HeatmapQuery
from resolvers.incidents.incident_mutations import IncidentMutation
from resolvers.incidents.incident_schema import IncidentQuery
from resolvers.incidents.kpi_schema import KpiMutation, KpiQuery
from resolvers.incidents.model_schema import ModelMutation, ModelQuery
from resolvers.incidents.recurrence_schema import RecurrenceMutation, RecurrenceQuery
from resolvers.webhooks.schema import WebhookMutation, WebhookQuery

Query = merge_types(
    "IncidentsQuery",
    (
        IncidentQuery,
        KpiQuery,
        CostQuery,
        HeatmapQuery,
        RecurrenceQuery,
        ModelQuery,
        AnomalyQuery,
        DashboardQuery,
        WebhookQuery,
    ),
)
Mutation = merge_types(
    "IncidentsMutation",
    (
        IncidentMutation,
        KpiMutation,
        CostMutation,
        RecurrenceMutation,
        ModelMutation,
        AnomalyMutation,
        DashboardMutation,
        WebhookMutation,
    ),
)
