"""The NHI anomalies side's root fields (scope ``nhi:read``): the anomalies page, and the
``detectNhiAnomalies`` and ``acknowledgeNhiAnomaly`` mutations. Both mutations write a
governance audit event: a detection request always, an acknowledgement only the first
time (a second one changes nothing).

A detection window is ``[from, to)``, each end defaulting on its own (now - 24 h, now);
``to`` must be later than ``from`` (BAD_USER_INPUT) and the window at most 90 days
(UNPROCESSABLE_ENTITY). The job (``nhi_detection.py``) runs it; poll ``job(id)``.
"""

from __future__ import annotations

import uuid

import strawberry

from gateway.audit import Subject, record
from gateway.context import Info
from gateway.errors import bad_input, not_found
from gateway.inputs import text_problem
from gateway.permissions import requires
from models.identities import ANOMALY_TYPES, MAX_NOTE, SEVERITIES
from resolvers.common import check_choice, check_first
from resolvers.governance import nhi_anomalies, nhi_detection
from resolvers.governance.nhi_anomaly_types import NhiAnomaly, check_status
from resolvers.governance.types import NHI_READ
from resolvers.governance.window import From, To, span
from resolvers.jobs.types import Job
from resolvers.pagination import Connection, connection

GUARD = {"scope": NHI_READ}
AUDIT_FAMILY = "governance"


def check_note(note: str | None) -> str | None:
    """At most 2,000 characters of acceptable text; else BAD_USER_INPUT."""
    if note is None:
        return None
    problem = text_problem(note, MAX_NOTE)
    if problem is not None:
        raise bad_input(f"note cannot be accepted: {problem}", argument="note")
    return note


@strawberry.type
class NhiAnomalyQuery:
    @strawberry.field(
        description="The organisation's NHI anomalies, newest first (detectedAt, then id). "
        "status: open (default), acknowledged or all.",
        extensions=requires(**GUARD),
    )
    async def nhi_anomalies(
        self,
        info: Info,
        status: str = "open",
        nhi_id: uuid.UUID | None = None,
        type: str | None = None,
        severity: str | None = None,
        first: int = 50,
        after: str | None = None,
    ) -> Connection[NhiAnomaly]:
        ctx = info.context
        org_id = await ctx.org_id()
        async with ctx.reading() as conn:
            page = await nhi_anomalies.anomalies(
                conn,
                org_id=org_id,
                status=check_status(status),
                nhi_id=nhi_id,
                type=check_choice(type, ANOMALY_TYPES, "type"),
                severity=check_choice(severity, SEVERITIES, "severity"),
                first=check_first(first),
                after=after,
            )
        return connection(page, NhiAnomaly.from_row)


@strawberry.type
class NhiAnomalyMutation:
    @strawberry.mutation(
        description="Queue anomaly detection over [from, to) (default the last 24 h; at most "
        "90 days). Poll job(id).",
        extensions=requires(**GUARD),
    )
    async def detect_nhi_anomalies(self, info: Info, from_: From = None, to: To = None) -> Job:
        ctx, principal = info.context, await info.context.principal()
        start, end = span(ctx.now, from_, to)
        nhi_detection.check_detection_window(start, end)
        async with ctx.writing() as conn:
            job = await nhi_detection.request(
                conn, org_id=principal.org_id, start=start, end=end, now=ctx.now
            )
            await record(
                conn,
                principal,
                family=AUDIT_FAMILY,
                subject=Subject("nhi_detection", job["id"]),
                action="DETECT",
                at=ctx.now,
                details={"from": start.isoformat(), "to": end.isoformat()},
            )
        return Job.from_row(job)

    @strawberry.mutation(
        description="Acknowledge an anomaly, with an optional note (at most 2,000 "
        "characters). Acknowledging again keeps the first acknowledgement and answers it.",
        extensions=requires(**GUARD),
    )
    async def acknowledge_nhi_anomaly(
        self, info: Info, id: uuid.UUID, note: str | None = None
    ) -> NhiAnomaly:
        ctx, principal = info.context, await info.context.principal()
        note = check_note(note)
        async with ctx.writing() as conn:
            row, changed = await nhi_anomalies.acknowledge(
                conn,
                org_id=principal.org_id,
                anomaly_id=id,
                user_id=principal.user_id,
                note=note,
                now=ctx.now,
            )
            if row is None:
                raise not_found("anomaly")
            if changed:
                await record(
                    conn,
                    principal,
                    family=AUDIT_FAMILY,
                    subject=Subject("nhi_anomaly", id),
                    action="ACKNOWLEDGE",
                    at=ctx.now,
                    details={"note": note},
                )
        return NhiAnomaly.from_row(row)
