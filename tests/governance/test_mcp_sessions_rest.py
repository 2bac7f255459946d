"""GET /v1/mcp/analytics/sessions and /sessions/{sessionId} on a hand-worked dataset.

Acme's sessions (window [00:00, 10:00) on 2026-05-01, times UTC):

    s0  04-30 23:59:59  out (before from)
    s1  00:00:00  claude   at from: in; calls 00:01 postgres.query passed,
                           00:02 stripe.create_refund blocked, 00:03 postgres.query corrected
    s2  02:00:00  cursor   nhi set; one call github.search passed
    s3  04:00:00  claude   no calls
    s4  06:00:00  claude   postgres.query passed at 06:05 and at 06:01 (stored in that order)
    s5  08:00:00  claude   stripe.create_refund blocked
    s6  10:00:00  at to: out

Newest first in the window: s5, s4, s3, s2, s1. Globex has a session at 03:00 that Acme
never sees.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from gateway.ids import MCP_SESSION, render_id
from gateway.ids import NHI as NHI_PREFIX
from tests.factories import Factory, one_transaction

DAY = datetime(2026, 5, 1, tzinfo=UTC)
NOW = DAY + timedelta(hours=12)
FROM, TO = "2026-05-01T00:00:00Z", "2026-05-01T10:00:00Z"
WINDOW = {"from": FROM, "to": TO}
SESSIONS = "/v1/mcp/analytics/sessions"
NHI = uuid.UUID("01890a5d-ac96-774b-bcce-b302099a8057")


def at(hours: float = 0, minutes: float = 0, seconds: float = 0) -> datetime:
    return DAY + timedelta(hours=hours, minutes=minutes, seconds=seconds)


@dataclass
class Mcp:
    user: dict[str, Any]
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    other_user: dict[str, Any] = field(default_factory=dict)
    other_session: dict[str, Any] = field(default_factory=dict)

    def mcs(self, name: str) -> str:
        return render_id(MCP_SESSION, self.sessions[name]["id"])


@one_transaction
async def build_mcp(factory: Factory) -> Mcp:
    org = await factory.org("Acme")
    mcp = Mcp(user=await factory.user(org, "ana"))
    s = mcp.sessions
    s["s0"] = await factory.mcp_session(org, at(seconds=-1))
    s["s1"] = await factory.mcp_session(org, at())
    await factory.tool_call(s["s1"], at(minutes=1), "postgres.query", "passed", 100)
    await factory.tool_call(s["s1"], at(minutes=2), "stripe.create_refund", "blocked", 300)
    await factory.tool_call(s["s1"], at(minutes=3), "postgres.query", "corrected", 200)
    nhi = await factory.nhi(org, "ci-runner", id=NHI)
    s["s2"] = await factory.mcp_session(org, at(2), client="cursor", nhi_id=nhi["id"])
    await factory.tool_call(s["s2"], at(2, seconds=30), "github.search", "passed", 50)
    s["s3"] = await factory.mcp_session(org, at(4))
    s["s4"] = await factory.mcp_session(org, at(6))
    await factory.tool_call(s["s4"], at(6, 5), "postgres.query", "passed", 40)
    await factory.tool_call(s["s4"], at(6, 1), "postgres.query", "passed", 60)
    s["s5"] = await factory.mcp_session(org, at(8))
    await factory.tool_call(s["s5"], at(8, 1), "stripe.create_refund", "blocked", 10)
    s["s6"] = await factory.mcp_session(org, at(10))

    globex = await factory.org("Globex")
    mcp.other_user = await factory.user(globex, "gus")
    mcp.other_session = await factory.mcp_session(globex, at(3), client="globex-agent")
    await factory.tool_call(mcp.other_session, at(3, 1), "postgres.query", "blocked", 5)
    return mcp


@pytest.fixture
async def mcp(factory: Factory) -> Mcp:
    return await build_mcp(factory)


@pytest.fixture
async def api(client_at: Any) -> Any:
    async with client_at(NOW) as client:
        yield client


def row(mcp: Mcp, name: str, client: str | None, nhi: str | None, counts: tuple) -> dict:
    calls, passed, corrected, blocked = counts
    return {
        "session_id": mcp.mcs(name),
        "started_at": mcp.sessions[name]["started_at"].isoformat().replace("+00:00", "Z"),
        "client": client,
        "nhi_id": nhi,
        "tool_calls": calls,
        "verdicts": {"passed": passed, "corrected": corrected, "blocked": blocked},
    }


def started(body: dict) -> list[str]:
    return [item["session_id"] for item in body["data"]]


async def test_sessions_newest_first_with_counts_and_window_edges(api, factory, mcp):
    response = await api.get(SESSIONS, params=WINDOW, headers=factory.headers(mcp.user))
    assert response.status_code == 200, response.text
    body = response.json()
    # s6 at `to` and s0 before `from` are out; s1 at `from` is in.
    assert body == {
        "data": [
            row(mcp, "s5", "claude", None, (1, 0, 0, 1)),
            row(mcp, "s4", "claude", None, (2, 2, 0, 0)),
            row(mcp, "s3", "claude", None, (0, 0, 0, 0)),
            # The NHI in the family's form: nhi_ and the same 128 bits as a ULID.
            row(mcp, "s2", "cursor", render_id(NHI_PREFIX, NHI), (1, 1, 0, 0)),
            row(mcp, "s1", "claude", None, (3, 1, 1, 1)),
        ],
        "page": {"next_cursor": None, "has_more": False},
    }


async def test_default_window_is_the_last_24_hours(client_at, factory, mcp):
    # now = 05-01 10:00:00: [04-30 10:00, 05-01 10:00) holds s0..s5, not s6 (at now).
    async with client_at(at(10)) as api:
        response = await api.get(SESSIONS, headers=factory.headers(mcp.user))
    assert started(response.json()) == [mcp.mcs(n) for n in ("s5", "s4", "s3", "s2", "s1", "s0")]


async def test_two_per_page_over_five_sessions(api, factory, mcp):
    headers = factory.headers(mcp.user)
    seen: list[list[str]] = []
    pages: list[dict] = []
    cursor: str | None = None
    for _ in range(3):
        params = {**WINDOW, "limit": "2", **({"cursor": cursor} if cursor else {})}
        response = await api.get(SESSIONS, params=params, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        pages.append(body["page"])
        seen.append(started(body))
        cursor = body["page"]["next_cursor"]
    assert seen == [
        [mcp.mcs("s5"), mcp.mcs("s4")],
        [mcp.mcs("s3"), mcp.mcs("s2")],
        [mcp.mcs("s1")],
    ]
    assert [p["has_more"] for p in pages] == [True, True, False]
    assert pages[0]["next_cursor"] and pages[1]["next_cursor"]
    assert pages[2]["next_cursor"] is None


async def test_a_session_started_at_the_same_moment_is_ordered_by_id(api, factory, mcp):
    org = {"id": mcp.user["org_id"]}
    twin = await factory.mcp_session(org, at(8), client="twin")
    headers = factory.headers(mcp.user)
    first = await api.get(SESSIONS, params={**WINDOW, "limit": "1"}, headers=headers)
    cursor = first.json()["page"]["next_cursor"]
    second = await api.get(
        SESSIONS, params={**WINDOW, "limit": "1", "cursor": cursor}, headers=headers
    )
    # (started_at desc, id desc): the larger id first, the other on the next page.
    ids = sorted([twin["id"], mcp.sessions["s5"]["id"]], reverse=True)
    assert started(first.json()) + started(second.json()) == [
        render_id(MCP_SESSION, i) for i in ids
    ]


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "not-a-cursor"},
        {"cursor": "WyJ4Il0"},  # base64 of ["x"]: one value, and not a time
        {"limit": "0"},
        {"limit": "201"},
        {"limit": "ten"},
        {"from": "yesterday"},
        {"from": TO, "to": FROM},
        {"from": FROM, "to": FROM},
    ],
)
async def test_bad_parameters_are_validation_errors(api, factory, mcp, params):
    response = await api.get(SESSIONS, params=params, headers=factory.headers(mcp.user))
    assert response.status_code == 400, response.text
    assert response.json()["error"]["code"] == "validation_error"


async def test_limit_bounds_are_accepted(api, factory, mcp):
    headers = factory.headers(mcp.user)
    for limit in ("1", "200"):
        response = await api.get(SESSIONS, params={**WINDOW, "limit": limit}, headers=headers)
        assert response.status_code == 200


async def test_session_detail_lists_calls_in_time_order_and_counts_by_tool(api, factory, mcp):
    response = await api.get(f"{SESSIONS}/{mcp.mcs('s1')}", headers=factory.headers(mcp.user))
    assert response.status_code == 200, response.text

    def call(minute: int, tool: str, verdict: str, latency: int) -> dict:
        return {
            "tool": tool,
            "verdict": verdict,
            "latency_ms": latency,
            "created_at": f"2026-05-01T00:0{minute}:00Z",
        }

    assert response.json() == {
        **row(mcp, "s1", "claude", None, (3, 1, 1, 1)),
        "calls": [
            call(1, "postgres.query", "passed", 100),
            call(2, "stripe.create_refund", "blocked", 300),
            call(3, "postgres.query", "corrected", 200),
        ],
        # most called first: postgres.query 2 (1 passed, 1 corrected), then the refund
        "by_tool": [
            {"tool": "postgres.query", "calls": 2, "passed": 1, "corrected": 1, "blocked": 0},
            {"tool": "stripe.create_refund", "calls": 1, "passed": 0, "corrected": 0, "blocked": 1},
        ],
    }


async def test_session_detail_by_uuid_orders_calls_by_time_not_insertion(api, factory, mcp):
    session_id = mcp.sessions["s4"]["id"]
    response = await api.get(f"{SESSIONS}/{session_id}", headers=factory.headers(mcp.user))
    body = response.json()
    assert body["session_id"] == mcp.mcs("s4")
    assert [c["created_at"] for c in body["calls"]] == [
        "2026-05-01T06:01:00Z",
        "2026-05-01T06:05:00Z",
    ]
    assert body["by_tool"] == [
        {"tool": "postgres.query", "calls": 2, "passed": 2, "corrected": 0, "blocked": 0}
    ]


async def test_session_without_calls_has_zero_counts(api, factory, mcp):
    response = await api.get(f"{SESSIONS}/{mcp.mcs('s3')}", headers=factory.headers(mcp.user))
    body = response.json()
    assert (body["tool_calls"], body["calls"], body["by_tool"]) == (0, [], [])
    assert body["verdicts"] == {"passed": 0, "corrected": 0, "blocked": 0}


@pytest.mark.parametrize(
    "session_id",
    [
        "other-org",
        "unknown",
        "mcs_not-a-ulid",
        "gov_01HZY5W6V7Q8R9S0T1V2W3X4Y5",
        "12345",
        "00000000-0000-0000-0000-00000000000g",
    ],
)
async def test_unknown_malformed_or_foreign_sessions_are_not_found(api, factory, mcp, session_id):
    if session_id == "other-org":
        session_id = render_id(MCP_SESSION, mcp.other_session["id"])
    elif session_id == "unknown":
        session_id = render_id(MCP_SESSION, uuid.uuid4())
    response = await api.get(f"{SESSIONS}/{session_id}", headers=factory.headers(mcp.user))
    assert response.status_code == 404, response.text
    assert response.json() == {"error": {"code": "not_found", "message": "session not found"}}


async def test_other_organisation_sees_only_its_own(api, factory, mcp):
    response = await api.get(SESSIONS, params=WINDOW, headers=factory.headers(mcp.other_user))
    assert started(response.json()) == [render_id(MCP_SESSION, mcp.other_session["id"])]


@pytest.mark.parametrize("path", [SESSIONS, f"{SESSIONS}/{{s1}}"])
async def test_credentials_and_scope(api, factory, mcp, path):
    path = path.replace("{s1}", mcp.mcs("s1"))
    none = await api.get(path)
    assert none.status_code == 401
    assert none.json()["error"]["code"] == "unauthenticated"
    bad = await api.get(path, headers={"Authorization": "Bearer nope"})
    assert bad.status_code == 401
    logs_only = await api.get(path, headers=factory.scoped_headers(mcp.user, ["logs:read"]))
    assert logs_only.status_code == 403
    assert logs_only.json()["error"]["code"] == "forbidden"
    scoped = await api.get(path, headers=factory.scoped_headers(mcp.user, ["mcp:read"]))
    assert scoped.status_code == 200
