"""The NHI anomaly paths: detect-anomalies, jobs/{job_id}, nhi-anomalies and ack.

Acme's anomalies (times UTC on 2026-05-01, NOW is 12:00):

    an1  ci     spend_burst   high      open          11:00
    an2  agent  tool_denials  medium    open          10:00
    an4  agent  spend_burst   medium    open          10:00  (same moment as an2: by id)
    an3  ci     tool_denials  critical  acknowledged  09:00

Newest first by (detected_at, id): an1, then an2/an4 by id descending, then an3. Globex
has an open anomaly Acme never sees.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

from gateway.ids import ANOMALY, JOB, NHI, render_id
from models.audit import AuditEvent
from tests.factories import Factory, one_transaction

NOW = datetime(2026, 5, 1, 12, tzinfo=UTC)
ANOMALIES = "/v1/analytics/nhi-anomalies"
DETECT = "/v1/analytics/nhi-risk/detect-anomalies"
JOBS = "/v1/analytics/jobs"


def z(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


class Data:
    user: dict[str, Any]
    other_user: dict[str, Any]
    nhis: dict[str, dict[str, Any]]
    anomalies: dict[str, dict[str, Any]]
    foreign: dict[str, Any]

    def anom(self, name: str) -> str:
        return render_id(ANOMALY, self.anomalies[name]["id"])


@pytest.fixture
@one_transaction
async def data(factory: Factory) -> Data:
    d = Data()
    org = await factory.org("Acme")
    d.user = await factory.user(org, "ana")
    d.nhis = {"ci": await factory.nhi(org, "ci"), "agent": await factory.nhi(org, "agent")}
    evidence = {"p99_spend_usd_24h": 12.4, "rolling_baseline": 0.83}
    a = d.anomalies = {}
    a["an1"] = await factory.anomaly(d.nhis["ci"], NOW - timedelta(hours=1), evidence=evidence)
    a["an2"] = await factory.anomaly(
        d.nhis["agent"],
        NOW - timedelta(hours=2),
        "tool_denials",
        "medium",
        evidence={"denied_attempts": 7, "window_hours": 24},
    )
    a["an4"] = await factory.anomaly(
        d.nhis["agent"], NOW - timedelta(hours=2), "spend_burst", "medium"
    )
    a["an3"] = await factory.anomaly(
        d.nhis["ci"],
        NOW - timedelta(hours=3),
        "tool_denials",
        "critical",
        status="acknowledged",
        note="known",
        acknowledged_by=d.user["id"],
        acknowledged_at=NOW - timedelta(hours=2, minutes=30),
    )
    globex = await factory.org("Globex")
    d.other_user = await factory.user(globex, "gus")
    d.foreign = await factory.anomaly(await factory.nhi(globex, "ci"), NOW - timedelta(hours=1))
    return d


@pytest.fixture
async def api(client_at: Any) -> Any:
    async with client_at(NOW) as client:
        yield client


def ids(body: dict[str, Any]) -> list[str]:
    return [item["anomaly_id"] for item in body["data"]]


def newest_first(d: Data, names: list[str]) -> list[str]:
    """The names in the page's order: detected_at, then id, descending."""
    rows = sorted(
        (d.anomalies[n] for n in names), key=lambda r: (r["detected_at"], r["id"]), reverse=True
    )
    return [render_id(ANOMALY, r["id"]) for r in rows]


async def test_open_anomalies_newest_first_in_the_seeds_form(api, factory, data):
    response = await api.get(ANOMALIES, headers=factory.headers(data.user))
    assert response.status_code == 200, response.text
    body = response.json()
    assert ids(body) == newest_first(data, ["an1", "an2", "an4"])
    assert body["page"] == {"next_cursor": None, "has_more": False}
    an1 = data.anomalies["an1"]
    assert body["data"][0] == {
        "anomaly_id": data.anom("an1"),
        "nhi_id": render_id(NHI, data.nhis["ci"]["id"]),
        "type": "spend_burst",
        "severity": "high",
        "detected_at": "2026-05-01T11:00:00Z",
        "evidence": {"p99_spend_usd_24h": 12.4, "rolling_baseline": 0.83},
        "status": "open",
        "window_from": z(an1["window_from"]),
        "window_to": z(an1["window_to"]),
        "note": None,
        "acknowledged_by": None,
        "acknowledged_at": None,
    }


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"status": "acknowledged"}, ["an3"]),
        ({"status": "all"}, ["an1", "an2", "an4", "an3"]),
        ({"status": "all", "type": "tool_denials"}, ["an2", "an3"]),
        ({"severity": "medium"}, ["an2", "an4"]),
        ({"status": "all", "nhi_id": "ci"}, ["an1", "an3"]),
        ({"nhi_id": "agent-uuid", "type": "spend_burst"}, ["an4"]),
    ],
)
async def test_filters(api, factory, data, params, names):
    if params.get("nhi_id") == "ci":
        params = {**params, "nhi_id": render_id(NHI, data.nhis["ci"]["id"])}
    elif params.get("nhi_id") == "agent-uuid":
        params = {**params, "nhi_id": str(data.nhis["agent"]["id"])}
    response = await api.get(ANOMALIES, params=params, headers=factory.headers(data.user))
    assert response.status_code == 200, response.text
    assert ids(response.json()) == newest_first(data, names)


async def test_an_acknowledged_row_names_who_and_when(api, factory, data):
    response = await api.get(
        ANOMALIES, params={"status": "acknowledged"}, headers=factory.headers(data.user)
    )
    (row,) = response.json()["data"]
    # No user prefix exists: the user is a plain UUID.
    assert row["acknowledged_by"] == str(data.user["id"])
    assert row["acknowledged_at"] == "2026-05-01T09:30:00Z" and row["note"] == "known"


async def test_one_per_page(api, factory, data):
    headers = factory.headers(data.user)
    seen, cursor, pages = [], None, []
    while True:
        params = {"status": "all", "limit": "1", **({"cursor": cursor} if cursor else {})}
        body = (await api.get(ANOMALIES, params=params, headers=headers)).json()
        seen += ids(body)
        pages.append(body["page"])
        cursor = body["page"]["next_cursor"]
        if not body["page"]["has_more"]:
            break
    assert seen == newest_first(data, ["an1", "an2", "an4", "an3"])
    assert pages[-1] == {"next_cursor": None, "has_more": False}
    assert all(page["has_more"] for page in pages[:-1])


async def test_other_organisation_sees_only_its_own(api, factory, data):
    response = await api.get(ANOMALIES, headers=factory.headers(data.other_user))
    assert ids(response.json()) == [render_id(ANOMALY, data.foreign["id"])]


def expect_error(response: Any, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"} and body["error"]["code"] == code


@pytest.mark.parametrize(
    "params",
    [
        {"status": "closed"},
        {"type": "spend"},
        {"severity": "urgent"},
        {"nhi_id": "gov_01H455VB4PEX5VSKNK084SN02Q"},
        {"nhi_id": "nhi_01H455VB4PEX5VSKNK0\x0084SN02Q"},
        "nhi_id=nhi_01H455VB4PEX5VSKNK0%ED%A0%8084SN02Q",  # a lone surrogate, UTF-8'd
        "type=%ED%A0%80",
        {"type": "spend_burst\x00"},
        {"limit": "0"},
        {"limit": "201"},
        {"cursor": "not-a-cursor"},
        {"cursor": "WyJ4Il0"},  # base64 of ["x"]
    ],
)
async def test_bad_list_parameters_are_validation_errors(api, factory, data, params):
    headers = factory.headers(data.user)
    if isinstance(params, str):
        response = await api.get(f"{ANOMALIES}?{params}", headers=headers)
    else:
        response = await api.get(ANOMALIES, params=params, headers=headers)
    expect_error(response, 400, "validation_error")


async def test_a_tampered_cursor_is_refused(api, factory, data):
    headers = factory.headers(data.user)
    first = await api.get(ANOMALIES, params={"limit": "1"}, headers=headers)
    cursor = first.json()["page"]["next_cursor"]
    tampered = cursor[:-2] + ("AA" if not cursor.endswith("AA") else "BB")
    response = await api.get(ANOMALIES, params={"cursor": tampered}, headers=headers)
    expect_error(response, 400, "validation_error")


# --- acknowledging ------------------------------------------------------------------------


async def audit_count(db: Any, action: str) -> int:
    statement = select(func.count()).where(
        AuditEvent.family == "governance", AuditEvent.action == action
    )
    async with db.connect() as conn:
        return int((await conn.execute(statement)).scalar_one())


async def test_acknowledging_twice_keeps_the_first(client_at, db, factory, data):
    headers = factory.headers(data.user)
    path = f"{ANOMALIES}/{data.anom('an1')}/ack"
    async with client_at(NOW) as api:
        first = await api.post(
            path, json={"note": "Reviewed by SRE — known release."}, headers=headers
        )
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["anomaly_id"] == data.anom("an1") and body["status"] == "acknowledged"
    assert body["acknowledged_by"] == str(data.user["id"])
    assert body["acknowledged_at"] == "2026-05-01T12:00:00Z"
    assert body["note"] == "Reviewed by SRE — known release."
    later = await factory.user(await_org(data), "bob")
    async with client_at(NOW + timedelta(hours=1)) as api:
        second = await api.post(path, json={"note": "again"}, headers=factory.headers(later))
    assert second.status_code == 200, second.text
    assert second.json() == body
    assert await audit_count(db, "ACKNOWLEDGE") == 1
    # The list shows it acknowledged.
    async with client_at(NOW) as api:
        listed = await api.get(ANOMALIES, params={"status": "acknowledged"}, headers=headers)
    assert data.anom("an1") in ids(listed.json())


def await_org(data: Data) -> dict[str, Any]:
    return {"id": data.user["org_id"]}


@pytest.mark.parametrize("body", [None, b"", b"{}", b'{"note": null}'])
async def test_a_note_is_optional(api, factory, data, body):
    response = await api.post(
        f"{ANOMALIES}/{data.anom('an2')}/ack", content=body, headers=factory.headers(data.user)
    )
    assert response.status_code == 200, response.text
    assert response.json()["note"] is None and response.json()["status"] == "acknowledged"


async def test_acknowledging_by_uuid(api, factory, data):
    anomaly_id = data.anomalies["an2"]["id"]
    response = await api.post(f"{ANOMALIES}/{anomaly_id}/ack", headers=factory.headers(data.user))
    assert response.status_code == 200
    assert response.json()["anomaly_id"] == data.anom("an2")


async def test_a_note_of_2000_characters_is_accepted(api, factory, data):
    response = await api.post(
        f"{ANOMALIES}/{data.anom('an2')}/ack",
        json={"note": "n" * 2000},
        headers=factory.headers(data.user),
    )
    assert response.status_code == 200 and response.json()["note"] == "n" * 2000


@pytest.mark.parametrize(
    "body",
    [
        json.dumps({"note": "n" * 2001}).encode(),
        b'{"note": 5}',
        b'{"note": ["a"]}',
        b'{"note": "a\\u0000b"}',
        b'{"note": "a\\ud800b"}',
        b"not json",
        b'["note"]',
        b"null",
        b"\xff\xfe",
    ],
)
async def test_bad_notes_and_bodies_are_validation_errors(api, db, factory, data, body):
    response = await api.post(
        f"{ANOMALIES}/{data.anom('an2')}/ack", content=body, headers=factory.headers(data.user)
    )
    expect_error(response, 400, "validation_error")
    assert await audit_count(db, "ACKNOWLEDGE") == 0


@pytest.mark.parametrize(
    "which",
    ["foreign", "unknown", "malformed", "other-prefix", "nul"],
)
async def test_unknown_or_foreign_anomalies_are_not_found(api, factory, data, which):
    anomaly = {
        "foreign": render_id(ANOMALY, data.foreign["id"]),
        "unknown": str(uuid.uuid4()),
        "malformed": "anom_nope",
        "other-prefix": render_id(NHI, data.anomalies["an1"]["id"]),
        "nul": "anom_%00",
    }[which]
    response = await api.post(f"{ANOMALIES}/{anomaly}/ack", headers=factory.headers(data.user))
    assert response.status_code in (400, 404), response.text
    if which != "nul":
        assert response.json() == {"error": {"code": "not_found", "message": "anomaly not found"}}


async def test_scope(api, factory, data):
    path = f"{ANOMALIES}/{data.anom('an1')}/ack"
    for method, url in (("GET", ANOMALIES), ("POST", path), ("POST", DETECT)):
        none = await api.request(method, url)
        expect_error(none, 401, "unauthenticated")
        wrong = await api.request(
            method, url, headers=factory.scoped_headers(data.user, ["mcp:read"])
        )
        expect_error(wrong, 403, "forbidden")
        right = await api.request(
            method, url, headers=factory.scoped_headers(data.user, ["nhi:read"])
        )
        assert right.status_code in (200, 202), right.text


# --- detection requests and jobs ----------------------------------------------------------


async def job_of(api: Any, headers: dict[str, str], job_id: str) -> dict[str, Any]:
    response = await api.get(f"{JOBS}/{job_id}", headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def payload_of(db: Any, job_id: str) -> dict[str, Any]:
    from gateway.ids import parse_id
    from models.jobs import Job

    async with db.connect() as conn:
        row = (await conn.execute(select(Job.payload).where(Job.id == parse_id(JOB, job_id)))).one()
    return dict(row[0])


@pytest.mark.parametrize(
    ("body", "window"),
    [
        (None, ("2026-04-30T12:00:00+00:00", "2026-05-01T12:00:00+00:00")),
        (b"", ("2026-04-30T12:00:00+00:00", "2026-05-01T12:00:00+00:00")),
        (b"{}", ("2026-04-30T12:00:00+00:00", "2026-05-01T12:00:00+00:00")),
        (
            b'{"from": "2026-05-01T06:00:00Z"}',
            ("2026-05-01T06:00:00+00:00", "2026-05-01T12:00:00+00:00"),
        ),
        (
            b'{"to": "2026-05-01T06:00:00+02:00"}',
            ("2026-04-30T12:00:00+00:00", "2026-05-01T04:00:00+00:00"),
        ),
        (
            b'{"from": "2026-02-01T00:00:00Z", "to": "2026-05-02T00:00:00Z"}',
            ("2026-02-01T00:00:00+00:00", "2026-05-02T00:00:00+00:00"),
        ),
    ],
)
async def test_detection_requests_default_each_end(api, db, factory, data, body, window):
    headers = factory.headers(data.user)
    response = await api.post(DETECT, content=body, headers=headers)
    assert response.status_code == 202, response.text
    answer = response.json()
    assert set(answer) == {"job_id", "status"} and answer["status"] == "queued"
    assert answer["job_id"].startswith("job_")
    payload = await payload_of(db, answer["job_id"])
    assert (payload["from"], payload["to"]) == window
    job = await job_of(api, headers, answer["job_id"])
    assert job == {
        "job_id": answer["job_id"],
        "kind": "nhi.detect",
        "status": "queued",
        "created_at": "2026-05-01T12:00:00Z",
        "started_at": None,
        "finished_at": None,
        "result": None,
        "error": None,
    }
    assert await audit_count(db, "DETECT") == 1


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (b'{"from": "2026-05-01T12:00:00Z"}', 400, "validation_error"),  # from == to (now)
        (
            b'{"from": "2026-05-01T06:00:00Z", "to": "2026-05-01T05:00:00Z"}',
            400,
            "validation_error",
        ),
        (b'{"from": "2026-05-01"}', 400, "validation_error"),
        (b'{"from": 1714521600}', 400, "validation_error"),
        (b'{"from": "2026-05-01T00:00:00"}', 400, "validation_error"),  # no offset
        (b'{"from": "2026-05-01T00:00:00Z\\u0000"}', 400, "validation_error"),
        (b'{"from": "\\ud800"}', 400, "validation_error"),
        (
            b'{"from": "0001-01-01T00:00:00Z", "to": "0001-01-02T00:00:00Z"}',
            400,
            "validation_error",
        ),
        (b"not json", 400, "validation_error"),
        (b"[]", 400, "validation_error"),
        (b'[{"from": "2026-05-01T00:00:00Z"}]', 400, "validation_error"),
        (
            b'{"from": "2026-02-01T00:00:00Z", "to": "2026-05-02T00:00:01Z"}',
            422,
            "unprocessable_entity",
        ),
        (b'{"from": "2016-05-01T00:00:00Z"}', 422, "unprocessable_entity"),
    ],
)
async def test_bad_detection_requests(api, db, factory, data, body, status, code):
    response = await api.post(DETECT, content=body, headers=factory.headers(data.user))
    expect_error(response, status, code)
    assert await audit_count(db, "DETECT") == 0


@pytest.mark.parametrize("which", ["foreign", "unknown", "malformed", "other-prefix"])
async def test_unknown_or_foreign_jobs_are_not_found(api, factory, data, which):
    foreign = await api.post(DETECT, headers=factory.headers(data.other_user))
    job_id = {
        "foreign": foreign.json()["job_id"],
        "unknown": render_id(JOB, uuid.uuid4()),
        "malformed": "job_123",
        "other-prefix": render_id(ANOMALY, uuid.uuid4()),
    }[which]
    response = await api.get(f"{JOBS}/{job_id}", headers=factory.headers(data.user))
    assert response.status_code == 404, response.text
    assert response.json() == {"error": {"code": "not_found", "message": "job not found"}}
