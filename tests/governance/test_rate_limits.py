"""The governance family's rate limit (seed 002: 429 ``rate_limited``, "Per-organization
rate limit exceeded"): per organisation, so that an organisation's users share it, in
the family's envelope with Retry-After and the RateLimit fields; shared through Redis by
two apps (replicas); listed in the OpenAPI document; a setting."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from gateway.metrics import REGISTRY
from gateway.settings import Settings
from tests.apps import app_client
from tests.rate_limits import REDIS, needs_redis

PATH = "/v1/analytics/governance/summary"


def refusals() -> float:
    name = "gateway_rate_limit_rejections_total"
    return REGISTRY.get_sample_value(name, {"family": "governance"}) or 0.0


async def test_the_fourth_call_of_an_organisation_in_a_minute_is_429(db, settings, factory):
    # given: two users of one organisation, and a user of another
    acme = await factory.org()
    ana, bo = [factory.headers(await factory.user(acme, name)) for name in ("ana", "bo")]
    cy = factory.headers(await factory.user(await factory.org("Other"), "cy"))
    before = refusals()
    # when
    async with app_client(db, settings, governance_rate_limits="3/minute;100/hour") as client:
        assert (await client.get(PATH)).status_code == 401  # not counted
        statuses = [(await client.get(PATH, headers=h)).status_code for h in (ana, bo, ana)]
        refused = await client.get(PATH, headers=bo)
        other = await client.get(PATH, headers=cy)
        # Other families are not limited by it.
        elsewhere = await client.get("/api/analytics/kpi-metrics/", headers=ana)
    # then: ana and bo spent acme's 3 together; the other organisation has its own
    assert statuses == [200, 200, 200]
    assert (refused.status_code, other.status_code, elsewhere.status_code) == (429, 200, 200)
    # The window opened with ana's first call, under a second before: 60 s from then is
    # 60 when rounded up (59 only if the machine stalled a whole second in between).
    wait = int(refused.headers["retry-after"])
    assert wait in (59, 60)
    assert refused.json() == {
        "error": {
            "code": "rate_limited",
            "message": f"per-organization rate limit of 3 per 1 minute exceeded; retry in {wait} s",
        }
    }
    assert refused.headers["ratelimit-limit"] == "3"
    assert refused.headers["ratelimit-remaining"] == "0"
    assert refused.headers["ratelimit-reset"] == str(wait)
    assert refusals() - before == 1


async def test_the_hourly_limit_refuses_with_its_own_figures(db, settings, factory):
    # given
    headers = factory.headers(await factory.user(await factory.org(), "ana"))
    # when: 2 an hour is spent before 5 a minute
    async with app_client(db, settings, governance_rate_limits="5/minute;2/hour") as client:
        statuses = [(await client.get(PATH, headers=headers)).status_code for _ in range(3)]
        refused = await client.get(PATH, headers=headers)
    # then
    assert statuses == [200, 200, 429]
    assert refused.headers["ratelimit-limit"] == "2"
    assert int(refused.headers["retry-after"]) in (3599, 3600)
    assert refused.json()["error"]["message"].startswith(
        "per-organization rate limit of 2 per 1 hour exceeded"
    )


@needs_redis
async def test_replicas_share_an_organisations_counter_through_redis(db, settings, factory):
    # given: a fresh organisation (uuid4), so its keys in the shared Redis are this test's
    org = await factory.org()
    ana, bo = [factory.headers(await factory.user(org, name)) for name in ("ana", "bo")]
    limits = {"governance_rate_limits": "3/minute", "redis_url": REDIS}
    # when: the calls alternate between two apps on one database and one Redis
    async with app_client(db, settings, **limits) as one, app_client(db, settings, **limits) as two:
        statuses = [
            (await one.get(PATH, headers=ana)).status_code,
            (await two.get(PATH, headers=bo)).status_code,
            (await one.get(PATH, headers=bo)).status_code,
            (await two.get(PATH, headers=ana)).status_code,
            (await one.get(PATH, headers=ana)).status_code,
        ]
    # then
    assert statuses == [200, 200, 200, 429, 429]


async def test_the_openapi_document_lists_429_with_its_headers(client):
    document = (await client.get("/openapi.json")).json()
    governance = document["paths"][PATH]["get"]["responses"]
    assert "`RATE_LIMITED`" in governance["429"]["description"]
    assert set(governance["429"]["headers"]) == {
        "Retry-After",
        "RateLimit-Limit",
        "RateLimit-Remaining",
        "RateLimit-Reset",
    }
    # A family without a limit never answers 429.
    assert "429" not in document["paths"]["/api/v1/analytics/catalog"]["get"]["responses"]


def test_the_default_and_a_bad_setting():
    # The suite runs with the limits off (tests/conftest.py); a deployment gets this.
    assert Settings.model_fields["governance_rate_limits"].default == "600/minute"
    with pytest.raises(ValidationError, match="many"):
        Settings(governance_rate_limits="many")
