"""A hand-worked NHI activity dataset for observability (times UTC, window W =
[2026-05-01 00:00, 2026-05-02 00:00)).

Acme has guardian G and four NHIs (ordered by label then id: A2, A, B, D):

    A   "alpha-agent"   04-30 23:59:59  5.0000 allowed                    before from: out
                        00:00:00  0.1000 allowed  db.query  G             at from: in
                        00:30:00  0.2000 denied   db.query  -
                        01:15:00  0.0050 allowed  http.get  G
                        01:45:00  0.0000 denied   -         -
                        05-02 00:00:00  7.0000 allowed                    at to: out
        MCP sessions    04-30 23:59:59 (out), 00:00 (in), 10:00 (in), 05-02 00:00 (out)
    A2  "alpha-agent"   (a smaller id than A's) nothing at all
    B   "beta-runner"   02:00:00  0.0125 allowed  build     G
                        02:10:00  0.0025 allowed  build     G
                        23:59:59  1.0000 denied   deploy    -
    D   "delta-idle"    04-24 23:59:59  0.5000 allowed  (before the default window)
                        04-25 00:00:00  0.2500 allowed  (at the default window's from)

Over W:
    A: 4 events, spend 0.3050 -> 0.31 (float round(0.305, 2) is 0.3), tools 2, denied 2,
       checked 2/4 = 0.5, sessions 2, last seen 01:45:00.
    B: 3 events, spend 1.0150 -> 1.02 (float round(1.015, 2) is 1.01), tools 2, denied 1,
       checked 2/3 = 0.6667, sessions 0, last seen 23:59:59.
    A2, D: zeros, share 0.0, last seen null.
    Totals: 4 NHIs, 2 active, 7 events, 1.3200 -> 1.32, tools {db.query, http.get,
    build, deploy} = 4, denied 3, checked 4/7 = 0.5714, sessions 2.
    Hourly: 00h 2 events 0.30 1 denied; 01h 2, 0.0050 -> 0.01, 1; 02h 2, 0.0150 -> 0.02,
    0; 23h 1, 1.00, 1; the other 20 hours zeros.

Globex has an "alpha-agent" with 9.0000 of denied spend at 03:00 and a session at 03:00:
never counted for Acme.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.ids import NHI, render_id
from tests.factories import Factory, one_transaction

DAY = datetime(2026, 5, 1, tzinfo=UTC)
W = {"from": "2026-05-01T00:00:00Z", "to": "2026-05-02T00:00:00Z"}
A_ID = uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8057")
A2_ID = uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8056")


def at(hours: float = 0, minutes: float = 0, seconds: float = 0) -> datetime:
    return DAY + timedelta(hours=hours, minutes=minutes, seconds=seconds)


@dataclass
class Dataset:
    user: dict[str, Any]
    nhis: dict[str, dict[str, Any]] = field(default_factory=dict)
    other_user: dict[str, Any] = field(default_factory=dict)
    other_nhi: dict[str, Any] = field(default_factory=dict)

    def rendered(self, name: str) -> str:
        return render_id(NHI, self.nhis[name]["id"])


@one_transaction
async def build(factory: Factory) -> Dataset:
    org = await factory.org("Acme")
    ds = Dataset(user=await factory.user(org, "ana"))
    g = await factory.guardian(org, "G")
    a = ds.nhis["A"] = await factory.nhi(org, "alpha-agent", id=A_ID, kind="ai_agent")
    ds.nhis["A2"] = await factory.nhi(org, "alpha-agent", id=A2_ID)
    b = ds.nhis["B"] = await factory.nhi(org, "beta-runner", kind="ci_runner")
    d = ds.nhis["D"] = await factory.nhi(org, "delta-idle")

    await factory.activity(a, at(seconds=-1), "5.0000")
    await factory.activity(a, at(), "0.1000", tool="db.query", guardian_id=g["id"])
    await factory.activity(a, at(0, 30), "0.2000", "denied", tool="db.query")
    await factory.activity(a, at(1, 15), "0.0050", tool="http.get", guardian_id=g["id"])
    await factory.activity(a, at(1, 45), "0.0000", "denied")
    await factory.activity(a, at(24), "7.0000")
    for started in (at(seconds=-1), at(), at(10), at(24)):
        await factory.mcp_session(org, started, nhi_id=a["id"])
    await factory.mcp_session(org, at(11))  # no NHI

    await factory.activity(b, at(2), "0.0125", tool="build", guardian_id=g["id"])
    await factory.activity(b, at(2, 10), "0.0025", tool="build", guardian_id=g["id"])
    await factory.activity(b, at(23, 59, 59), "1.0000", "denied", tool="deploy")

    await factory.activity(d, at(-6 * 24, seconds=-1), "0.5000")
    await factory.activity(d, at(-6 * 24), "0.2500")

    globex = await factory.org("Globex")
    ds.other_user = await factory.user(globex, "gus")
    ds.other_nhi = await factory.nhi(globex, "alpha-agent")
    await factory.activity(ds.other_nhi, at(3), "9.0000", "denied", tool="exfiltrate")
    await factory.mcp_session(globex, at(3), nhi_id=ds.other_nhi["id"])
    return ds


# The figures of an idle NHI (and of no NHI at all).
ZERO_FIGURES = {
    "activity_count": 0,
    "spend_usd": 0.0,
    "tools_used": 0,
    "denied_attempts": 0,
    "guardian_checked_share": 0.0,
    "mcp_sessions": 0,
}


def zeros(ds: Dataset, name: str) -> dict[str, Any]:
    return {
        "nhi_id": ds.rendered(name),
        "nhi_label": ds.nhis[name]["label"],
        **ZERO_FIGURES,
        "last_seen_at": None,
    }


def rows_over_w(ds: Dataset) -> list[dict[str, Any]]:
    """The REST rows over W, in order (A2, A, B, D)."""
    return [
        zeros(ds, "A2"),
        {
            "nhi_id": ds.rendered("A"),
            "nhi_label": "alpha-agent",
            "activity_count": 4,
            "spend_usd": 0.31,
            "tools_used": 2,
            "denied_attempts": 2,
            "guardian_checked_share": 0.5,
            "mcp_sessions": 2,
            "last_seen_at": "2026-05-01T01:45:00Z",
        },
        {
            "nhi_id": ds.rendered("B"),
            "nhi_label": "beta-runner",
            "activity_count": 3,
            "spend_usd": 1.02,
            "tools_used": 2,
            "denied_attempts": 1,
            "guardian_checked_share": 0.6667,
            "mcp_sessions": 0,
            "last_seen_at": "2026-05-01T23:59:59Z",
        },
        zeros(ds, "D"),
    ]


TOTALS_OVER_W = {
    "nhis": 4,
    "active_nhis": 2,
    "activity_count": 7,
    "spend_usd": 1.32,
    "tools_used": 4,
    "denied_attempts": 3,
    "guardian_checked_share": 0.5714,
    "mcp_sessions": 2,
}


def hourly_over_w() -> list[dict[str, Any]]:
    busy = {0: (2, 0.3, 1), 1: (2, 0.01, 1), 2: (2, 0.02, 0), 23: (1, 1.0, 1)}
    return [
        {
            "timestamp": f"2026-05-01T{hour:02}:00:00Z",
            "activity_count": busy.get(hour, (0, 0.0, 0))[0],
            "spend_usd": busy.get(hour, (0, 0.0, 0))[1],
            "denied_attempts": busy.get(hour, (0, 0.0, 0))[2],
        }
        for hour in range(24)
    ]
