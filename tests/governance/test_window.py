"""The GraphQL side of the window rules (REST's are in test_params.py): the same checks."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest

from gateway.errors import GatewayError
from resolvers.governance.window import Filters, Window, filters, window

NOW = datetime(2026, 5, 1, 12, 0, tzinfo=UTC)


def test_defaults_are_the_day_before_now() -> None:
    assert window(NOW) == Window(NOW - timedelta(hours=24), NOW, "1h")


def test_each_default_stands_alone() -> None:
    start = NOW - timedelta(hours=2)
    assert window(NOW, start=start) == Window(start, NOW, "1h")
    with pytest.raises(GatewayError) as raised:
        window(NOW, end=NOW - timedelta(hours=30))
    assert raised.value.code == "BAD_USER_INPUT"


@pytest.mark.parametrize(
    ("span", "bucket", "code"),
    [
        (timedelta(days=1), "1m", None),  # exactly 1,440 minutes
        (timedelta(days=1, minutes=1), "1m", "UNPROCESSABLE_ENTITY"),
        (timedelta(days=30), "1m", "UNPROCESSABLE_ENTITY"),
        (timedelta(days=30), "1h", None),
        (timedelta(0), "1h", "BAD_USER_INPUT"),
    ],
)
def test_the_window_rules(span: timedelta, bucket: str, code: str | None) -> None:
    try:
        window(NOW, start=NOW - span, end=NOW, bucket=bucket)
    except GatewayError as error:
        assert error.code == code
    else:
        assert code is None


def test_an_unknown_bucket_is_bad_input() -> None:
    with pytest.raises(GatewayError) as raised:
        window(NOW, bucket="2h")
    assert raised.value.code == "BAD_USER_INPUT"


def test_filters() -> None:
    gid = uuid.uuid4()
    assert filters(gid, "live", " pii ") == Filters(gid, "live", "pii")
    for bad in ({"environment": "prod"}, {"tag": " "}, {"tag": "x" * 51}):
        with pytest.raises(GatewayError) as raised:
            filters(**bad)  # type: ignore[arg-type]
        assert raised.value.code == "BAD_USER_INPUT"
