"""GET /v1/analytics/nhi-observability on the hand-worked dataset of
``nhi_observability_data.py`` (every figure worked out there), on both databases."""

from __future__ import annotations

from typing import Any

import pytest

from tests.governance import nhi_observability_data as d

PATH = "/v1/analytics/nhi-observability"
NOW = d.at(36)


@pytest.fixture
async def ds(factory: Any) -> d.Dataset:
    return await d.build(factory)


@pytest.fixture
async def api(client_at: Any) -> Any:
    async with client_at(NOW) as client:
        yield client


async def get(api: Any, factory: Any, ds: d.Dataset, **params: str) -> dict[str, Any]:
    response = await api.get(PATH, params=params, headers=factory.headers(ds.user))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


async def test_every_nhi_with_its_figures_totals_and_hourly_series(api, factory, ds):
    body = await get(api, factory, ds, **d.W)
    # A's event at `from` is in and its event at `to` out; Globex's never counts.
    assert body == {
        "from": d.W["from"],
        "to": d.W["to"],
        "bucket": "1h",
        "data": d.rows_over_w(ds),
        "totals": d.TOTALS_OVER_W,
        "series": d.hourly_over_w(),
        "page": {"next_cursor": None, "has_more": False},
    }


async def test_daily_series_over_an_aligned_day(api, factory, ds):
    body = await get(api, factory, ds, **d.W, bucket="1d")
    assert body["bucket"] == "1d"
    assert body["series"] == [
        {
            "timestamp": "2026-05-01T00:00:00Z",
            "activity_count": 7,
            "spend_usd": 1.32,
            "denied_attempts": 3,
        }
    ]


async def test_daily_buckets_of_an_unaligned_window_start_at_midnight_utc(api, factory, ds):
    # [04-30 12:00, 05-01 12:00): A's 23:59:59 event (5.0000) in the 04-30 bucket; A's
    # four events and B's two morning ones (0.3175 -> 0.32) in 05-01's. D's are older.
    body = await get(
        api, factory, ds, **{"from": "2026-04-30T12:00:00Z", "to": "2026-05-01T12:00:00Z"}
    )
    assert len(body["series"]) == 24
    body = await get(
        api,
        factory,
        ds,
        **{"from": "2026-04-30T12:00:00Z", "to": "2026-05-01T12:00:00Z", "bucket": "1d"},
    )
    assert body["series"] == [
        {
            "timestamp": "2026-04-30T00:00:00Z",
            "activity_count": 1,
            "spend_usd": 5.0,
            "denied_attempts": 0,
        },
        {
            "timestamp": "2026-05-01T00:00:00Z",
            "activity_count": 6,
            "spend_usd": 0.32,
            "denied_attempts": 2,
        },
    ]
    assert body["totals"]["activity_count"] == 7
    assert body["totals"]["spend_usd"] == 5.32


async def test_default_window_is_the_last_seven_days(client_at, factory, ds):
    # now = 05-02 00:00: [04-25 00:00, 05-02 00:00). D's event at from is in, the one a
    # second before out; A's 04-30 23:59:59 event is in, its 05-02 00:00 one (at now) out.
    async with client_at(d.at(24)) as api:
        body = await get(api, factory, ds)
    assert (body["from"], body["to"]) == ("2026-04-25T00:00:00Z", "2026-05-02T00:00:00Z")
    counts = [(row["nhi_label"], row["activity_count"]) for row in body["data"]]
    assert counts == [("alpha-agent", 0), ("alpha-agent", 5), ("beta-runner", 3), ("delta-idle", 1)]
    delta = body["data"][3]
    assert (delta["spend_usd"], delta["last_seen_at"]) == (0.25, "2026-04-25T00:00:00Z")
    assert body["data"][1]["mcp_sessions"] == 3  # 04-30 23:59:59, 00:00 and 10:00
    assert len(body["series"]) == 7 * 24
    assert body["totals"]["activity_count"] == 9


async def test_pages_by_label_then_id_with_totals_over_every_nhi(api, factory, ds):
    headers = factory.headers(ds.user)
    first = (await api.get(PATH, params={**d.W, "limit": "2"}, headers=headers)).json()
    assert [r["nhi_id"] for r in first["data"]] == [ds.rendered("A2"), ds.rendered("A")]
    assert first["page"]["has_more"] is True
    cursor = first["page"]["next_cursor"]
    second = (
        await api.get(PATH, params={**d.W, "limit": "2", "cursor": cursor}, headers=headers)
    ).json()
    assert [r["nhi_id"] for r in second["data"]] == [ds.rendered("B"), ds.rendered("D")]
    assert second["page"] == {"next_cursor": None, "has_more": False}
    assert first["totals"] == second["totals"] == d.TOTALS_OVER_W
    assert first["series"] == second["series"] == d.hourly_over_w()


async def test_one_nhi(api, factory, ds):
    body = await get(api, factory, ds, **d.W, nhi_id=ds.rendered("A"))
    a = d.rows_over_w(ds)[1]
    assert body["data"] == [a]
    # The totals are A's figures alone.
    figures = {key: a[key] for key in d.ZERO_FIGURES}
    assert body["totals"] == {"nhis": 1, "active_nhis": 1, **figures}
    assert sum(p["activity_count"] for p in body["series"]) == 4
    # A plain UUID is read alike.
    plain = await get(api, factory, ds, **d.W, nhi_id=str(ds.nhis["A"]["id"]))
    assert plain == body


async def test_another_organisations_nhi_is_no_nhi(api, factory, ds):
    body = await get(api, factory, ds, **d.W, nhi_id=str(ds.other_nhi["id"]))
    assert body["data"] == []
    assert body["totals"] == {"nhis": 0, "active_nhis": 0, **d.ZERO_FIGURES}
    assert all(p["activity_count"] == 0 for p in body["series"])


async def test_the_other_organisation_sees_only_its_own(api, factory, ds):
    response = await api.get(PATH, params=d.W, headers=factory.headers(ds.other_user))
    body = response.json()
    assert [r["nhi_label"] for r in body["data"]] == ["alpha-agent"]
    assert body["totals"]["spend_usd"] == 9.0
    assert body["totals"]["mcp_sessions"] == 1


async def test_an_organisation_without_nhis_answers_zeros(api, factory):
    org = await factory.org("Empty")
    user = await factory.user(org, "eve")
    response = await api.get(PATH, params=d.W, headers=factory.headers(user))
    body = response.json()
    assert body["data"] == [] and body["totals"]["nhis"] == 0
    assert len(body["series"]) == 24


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("bucket=5m", 400),
        ("bucket=1m", 400),
        ("bucket=1w", 400),
        ("bucket=1h&from=2026-03-01T00:00:00Z&to=2026-05-01T00:00:00Z", 422),  # 61 days
        ("from=yesterday", 400),
        ("from=2026-05-01T00:00:00Z&to=2026-05-01T00:00:00Z", 400),
        ("from=2026-05-02T00:00:00Z&to=2026-05-01T00:00:00Z", 400),
        ("from=2026-05-01T00:00:00Z%00", 400),
        ("from=2026-05-01T00:00:00%ED%A0%80Z", 400),  # a lone surrogate, UTF-8 encoded
        ("from=0001-01-01T00:00:00%2B01:00", 400),  # year 1 at +01:00: year 0 in UTC
        ("nhi_id=nhi_01H455VB4PEX5VSKNK084SN0IL", 400),
        ("nhi_id=gov_01H455VB4PEX5VSKNK084SN02Q", 400),
        ("cursor=not-a-cursor", 400),
        ("cursor=WyJ4Il0", 400),  # base64 of ["x"]: one value, not a label and an id
        ("limit=0", 400),
        ("limit=1001", 400),
        ("limit=ten", 400),
    ],
)
async def test_bad_input_in_the_envelope(api, factory, ds, query, status):
    response = await api.get(f"{PATH}?{query}", headers=factory.headers(ds.user))
    assert response.status_code == status, response.text
    code = {400: "validation_error", 422: "unprocessable_entity"}[status]
    assert response.json()["error"]["code"] == code


async def test_daily_buckets_allow_the_long_window_hourly_refuses(api, factory, ds):
    query = "from=2026-03-01T00:00:00Z&to=2026-05-01T00:00:00Z"
    response = await api.get(f"{PATH}?{query}&bucket=1d", headers=factory.headers(ds.user))
    assert response.status_code == 200
    assert len(response.json()["series"]) == 61


async def test_limit_bounds_are_accepted(api, factory, ds):
    for limit in ("1", "1000"):
        response = await api.get(
            PATH, params={**d.W, "limit": limit}, headers=factory.headers(ds.user)
        )
        assert response.status_code == 200


async def test_scope(api, factory, ds):
    response = await api.get(PATH, headers=factory.scoped_headers(ds.user, ["mcp:read"]))
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "forbidden"
    response = await api.get(PATH, headers=factory.scoped_headers(ds.user, ["nhi:read"]))
    assert response.status_code == 200


async def test_a_page_holds_100_nhis_by_default(api, factory):
    org = await factory.org("Many")
    user = await factory.user(org, "max")
    for n in range(101):
        await factory.nhi(org, f"nhi-{n:03}")
    response = await api.get(PATH, params=d.W, headers=factory.headers(user))
    body = response.json()
    assert len(body["data"]) == 100 and body["data"][-1]["nhi_label"] == "nhi-099"
    assert body["page"]["has_more"] is True
    assert body["totals"]["nhis"] == 101


async def test_a_day_in_year_1_is_a_quiet_day(api, factory, ds):
    body = await get(
        api, factory, ds, **{"from": "0001-01-01T00:00:00Z", "to": "0001-01-02T00:00:00Z"}
    )
    assert body["totals"] == {"nhis": 4, "active_nhis": 0, **d.ZERO_FIGURES}
    assert body["series"][0]["timestamp"] == "0001-01-01T00:00:00Z"
    assert len(body["series"]) == 24
