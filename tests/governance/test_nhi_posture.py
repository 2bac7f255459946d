"""GET /v1/analytics/nhi-posture and ``nhiPosture`` on a hand-worked dataset, on both
databases.

now = 2026-05-08 12:00 UTC; the window is [2026-05-01 12:00, now). Every NHI is tier 4,
verified and bound unless said otherwise (risk 0.0), so its posture is
0.4 (1 - risk) + 0.2 coverage + 0.2 compliance + 0.2 federation - min(0.2, 0.05 anomalies):

  anomalies2  no activity, bound: coverage 1.0. Anomalies at `from` exactly (in), at
              now - 1 h (in), at now - 8 days and at now (out): 2 -> 1.0 - 0.1 = 0.9
  anomalies5  no activity; 5 anomalies: the penalty is capped, 1.0 - 0.2 = 0.8
  unbound     unbound, no activity: coverage 0.0; risk 0.15 (guardian:none):
              0.4 x 0.85 + 0 + 0.2 + 0.2 = 0.74
  denied      4 events in the window, all checked, 1 denied: coverage 1.0, compliance
              0.75; risk 0.25 x 0.1 = 0.025 -> 0.03: 0.4 x 0.97 + 0.2 + 0.15 + 0.2 =
              0.938 -> 0.94. Its window edges: an event at `from` exactly is in, one at
              now (denied, unchecked) and one just before `from` (denied) are out.
  pending     pending federation (0.5), no activity: risk 0.075 -> 0.08:
              0.4 x 0.92 + 0.2 + 0.2 + 0.1 = 0.868 -> 0.87
  eighth      8 events, 1 checked: coverage 0.125: 0.4 + 0.025 + 0.2 + 0.2 = 0.825 ->
              0.83 half up (round() on the float 0.825 gives 0.82)
  third       3 events, 1 checked: coverage shown 0.3333; 0.4 + 0.2/3 + 0.4 = 0.8667 -> 0.87
  floored     tier 1, unverified, unbound, 10 denied unchecked events, 5 anomalies:
              risk 0.25 + 0.15 + 0.15 + 0.10 = 0.65; 0.4 x 0.35 + 0 + 0 + 0 - 0.2 =
              -0.06: the floor gives 0.0 (it is not idle)
  tie-b, tie-a  quiet and bound: 1.0 each, ordered by label
  twin x 2    the same label, 1.0 each: ordered by id

Globex's NHI (busy, anomalous) is never listed, and nothing of it is counted.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from fractions import Fraction
from typing import Any

import pytest
from sqlalchemy import insert

from gateway.ids import NHI, render_id
from models.identities import NhiActivity
from resolvers.governance.nhi_posture import Posture
from resolvers.governance.nhi_risk import RiskInputs, assess
from tests.factories import Factory

NOW = datetime(2026, 5, 8, 12, tzinfo=UTC)
START = NOW - timedelta(days=7)
POSTURE = "/v1/analytics/nhi-posture"
TWINS = (
    uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8057"),
    uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8058"),
)


def ago(hours: float) -> datetime:
    return NOW - timedelta(hours=hours)


async def checked(factory: Factory, nhi: dict, guardian: dict, rows: list[tuple]) -> None:
    """Events ``(occurred_at, outcome, checked)`` in one statement."""
    async with factory.engine.begin() as conn:
        await conn.execute(
            insert(NhiActivity),
            [
                {
                    "id": uuid.uuid4(),
                    "org_id": nhi["org_id"],
                    "nhi_id": nhi["id"],
                    "occurred_at": at,
                    "spend_usd": 0,
                    "outcome": outcome,
                    "guardian_id": guardian["id"] if check else None,
                }
                for at, outcome, check in rows
            ],
        )


async def build(factory: Factory) -> dict[str, Any]:
    org = await factory.org("Acme")
    user = await factory.user(org, "ana")
    guardian = await factory.guardian(org)
    nhis: dict[str, Any] = {}

    async def nhi(label: str, tier: int = 4, bound: bool = True, **values: Any) -> Any:
        row = await factory.nhi(org, label, tier, **values)
        if bound:
            await factory.bind(row, guardian)
        nhis.setdefault(label, row)
        return row

    two = await nhi("anomalies2")
    for at in (START, ago(1), NOW - timedelta(days=8), NOW):
        await factory.anomaly(two, at)
    five = await nhi("anomalies5")
    for n in range(5):
        await factory.anomaly(five, ago(n + 1))
    await nhi("unbound", bound=False)
    denied = await nhi("denied")
    await checked(
        factory,
        denied,
        guardian,
        [
            (START, "allowed", True),
            (ago(50), "allowed", True),
            (ago(2), "allowed", True),
            (ago(1), "denied", True),
            (NOW, "denied", False),
            (START - timedelta(microseconds=1), "denied", False),
        ],
    )
    await nhi("pending", federation_status="pending")
    eighth = await nhi("eighth")
    await checked(factory, eighth, guardian, [(ago(n + 1), "allowed", n == 0) for n in range(8)])
    third = await nhi("third")
    await checked(factory, third, guardian, [(ago(n + 1), "allowed", n == 0) for n in range(3)])
    floored = await nhi("floored", tier=1, bound=False, federation_status="unverified")
    await checked(factory, floored, guardian, [(ago(n + 1), "denied", False) for n in range(10)])
    for n in range(5):
        await factory.anomaly(floored, ago(n + 1), type="tool_denials")
    await nhi("tie-b")
    await nhi("tie-a")
    for ident in reversed(TWINS):
        await nhi("twin", id=ident)

    globex = await factory.org("Globex")
    stranger = await factory.nhi(globex, "anomalies2", 1, federation_status="unverified")
    await factory.activity(stranger, ago(1), "99.00", "denied")
    await factory.anomaly(stranger, ago(1))
    return {"user": user, "nhis": nhis, "other": await factory.user(globex, "gus")}


@pytest.fixture
async def data(factory: Factory) -> dict[str, Any]:
    return await build(factory)


@pytest.fixture
async def api(client_at: Any) -> Any:
    async with client_at(NOW) as client:
        yield client


def row(data: dict, label: str, score: float, risk: float, parts: tuple, nhi_id: Any = None):
    coverage, compliance, federation, anomalies = parts
    return {
        "nhi_id": render_id(NHI, nhi_id or data["nhis"][label]["id"]),
        "nhi_label": label,
        "posture_score": score,
        "risk_score": risk,
        "components": {
            "guardian_coverage": coverage,
            "tier_compliance": compliance,
            "federation_status": federation,
            "anomaly_count_7d": anomalies,
        },
    }


def expected(data: dict) -> list[dict]:
    quiet = (1.0, 1.0, 1.0, 0)
    return [
        row(data, "floored", 0.0, 0.65, (0.0, 0.0, 0.0, 5)),
        row(data, "unbound", 0.74, 0.15, (0.0, 1.0, 1.0, 0)),
        row(data, "anomalies5", 0.8, 0.0, (1.0, 1.0, 1.0, 5)),
        row(data, "eighth", 0.83, 0.0, (0.125, 1.0, 1.0, 0)),
        row(data, "pending", 0.87, 0.08, (1.0, 1.0, 0.5, 0)),
        row(data, "third", 0.87, 0.0, (0.3333, 1.0, 1.0, 0)),
        row(data, "anomalies2", 0.9, 0.0, (1.0, 1.0, 1.0, 2)),
        row(data, "denied", 0.94, 0.03, (1.0, 0.75, 1.0, 0)),
        row(data, "tie-a", 1.0, 0.0, quiet),
        row(data, "tie-b", 1.0, 0.0, quiet),
        row(data, "twin", 1.0, 0.0, quiet, TWINS[0]),
        row(data, "twin", 1.0, 0.0, quiet, TWINS[1]),
    ]


async def test_posture_on_the_hand_worked_dataset(api, factory, data):
    response = await api.get(POSTURE, headers=factory.headers(data["user"]))
    assert response.status_code == 200, response.text
    assert response.json() == {
        "from": "2026-05-01T12:00:00Z",
        "to": "2026-05-08T12:00:00Z",
        "data": expected(data),
        "page": {"next_cursor": None, "has_more": False},
    }


async def test_the_window_is_not_a_parameter(api, factory, data):
    # from/to are ignored like any unknown parameter: the last 7 days all the same.
    params = {"from": "2020-01-01T00:00:00Z", "to": "not even a time"}
    response = await api.get(POSTURE, params=params, headers=factory.headers(data["user"]))
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["from"], body["to"]) == ("2026-05-01T12:00:00Z", "2026-05-08T12:00:00Z")
    assert body["data"] == expected(data)


async def test_pages_of_five_walk_the_same_order(api, factory, data):
    headers = factory.headers(data["user"])
    seen: list[dict] = []
    pages: list[dict] = []
    cursor: str | None = None
    for _ in range(3):
        params = {"limit": "5", **({"cursor": cursor} if cursor else {})}
        response = await api.get(POSTURE, params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        seen.extend(body["data"])
        pages.append(body["page"])
        cursor = body["page"]["next_cursor"]
    assert seen == expected(data)
    assert [p["has_more"] for p in pages] == [True, True, False]
    assert pages[2]["next_cursor"] is None


async def test_another_organisation_sees_only_its_own(api, factory, data):
    response = await api.get(POSTURE, headers=factory.headers(data["other"]))
    [only] = response.json()["data"]
    # Globex's NHI: tier 1 (0.1), unverified (0.15), unbound (0.15), 1 denied (0.025):
    # risk 0.425 -> 0.43; 1 denied unchecked event: coverage 0, compliance 0; 1 anomaly:
    # 0.4 x 0.57 - 0.05 = 0.178 -> 0.18
    assert only["nhi_label"] == "anomalies2"
    assert (only["posture_score"], only["risk_score"]) == (0.18, 0.43)
    assert only["components"] == {
        "guardian_coverage": 0.0,
        "tier_compliance": 0.0,
        "federation_status": 0.0,
        "anomaly_count_7d": 1,
    }


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "501"},
        {"limit": "x"},
        {"cursor": "not-a-cursor"},
        {"cursor": "WyJ4Il0"},  # base64 of ["x"]: one value, not three
        {"cursor": "WyJ4IiwgImEiLCAiYiJd"},  # ["x", "a", "b"]: no score, no id
    ],
)
async def test_bad_parameters_are_validation_errors(api, factory, data, params):
    response = await api.get(POSTURE, params=params, headers=factory.headers(data["user"]))
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "validation_error"


async def test_limit_bounds_are_accepted(api, factory, data):
    for limit in ("1", "500"):
        response = await api.get(
            POSTURE, params={"limit": limit}, headers=factory.headers(data["user"])
        )
        assert response.status_code == 200, response.text


async def test_the_scope_is_nhi_read(api, factory, data):
    refused = await api.get(POSTURE, headers=factory.scoped_headers(data["user"], ["mcp:read"]))
    assert refused.status_code == 403
    assert refused.json()["error"]["code"] == "forbidden"
    allowed = await api.get(POSTURE, headers=factory.scoped_headers(data["user"], ["nhi:read"]))
    assert allowed.status_code == 200


QUERY = """query ($first: Int!, $after: String) {
  nhiPosture(first: $first, after: $after) {
    from to
    nodes { nhiId label postureScore riskScore
            components { guardianCoverage tierCompliance federationStatus anomalyCount7d } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def test_graphql_answers_the_same(api, factory, data):
    response = await api.post(
        "/graphql",
        json={"query": QUERY, "variables": {"first": 2}},
        headers=factory.headers(data["user"]),
    )
    body = response.json()
    assert "errors" not in body, body
    posture = body["data"]["nhiPosture"]
    assert (posture["from"], posture["to"]) == (START.isoformat(), NOW.isoformat())
    assert [n["label"] for n in posture["nodes"]] == ["floored", "unbound"]
    assert posture["nodes"][1] == {
        "nhiId": str(data["nhis"]["unbound"]["id"]),
        "label": "unbound",
        "postureScore": 0.74,
        "riskScore": 0.15,
        "components": {
            "guardianCoverage": 0.0,
            "tierCompliance": 1.0,
            "federationStatus": 1.0,
            "anomalyCount7d": 0,
        },
    }
    assert posture["pageInfo"]["hasNextPage"] is True


@pytest.mark.parametrize("first", [0, 501])
async def test_graphql_first_is_bounded(api, factory, data, first):
    response = await api.post(
        "/graphql",
        json={"query": QUERY, "variables": {"first": first}},
        headers=factory.headers(data["user"]),
    )
    body = response.json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]


def posture(events: int, checked: int, *, denied: int = 0, anomalies: int = 0) -> Posture:
    inputs = RiskInputs(
        nhi_id=uuid.uuid4(),
        label="x",
        kind="workload",
        tier=4,
        federation_status="verified",
        guardians=1,
        p99_spend=Fraction(0),
        rolling_baseline=Fraction(0),
        denied_attempts=denied,
        last_seen_at=None,
    )
    return Posture(risk=assess(inputs), events=events, checked=checked, anomalies=anomalies)


def test_the_score_uses_the_exact_shares_not_the_shown_ones():
    # 2,499 checked of 20,000: 0.12495, shown 0.1250 (4 decimals, half up). The score is
    # 0.4 + 0.2 x 0.12495 + 0.4 = 0.82499 -> 0.82; from the shown share it would be 0.83.
    found = posture(20_000, 2_499)
    assert found.guardian_coverage == Fraction(2499, 20000)
    assert found.score == 0.82


def test_the_score_uses_the_rounded_risk_score():
    # 1 denied of 40 events: D = 0.1, risk 0.025 -> 0.03; compliance 0.975.
    # 0.4 x 0.97 + 0.2 x 0 + 0.2 x 0.975 + 0.2 = 0.388 + 0.195 + 0.2 = 0.783 -> 0.78
    # (with the unrounded risk: 0.39 + 0.395 = 0.785 -> 0.79).
    found = posture(40, 0, denied=1)
    assert found.risk.score == 0.03
    assert found.exact_score == Fraction(783, 1000)
    assert found.score == 0.78


async def test_twenty_nhis_cost_as_few_statements_as_two(api, factory, statements):
    # given organisations of n busy, anomalous NHIs, for n = 2 then 20
    counts = []
    for n in (2, 20):
        org = await factory.org(f"Org{n}")
        user = await factory.user(org, f"u{n}")
        for i in range(n):
            nhi = await factory.nhi(org, f"nhi-{i}")
            await factory.activities(nhi, [(ago(1), "1.00", "allowed"), (ago(2), "0", "denied")])
            await factory.anomaly(nhi, ago(1))
        statements.statements.clear()
        response = await api.get(POSTURE, headers=factory.headers(user))
        assert len(response.json()["data"]) == n
        counts.append(statements.count)
    # the principal, the posture counts, the risk inputs
    assert counts[0] == counts[1] == 3, statements.statements
