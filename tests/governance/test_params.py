"""The governance family's common parameters and error envelope, with a fixed clock."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from starlette.requests import Request

from gateway.errors import GatewayError
from gateway.ids import GUARDIAN, MCP_SESSION, new_id, render_id
from rest_compat.governance.envelope import GOVERNANCE, governance_envelope
from rest_compat.governance.params import GovernanceWindow
from rest_compat.openapi import _parameters
from rest_compat.params import read_params

NOW = datetime(2026, 5, 1, 12, 34, 56, 789000, tzinfo=UTC)
GUARDIAN_ID = uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8057")


def request(query: str) -> Request:
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/v1/analytics/governance/summary",
            "query_string": query.encode(),
            "headers": [],
            "path_params": {},
        }
    )


async def read(query: str = "") -> GovernanceWindow:
    params = await read_params(GovernanceWindow, request(query), now=NOW)
    assert isinstance(params, GovernanceWindow)
    return params


async def refusal(query: str) -> tuple[int, dict]:
    with pytest.raises(GatewayError) as raised:
        await read(query)
    return raised.value.status, governance_envelope(raised.value)


def q(value: str) -> str:
    return quote(value, safe="")


async def test_defaults_are_the_last_24_hours_of_the_request_clock():
    params = await read()
    assert (params.start, params.end) == (NOW - timedelta(hours=24), NOW)
    assert params.variables() == {
        "from": "2026-04-30T12:34:56.789000Z",
        "to": "2026-05-01T12:34:56.789000Z",
        "bucket": "1h",
        "guardian_id": None,
        "environment": None,
        "tag": None,
    }
    # An empty value is no value.
    assert (await read("from=&to=&bucket=")).variables() == params.variables()


async def test_given_values_are_read_and_times_kept_in_utc():
    query = (
        f"from={q('2026-04-30T02:00:00+02:00')}&to=2026-05-01T00:00:00.5Z&bucket=5m"
        f"&guardian_id={render_id(GUARDIAN, GUARDIAN_ID)}&environment=test&tag=payments"
    )
    params = await read(query)
    assert params.start == datetime(2026, 4, 30, tzinfo=UTC)
    assert params.end == datetime(2026, 5, 1, 0, 0, 0, 500000, tzinfo=UTC)
    assert (params.bucket, params.bucket_seconds) == ("5m", 300)
    assert (params.guardian_id, params.environment, params.tag) == (GUARDIAN_ID, "test", "payments")
    # GraphQL gets the plain UUID.
    assert params.variables()["guardian_id"] == str(GUARDIAN_ID)
    assert (await read(f"guardian_id={GUARDIAN_ID}")).guardian_id == GUARDIAN_ID


async def test_only_to_given_keeps_the_default_from():
    params = await read(f"to={q('2026-05-01T06:00:00Z')}")
    assert (params.start, params.end) == (
        NOW - timedelta(hours=24),
        datetime(2026, 5, 1, 6, tzinfo=UTC),
    )
    status, body = await refusal("to=2026-04-30T12:34:56.789Z")  # exactly now - 24 h
    assert (status, body["error"]["code"]) == (400, "validation_error")


DATE_TIME = "must be an RFC 3339 date-time with an offset, such as 2026-05-01T00:00:00Z"


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=yesterday", f"from {DATE_TIME}"),
        ("from=1714521600", f"from {DATE_TIME}"),  # Unix time is not RFC 3339
        ("from=2026-05-01", f"from {DATE_TIME}"),
        ("from=2026-05-01T00:00:00", f"from {DATE_TIME}"),  # no offset
        ("to=2026-05-01T00:00:00 02:00", f"to {DATE_TIME}"),  # an unencoded + is a space
        ("to=2026-02-30T00:00:00Z", f"to {DATE_TIME}"),
        ("to=2026-05-01T00:00:00.1234567Z", f"to {DATE_TIME}"),
        ("to=%EF%BC%92026-05-01T00:00:00Z", f"to {DATE_TIME}"),  # a fullwidth digit
        ("from=0001-01-01T00:00:00%2B01:00", f"from {DATE_TIME}"),  # year 0 in UTC
        ("bucket=2h", "bucket must be one of 1m, 5m, 15m, 1h, 1d"),
        ("bucket=1H", "bucket must be one of 1m, 5m, 15m, 1h, 1d"),
        ("environment=prod", "environment must be one of live, test, dev"),
        (
            f"guardian_id={render_id(MCP_SESSION, GUARDIAN_ID)}",
            "guardian_id must be a guardian id (gov_ followed by a ULID) or a UUID",
        ),
        (
            "guardian_id=gov_01H455VB4PEX5VSKNK084SN0IL",
            "guardian_id must be a guardian id (gov_ followed by a ULID) or a UUID",
        ),
        (
            "guardian_id=" + "9" * 5000,
            "guardian_id must be a guardian id (gov_ followed by a ULID) or a UUID",
        ),
        ("tag=" + "t" * 51, "tag must be text of 1 to 50 characters"),
        (
            "from=2026-05-01T00:00:00Z&to=2026-05-01T00:00:00Z",
            "to must be later than from",
        ),
        (
            "from=2026-05-01T00:00:00Z&to=2026-04-30T23:59:59Z",
            "to must be later than from",
        ),
    ],
)
async def test_malformed_values_are_validation_errors(query, message):
    assert await refusal(query) == (
        400,
        {"error": {"code": "validation_error", "message": message}},
    )


@pytest.mark.parametrize(
    ("query", "refused"),
    [
        ("bucket=1m", False),  # the default day, off the minute: 1,441 rows, 24 h long
        ("bucket=1m&from=2026-05-01T00:00:00Z&to=2026-05-02T00:00:00Z", False),
        ("bucket=1m&from=2026-05-01T00:00:30Z&to=2026-05-02T00:00:30Z", False),
        ("bucket=1m&from=2026-05-01T00:00:00Z&to=2026-05-02T00:00:00.000001Z", True),
        ("bucket=1m&from=2026-04-01T00:00:00Z&to=2026-05-01T00:00:00Z", True),  # the seed's
        ("bucket=5m&from=2026-04-26T00:00:00Z&to=2026-05-01T00:00:00Z", False),
        ("bucket=5m&from=2026-04-26T00:00:00Z&to=2026-05-01T00:00:01Z", True),
        ("bucket=1h&from=2026-03-02T00:00:00Z&to=2026-05-01T00:00:00Z", False),
        ("bucket=1h&from=2026-03-01T00:00:00Z&to=2026-05-01T00:00:00Z", True),
        ("bucket=1d&from=2022-05-22T00:00:00Z&to=2026-05-01T00:00:00Z", False),  # 1,440 days
        ("bucket=1d&from=2022-05-21T23:59:59Z&to=2026-05-01T00:00:00Z", True),
        ("bucket=1d&from=0001-01-01T00:00:00Z&to=9999-12-31T00:00:00Z", True),
    ],
)
async def test_a_window_longer_than_1440_buckets_is_unprocessable(query, refused):
    if not refused:
        await read(query)
        return
    bucket = dict(p.split("=") for p in query.split("&"))["bucket"]
    message = (
        f"the window is longer than 1440 {bucket} buckets: "
        "choose a larger bucket or a shorter window"
    )
    assert await refusal(query) == (
        422,
        {"error": {"code": "unprocessable_entity", "message": message}},
    )


async def test_a_malformed_value_is_named_before_the_window_is_judged():
    status, body = await refusal("bucket=1m&from=2026-04-01T00:00:00Z&environment=prod")
    assert (status, body["error"]["code"]) == (400, "validation_error")


def test_ids_created_later_are_accepted_in_either_form():
    value = new_id(NOW)
    for text in (render_id(GUARDIAN, value), str(value)):
        assert (
            GovernanceWindow.model_validate({"guardian_id": text}, context={"now": NOW}).guardian_id
            == value
        )


@pytest.mark.parametrize(
    ("code", "status", "seed_code"),
    [
        ("BAD_USER_INPUT", 400, "validation_error"),
        ("QUERY_TOO_COSTLY", 400, "validation_error"),
        ("UNAUTHENTICATED", 401, "unauthenticated"),
        ("INVALID_TOKEN", 401, "unauthenticated"),
        ("USER_NOT_FOUND", 401, "unauthenticated"),
        ("INSUFFICIENT_SCOPE", 403, "forbidden"),
        ("INSUFFICIENT_ROLE", 403, "forbidden"),
        ("ORG_SCOPE_REQUIRED", 403, "forbidden"),
        ("PLAN_UPGRADE_REQUIRED", 403, "forbidden"),
        ("CSRF_REJECTED", 403, "forbidden"),
        ("NOT_FOUND", 404, "not_found"),
        ("UNPROCESSABLE_ENTITY", 422, "unprocessable_entity"),
        ("SUBSCRIPTION_REQUIRED", 402, "subscription_required"),
        ("PAYLOAD_TOO_LARGE", 413, "payload_too_large"),
        ("INTERNAL_SERVER_ERROR", 500, "internal_server_error"),
        ("SERVICE_UNAVAILABLE", 503, "service_unavailable"),
    ],
)
def test_envelope_draws_the_seed_codes(code, status, seed_code):
    error = GatewayError(code, "why", details={"argument": "x"})
    assert error.status == status
    # The seed's envelope has no details.
    assert GOVERNANCE.envelope(error) == {"error": {"code": seed_code, "message": "why"}}


def test_envelope_schema_accepts_what_the_envelope_draws():
    import jsonschema

    body = governance_envelope(GatewayError("NOT_FOUND", "session not found"))
    jsonschema.validate(body, GOVERNANCE.envelope_schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            {"error": {"code": "NOT_FOUND", "message": "x"}}, GOVERNANCE.envelope_schema
        )


def test_openapi_parameters_are_optional_query_values_under_their_wire_names():
    parameters, body = _parameters(GovernanceWindow)
    assert body is None
    assert [(p["name"], p["in"], p["required"]) for p in parameters] == [
        ("from", "query", False),
        ("to", "query", False),
        ("bucket", "query", False),
        ("guardian_id", "query", False),
        ("environment", "query", False),
        ("tag", "query", False),
    ]
    by_name = {p["name"]: p["schema"] for p in parameters}
    assert by_name["from"] == {"type": "string", "format": "date-time"}
    assert by_name["bucket"] == {
        "type": "string",
        "enum": ["1m", "5m", "15m", "1h", "1d"],
        "default": "1h",
    }
    # Either spelling of a guardian id, as every governance id is documented.
    assert by_name["guardian_id"]["anyOf"] == [
        {"type": "string", "format": "uuid"},
        {"type": "string", "pattern": "^gov_[0-7][0-9A-HJKMNP-TV-Z]{25}$"},
    ]
