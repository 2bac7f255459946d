"""GET /v1/analytics/nhi-risk, /nhi-risk-assessment/{id} and its /history on the risk
core's hand-worked dataset (tests/governance/test_nhi_risk.py, window 2026-05-01 to
2026-05-08), on both databases.

Scores: maxed 1.0, burst 0.42, denier 0.4, over 0.35, unverified3 0.18, half 0.03, and
even, quiet, thin 0.0 (that tie ordered by label).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import pytest

from gateway.ids import ANOMALY, GUARDIAN, NHI, render_id
from tests.factories import Factory, one_transaction
from tests.governance.test_nhi_risk import END, START, build, hour

NOW = END + timedelta(hours=1)
WINDOW = {"from": "2026-05-01T00:00:00Z", "to": "2026-05-08T00:00:00Z"}
RISK = "/v1/analytics/nhi-risk"
ASSESS = "/v1/analytics/nhi-risk-assessment"
ORDER = ["maxed", "burst", "denier", "over", "unverified3", "half", "even", "quiet", "thin"]


@pytest.fixture
@one_transaction
async def data(factory: Factory) -> dict[str, Any]:
    built = await build(factory)
    built["user"] = await factory.user(built["org"], "ana")
    globex = await factory.org("Globex II")
    built["stranger"] = await factory.nhi(globex, "stranger", 1)
    built["stranger_user"] = await factory.user(globex, "gus")
    return built


@pytest.fixture
async def api(client_at: Any) -> Any:
    async with client_at(NOW) as client:
        yield client


def nhi_id(data: dict[str, Any], label: str) -> str:
    return render_id(NHI, data["nhis"][label]["id"])


async def get(api: Any, factory: Factory, data: dict, path: str, **params: Any) -> Any:
    return await api.get(path, params=params, headers=factory.headers(data["user"]))


def labels(body: dict) -> list[str]:
    return [row["nhi_label"] for row in body["data"]]


async def test_one_row_per_nhi_by_score_then_label(api, factory, data):
    response = await get(api, factory, data, RISK, **WINDOW)
    assert response.status_code == 200, response.text
    body = response.json()
    assert labels(body) == ORDER
    assert (body["from"], body["to"]) == (WINDOW["from"], WINDOW["to"])
    assert body["page"] == {"next_cursor": None, "has_more": False}
    assert body["data"][1] == {
        "nhi_id": nhi_id(data, "burst"),
        "nhi_label": "burst",
        "tier": 2,
        "risk_score": 0.42,
        "risk_signals": ["spend_burst:p99"],
        "last_seen_at": "2026-05-05T04:00:00Z",
    }
    assert body["data"][2]["risk_signals"] == [
        "tool_attempt:denied:3",
        "guardian:none",
        "federation:pending",
    ]
    quiet = body["data"][7]
    assert (quiet["risk_score"], quiet["last_seen_at"]) == (0.0, "2026-04-02T12:00:00Z")
    assert body["data"][4]["last_seen_at"] is None


async def test_the_window_defaults_to_the_last_7_days(client_at, factory, data):
    async with client_at(END) as api:
        response = await get(api, factory, data, RISK)
    body = response.json()
    assert (body["from"], body["to"]) == (WINDOW["from"], WINDOW["to"])
    assert labels(body) == ORDER


async def test_filters(api, factory, data):
    tier1 = await get(api, factory, data, RISK, **WINDOW, tier="1")
    assert labels(tier1.json()) == ["maxed", "denier"]
    scored = await get(api, factory, data, RISK, **WINDOW, min_score="0.35")
    # At least 0.35: over's 0.35 is in.
    assert labels(scored.json()) == ["maxed", "burst", "denier", "over"]
    both = await get(api, factory, data, RISK, **WINDOW, tier="4", min_score="0.01")
    assert labels(both.json()) == ["over", "half"]


async def test_two_pages_with_a_cursor(api, factory, data):
    first = (await get(api, factory, data, RISK, **WINDOW, limit="5")).json()
    assert labels(first) == ORDER[:5]
    assert first["page"]["has_more"] is True
    cursor = first["page"]["next_cursor"]
    second = (await get(api, factory, data, RISK, **WINDOW, limit="5", cursor=cursor)).json()
    assert labels(second) == ORDER[5:]
    assert second["page"] == {"next_cursor": None, "has_more": False}


async def test_a_tie_in_score_and_label_is_ordered_by_id(api, factory, data):
    twin = await factory.nhi(data["org"], "quiet", 4)
    await factory.bind(twin, await factory.guardian(data["org"], "Twin guard"))
    body = (await get(api, factory, data, RISK, **WINDOW)).json()
    quiet = [row["nhi_id"] for row in body["data"] if row["nhi_label"] == "quiet"]
    ids = sorted([twin["id"], data["nhis"]["quiet"]["id"]])
    assert quiet == [render_id(NHI, i) for i in ids]
    # The cursor falls between the twins.
    position = labels(body).index("quiet")
    page = (await get(api, factory, data, RISK, **WINDOW, limit=str(position + 1))).json()
    rest = await get(
        api, factory, data, RISK, **WINDOW, cursor=page["page"]["next_cursor"], limit="1"
    )
    assert rest.json()["data"][0]["nhi_id"] == quiet[1]


async def test_another_organisation_sees_only_its_own(api, factory, data):
    response = await api.get(RISK, params=WINDOW, headers=factory.headers(data["stranger_user"]))
    assert labels(response.json()) == ["stranger"]


BAD = [
    {"tier": "0"},
    {"tier": "5"},
    {"tier": "x"},
    {"tier": "1.0"},
    {"min_score": "2"},
    {"min_score": "-0.1"},
    {"min_score": "x"},
    {"min_score": "nan"},
    {"from": "yesterday"},
    {"from": WINDOW["to"], "to": WINDOW["from"]},
    {"to": "0001-01-01T00:00:00Z"},
    {"cursor": "not-a-cursor"},
    {"cursor": "WyIwLjUiLCAieCJd"},  # ["0.5", "x"]: two values, not three
    {"cursor": "WyIyIiwgIngiLCAiMDAwMDAwMDAtMDAwMC0wMDAwLTAwMDAtMDAwMDAwMDAwMDAwIl0"},  # 2
    {"limit": "0"},
    {"limit": "1001"},
]


@pytest.mark.parametrize("params", BAD)
async def test_bad_parameters_are_validation_errors(api, factory, data, params):
    response = await get(api, factory, data, RISK, **params)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "validation_error"


async def test_a_window_from_year_1_is_answered(api, factory, data):
    response = await get(api, factory, data, RISK, **{"from": "0001-01-01T00:00:00Z"})
    assert response.status_code == 200, response.text
    assert len(response.json()["data"]) == 9


async def test_limit_bounds_are_accepted(api, factory, data):
    for limit in ("1", "1000"):
        response = await get(api, factory, data, RISK, **WINDOW, limit=limit)
        assert response.status_code == 200, response.text


# --- the assessment -----------------------------------------------------------------------


def factor(key: str, signal: str | None, part: float, weight: float, contribution: float) -> dict:
    return {
        "key": key,
        "signal": signal,
        "active": part > 0,
        "part": part,
        "weight": weight,
        "contribution": contribution,
    }


async def test_assessment_of_an_unbound_pending_denier(api, factory, data):
    response = await get(api, factory, data, f"{ASSESS}/{nhi_id(data, 'denier')}", **WINDOW)
    assert response.status_code == 200, response.text
    assert response.json() == {
        "nhi_id": nhi_id(data, "denier"),
        "nhi_label": "denier",
        "kind": "service_account",
        "tier": 1,
        "federation_status": "pending",
        "last_seen_at": "2026-05-07T23:59:59.999999Z",
        "from": WINDOW["from"],
        "to": WINDOW["to"],
        "risk_score": 0.4,
        "risk_signals": ["tool_attempt:denied:3", "guardian:none", "federation:pending"],
        "signals": [
            factor("spend_burst", None, 0.0, 0.35, 0.0),
            factor("tool_attempt", "tool_attempt:denied:3", 0.3, 0.25, 0.075),
            factor("guardian", "guardian:none", 1.0, 0.15, 0.15),
            factor("federation", "federation:pending", 0.5, 0.15, 0.075),
            factor("tier", None, 1.0, 0.1, 0.1),
        ],
        "inputs": {
            "p99_spend": 0.0,
            "rolling_baseline": 0.0,
            "denied_attempts": 3,
            "tier": 1,
            "federation_status": "pending",
            "guardians": [],
        },
        "open_anomalies": [],
        "recommendations": [
            "Review the 3 denied tool attempts of denier and narrow its permissions.",
            "Bind a Guardian to denier so that its actions are checked.",
            "Complete federation for denier (status: pending).",
            "Tier 1 is privileged: confirm denier needs it.",
        ],
    }


async def test_assessment_of_a_burst_with_its_guardian_and_open_anomalies(api, factory, data):
    burst = data["nhis"]["burst"]
    evidence = {"p99_spend_usd_24h": 4.64, "rolling_baseline": 0.0}
    older = await factory.anomaly(burst, hour(100), evidence=evidence)
    newer = await factory.anomaly(burst, hour(120), "tool_denials", "medium")
    twin = await factory.anomaly(burst, hour(120), "spend_burst", "critical", window_to=hour(119))
    await factory.anomaly(burst, hour(130), status="acknowledged")
    await factory.anomaly(data["nhis"]["denier"], hour(125))
    # By UUID this time (the path takes either spelling).
    response = await get(api, factory, data, f"{ASSESS}/{burst['id']}", **WINDOW)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["risk_score"] == 0.42
    assert body["signals"][0] == factor("spend_burst", "spend_burst:p99", 1.0, 0.35, 0.35)
    assert body["signals"][4] == factor("tier", None, 0.6667, 0.1, 0.0667)
    guardian = data["guardian"]["id"]
    assert body["inputs"] == {
        "p99_spend": 4.64,
        "rolling_baseline": 0.0,
        "denied_attempts": 0,
        "tier": 2,
        "federation_status": "verified",
        "guardians": [{"guardian_id": render_id(GUARDIAN, guardian), "name": "PII-Redactor"}],
    }
    # Open only, newest first; a tie in detected_at by id, descending.
    same_time = sorted([newer["id"], twin["id"]], reverse=True)
    assert [a["anomaly_id"] for a in body["open_anomalies"]] == [
        *(render_id(ANOMALY, i) for i in same_time),
        render_id(ANOMALY, older["id"]),
    ]
    assert body["open_anomalies"][2] == {
        "anomaly_id": render_id(ANOMALY, older["id"]),
        "type": "spend_burst",
        "severity": "high",
        "detected_at": "2026-05-05T04:00:00Z",
        "evidence": evidence,
        "status": "open",
    }
    assert body["recommendations"] == [
        "Investigate burst's spend: its p99 hourly spend is 4.64 USD against a baseline of "
        "0.00 USD.",
        "Tier 2 is privileged: confirm burst needs it.",
    ]


async def test_a_quiet_compliant_nhi_has_no_recommendations(api, factory, data):
    response = await get(api, factory, data, f"{ASSESS}/{nhi_id(data, 'quiet')}", **WINDOW)
    body = response.json()
    assert (body["risk_score"], body["recommendations"]) == (0.0, [])
    assert [f["active"] for f in body["signals"]] == [False] * 5


async def test_the_assessment_window_defaults_to_the_last_7_days(client_at, factory, data):
    async with client_at(END) as api:
        response = await get(api, factory, data, f"{ASSESS}/{nhi_id(data, 'burst')}")
    body = response.json()
    assert (body["from"], body["to"], body["risk_score"]) == (WINDOW["from"], WINDOW["to"], 0.42)


@pytest.mark.parametrize(
    "which",
    [
        "stranger",
        "unknown",
        "nhi_not-a-ulid",
        "anom_01HZY5W6V7Q8R9S0T1V2W3X4Y5",
        "12345",
        "%ED%A0%80",  # a lone surrogate
    ],
)
@pytest.mark.parametrize("suffix", ["", "/history"])
async def test_unknown_malformed_or_foreign_nhis_are_not_found(api, factory, data, which, suffix):
    if which == "stranger":
        which = render_id(NHI, data["stranger"]["id"])
    elif which == "unknown":
        which = str(uuid.uuid4())
    response = await get(api, factory, data, f"{ASSESS}/{which}{suffix}")
    assert response.status_code == 404, response.text
    assert response.json() == {"error": {"code": "not_found", "message": "NHI not found"}}


@pytest.mark.parametrize("suffix", ["", "/history"])
async def test_an_id_with_a_nul_character_is_refused_as_every_parameter_is(
    api, factory, data, suffix
):
    response = await get(api, factory, data, f"{ASSESS}/nhi%00{suffix}")
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize(
    "params",
    [
        {"from": "2026-13-01T00:00:00Z"},
        {"from": WINDOW["to"], "to": WINDOW["from"]},
        {"to": "0001-01-01T00:00:00Z"},
    ],
)
@pytest.mark.parametrize("suffix", ["", "/history"])
async def test_assessment_windows_are_checked(api, factory, data, params, suffix):
    path = f"{ASSESS}/{nhi_id(data, 'burst')}{suffix}"
    response = await get(api, factory, data, path, **params)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "validation_error"


async def test_an_assessment_from_year_1(api, factory, data):
    path = f"{ASSESS}/{nhi_id(data, 'burst')}"
    response = await get(api, factory, data, path, **{"from": "0001-01-01T00:00:00Z"})
    assert response.status_code == 200, response.text
    assert response.json()["from"] == "0001-01-01T00:00:00Z"


# --- the history --------------------------------------------------------------------------


async def test_history_oldest_first_in_the_window_with_two_pages(api, factory, data):
    burst = data["nhis"]["burst"]
    await factory.snapshot(burst, START - timedelta(microseconds=1), 0.9)  # before from
    at_from = await factory.snapshot(burst, START, 0.42, signals=["spend_burst:p99"])
    second = await factory.snapshot(burst, START + timedelta(days=2), 0.1, source="detection")
    twin = await factory.snapshot(burst, START + timedelta(days=2), 0.2)
    await factory.snapshot(burst, END, 0.5)  # at to: out
    await factory.snapshot(data["nhis"]["denier"], START + timedelta(days=1), 0.4)
    path = f"{ASSESS}/{nhi_id(data, 'burst')}/history"

    first = await get(api, factory, data, path, **WINDOW, limit="2")
    assert first.status_code == 200, first.text
    body = first.json()
    assert (body["nhi_id"], body["from"], body["to"]) == (
        nhi_id(data, "burst"),
        WINDOW["from"],
        WINDOW["to"],
    )
    same_time = sorted([second, twin], key=lambda s: s["id"])
    assert body["data"] == [
        {
            "computed_at": "2026-05-01T00:00:00Z",
            "window_from": "2026-04-24T00:00:00Z",
            "window_to": "2026-05-01T00:00:00Z",
            "risk_score": 0.42,
            "risk_signals": ["spend_burst:p99"],
            "source": "snapshot",
        },
        {
            "computed_at": "2026-05-03T00:00:00Z",
            "window_from": "2026-04-26T00:00:00Z",
            "window_to": "2026-05-03T00:00:00Z",
            "risk_score": same_time[0]["risk_score"],
            "risk_signals": [],
            "source": same_time[0]["source"],
        },
    ]
    assert body["page"]["has_more"] is True
    cursor = body["page"]["next_cursor"]
    rest = (await get(api, factory, data, path, **WINDOW, limit="2", cursor=cursor)).json()
    assert [row["risk_score"] for row in rest["data"]] == [same_time[1]["risk_score"]]
    assert rest["page"] == {"next_cursor": None, "has_more": False}
    assert at_from["risk_score"] == 0.42


async def test_history_defaults_to_the_last_30_days(client_at, factory, data):
    burst = data["nhis"]["burst"]
    await factory.snapshot(burst, END - timedelta(days=30), 0.3)
    await factory.snapshot(burst, END - timedelta(days=30, microseconds=1), 0.9)
    async with client_at(END) as api:
        response = await get(api, factory, data, f"{ASSESS}/{nhi_id(data, 'burst')}/history")
    body = response.json()
    assert body["from"] == "2026-04-08T00:00:00Z"
    assert [row["risk_score"] for row in body["data"]] == [0.3]


@pytest.mark.parametrize(
    "params", [{"cursor": "x"}, {"cursor": "WyJ4IiwgInkiXQ"}, {"limit": "0"}, {"limit": "1001"}]
)
async def test_history_paging_is_checked(api, factory, data, params):
    path = f"{ASSESS}/{nhi_id(data, 'burst')}/history"
    response = await get(api, factory, data, path, **params)
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "validation_error"


@pytest.mark.parametrize("path", [RISK, f"{ASSESS}/{{burst}}", f"{ASSESS}/{{burst}}/history"])
async def test_credentials_and_scope(api, factory, data, path):
    path = path.replace("{burst}", nhi_id(data, "burst"))
    assert (await api.get(path)).status_code == 401
    mcp_only = await api.get(path, headers=factory.scoped_headers(data["user"], ["mcp:read"]))
    assert mcp_only.status_code == 403
    assert mcp_only.json()["error"]["code"] == "forbidden"
    scoped = await api.get(path, headers=factory.scoped_headers(data["user"], ["nhi:read"]))
    assert scoped.status_code == 200, scoped.text
