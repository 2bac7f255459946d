"""A hand-worked detection dataset (Acme) and its expected anomalies.

The window is 2026-05-01 00:00 to 2026-05-02 00:00 UTC: H = 24 hours, so
percentile_cont(0.99) sits at position 0.99 x 23 = 22.77, between the two largest hourly
sums. Each spending NHI has two active hours of the same amount A, so p99 = A exactly.
Its baseline (the mean of the 168 hours before the window) comes from one event of
168 x B in the hour before ``from``, so the baseline is B.

  zero      A 2.00, B 0:        zero baseline -> spend_burst critical
  ratio20   A 10.00, B 0.50:    20x exactly   -> critical
  ratio10   A 5.00, B 0.50:     10x exactly   -> high
  under10   A 4.9999, B 0.50:   9.9998x       -> medium (evidence p99 rounds to 5.0)
  five      A 2.50, B 0.50:     exactly 5x    -> no anomaly
  small     A 0.99, B 0:        p99 < 1.00    -> no anomaly
  denied5   5 denied attempts   -> tool_denials medium
  denied4   4 denied attempts   -> none
  denied20  20 denied attempts  -> tool_denials high

Globex has a bursting, denying NHI of its own: never in Acme's counts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.factories import Factory, one_transaction

START = datetime(2026, 5, 1, tzinfo=UTC)
END = START + timedelta(hours=24)
NOW = END + timedelta(hours=1)
HOUR = timedelta(hours=1)
WINDOW = {"from": "2026-05-01T00:00:00Z", "to": "2026-05-02T00:00:00Z"}

SPENDERS = {
    # label: (amount per active hour, baseline per hour)
    "zero": ("2.00", "0"),
    "ratio20": ("10.00", "0.50"),
    "ratio10": ("5.00", "0.50"),
    "under10": ("4.9999", "0.50"),
    "five": ("2.50", "0.50"),
    "small": ("0.99", "0"),
}
DENIERS = {"denied5": 5, "denied4": 4, "denied20": 20}

# (label, type) -> (severity, evidence)
EXPECTED: dict[tuple[str, str], tuple[str, dict[str, Any]]] = {
    ("zero", "spend_burst"): (
        "critical",
        {"p99_spend_usd_24h": 2.0, "rolling_baseline": 0.0},
    ),
    ("ratio20", "spend_burst"): (
        "critical",
        {"p99_spend_usd_24h": 10.0, "rolling_baseline": 0.5},
    ),
    ("ratio10", "spend_burst"): ("high", {"p99_spend_usd_24h": 5.0, "rolling_baseline": 0.5}),
    ("under10", "spend_burst"): ("medium", {"p99_spend_usd_24h": 5.0, "rolling_baseline": 0.5}),
    ("denied5", "tool_denials"): ("medium", {"denied_attempts": 5, "window_hours": 24}),
    ("denied20", "tool_denials"): ("high", {"denied_attempts": 20, "window_hours": 24}),
}


@dataclass
class Dataset:
    org: dict[str, Any]
    user: dict[str, Any]
    other: dict[str, Any]
    other_user: dict[str, Any]
    nhis: dict[str, dict[str, Any]] = field(default_factory=dict)
    stranger: dict[str, Any] = field(default_factory=dict)

    def label_of(self, nhi_id: Any) -> str:
        return next(label for label, row in self.nhis.items() if row["id"] == nhi_id)


@one_transaction
async def build(factory: Factory) -> Dataset:
    org = await factory.org("Acme")
    other = await factory.org("Globex")
    data = Dataset(
        org=org,
        user=await factory.user(org, "ana"),
        other=other,
        other_user=await factory.user(other, "gus"),
    )
    for label, (amount, baseline) in SPENDERS.items():
        nhi = data.nhis[label] = await factory.nhi(org, label, 2)
        rows = [(START + 3 * HOUR, amount, "allowed"), (START + 9 * HOUR, amount, "allowed")]
        if baseline != "0":
            total = str(168 * float(baseline))
            rows.append((START - HOUR, total, "allowed"))
        await factory.activities(nhi, rows)
    for label, denied in DENIERS.items():
        nhi = data.nhis[label] = await factory.nhi(org, label, 3)
        await factory.activities(nhi, [(START + n * HOUR, "0", "denied") for n in range(denied)])
    # Outside the window: one denial at `to` and one just before `from` (both out).
    await factory.activity(data.nhis["denied4"], END, outcome="denied")
    await factory.activity(data.nhis["denied4"], START - timedelta(seconds=1), outcome="denied")
    data.stranger = await factory.nhi(other, "zero", 1)
    await factory.activities(
        data.stranger,
        [(START + n * HOUR, "50.00", "denied") for n in range(6)],
    )
    return data
