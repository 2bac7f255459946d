"""The NHI risk definition (resolvers/governance/nhi_risk.py) on hand-worked datasets, on
both databases.

The window is 2026-05-01 00:00 to 2026-05-08 00:00 UTC: H = 168 hours, so
percentile_cont(0.99) sits at position 0.99 x 167 = 165.33 of the sorted hourly sums
(0-based): 0.67 of the 166th value plus 0.33 of the 167th. The baseline is the 7 days
before, 2026-04-24 00:00 to 2026-05-01 00:00 (168 hours).

  burst     tier 2, verified, bound. Three active hours: 2.00, 10.00, 40.00 (two events
            of 1.00 each in the first). Sorted: 165 zeros, 2, 10, 40, so
            p99 = 2 + 0.33 x (10 - 2) = 4.64; baseline 0 (zero baseline): burst.
            score = 0.35 + 0.10 x 2/3 = 0.41666... -> 0.42
  thin      tier 4, verified, bound. Two active hours, 3.00 and 9.00: position 165 is a
            zero, so p99 = 0.33 x 3 = 0.99 < 1.00: no burst, whatever the baseline (0).
  even      tier 4, verified, bound. Baseline hours all 1.00 (168 x 1.00 -> 1.00);
            three window hours of 5.00: p99 = 5.00 = exactly 5 x baseline: no signal.
  over      as even with three hours of 5.0001: p99 5.0001 > 5.00: burst (0.35).
  denier    tier 1, pending, unbound; 3 denied attempts (one at `from` exactly, in) and
            one at `to` (out): D = 0.3, G = 1, F = 0.5, T = 1:
            0.075 + 0.15 + 0.075 + 0.10 = 0.40
  maxed     tier 1, unverified, unbound, 12 denied hours of 2.00 and one of 7.50: sorted,
            positions 165 and 166 are 2.00, so p99 = 2.00 over a zero baseline: burst.
            All terms 1 -> 1.0
  half      tier 4, verified, bound, 1 denied: 0.025 -> 0.03 (half up, not to even)
  quiet     tier 4, verified, bound, no activity, registered last_seen_at: 0.0
  unverified3  tier 3, unverified, bound, no activity: 0.15 + 0.10/3 = 0.18333 -> 0.18
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest

from resolvers.governance.nhi_risk import (
    RiskInputs,
    assess,
    percentile_neighbours,
    risks,
    spend_burst,
)
from tests.factories import Factory, one_transaction

START = datetime(2026, 5, 1, tzinfo=UTC)
END = START + timedelta(days=7)
HOUR = timedelta(hours=1)


def hour(n: int, minutes: int = 0) -> datetime:
    return START + n * HOUR + timedelta(minutes=minutes)


@one_transaction
async def build(factory: Factory) -> dict[str, Any]:
    org = await factory.org("Acme")
    other = await factory.org("Globex")
    guardian = await factory.guardian(org)
    nhis: dict[str, Any] = {}

    async def nhi(label: str, tier: int, bound: bool = True, **values: Any) -> Any:
        row = await factory.nhi(org, label, tier, **values)
        if bound:
            await factory.bind(row, guardian)
        nhis[label] = row
        return row

    burst = await nhi("burst", 2)
    await factory.activities(
        burst,
        [
            (hour(3), "1.00", "allowed"),
            (hour(3, 30), "1.00", "allowed"),
            (hour(50), "10.00", "allowed"),
            (hour(100), "40.00", "allowed"),
        ],
    )
    thin = await nhi("thin", 4)
    await factory.activities(thin, [(hour(1), "3.00", "allowed"), (hour(2), "9.00", "allowed")])
    for label, amount in (("even", "5.00"), ("over", "5.0001")):
        row = await nhi(label, 4)
        baseline = [(START - (n + 1) * HOUR, "1.00", "allowed") for n in range(168)]
        window = [(hour(n), amount, "allowed") for n in (10, 20, 30)]
        await factory.activities(row, baseline + window)
    denier = await nhi("denier", 1, bound=False, federation_status="pending")
    await factory.activities(
        denier,
        [
            (START, "0", "denied"),
            (hour(5), "0", "denied"),
            (END - timedelta(microseconds=1), "0", "denied"),
            (END, "0", "denied"),
            (hour(6), "0.25", "allowed"),
        ],
    )
    maxed = await nhi("maxed", 1, bound=False, federation_status="unverified")
    await factory.activities(
        maxed,
        [(hour(n), "2.00", "denied") for n in range(12)] + [(hour(40), "7.50", "allowed")],
    )
    half = await nhi("half", 4)
    await factory.activity(half, hour(8), outcome="denied")
    await nhi("quiet", 4, last_seen_at=datetime(2026, 4, 2, 12, tzinfo=UTC))
    await nhi("unverified3", 3, federation_status="unverified")
    # Another organisation's NHI, busy, never counted.
    stranger = await factory.nhi(other, "burst", 1)
    await factory.activity(stranger, hour(3), "99.00", "denied")
    return {"org": org, "nhis": nhis, "guardian": guardian}


async def by_label(engine: Any, org: Any) -> dict[str, Any]:
    async with engine.connect() as conn:
        found = await risks(conn, org_id=org["id"], start=START, end=END)
    return {risk.inputs.label: risk for risk in found}


async def test_scores_and_signals_on_the_hand_worked_dataset(engine, factory):
    data = await build(factory)
    found = await by_label(engine, data["org"])

    assert {label: (r.score, r.signals) for label, r in found.items()} == {
        "burst": (0.42, ["spend_burst:p99"]),
        "thin": (0.0, []),
        "even": (0.0, []),
        "over": (0.35, ["spend_burst:p99"]),
        "denier": (0.4, ["tool_attempt:denied:3", "guardian:none", "federation:pending"]),
        "maxed": (
            1.0,
            ["spend_burst:p99", "tool_attempt:denied:12", "guardian:none", "federation:unverified"],
        ),
        "half": (0.03, ["tool_attempt:denied:1"]),
        "quiet": (0.0, []),
        "unverified3": (0.18, ["federation:unverified"]),
    }
    # Ordered by label, one row per NHI of the organisation only.
    assert list(found) == sorted(found)


async def test_inputs_are_exact(engine, factory):
    data = await build(factory)
    found = await by_label(engine, data["org"])

    burst = found["burst"].inputs
    assert burst.p99_spend == Fraction(464, 100)
    assert burst.rolling_baseline == 0
    assert (burst.guardians, burst.denied_attempts) == (1, 0)
    assert found["thin"].inputs.p99_spend == Fraction(99, 100)
    even, over = found["even"].inputs, found["over"].inputs
    assert (even.p99_spend, even.rolling_baseline) == (5, 1)
    assert (over.p99_spend, over.rolling_baseline) == (Fraction(50001, 10000), 1)
    denier = found["denier"].inputs
    # `from` is inside the window, `to` is not.
    assert (denier.denied_attempts, denier.guardians) == (3, 0)
    assert found["maxed"].inputs.denied_attempts == 12


async def test_last_seen_is_the_latest_activity_before_to_else_the_registered_one(engine, factory):
    data = await build(factory)
    found = await by_label(engine, data["org"])

    assert found["burst"].inputs.last_seen_at == hour(100)
    # Its event at `to` is after the window: the last one inside counts.
    assert found["denier"].inputs.last_seen_at == END - timedelta(microseconds=1)
    assert found["quiet"].inputs.last_seen_at == datetime(2026, 4, 2, 12, tzinfo=UTC)
    assert found["unverified3"].inputs.last_seen_at is None


async def test_factors_carry_parts_and_weights(engine, factory):
    data = await build(factory)
    denier = (await by_label(engine, data["org"]))["denier"]

    assert [(f.key, f.signal, f.part, f.weight) for f in denier.factors] == [
        ("spend_burst", None, 0, Fraction(35, 100)),
        ("tool_attempt", "tool_attempt:denied:3", Fraction(3, 10), Fraction(25, 100)),
        ("guardian", "guardian:none", 1, Fraction(15, 100)),
        ("federation", "federation:pending", Fraction(1, 2), Fraction(15, 100)),
        ("tier", None, 1, Fraction(10, 100)),
    ]


async def test_only_the_asked_nhis_are_read(engine, factory):
    data = await build(factory)
    wanted = [data["nhis"]["quiet"]["id"], data["nhis"]["burst"]["id"]]
    async with engine.connect() as conn:
        found = await risks(conn, org_id=data["org"]["id"], start=START, end=END, nhi_ids=wanted)
    assert [r.inputs.label for r in found] == ["burst", "quiet"]


async def test_baseline_edges(engine, factory):
    # 7 days before `from` exactly is in the baseline; a microsecond earlier is not.
    org = await factory.org()
    nhi = await factory.nhi(org, "edge", 4)
    await factory.activities(
        nhi,
        [
            (START - timedelta(days=7), "16.80", "allowed"),
            (START - timedelta(days=7, microseconds=1), "1000", "allowed"),
            (START - timedelta(microseconds=1), "0.0001", "allowed"),
        ],
    )
    async with engine.connect() as conn:
        (found,) = await risks(conn, org_id=org["id"], start=START, end=END)
    assert found.inputs.rolling_baseline == Fraction(168001, 1680000)


async def test_an_unaligned_window_counts_every_hour_it_touches(engine, factory):
    # [00:30, 02:30) touches 3 UTC hours: H = 3, position 0.99 x 2 = 1.98.
    org = await factory.org()
    nhi = await factory.nhi(org, "short", 4)
    start = START + timedelta(minutes=30)
    await factory.activities(
        nhi,
        [
            (start, "2.00", "allowed"),
            (start + timedelta(hours=1), "4.00", "allowed"),
            (start + timedelta(minutes=10), "1.00", "allowed"),  # same hour as the first
        ],
    )
    async with engine.connect() as conn:
        (found,) = await risks(conn, org_id=org["id"], start=start, end=start + timedelta(hours=2))
    # Sorted: 0 (02:00), 3.00 (00:xx), 4.00 (01:xx): 3 + 0.98 x (4 - 3) = 3.98.
    assert found.inputs.p99_spend == Fraction(398, 100)


def inputs(**values: Any) -> RiskInputs:
    defaults: dict[str, Any] = {
        "nhi_id": None,
        "label": "x",
        "kind": "workload",
        "tier": 4,
        "federation_status": "verified",
        "guardians": 1,
        "p99_spend": Fraction(0),
        "rolling_baseline": Fraction(0),
        "denied_attempts": 0,
        "last_seen_at": None,
    }
    return RiskInputs(**{**defaults, **values})


@pytest.mark.parametrize(
    ("p99", "baseline", "burst"),
    [
        (Fraction(1), Fraction(0), True),  # the floor exactly, zero baseline
        (Fraction(99, 100), Fraction(0), False),  # under the floor
        (Fraction(5), Fraction(1), False),  # exactly 5x
        (Fraction(50001, 10000), Fraction(1), True),
    ],
)
def test_spend_burst_thresholds(p99, baseline, burst):
    assert spend_burst(p99, baseline) is burst


@pytest.mark.parametrize(
    ("values", "score"),
    [
        ({"tier": 1}, 0.1),
        ({"tier": 4}, 0.0),
        ({"tier": 2}, 0.07),  # 0.0667
        ({"guardians": 0}, 0.15),
        ({"federation_status": "pending"}, 0.08),  # 0.075 -> 0.08, half up
        ({"denied_attempts": 10}, 0.25),
        ({"denied_attempts": 40}, 0.25),  # D is capped at 1
    ],
)
def test_each_term_alone(values, score):
    assert assess(inputs(**values)).score == score


def test_percentile_neighbours():
    assert percentile_neighbours(168) == (165, 166, Fraction(33, 100))
    assert percentile_neighbours(1) == (0, 0, 0)
    assert percentile_neighbours(101) == (99, 99, 0)


async def test_a_window_in_the_first_week_of_year_1_has_a_baseline(engine, factory):
    org = await factory.org()
    nhi = await factory.nhi(org, "ancient", 4)
    start = datetime(1, 1, 2, tzinfo=UTC)
    await factory.activity(nhi, datetime(1, 1, 1, 1, tzinfo=UTC), "1.68")
    async with engine.connect() as conn:
        (found,) = await risks(conn, org_id=org["id"], start=start, end=start + HOUR)
    assert found.inputs.rolling_baseline == Fraction(1, 100)
