"""Webhook endpoints through both doors: create (the secret shown once), read, list,
delete; every validation rule a 400 naming its field (REST) or BAD_USER_INPUT naming its
argument (GraphQL); another organisation's endpoint a 404 / NOT_FOUND; private
destinations refused unless allowed; on both dialects."""

from __future__ import annotations

import contextlib
import uuid
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from gateway.app import create_app
from gateway.sql import table_of
from models.audit import AuditEvent
from tests.factories import Factory
from tests.governance.test_guardian_graphql import codes, gql

AUDIT = table_of(AuditEvent)
API = "/api/analytics/webhooks"
GOOD = {"url": "https://hooks.example.com/in", "events": ["kpi.threshold_breached"]}


@pytest.fixture
async def data(factory: Factory) -> dict[str, Any]:
    org = await factory.org()
    stranger = await factory.org("Globex")
    theirs = await factory.webhook_endpoint(stranger, "https://globex.example.com/hook")
    return {"org": org, "user": await factory.user(org), "theirs": theirs}


def envelope_fields(answer: Any) -> dict[str, list[str]]:
    body = answer.json()
    assert answer.status_code == 400, body
    assert body["code"] == "VALIDATION_ERROR"
    assert body["error"] == "Invalid request data"
    return body["details"]  # type: ignore[no-any-return]


async def test_create_read_list_and_delete_over_rest(client, factory, data, db):
    headers = factory.headers(data["user"])
    # when
    made = await client.post(API + "/", json={**GOOD, "description": "pager"}, headers=headers)
    # then: 201 with the secret, which no later answer carries
    assert made.status_code == 201, made.text
    created = made.json()
    assert len(created["secret"]) >= 43  # token_urlsafe(32)
    assert created["url"] == GOOD["url"]
    assert created["events"] == GOOD["events"]
    assert created["description"] == "pager"
    assert created["is_active"] is True
    assert created["created_by"] == str(data["user"]["id"])
    assert created["created_at"].endswith("Z")
    one = await client.get(f"{API}/{created['id']}/", headers=headers)
    assert one.status_code == 200
    assert one.json() == {k: v for k, v in created.items() if k != "secret"}
    page = (await client.get(API + "/", headers=headers)).json()
    assert page["count"] == 1
    assert [row["id"] for row in page["results"]] == [created["id"]]
    assert "secret" not in page["results"][0]
    gone = await client.delete(f"{API}/{created['id']}/", headers=headers)
    assert gone.status_code == 204
    assert gone.content == b""
    assert (await client.get(f"{API}/{created['id']}/", headers=headers)).status_code == 404
    # every write left its audit event, without the secret
    async with db.connect() as conn:
        rows = (
            await conn.execute(
                select(AUDIT.c.action, AUDIT.c.details)
                .where(AUDIT.c.subject_type == "webhook_endpoint")
                .order_by(AUDIT.c.action)
            )
        ).all()
    assert [row.action for row in rows] == ["CREATE", "DELETE"]
    assert all(created["secret"] not in str(row.details) for row in rows)


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        ({"events": ["kpi.threshold_breached"]}, "url", "required"),
        ({**GOOD, "url": "ftp://hooks.example.com/in"}, "url", "http:// or https://"),
        ({**GOOD, "url": "hooks.example.com/in"}, "url", "http:// or https://"),
        ({**GOOD, "url": "https://user:pw@hooks.example.com/"}, "url", "credentials"),
        ({**GOOD, "url": "https://hooks.example.com/" + "a" * 2000}, "url", "2000"),
        ({**GOOD, "url": "https:///nohost"}, "url", "host"),
        ({**GOOD, "events": []}, "events", ""),
        ({**GOOD, "events": ["kpi.threshold_breached"] * 2}, "events", "repeat"),
        ({**GOOD, "events": ["incident.created"]}, "events", "incident.created"),
        ({"url": GOOD["url"]}, "events", "required"),
        ({**GOOD, "description": "d" * 501}, "description", "500"),
    ],
)
async def test_each_rule_is_a_400_naming_its_field(client, factory, data, body, field, words):
    answer = await client.post(API + "/", json=body, headers=factory.headers(data["user"]))
    details = envelope_fields(answer)
    assert field in details, details
    assert words in " ".join(details[field]), details


async def test_every_refused_field_is_named_at_once(client, factory, data):
    body = {"url": "ftp://x", "events": ["nope"], "description": "d" * 501}
    answer = await client.post(API + "/", json=body, headers=factory.headers(data["user"]))
    assert set(envelope_fields(answer)) == {"url", "events", "description"}


async def test_another_organisations_endpoint_is_a_404(client, factory, data):
    headers = factory.headers(data["user"])
    theirs = data["theirs"]["id"]
    for method, path in [
        ("GET", f"{API}/{theirs}/"),
        ("DELETE", f"{API}/{theirs}/"),
        ("GET", f"{API}/{theirs}/deliveries/"),
        ("GET", f"{API}/{uuid.uuid4()}/"),
        ("GET", f"{API}/not-an-id/"),
    ]:
        answer = await client.request(method, path, headers=headers)
        assert answer.status_code == 404, (method, path, answer.text)
        assert answer.json()["code"] == "NOT_FOUND"
    assert (await client.get(API + "/", headers=headers)).json()["count"] == 0


async def app_client(db: Any, settings: Any, **changes: Any) -> Any:
    """A client of an app whose settings differ from the test environment's."""
    app = create_app(settings.model_copy(update=changes), engine=db, run_migrations=False)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway.test") as c:
            yield c


async def test_an_organisation_has_at_most_the_limit(db, settings, factory, data):
    for n in range(3):
        await factory.webhook_endpoint(data["org"], f"https://hooks.example.com/{n}")
    async with contextlib.asynccontextmanager(app_client)(
        db, settings, webhook_max_endpoints=3
    ) as client:
        answer = await client.post(API + "/", json=GOOD, headers=factory.headers(data["user"]))
    assert answer.status_code == 400
    assert answer.json()["details"] == (
        "an organisation has at most 3 webhook endpoints; delete one first"
    )


CREATE = """mutation ($input: WebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { id url events description isActive secret }
}"""
ONE = """query ($id: UUID!) { webhookEndpoint(id: $id) { id url } }"""
DELETE = """mutation ($id: UUID!) { deleteWebhookEndpoint(id: $id) }"""
LIST = """{ webhookEndpoints(first: 10) { totalCount results { id url events } } }"""


async def test_graphql_create_read_delete_and_tenancy(client, factory, data):
    headers = factory.headers(data["user"])
    made = await gql(client, headers, CREATE, {"input": GOOD})
    created = made["data"]["createWebhookEndpoint"]
    assert created["secret"] and created["events"] == GOOD["events"]
    assert created["isActive"] is True and created["description"] is None
    listed = await gql(client, headers, LIST)
    assert listed["data"]["webhookEndpoints"] == {
        "totalCount": 1,
        "results": [{"id": created["id"], "url": GOOD["url"], "events": GOOD["events"]}],
    }
    theirs = str(data["theirs"]["id"])
    assert codes(await gql(client, headers, ONE, {"id": theirs})) == ["NOT_FOUND"]
    assert codes(await gql(client, headers, DELETE, {"id": theirs})) == ["NOT_FOUND"]
    deliveries = "query ($id: UUID!) { webhookDeliveries(endpointId: $id) { totalCount } }"
    assert codes(await gql(client, headers, deliveries, {"id": theirs})) == ["NOT_FOUND"]
    assert (await gql(client, headers, DELETE, {"id": created["id"]}))["data"] == {
        "deleteWebhookEndpoint": created["id"]
    }
    assert codes(await gql(client, headers, ONE, {"id": created["id"]})) == ["NOT_FOUND"]


@pytest.mark.parametrize(
    ("given", "words"),
    [
        ({"url": "javascript:alert(1)"}, "http:// or https://"),
        ({"url": "http://u@hooks.example.com"}, "credentials"),
        ({"events": []}, "at least one"),
        ({"events": ["anomaly.detected", "anomaly.detected"]}, "repeat"),
        ({"events": ["deploy.finished"]}, "events must be one of"),
    ],
)
async def test_graphql_refusals_name_the_argument(client, factory, data, given, words):
    body = await gql(client, factory.headers(data["user"]), CREATE, {"input": {**GOOD, **given}})
    assert codes(body) == ["BAD_USER_INPUT"], body
    assert words in body["errors"][0]["message"]


async def test_read_and_write_scopes(client, factory, data):
    reader = factory.scoped_headers(data["user"], ["incidents:read"])
    assert codes(await gql(client, reader, CREATE, {"input": GOOD})) == ["INSUFFICIENT_SCOPE"]
    assert (await gql(client, reader, LIST))["data"]["webhookEndpoints"]["totalCount"] == 0
    nobody = factory.scoped_headers(data["user"], [])
    assert codes(await gql(client, nobody, LIST)) == ["INSUFFICIENT_SCOPE"]


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8080/hook",
        "http://localhost/hook",
        "http://10.1.2.3/",
        "http://192.168.0.10/",
        "http://169.254.169.254/latest/meta-data/",
        "http://[::1]/",
        "http://[::ffff:10.0.0.1]/",
        "http://0.0.0.0/",
        "http://printer.local/",
    ],
)
async def test_private_destinations_are_refused_unless_allowed(db, settings, factory, url):
    org = await factory.org()
    headers = factory.headers(await factory.user(org))
    async with contextlib.asynccontextmanager(app_client)(
        db, settings, webhook_allow_private=False
    ) as client:
        answer = await client.post(API + "/", json={**GOOD, "url": url}, headers=headers)
    assert answer.status_code == 400, answer.text
    assert "private, loopback or link-local" in answer.json()["details"]["url"][0]
    async with db.connect() as conn:
        count = await conn.scalar(select(func.count()).select_from(AUDIT))
    assert count == 0
