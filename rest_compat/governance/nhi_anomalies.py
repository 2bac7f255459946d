"""NHI anomaly detection and the anomalies under /v1/analytics (scope ``nhi:read``).

- ``POST nhi-risk/detect-anomalies``: an optional JSON body ``{from, to}``; each end
  defaults on its own (now - 24 h, now), no body or an empty one takes both defaults.
  ``to`` not after ``from`` is a 400, a window over 90 days a 422. Answers 202
  ``{"job_id": "job_…", "status": "queued"}``.
- ``GET jobs/{job_id}`` (not in the seed, whose 404 list implies it): the job's state,
  ``job_…`` or a UUID; a malformed, unknown or another organisation's id is a 404. It is
  the platform's ``job(id)``: any caller of the organisation may read its jobs.
- ``GET nhi-anomalies``: ``status`` open (default), acknowledged or all; ``nhi_id``,
  ``type``, ``severity``; newest first as a cursor page (``limit``, ``cursor``).
- ``POST nhi-anomalies/{id}/ack``: an optional ``{note}`` of at most 2,000 characters;
  the anomaly as it stands after the first acknowledgement. Unknown: 404.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import BeforeValidator, Field, model_validator

from gateway.ids import ANOMALY, JOB, NHI
from models.identities import MAX_NOTE
from resolvers.governance.nhi_detection import check_detection_window
from rest_compat.governance.answers import SeedForm
from rest_compat.governance.envelope import GOVERNANCE
from rest_compat.governance.params import Moment, Span, id_reader, id_schema
from rest_compat.pages import CursorParams, cursor_page
from rest_compat.params import BODY, QUERY, RouteParams, path_id
from rest_compat.routing import RestRoute

ANALYTICS = "/v1/analytics"

AnomalyStatus = Literal["open", "acknowledged", "all"]
AnomalyType = Literal["spend_burst", "tool_denials"]
Severity = Literal["low", "medium", "high", "critical"]


def _text_or_default(value: Any) -> Any:
    # A JSON number is no RFC 3339 date-time (pydantic would read it as Unix time); a
    # datetime is the default the window filled in.
    if not isinstance(value, str | datetime):
        raise ValueError("not an RFC 3339 date-time")
    return value


DetectMoment = Annotated[Moment, BeforeValidator(_text_or_default)]


class DetectWindow(Span):
    """The detection body: ``from``/``to``, each optional, at most 90 days apart."""

    refusals: ClassVar[frozenset[int]] = frozenset({422})

    from_: Annotated[
        DetectMoment | None,
        BODY,
        Field(alias="from", description="Window start (inclusive), RFC 3339; default now - 24 h."),
    ] = None
    to: Annotated[
        DetectMoment | None,
        BODY,
        Field(description="Window end (exclusive), RFC 3339; default now."),
    ] = None

    @model_validator(mode="after")
    def _at_most_90_days(self) -> DetectWindow:
        check_detection_window(self.start, self.end)
        return self


class JobParams(RouteParams):
    job_id: Annotated[uuid.UUID, id_reader(JOB), path_id("job"), id_schema(JOB, "job")]


class AnomalyListParams(CursorParams):
    status: Annotated[
        AnomalyStatus, QUERY, Field(description="open (default), acknowledged or all.")
    ] = "open"
    nhi_id: Annotated[
        uuid.UUID | None,
        id_reader(NHI),
        id_schema(NHI, "NHI"),
        QUERY,
        Field(description="Only this NHI's (nhi_… or a UUID)."),
    ] = None
    type: Annotated[AnomalyType | None, QUERY, Field(description="Only this type.")] = None
    severity: Annotated[Severity | None, QUERY, Field(description="Only this severity.")] = None


class AckParams(RouteParams):
    id: Annotated[
        uuid.UUID,
        id_reader(ANOMALY),
        path_id("anomaly"),
        id_schema(ANOMALY, "anomaly"),
    ]
    note: Annotated[
        str | None,
        BODY,
        Field(max_length=MAX_NOTE, description="Why it is acknowledged (optional)."),
    ] = None


ANOMALY_IDS = {"anomaly_id": ANOMALY, "nhi_id": NHI}


NHI_ANOMALY_ROUTES: list[RestRoute] = [
    RestRoute(
        "POST",
        f"{ANALYTICS}/nhi-risk/detect-anomalies",
        op="nhi_detect_anomalies",
        family=GOVERNANCE,
        params=DetectWindow,
        status=202,
        shape=SeedForm(ids={"job_id": JOB}),
    ),
    RestRoute(
        "GET",
        f"{ANALYTICS}/jobs/{{job_id}}",
        op="nhi_job",
        family=GOVERNANCE,
        params=JobParams,
        shape=SeedForm(ids={"job_id": JOB}),
    ),
    RestRoute(
        "GET",
        f"{ANALYTICS}/nhi-anomalies",
        op="nhi_anomalies",
        family=GOVERNANCE,
        params=AnomalyListParams,
        shape=SeedForm(ids=ANOMALY_IDS, then=cursor_page),
    ),
    RestRoute(
        "POST",
        f"{ANALYTICS}/nhi-anomalies/{{id}}/ack",
        op="nhi_anomaly_ack",
        family=GOVERNANCE,
        params=AckParams,
        shape=SeedForm(ids=ANOMALY_IDS),
    ),
]
