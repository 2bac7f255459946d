"""The selection compiler on the incidents family's stored lists (``{totalCount, results}``
pages by first/offset): each answers exactly what the resolver path answers (values, key
order, errors), in one statement, the other organisation's rows never; a selection of a
field left to the resolvers goes to the resolver path whole."""

from __future__ import annotations

from typing import Any

import pytest

from tests.compiler.answers import both, one_statement, post, resolved_whole, variables_for
from tests.compiler.incidents_data import (
    ANOMALY_FIELDS,
    DASHBOARD_FIELDS,
    EVERYTHING,
    HEATMAP,
    INSIGHT_FIELDS,
    LATER,
    MODEL_FIELDS,
    RELATED,
    costs,
    dashboards,
    endpoints,
    metrics,
    models,
    predictions,
)
from tests.compiler.incidents_queries import CORPUS, ERRORS, FILTERED, RESOLVED
from tests.factories import one_transaction


@pytest.fixture
@one_transaction
async def incidents(factory: Any) -> dict[str, Any]:
    """Two organisations: Acme's rows (tests/compiler/incidents_data.py), and Other's,
    each named or described "Secret"."""
    acme = await factory.org("Acme")
    user = await factory.user(acme)
    made = await models(factory, acme)
    made |= await predictions(factory, acme, user, made["severity"])
    made |= await dashboards(factory, acme, user)
    made |= await endpoints(factory, acme, user)
    made |= await metrics(factory, acme, user)
    made |= await costs(factory, acme, user)
    other = await factory.org("Other")
    await factory.user(other, "omar")
    hidden = await factory.predictive_model(other, name="Secret model", description="secret")
    await factory.anomaly_detection(other, description="Secret anomaly")
    await factory.insight(other, title="Secret insight", valid_until=LATER)
    await factory.dashboard(other, name="Secret dashboard", is_public=True)
    await factory.webhook_endpoint(other, "https://secret.example.com/x", secret="Secret")
    await factory.kpi_metric(other, name="Secret metric")
    await factory.cost(await factory.incident(other), business_unit="Secret unit")
    return {"user": user, "hidden": hidden, **made}


async def paged(
    clients: tuple[Any, Any],
    headers: dict[str, str],
    root: str,
    fields: str,
    window: tuple[int, int],
    arguments: str = "",
) -> Any:
    """One page of ``root`` (``window``: first, offset), after asserting both paths
    answer it alike."""
    query = (
        f"query($first: Int!, $offset: Int!) {{ {root}(first: $first, offset: $offset"
        f"{arguments}) {{ __typename totalCount results {{ {fields} }} }} }}"
    )
    first, offset = window
    body = await both(*clients, headers, query, {"first": first, "offset": offset})
    return body["data"][root]


# A root's table, and a selection of it that compiles whole: every declared field.
ONE_STATEMENT = {
    "predictiveModels": "predictive_models",
    "anomalyDetections": "anomaly_detections",
    "predictiveInsights": "predictive_insights",
    # an admin: open_to reads no department for them
    "dashboardConfigurations": "dashboard_configurations",
    "webhookEndpoints": "webhook_endpoints",
    "kpiMetrics": "kpi_metrics",
    "costAnalyses": "cost_analyses",
}


@pytest.mark.parametrize(("root", "table"), ONE_STATEMENT.items())
async def test_a_fully_compiled_page_is_one_statement(
    client, resolver_client, factory, incidents, statements, root, table
):
    viewer = incidents["ada" if root == "dashboardConfigurations" else "user"]
    headers = factory.headers(viewer)
    query = f"{{ {root} {{ totalCount results {{ {EVERYTHING[root]} }} }} }}"
    await one_statement(client, headers, statements, query, table)
    # the endpoints' secret is not read (the resolver's statement leaves it out too)
    assert "secret" not in statements.statements[1]
    statements.statements.clear()
    await post(resolver_client, headers, query)
    # the resolver path: the caller, the count, the page
    assert len(statements.statements) == 3, statements.statements
    await both(client, resolver_client, headers, query)


async def test_models_pages_answer_alike(client, resolver_client, factory, incidents):
    clients, headers = (client, resolver_client), factory.headers(incidents["user"])
    first = await paged(clients, headers, "predictiveModels", MODEL_FIELDS, (2, 0))
    assert first["__typename"] == "PredictiveModelOffsetPage"
    assert first["totalCount"] == 3
    assert [m["name"] for m in first["results"]] == ["Café ü forecaster", "Cost model"]
    cost = first["results"][1]
    assert cost["status"] == "ERROR" and cost["errorMessage"] == "too few samples"
    assert cost["featureColumns"] == [] and cost["modelConfig"] == {}
    assert cost["createdAt"] == "2026-11-02T12:01:00+00:00"
    assert cost["lastTrainedAt"] is None and cost["createdBy"] is None
    last = await paged(clients, headers, "predictiveModels", MODEL_FIELDS, (2, 2))
    assert last["totalCount"] == 3
    (severity,) = last["results"]
    assert severity == {
        "id": str(incidents["severity"]["id"]),
        "name": "Severity predictor",
        "description": "Learns severity from the service",
        "modelType": "SEVERITY_PREDICTION",
        "algorithmType": "RANDOM_FOREST",
        "modelConfig": {"n_estimators": 50, "max_depth": 4.0},
        "featureColumns": ["title_length", "service"],
        "targetColumn": "severity",
        "trainingDataPeriodDays": 90,
        "minTrainingSamples": 100,
        "status": "ACTIVE",
        "modelFilePath": "models/severity-3.joblib",
        "lastTrainedAt": "2026-11-02T12:00:00.250000+00:00",
        "trainingDurationSeconds": 12,
        "trainingSamplesCount": 150,
        "autoRetrainEnabled": True,
        "retrainFrequencyDays": 30,
        "errorMessage": None,
        "createdBy": None,
        "createdAt": "2026-11-02T12:00:00+00:00",
        "updatedAt": "2026-11-02T12:00:00+00:00",
        "__typename": "PredictiveModel",
    }
    # past the end: the count, no rows
    past = await paged(clients, headers, "predictiveModels", MODEL_FIELDS, (2, 5))
    assert past == {
        "__typename": "PredictiveModelOffsetPage",
        "totalCount": 3,
        "results": [],
    }


async def test_anomaly_pages_answer_alike(client, resolver_client, factory, incidents):
    clients, headers = (client, resolver_client), factory.headers(incidents["user"])
    first = await paged(clients, headers, "anomalyDetections", ANOMALY_FIELDS, (2, 0))
    assert first["totalCount"] == 3
    outage, spike = first["results"]
    assert outage["detectedAt"] == "2026-11-02T11:00:00.500000+00:00"
    assert outage["resolvedAt"] == "2026-11-02T12:00:00+00:00"
    assert outage["resolvedBy"] == str(incidents["user"]["id"])
    assert outage["actionsTaken"] == ["paged", "restarted"] and outage["modelId"] is None
    assert spike == {
        "id": str(incidents["spike"]["id"]),
        "modelId": str(incidents["severity"]["id"]),
        "anomalyType": "STATISTICAL",
        "severity": "HIGH",
        "status": "DETECTED",
        "detectedAt": "2026-11-02T09:00:00+00:00",
        "timeWindowStart": "2026-11-02T08:00:00+00:00",
        "timeWindowEnd": "2026-11-02T09:00:00+00:00",
        "affectedServices": ["db", "web"],
        "affectedMetrics": ["incident_count"],
        "description": "Spike in db incidents",
        "rootCauseAnalysis": "Disk full",
        "impactAssessment": None,
        "actionsTaken": [],
        "acknowledgedAt": None,
        "acknowledgedBy": None,
        "resolvedAt": None,
        "resolvedBy": None,
        "resolutionNotes": None,
        "metadata": {"z": 4.25, "baseline": 3, "window": {"hours": 1}},
        "__typename": "AnomalyDetection",
    }
    rest = await paged(clients, headers, "anomalyDetections", "description", (2, 2))
    assert rest["results"] == [{"description": "Café ü quiet hour"}]


async def test_insight_pages_answer_alike(client, resolver_client, factory, incidents):
    clients, headers = (client, resolver_client), factory.headers(incidents["user"])
    listed = await paged(clients, headers, "predictiveInsights", INSIGHT_FIELDS, (5, 0))
    # the expired one left out
    assert listed["totalCount"] == 2
    risk, forecast = listed["results"]
    assert forecast == {
        "id": str(incidents["forecast"]["id"]),
        "modelId": str(incidents["severity"]["id"]),
        "insightType": "INCIDENT_FORECAST",
        "title": "About 12 incidents expected in the next 7 days",
        "description": "",
        "confidenceLevel": "HIGH",
        "predictedValue": {"total": 12.0, "by_day": [1, 2.5]},
        "validFrom": "2026-11-02T12:00:00+00:00",
        "validUntil": "2099-01-01T00:00:00+00:00",
        "isAcknowledged": True,
        "acknowledgedBy": str(incidents["user"]["id"]),
        "acknowledgedAt": "2026-11-02T12:01:00+00:00",
        "isValidated": False,
        "validatedAt": None,
        "actualValue": None,
        "createdAt": "2026-11-02T12:00:00+00:00",
        "updatedAt": "2026-11-02T12:00:00+00:00",
        "__typename": "PredictiveInsight",
    }
    assert risk["confidenceLevel"] == "MEDIUM" and risk["actualValue"] == {"total": 9}
    assert risk["isValidated"] is True and risk["validatedAt"] == "2026-11-02T12:02:00+00:00"
    every = ", includeExpired: true"
    last = await paged(clients, headers, "predictiveInsights", "insightType", (1, 0), every)
    assert last["totalCount"] == 3
    assert last["results"] == [{"insightType": "SLOW_RESOLUTION"}]


@pytest.mark.parametrize(
    ("viewer", "names"),
    [
        ("user", ["Jane's own", "Team board", "Ops board"]),
        ("ada", ["Sales only", "Jane's own", "Team board", "Ops board", "Executive Dashboard"]),
        ("max", ["Sales only", "Team board", "Ops board"]),
    ],
)
async def test_dashboards_are_those_open_to_the_caller(
    client, resolver_client, factory, incidents, statements, viewer, names
):
    clients, headers = (client, resolver_client), factory.headers(incidents[viewer])
    statements.statements.clear()
    listed = await paged(clients, headers, "dashboardConfigurations", DASHBOARD_FIELDS, (5, 0))
    assert [d["name"] for d in listed["results"]] == names
    assert listed["totalCount"] == len(names)
    if viewer == "user":
        team = listed["results"][1]
        assert team == {
            "id": str(incidents["d3"]["id"]),
            "name": "Team board",
            "description": "Café ü",
            "dashboardType": "TECHNICAL",
            "layoutConfig": {"rows": 4, "columns": 6},
            "widgetConfigs": [HEATMAP],
            "isPublic": False,
            "allowedRoles": ["member"],
            "autoRefreshEnabled": False,
            "refreshIntervalSeconds": 60,
            "isActive": True,
            "createdBy": None,
            "createdAt": "2026-11-02T12:02:00+00:00",
            "updatedAt": "2026-11-02T12:02:00+00:00",
            "__typename": "DashboardConfiguration",
        }
        assert listed["results"][0]["createdBy"] == str(incidents["user"]["id"])
        assert listed["results"][2]["isActive"] is False
        # compiled: the caller, their department (the access rule), one statement
        # (resolved: the caller, the department, the count, the page)
        assert len(statements.statements) == 3 + 4, statements.statements


async def test_endpoint_pages_answer_alike(client, resolver_client, factory, incidents):
    clients, headers = (client, resolver_client), factory.headers(incidents["user"])
    fields = EVERYTHING["webhookEndpoints"]
    listed = await paged(clients, headers, "webhookEndpoints", fields, (2, 1))
    assert listed["totalCount"] == 3
    assert listed["results"] == [
        {
            "id": str(incidents["ops"]["id"]),
            "url": "https://ops.example.org/café",
            "description": "Ops pager",
            "isActive": False,
            "createdBy": str(incidents["user"]["id"]),
            "createdAt": "2026-11-02T12:01:00+00:00",
            "__typename": "WebhookEndpoint",
        },
        {
            "id": str(incidents["hooks"]["id"]),
            "url": "https://hooks.example.com/in",
            "description": None,
            "isActive": True,
            "createdBy": None,
            "createdAt": "2026-11-02T12:00:00+00:00",
            "__typename": "WebhookEndpoint",
        },
    ]


async def test_kpi_metrics_answer_alike_with_their_fallbacks(
    client, resolver_client, factory, incidents, statements
):
    clients, headers = (client, resolver_client), factory.headers(incidents["user"])
    fields = EVERYTHING["kpiMetrics"]
    listed = await paged(clients, headers, "kpiMetrics", fields, (1, 2))
    assert listed["totalCount"] == 3
    assert listed["results"] == [
        {
            "id": str(incidents["mtta"]["id"]),
            "name": "MTTA metric",
            "description": "Time to acknowledge",
            "metricType": "MTTA",
            "aggregationType": "AVERAGE",
            "calculationFormula": None,
            "timeWindowHours": 24,
            "isActive": True,
            "isSystemMetric": False,
            "createdBy": str(incidents["user"]["id"]),
            "createdAt": "2026-11-02T12:00:00+00:00",
            "updatedAt": "2026-11-02T12:00:00+00:00",
            "__typename": "KpiMetric",
        }
    ]
    # nullable fields left to the resolvers, filled after the one statement by their
    # loaders, from the creator and id the compiled row carries
    query = (
        "{ kpiMetrics { results { name createdByUsername "
        "latestMeasurement { value periodEnd } timeWindowHours } } }"
    )
    statements.statements.clear()
    await post(client, headers, query)
    # the page with the caller (seen before: gateway/callers.py), the usernames, the
    # measurements
    assert len(statements.statements) == 3, statements.statements
    assert "json_" in statements.statements[0] and "JOIN organizations" in statements.statements[0]
    body = await both(client, resolver_client, headers, query)
    assert body["data"]["kpiMetrics"]["results"] == [
        {
            "name": "Custom ratio",
            "createdByUsername": None,
            "latestMeasurement": None,
            "timeWindowHours": 24,
        },
        {
            "name": "Café ü MTTR",
            "createdByUsername": None,
            "latestMeasurement": None,
            "timeWindowHours": 168,
        },
        {
            "name": "MTTA metric",
            "createdByUsername": "jane",
            "latestMeasurement": {"value": "14.00", "periodEnd": "2026-11-02T12:00:00+00:00"},
            "timeWindowHours": 24,
        },
    ]


async def test_cost_pages_answer_alike(client, resolver_client, factory, incidents):
    clients, headers = (client, resolver_client), factory.headers(incidents["user"])
    listed = await paged(clients, headers, "costAnalyses", EVERYTHING["costAnalyses"], (1, 1))
    assert listed["totalCount"] == 3
    assert listed["results"] == [
        {
            "id": str(incidents["revenue"]["id"]),
            "incidentId": str(incidents["incident"]["id"]),
            "costType": "LOST_REVENUE",
            "currency": "USD",
            "calculationMethod": None,
            "calculationDetails": {},
            "affectedUsers": 0,
            "businessUnit": None,
            "serviceTier": "gold",
            "isValidated": True,
            "validatedBy": str(incidents["user"]["id"]),
            "validatedAt": "2026-11-02T12:05:00+00:00",
            "validationNotes": "Checked by finance",
            "createdAt": "2026-11-02T12:01:00+00:00",
            "updatedAt": "2026-11-02T12:01:00+00:00",
            "__typename": "CostAnalysis",
        }
    ]
    last = await paged(clients, headers, "costAnalyses", "calculationDetails affectedUsers", (1, 2))
    assert last["results"] == [
        {"calculationDetails": {"rate": 600.2, "hours": 2.5}, "affectedUsers": 120}
    ]


@pytest.mark.parametrize("query", RESOLVED)
async def test_a_field_left_to_the_resolvers_sends_the_root_there(
    client, resolver_client, factory, incidents, statements, query
):
    headers = factory.headers(incidents["user"])
    body = await resolved_whole(client, resolver_client, headers, statements, query)
    (listed,) = body["data"].values()
    # keyed by the first field asked, its name, description or title
    rows = {next(iter(r.values())): r for r in listed["results"]}
    if "f1Score" in query:
        assert rows["Severity predictor"]["accuracyScore"] == 0.91
        assert rows["Severity predictor"]["f1Score"] == 0.875
        assert rows["Cost model"]["f1Score"] is None
    if "version" in query:
        assert rows["Severity predictor"]["version"] == "3"
        assert rows["Cost model"]["version"] == "0"
    if "relatedIncidentIds" in query:
        assert rows["Spike in db incidents"]["relatedIncidentIds"] == [str(RELATED)]
    if "anomalySummary" in query:
        assert [r["data"]["anomalySummary"]["totalAnomalies"] for r in listed["results"]] == [3] * 3
    if "events" in query:
        assert [r["events"] for r in listed["results"]] == [
            ["cost.threshold_exceeded"],
            ["kpi.threshold_breached", "cost.threshold_exceeded"],
            ["kpi.threshold_breached", "cost.threshold_exceeded"],
        ]
    if "targetValue" in query:
        assert rows["MTTA metric"]["targetValue"] == "15.50"
        assert rows["Custom ratio"]["targetValue"] is None
    if "incidentSeverities" in query:
        assert rows["Café ü MTTR"]["incidentSeverities"] == ["HIGH"]
    if "measurementCount" in query:
        assert rows["MTTA metric"]["measurementCount"] == 2
        assert rows["MTTA metric"]["measurements"] == [{"value": "14.00"}]
    if "costAmount" in query:
        assert rows["DOWNTIME"]["costAmount"] == "1500.50"
        assert rows["DOWNTIME"]["downtimeHours"] == "2.50"
        assert rows["LOST_REVENUE"]["revenueImpact"] == "75000.00"
    if "accuracy " in query:
        assert [r["accuracy"] for r in listed["results"]] == [0.75, None]


@pytest.mark.parametrize("query", ERRORS)
async def test_errors_are_the_resolvers_errors(client, resolver_client, factory, incidents, query):
    headers = factory.headers(incidents["user"])
    body = await both(client, resolver_client, headers, query)
    assert body["errors"]


@pytest.mark.parametrize("query", CORPUS)
async def test_the_corpus_answers_alike(client, resolver_client, factory, incidents, query):
    headers = factory.headers(incidents["user"])
    body = await both(client, resolver_client, headers, query, variables_for(query))
    assert "errors" not in body, body
    assert "Secret" not in str(body)


@pytest.mark.parametrize(("query", "expected"), FILTERED)
async def test_the_filters_and_orders_hold(
    client, resolver_client, factory, incidents, query, expected
):
    headers = factory.headers(incidents["user"])
    body = await both(client, resolver_client, headers, query)
    ((listed,),) = [body["data"].values()]
    assert [next(iter(r.values())) for r in listed["results"]] == expected


async def test_another_organisations_rows_never_come_through_the_compiled_path(
    client, factory, incidents
):
    headers = factory.headers(incidents["user"])
    hidden = str(incidents["hidden"]["id"])
    for root, fields in EVERYTHING.items():
        # every row the organisation has: the expired insight too
        every = "first: 100, includeExpired: true" if root == "predictiveInsights" else ""
        query = f"{{ {root}({every or 'first: 100'}) {{ totalCount results {{ {fields} }} }} }}"
        answer = await post(client, headers, query)
        assert "Secret" not in answer.text and hidden not in answer.text, answer.text
        assert answer.json()["data"][root]["totalCount"] == 3
