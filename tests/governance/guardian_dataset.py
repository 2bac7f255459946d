"""The guardian analytics' hand-worked dataset, and the answers worked out by hand.

Window W = [2026-05-01T00:00Z, 03:00Z), 1h buckets 00, 01, 02.

    #   guardian          at        verdict    ms   violation         env   tag
    1   A PII-Redactor    00:00:00  passed     101  -                 live  payments  (at from: in)
    2   A                 00:30     corrected  200  pii_exposure      live  payments
    3   A                 00:45     corrected  300  pii_exposure      live  -
    4   A                 02:10     blocked    400  credential_leak   live  -
    5   A                 03:00:00  passed    1000  -                 live  -         (at to: out)
    6   B Injection-Shield 00:15    passed      52  -                 live  -
    7   B                 02:20     error      150  -                 live  support
    8   B                 02:40     blocked    250  prompt_injection  live  -
    9   B                 02:50     corrected  350  pii_exposure      live  -
    10  C Cred-Scanner    01:00     blocked     10  zeta              test  -
    11  C                 01:05     blocked     20  zeta              test  -
    12  C                 01:10     blocked     30  alpha             test  -
    13  C                 01:15     corrected   40  beta              test  -
    14  C                 01:20     corrected   50  gamma             test  -
    15  C                 01:25     blocked     60  delta             test  -
    16  C                 01:30     error       70  epsilon           test  -
    17  D Dormant         04-30 23:59:59 passed  5  -   live  -   (before from)
    18  A                 05-02 00:00:00 passed  1  -   live  -   (at the default to)
    X   other org's guardian "PII-Redactor", 00:30 passed 999: never counted for Acme.

In W: 15 events (1-4, 6-16): passed 2 (1, 6), corrected 5 (2, 3, 9, 13, 14),
blocked 6 (4, 8, 10, 11, 12, 15), errors 2 (7, 16).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway.ids import GUARDIAN, render_id
from tests.factories import one_transaction

FROM = datetime(2026, 5, 1, tzinfo=UTC)
TO = datetime(2026, 5, 1, 3, tzinfo=UTC)
# The injected clock: the default window is [2026-05-01T00:00Z, 2026-05-02T00:00Z).
NOW = datetime(2026, 5, 2, tzinfo=UTC)
W = {"from": "2026-05-01T00:00:00Z", "to": "2026-05-01T03:00:00Z"}


def at(hours: int, minutes: int = 0) -> datetime:
    return FROM + timedelta(hours=hours, minutes=minutes)


@dataclass
class Dataset:
    org: dict[str, Any]
    user: dict[str, Any]
    guardians: dict[str, dict[str, Any]]
    other_guardian: dict[str, Any]

    def gov(self, name: str) -> str:
        return render_id(GUARDIAN, self.guardians[name]["id"])


@one_transaction
async def build(factory: Any) -> Dataset:
    org = await factory.org("Acme")
    user = await factory.user(org, "ana")
    a = await factory.guardian(org, "PII-Redactor")
    b = await factory.guardian(org, "Injection-Shield")
    c = await factory.guardian(org, "Cred-Scanner", environment="test")
    d = await factory.guardian(org, "Dormant")
    events: list[tuple[dict[str, Any], datetime, str, int, str | None, str | None]] = [
        (a, at(0), "passed", 101, None, "payments"),
        (a, at(0, 30), "corrected", 200, "pii_exposure", "payments"),
        (a, at(0, 45), "corrected", 300, "pii_exposure", None),
        (a, at(2, 10), "blocked", 400, "credential_leak", None),
        (a, at(3), "passed", 1000, None, None),
        (b, at(0, 15), "passed", 52, None, None),
        (b, at(2, 20), "error", 150, None, "support"),
        (b, at(2, 40), "blocked", 250, "prompt_injection", None),
        (b, at(2, 50), "corrected", 350, "pii_exposure", None),
        (c, at(1), "blocked", 10, "zeta", None),
        (c, at(1, 5), "blocked", 20, "zeta", None),
        (c, at(1, 10), "blocked", 30, "alpha", None),
        (c, at(1, 15), "corrected", 40, "beta", None),
        (c, at(1, 20), "corrected", 50, "gamma", None),
        (c, at(1, 25), "blocked", 60, "delta", None),
        (c, at(1, 30), "error", 70, "epsilon", None),
        (d, FROM - timedelta(seconds=1), "passed", 5, None, None),
        (a, NOW, "passed", 1, None, None),
    ]
    for guardian, moment, verdict, ms, violation, tag in events:
        await factory.verdict(
            guardian, moment, verdict, latency_ms=ms, violation_type=violation, tag=tag
        )
    other_org = await factory.org("Other")
    x = await factory.guardian(other_org, "PII-Redactor")
    await factory.verdict(x, at(0, 30), "passed", latency_ms=999)
    return Dataset(org, user, {"A": a, "B": b, "C": c, "D": d}, x)


def summary(
    totals: tuple[int, int, int, int, int],
    rates: tuple[float, float, float],
    latencies: tuple[int | None, int | None, int | None],
    window: dict[str, str] = W,
) -> dict[str, Any]:
    """The REST summary body."""
    requests, passed, corrected, blocked, errors = totals
    return {
        **window,
        "totals": {
            "requests": requests,
            "passed": passed,
            "corrected": corrected,
            "blocked": blocked,
            "errors": errors,
        },
        "rates": dict(zip(("pass_rate", "correction_rate", "block_rate"), rates, strict=True)),
        "latency_p50_ms": latencies[0],
        "latency_p95_ms": latencies[1],
        "latency_p99_ms": latencies[2],
    }


# All of W. Rates: 2/15 = 0.13333 -> 0.1333, 5/15 -> 0.3333, 6/15 = 0.4.
# Latencies sorted: 10 20 30 40 50 52 60 70 101 150 200 250 300 350 400 (15).
# p50: position 14 * 0.5 = 7 -> 70. p95: 14 * 0.95 = 13.3 -> 350 + 0.3 * 50 = 365.
# p99: 13.86 -> 350 + 0.86 * 50 = 393.
SUMMARY_W = summary((15, 2, 5, 6, 2), (0.1333, 0.3333, 0.4), (70, 365, 393))

# Guardian A: 1-4, latencies 101 200 300 400. p50 at 1.5 -> 250;
# p95 at 2.85 -> 300 + 0.85 * 100 = 385; p99 at 2.97 -> 397.
SUMMARY_A = summary((4, 1, 2, 1, 0), (0.25, 0.5, 0.25), (250, 385, 397))

# environment=test: C's 10-16, latencies 10..70 by 10. p50 at 3 -> 40;
# p95 at 5.7 -> 60 + 0.7 * 10 = 67; p99 at 5.94 -> 69.4 -> 69. Rates 0/7, 2/7 = 0.285714
# -> 0.2857, 4/7 = 0.571428 -> 0.5714.
SUMMARY_TEST = summary((7, 0, 2, 4, 1), (0.0, 0.2857, 0.5714), (40, 67, 69))

# tag=payments: 1 and 2, latencies 101 200. p50 at 0.5 -> 150.5 -> 151 (half up);
# p95 at 0.95 -> 101 + 0.95 * 99 = 195.05 -> 195; p99 -> 199.01 -> 199.
SUMMARY_PAYMENTS = summary((2, 1, 1, 0, 0), (0.5, 0.5, 0.0), (151, 195, 199))

EMPTY_SUMMARY = summary((0, 0, 0, 0, 0), (0.0, 0.0, 0.0), (None, None, None))

# 1h verdicts: 00 = 1, 2, 3, 6; 01 = 10-16; 02 = 4, 7, 8, 9.
VERDICTS_1H = [
    {"timestamp": "2026-05-01T00:00:00Z", "passed": 2, "corrected": 2, "blocked": 0, "errors": 0},
    {"timestamp": "2026-05-01T01:00:00Z", "passed": 0, "corrected": 2, "blocked": 4, "errors": 1},
    {"timestamp": "2026-05-01T02:00:00Z", "passed": 0, "corrected": 1, "blocked": 2, "errors": 1},
]

# 1h latency:
# 00: 52 101 200 300: p50 at 1.5 -> 150.5 -> 151; p95 at 2.85 -> 200 + 85 = 285;
#     p99 at 2.97 -> 297; avg 653 / 4 = 163.25 -> 163.
# 01: 10..70: p50 40, p95 67, p99 69, avg 280 / 7 = 40.
# 02: 150 250 350 400: p50 at 1.5 -> 300; p95 at 2.85 -> 350 + 0.85 * 50 = 392.5 -> 393;
#     p99 at 2.97 -> 398.5 -> 399; avg 1150 / 4 = 287.5 -> 288 (halves up).
LATENCY_1H = [
    {
        "timestamp": "2026-05-01T00:00:00Z",
        "p50_ms": 151,
        "p95_ms": 285,
        "p99_ms": 297,
        "avg_ms": 163,
    },
    {"timestamp": "2026-05-01T01:00:00Z", "p50_ms": 40, "p95_ms": 67, "p99_ms": 69, "avg_ms": 40},
    {
        "timestamp": "2026-05-01T02:00:00Z",
        "p50_ms": 300,
        "p95_ms": 393,
        "p99_ms": 399,
        "avg_ms": 288,
    },
]

# 1h corrections: 2/4 = 0.5, 2/7 = 0.2857, 1/4 = 0.25.
CORRECTIONS_1H = [
    {"timestamp": "2026-05-01T00:00:00Z", "corrected": 2, "correction_rate": 0.5},
    {"timestamp": "2026-05-01T01:00:00Z", "corrected": 2, "correction_rate": 0.2857},
    {"timestamp": "2026-05-01T02:00:00Z", "corrected": 1, "correction_rate": 0.25},
]

# 1h violations (events with a violation type): 00 = 2, 3; 01 = 10-16; 02 = 4, 8, 9.
VIOLATIONS_1H = [
    {"timestamp": "2026-05-01T00:00:00Z", "total": 2, "by_type": {"pii_exposure": 2}},
    {
        "timestamp": "2026-05-01T01:00:00Z",
        "total": 7,
        "by_type": {"alpha": 1, "beta": 1, "delta": 1, "epsilon": 1, "gamma": 1, "zeta": 2},
    },
    {
        "timestamp": "2026-05-01T02:00:00Z",
        "total": 3,
        "by_type": {"credential_leak": 1, "pii_exposure": 1, "prompt_injection": 1},
    },
]


def by_guardian(ds: Dataset) -> list[dict[str, Any]]:
    """W's rollup. C has 7 requests; A and B tie at 4, so by name: Injection-Shield (B)
    before PII-Redactor (A). D has no event in W and is absent.
    C: avg 280 / 7 = 40; violation types zeta 2, then the ties alpha beta delta epsilon
    gamma by type, cut at five (gamma is out).
    B: avg (52 + 150 + 250 + 350) / 4 = 200.5 -> 201; pii_exposure and
    prompt_injection tie at 1, by type.
    A: avg (101 + 200 + 300 + 400) / 4 = 250.25 -> 250."""

    def top(*pairs: tuple[str, int]) -> list[dict[str, Any]]:
        return [{"type": t, "count": n} for t, n in pairs]

    return [
        {
            "guardian_id": ds.gov("C"),
            "guardian_name": "Cred-Scanner",
            "requests": 7,
            "passed": 0,
            "corrected": 2,
            "blocked": 4,
            "errors": 1,
            "avg_latency_ms": 40,
            "top_violation_types": top(
                ("zeta", 2), ("alpha", 1), ("beta", 1), ("delta", 1), ("epsilon", 1)
            ),
        },
        {
            "guardian_id": ds.gov("B"),
            "guardian_name": "Injection-Shield",
            "requests": 4,
            "passed": 1,
            "corrected": 1,
            "blocked": 1,
            "errors": 1,
            "avg_latency_ms": 201,
            "top_violation_types": top(("pii_exposure", 1), ("prompt_injection", 1)),
        },
        {
            "guardian_id": ds.gov("A"),
            "guardian_name": "PII-Redactor",
            "requests": 4,
            "passed": 1,
            "corrected": 2,
            "blocked": 1,
            "errors": 0,
            "avg_latency_ms": 250,
            "top_violation_types": top(("pii_exposure", 2), ("credential_leak", 1)),
        },
    ]
