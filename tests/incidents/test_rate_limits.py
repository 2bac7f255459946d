"""The incidents family's rate limits (``limits``): per user, after authentication, 429
with Retry-After and the RateLimit fields in the family's envelope; shared through Redis
by two apps (replicas) on one database; counted in memory when Redis is unreachable; a
bad setting refused at start-up."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from pydantic import ValidationError

from gateway.settings import Settings
from tests.apps import app_client
from tests.factories import Factory
from tests.rate_limits import REDIS, needs_redis

PATH = "/api/analytics/kpi-metrics/"


@pytest.fixture
async def users(factory: Factory) -> list[dict[str, Any]]:
    org = await factory.org()
    return [await factory.user(org, "ana"), await factory.user(org, "bo")]


async def test_the_fourth_request_in_a_minute_is_429(db, settings, factory, users):
    ana, bo = (factory.headers(u) for u in users)
    async with app_client(db, settings, incidents_rate_limits="3/minute;10/hour") as client:
        assert (await client.get(PATH)).status_code == 401  # not counted
        for _ in range(3):
            assert (await client.get(PATH, headers=ana)).status_code == 200
        refused = await client.get(PATH, headers=ana)
        # Another user of the organisation has a count of their own.
        assert (await client.get(PATH, headers=bo)).status_code == 200
        # Other families are not limited by it.
        assert (await client.get("/api/v1/analytics/usage", headers=ana)).status_code != 429
    assert refused.status_code == 429
    body = refused.json()
    assert (body["error"], body["code"]) == ("Rate limit exceeded", "RATE_LIMITED")
    assert 1 <= int(refused.headers["retry-after"]) <= 60
    assert refused.headers["ratelimit-limit"] == "3"
    assert refused.headers["ratelimit-remaining"] == "0"
    assert refused.headers["ratelimit-reset"] == refused.headers["retry-after"]


async def test_an_empty_setting_means_no_limit(db, settings, factory, users):
    headers = factory.headers(users[0])
    async with app_client(db, settings, incidents_rate_limits="") as client:
        for _ in range(5):
            assert (await client.get(PATH, headers=headers)).status_code == 200


@needs_redis
async def test_replicas_share_the_counters_through_redis(db, settings, factory, users):
    headers = factory.headers(users[0])  # a fresh user (uuid4), so no earlier run counts
    limits = {"incidents_rate_limits": "3/minute", "redis_url": REDIS}
    async with app_client(db, settings, **limits) as one, app_client(db, settings, **limits) as two:
        assert (await one.get(PATH, headers=headers)).status_code == 200
        assert (await two.get(PATH, headers=headers)).status_code == 200
        assert (await one.get(PATH, headers=headers)).status_code == 200
        assert (await two.get(PATH, headers=headers)).status_code == 429


async def test_an_unreachable_redis_counts_in_memory(db, settings, factory, users, caplog):
    # given: a Redis URL nothing listens on
    headers = factory.headers(users[0])
    closed = "redis://127.0.0.1:1/0"
    # when
    with caplog.at_level(logging.WARNING, logger="gateway.rate_limits"):
        async with app_client(
            db, settings, incidents_rate_limits="1/minute", redis_url=closed
        ) as c:
            statuses = [(await c.get(PATH, headers=headers)).status_code for _ in range(3)]
    # then: limited all the same, and the fall back said once
    assert statuses == [200, 429, 429]
    said = [r.message.split(" (")[0] for r in caplog.records if r.name == "gateway.rate_limits"]
    assert said == ["rate limits: Redis failed"]


@pytest.mark.parametrize(
    ("name", "value"),
    [("incidents_rate_limits", "lots"), ("redis_url", "http://127.0.0.1:6379")],
)
def test_bad_settings_are_refused(name, value):
    with pytest.raises(ValidationError) as refused:
        Settings(**{name: value})
    assert value in str(refused.value)


def test_the_default_is_the_seeds():
    # The suite runs with the limits off (tests/conftest.py); a deployment gets these.
    assert Settings.model_fields["incidents_rate_limits"].default == "100/minute;1000/hour"
