"""The three guardian paths over REST, on the hand-worked dataset (guardian_dataset.py)."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.ids import GUARDIAN, render_id
from tests.governance import guardian_dataset as d

BASE = "/v1/analytics/governance"
PATHS = ["summary", "timeseries", "by-guardian"]


@pytest.fixture
async def ds(factory: Any) -> d.Dataset:
    return await d.build(factory)


async def get(client: Any, factory: Any, ds: d.Dataset, path: str, **params: str) -> Any:
    response = await client.get(f"{BASE}/{path}", params=params, headers=factory.headers(ds.user))
    assert response.status_code == 200, response.text
    return response.json()


async def test_summary_of_the_window(client, factory, ds):
    # Event 1 lies exactly at `from` (in), event 5 exactly at `to` (out).
    assert await get(client, factory, ds, "summary", **d.W) == d.SUMMARY_W


async def test_summary_filters(client, factory, ds):
    assert await get(client, factory, ds, "summary", **d.W, guardian_id=ds.gov("A")) == d.SUMMARY_A
    # A plain UUID names the guardian as well as its gov_ id.
    plain = str(ds.guardians["A"]["id"])
    assert await get(client, factory, ds, "summary", **d.W, guardian_id=plain) == d.SUMMARY_A
    assert await get(client, factory, ds, "summary", **d.W, environment="test") == d.SUMMARY_TEST
    assert await get(client, factory, ds, "summary", **d.W, tag="payments") == d.SUMMARY_PAYMENTS


async def test_the_default_window_is_the_last_day_of_the_clock(client_at, factory, ds):
    # [2026-05-01T00:00Z, 2026-05-02T00:00Z): W's 15 events and event 5 (03:00, passed);
    # D's event a second before is out, and so is event 18, exactly at `to`.
    async with client_at(d.NOW) as c:
        body = await get(c, factory, ds, "summary")
    assert (body["from"], body["to"]) == ("2026-05-01T00:00:00Z", "2026-05-02T00:00:00Z")
    assert body["totals"] == {
        "requests": 16,
        "passed": 3,
        "corrected": 5,
        "blocked": 6,
        "errors": 2,
    }


async def test_empty_window_answers_zeros_and_null_latencies(client, factory, ds):
    window = {"from": "2026-04-01T00:00:00Z", "to": "2026-04-02T00:00:00Z"}
    assert await get(client, factory, ds, "summary", **window) == d.summary(
        (0, 0, 0, 0, 0), (0.0, 0.0, 0.0), (None, None, None), window
    )
    assert (await get(client, factory, ds, "by-guardian", **window))["data"] == []
    series = (await get(client, factory, ds, "timeseries", **window, metric="latency"))["series"]
    assert len(series) == 24
    assert series[0] == {
        "timestamp": "2026-04-01T00:00:00Z",
        "p50_ms": None,
        "p95_ms": None,
        "p99_ms": None,
        "avg_ms": None,
    }


@pytest.mark.parametrize(
    ("metric", "series"),
    [
        ("verdicts", d.VERDICTS_1H),
        ("latency", d.LATENCY_1H),
        ("corrections", d.CORRECTIONS_1H),
        ("violations", d.VIOLATIONS_1H),
    ],
)
async def test_timeseries_metrics(client, factory, ds, metric, series):
    body = await get(client, factory, ds, "timeseries", **d.W, metric=metric)
    assert body == {"metric": metric, "bucket": "1h", **d.W, "series": series}


async def test_timeseries_defaults_to_verdicts(client, factory, ds):
    body = await get(client, factory, ds, "timeseries", **d.W)
    assert (body["metric"], body["series"]) == ("verdicts", d.VERDICTS_1H)


def verdicts(at: str, passed: int = 0, corrected: int = 0, blocked: int = 0, errors: int = 0):
    return {
        "timestamp": f"2026-05-01T{at}:00Z",
        "passed": passed,
        "corrected": corrected,
        "blocked": blocked,
        "errors": errors,
    }


async def test_timeseries_buckets_are_zero_filled_from_the_one_holding_from(client, factory, ds):
    # [00:10, 00:50) in 15m buckets: 00:00 (holds `from`; event 1 at 00:00 is before it),
    # 00:15 (event 6), 00:30 (event 2), 00:45 (event 3, before 00:50).
    window = {"from": "2026-05-01T00:10:00Z", "to": "2026-05-01T00:50:00Z", "bucket": "15m"}
    body = await get(client, factory, ds, "timeseries", **window)
    assert body["series"] == [
        verdicts("00:00"),
        verdicts("00:15", passed=1),
        verdicts("00:30", corrected=1),
        verdicts("00:45", corrected=1),
    ]
    # All of W in 15m buckets: twelve, 01:45 holds nothing.
    series = (await get(client, factory, ds, "timeseries", **d.W, bucket="15m"))["series"]
    assert len(series) == 12
    assert series[7] == verdicts("01:45")
    # 01:00 holds 10, 11, 12 (blocked); 01:15 holds 13, 14 (corrected) and 15 (blocked).
    assert series[4:6] == [verdicts("01:00", blocked=3), verdicts("01:15", corrected=2, blocked=1)]


async def test_timeseries_filters(client, factory, ds):
    body = await get(client, factory, ds, "timeseries", **d.W, guardian_id=ds.gov("B"))
    # B: 6 (00:15 passed); 7, 8, 9 (02:xx error, blocked, corrected).
    assert body["series"] == [
        verdicts("00:00", passed=1),
        verdicts("01:00"),
        verdicts("02:00", corrected=1, blocked=1, errors=1),
    ]
    body = await get(client, factory, ds, "timeseries", **d.W, environment="test")
    assert body["series"] == [verdicts("00:00"), d.VERDICTS_1H[1], verdicts("02:00")]
    body = await get(client, factory, ds, "timeseries", **d.W, tag="support", metric="latency")
    # Only event 7 (150 ms): every figure is 150.
    assert body["series"][2] == {
        "timestamp": "2026-05-01T02:00:00Z",
        "p50_ms": 150,
        "p95_ms": 150,
        "p99_ms": 150,
        "avg_ms": 150,
    }


async def test_by_guardian(client, factory, ds):
    body = await get(client, factory, ds, "by-guardian", **d.W)
    assert body == {**d.W, "data": d.by_guardian(ds)}


async def test_by_guardian_filters(client, factory, ds):
    expected = d.by_guardian(ds)
    body = await get(client, factory, ds, "by-guardian", **d.W, guardian_id=ds.gov("A"))
    assert body["data"] == [expected[2]]
    body = await get(client, factory, ds, "by-guardian", **d.W, environment="live")
    assert body["data"] == expected[1:]
    body = await get(client, factory, ds, "by-guardian", **d.W, tag="payments")
    # Events 1 and 2: requests 2, avg (101 + 200) / 2 = 150.5 -> 151.
    assert body["data"] == [
        {
            **expected[2],
            "requests": 2,
            "passed": 1,
            "corrected": 1,
            "blocked": 0,
            "avg_latency_ms": 151,
            "top_violation_types": [{"type": "pii_exposure", "count": 1}],
        }
    ]


async def test_another_organisations_guardian_is_unknown(client, factory, ds):
    other = render_id(GUARDIAN, ds.other_guardian["id"])
    summary = await get(client, factory, ds, "summary", **d.W, guardian_id=other)
    assert summary == d.EMPTY_SUMMARY
    assert (await get(client, factory, ds, "by-guardian", **d.W, guardian_id=other))["data"] == []
    series = (await get(client, factory, ds, "timeseries", **d.W, guardian_id=other))["series"]
    assert series == [verdicts("00:00"), verdicts("01:00"), verdicts("02:00")]


def refusal(response: Any) -> tuple[int, str]:
    return response.status_code, response.json()["error"]["code"]


@pytest.mark.parametrize("path", PATHS)
async def test_auth(client, factory, ds, path):
    assert refusal(await client.get(f"{BASE}/{path}")) == (401, "unauthenticated")
    bad = {"Authorization": "Bearer nonsense"}
    assert refusal(await client.get(f"{BASE}/{path}", headers=bad)) == (401, "unauthenticated")
    headers = factory.scoped_headers(ds.user, ["mcp:read"])
    assert refusal(await client.get(f"{BASE}/{path}", headers=headers)) == (403, "forbidden")
    headers = factory.scoped_headers(ds.user, ["logs:read"])
    assert (await client.get(f"{BASE}/{path}", headers=headers)).status_code == 200


BAD = [
    {"from": "yesterday"},
    {"to": "2026-05-01"},
    {"from": "2026-05-01T03:00:00Z", "to": "2026-05-01T03:00:00Z"},
    {"bucket": "2h"},
    {"environment": "prod"},
    {"guardian_id": "gov_nonsense"},
    {"guardian_id": "mcs_01H455VB4PEX5VSKNK084SN02Q"},
    {"tag": "x" * 51},
]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("params", BAD)
async def test_bad_input_is_a_validation_error(client, factory, ds, path, params):
    response = await client.get(f"{BASE}/{path}", params=params, headers=factory.headers(ds.user))
    assert refusal(response) == (400, "validation_error")
    assert set(response.json()) == {"error"}


async def test_unknown_metric_is_a_validation_error(client, factory, ds):
    response = await client.get(
        f"{BASE}/timeseries", params={"metric": "errors"}, headers=factory.headers(ds.user)
    )
    assert refusal(response) == (400, "validation_error")


@pytest.mark.parametrize("path", PATHS)
async def test_more_than_1440_buckets_is_unprocessable(client, factory, ds, path):
    headers = factory.headers(ds.user)
    # 1m over a day is 1,440 buckets: allowed; a minute more is not.
    day = {"from": "2026-05-01T00:00:00Z", "to": "2026-05-02T00:00:00Z", "bucket": "1m"}
    assert (await client.get(f"{BASE}/{path}", params=day, headers=headers)).status_code == 200
    over = {**day, "to": "2026-05-02T00:01:00Z"}
    response = await client.get(f"{BASE}/{path}", params=over, headers=headers)
    assert refusal(response) == (422, "unprocessable_entity")
    month = {"from": "2026-04-01T00:00:00Z", "to": "2026-05-01T00:00:00Z", "bucket": "1m"}
    response = await client.get(f"{BASE}/{path}", params=month, headers=headers)
    assert refusal(response) == (422, "unprocessable_entity")
