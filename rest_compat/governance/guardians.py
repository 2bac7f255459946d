"""Guardian verdict analytics under /v1/analytics/governance (scope ``logs:read``).

Each path takes the family's window and filters (``params.py``); ``timeseries`` also
takes ``metric``. Times are answered in the seed's ``Z`` form and guardian ids as
``gov_<ULID>``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from gateway.ids import GUARDIAN
from rest_compat.governance.answers import SeedForm
from rest_compat.governance.envelope import GOVERNANCE
from rest_compat.governance.params import GovernanceWindow
from rest_compat.params import QUERY
from rest_compat.routing import RestRoute

GOVERNANCE_ANALYTICS = "/v1/analytics/governance"

Metric = Literal["verdicts", "latency", "corrections", "violations"]


class TimeseriesParams(GovernanceWindow):
    metric: Annotated[
        Metric, QUERY, Field(description="verdicts, latency, corrections or violations.")
    ] = "verdicts"


GUARDIAN_ROUTES: list[RestRoute] = [
    RestRoute(
        "GET",
        f"{GOVERNANCE_ANALYTICS}/summary",
        op="governance_summary",
        family=GOVERNANCE,
        params=GovernanceWindow,
        shape=SeedForm(),
    ),
    RestRoute(
        "GET",
        f"{GOVERNANCE_ANALYTICS}/timeseries",
        op="governance_timeseries",
        family=GOVERNANCE,
        params=TimeseriesParams,
        shape=SeedForm(),
    ),
    RestRoute(
        "GET",
        f"{GOVERNANCE_ANALYTICS}/by-guardian",
        op="guardian_rollup",
        family=GOVERNANCE,
        params=GovernanceWindow,
        shape=SeedForm(ids={"guardian_id": GUARDIAN}),
    ),
]
