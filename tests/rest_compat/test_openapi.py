"""``GET /openapi.json``: a valid OpenAPI 3.1 document of every built route, whose
schemas the real answers satisfy."""

from __future__ import annotations

from typing import Any

import httpx
import jsonschema
from openapi_spec_validator import validate

from gateway.families import FAMILIES
from tests.knowledge.dataset import Acme, build_acme
from tests.test_rest_inventory import PENDING, inventory

DORA = "/api/v1/analytics/dora"
# Routes the gateway adds beside its seeds' paths (a way to read back what a 202 started).
NOT_IN_THE_SEEDS = {
    ("get", "/v1/mcp/analytics/rollup/{rollup_id}"),
    # Seed 002's 404 list implies reading a job's status, though it documents no path.
    ("get", "/v1/analytics/jobs/{job_id}"),
    # Seed 001's KPI metric is a DRF ModelViewSet, which has these beside its GET.
    ("patch", "/api/analytics/kpi-metrics/{id}/"),
    ("delete", "/api/analytics/kpi-metrics/{id}/"),
    # Issue 11's webhook endpoints: documented in README as an addition to seed 001.
    ("get", "/api/analytics/webhooks/"),
    ("post", "/api/analytics/webhooks/"),
    ("get", "/api/analytics/webhooks/{id}/"),
    ("delete", "/api/analytics/webhooks/{id}/"),
    ("get", "/api/analytics/webhooks/{id}/deliveries/"),
}


async def openapi(client: httpx.AsyncClient) -> dict[str, Any]:
    response = await client.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    return response.json()


def answer_schema(document: dict[str, Any], method: str, path: str, status: int) -> Any:
    responses = document["paths"][path][method]["responses"]
    schema = responses[str(status)]["content"]["application/json"]["schema"]
    # Error envelopes are references: resolve them against the document's components.
    return {**schema, "components": document["components"]}


async def test_document_validates_and_needs_no_credential(client):
    document = await openapi(client)
    validate(document)  # raises on anything OpenAPI 3.1 does not allow
    assert document["openapi"] == "3.1.0"
    assert set(document["components"]["securitySchemes"]) == {"bearer", "apiKey", "cookie"}
    assert document["components"]["securitySchemes"]["apiKey"] == {
        "type": "apiKey",
        "in": "header",
        "name": "X-API-Key",
    }


async def test_every_inventory_row_of_the_built_families_is_in_the_document(client):
    document = await openapi(client)
    families = {family.name for family in FAMILIES}
    # A served family's paths still being built (PENDING) are not routed yet.
    # The WebSocket is no HTTP operation: OpenAPI has no way to describe it.
    built = [
        r
        for r in inventory()
        if r["family"] in families
        and r["method"] != "WS"
        and f"{r['method']} {r['path']}" not in PENDING
    ]
    expected = {(r["method"].lower(), r["path"].split("?")[0]): r["success"] for r in built}
    documented = {(m, p) for p, item in document["paths"].items() for m in item}
    # The 59 HTTP paths of the five seeds, less those still pending.
    assert len(expected) == 59 - len([p for p in PENDING if not p.startswith("WS ")])
    assert documented == set(expected) | NOT_IN_THE_SEEDS
    for (method, path), status in expected.items():
        assert status in document["paths"][path][method]["responses"], (method, path)


async def test_parameters_come_from_the_row_models(client):
    document = await openapi(client)
    dora = document["paths"][DORA]["get"]
    assert [(p["name"], p["in"], p["required"]) for p in dora["parameters"]] == [
        ("days", "query", False),
        ("componentId", "query", False),
        ("environmentId", "query", False),
    ]
    assert dora["parameters"][0]["schema"] == {
        "type": "integer",
        "minimum": 1,
        "maximum": 3650,
        "default": 30,
    }
    assert dora["parameters"][1]["schema"] == {"type": "string", "format": "uuid"}
    export = document["paths"]["/api/v1/analytics/export"]["get"]
    assert export["parameters"][1]["schema"] == {
        "type": "string",
        "enum": ["catalog", "dora", "usage"],
    }
    assert list(export["responses"]["200"]["content"]) == ["text/csv"]
    person = document["paths"]["/api/v1/analytics/bus-factor/person/{user_id}"]["get"]
    assert person["parameters"][0]["in"] == "path"
    assert "404" in person["responses"]
    check = document["paths"]["/api/v1/analytics/staleness/check"]["post"]
    assert check["parameters"] == []
    body = check["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["days"]["type"] == "integer"
    assert body["properties"]["days"]["default"] == 30


async def test_response_schemas_follow_the_selection_and_the_schema(client):
    document = await openapi(client)
    schema = document["paths"][DORA]["get"]["responses"]["200"]["content"]["application/json"]
    frequency = schema["schema"]["properties"]["deploymentFrequency"]
    assert frequency == {
        "type": "object",
        "properties": {
            "deploymentsPerDay": {"type": "number"},
            "total": {"type": "integer"},
            "periodDays": {"type": "integer"},
        },
        "required": ["deploymentsPerDay", "total", "periodDays"],
        "additionalProperties": False,
    }
    # Aliases are the property names; fragments are expanded; nullable fields say so.
    person = document["paths"]["/api/v1/analytics/bus-factor/person/{user_id}"]["get"]
    answer = person["responses"]["200"]["content"]["application/json"]["schema"]
    assert answer["properties"]["user_id"] == {"type": "string", "format": "uuid"}
    assert answer["properties"]["department_id"] == {"type": ["string", "null"], "format": "uuid"}
    assert "userId" not in answer["properties"]


async def test_real_dora_answer_and_error_match_their_schemas(client, factory):
    # given an organisation with a deployment
    org = await factory.org()
    user = await factory.user(org)
    component = await factory.component(org, "billing")
    prod = await factory.environment(org, "prod")
    await factory.deployment(component, prod, "SUCCEEDED", started_hours_ago=5, duration_hours=1)
    document = await openapi(client)
    # when
    ok = await client.get(DORA, headers=factory.headers(user))
    refused = await client.get(DORA, params={"days": "0"}, headers=factory.headers(user))
    # then
    assert ok.status_code == 200
    assert ok.json()["deploymentFrequency"]["total"] == 1
    jsonschema.validate(ok.json(), answer_schema(document, "get", DORA, 200))
    assert refused.status_code == 400
    jsonschema.validate(refused.json(), answer_schema(document, "get", DORA, 400))
    # a body the generated schema refuses: it is strict enough to fail
    wrong = {**ok.json(), "deploymentFrequency": {"deploymentsPerDay": "1"}}
    try:
        jsonschema.validate(wrong, answer_schema(document, "get", DORA, 200))
    except jsonschema.ValidationError:
        pass
    else:
        raise AssertionError("the schema accepted a wrong answer")


async def test_real_knowledge_answers_match_their_schemas(client, factory):
    acme: Acme = await build_acme(factory)
    document = await openapi(client)
    headers = factory.headers(acme.users["alice"])
    paths = {
        "/api/v1/analytics/bus-factor/": "/api/v1/analytics/bus-factor/",
        "/api/v1/analytics/bus-factor/critical": "/api/v1/analytics/bus-factor/critical",
        "/api/v1/analytics/staleness/?days=45": "/api/v1/analytics/staleness/",
        "/api/v1/analytics/staleness/stats": "/api/v1/analytics/staleness/stats",
        f"/api/v1/analytics/bus-factor/person/{acme.id('alice')}": (
            "/api/v1/analytics/bus-factor/person/{user_id}"
        ),
    }
    for url, path in paths.items():
        response = await client.get(url, headers=headers)
        assert response.status_code == 200, url
        jsonschema.validate(response.json(), answer_schema(document, "get", path, 200))
