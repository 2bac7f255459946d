"""The governance family's root types: each side's fields, merged.

Guardian reads and analytics are in ``guardian_schema.py``; each further side (MCP
analytics, guardian writes) adds its root type to the tuples below.
"""

from __future__ import annotations

from strawberry.tools import merge_types

from resolvers.governance.guardian_schema import GuardianQuery
from resolvers.governance.mcp_schema import McpMutation, McpQuery
from resolvers.governance.mcp_session_schema import McpSessionQuery
from resolvers.governance.mutations import GuardianMutation
from resolvers.governance.nhi_anomaly_schema import NhiAnomalyMutation, NhiAnomalyQuery
from resolvers.governance.nhi_mutations import NhiMutation
from resolvers.governance.nhi_observability_schema import NhiObservabilityQuery
from resolvers.governance.nhi_posture_schema import NhiPostureQuery
from resolvers.governance.nhi_schema import NhiQuery

Query = merge_types(
    "GovernanceQuery",
    (
        GuardianQuery,
        McpQuery,
        McpSessionQuery,
        NhiObservabilityQuery,
        NhiQuery,
        NhiPostureQuery,
        NhiAnomalyQuery,
    ),
)
Mutation = merge_types(
    "GovernanceMutation", (GuardianMutation, McpMutation, NhiMutation, NhiAnomalyMutation)
)
