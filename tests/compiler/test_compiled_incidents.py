"""The selection compiler on the incidents family's stored lists (``{totalCount, results}``
pages by first/offset): each answers exactly what the resolver path answers (values, key
order, errors), in one statement, the other organisation's rows never; a selection of a
field left to the resolvers goes to the resolver path whole."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.compiler.answers import both, one_statement, post, resolved_whole, variables_for
from tests.factories import one_transaction

MOMENT = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
MINUTE = timedelta(minutes=1)


@pytest.fixture
@one_transaction
async def incidents(factory: Any) -> dict[str, Any]:
    """Two organisations. Acme's predictive models, created a minute apart:

    | name              | type                       | status | trained            |
    |-------------------|----------------------------|--------|--------------------|
    | Severity predictor| SEVERITY_PREDICTION        | ACTIVE | MOMENT, v3, 0.91   |
    | Cost model        | COST_PREDICTION            | ERROR  | never (an error)   |
    | Café ü forecaster | INCIDENT_PREDICTION        | INACTIVE | never            |

    Newest first: Café ü forecaster, Cost model, Severity predictor. Other: one model,
    "Secret model"."""
    factory.now = MOMENT
    acme = await factory.org("Acme")
    user = await factory.user(acme)
    severity = await factory.predictive_model(
        acme,
        description="Learns severity from the service",
        hyperparameters={"n_estimators": 50, "max_depth": 4.0},
        status="ACTIVE",
        version=3,
        accuracy_score=0.91,
        f1_score=0.875,
        last_trained_at=MOMENT + timedelta(microseconds=250000),
        training_duration_seconds=12,
        training_samples_count=150,
        model_file_path="models/severity-3.joblib",
        auto_retrain_enabled=True,
    )
    factory.now = MOMENT + MINUTE
    cost = await factory.predictive_model(
        acme,
        "COST_PREDICTION",
        "XGBOOST",
        name="Cost model",
        feature_columns=[],
        target_column="cost_amount",
        status="ERROR",
        error_message="too few samples",
    )
    factory.now = MOMENT + 2 * MINUTE
    cafe = await factory.predictive_model(
        acme, "INCIDENT_PREDICTION", "ARIMA", name="Café ü forecaster", target_column=""
    )
    other = await factory.org("Other")
    await factory.user(other, "omar")
    hidden = await factory.predictive_model(other, name="Secret model", description="secret")
    return {"user": user, "severity": severity, "cost": cost, "cafe": cafe, "hidden": hidden}


# --- predictiveModels ------------------------------------------------------------------

MODEL_FIELDS = (
    "id name description modelType algorithmType modelConfig featureColumns targetColumn "
    "trainingDataPeriodDays minTrainingSamples status modelFilePath lastTrainedAt "
    "trainingDurationSeconds trainingSamplesCount autoRetrainEnabled retrainFrequencyDays "
    "errorMessage createdBy createdAt updatedAt __typename"
)

MODELS_PAGE = f"""
query($first: Int!, $offset: Int!) {{
  predictiveModels(first: $first, offset: $offset) {{
    __typename totalCount results {{ {MODEL_FIELDS} }}
  }}
}}
"""


async def test_a_fully_compiled_models_page_is_one_statement(
    client, resolver_client, factory, incidents, statements
):
    headers = factory.headers(incidents["user"])
    query = "{ predictiveModels { totalCount results { name status } } }"
    await one_statement(client, headers, statements, query, "predictive_models")
    statements.statements.clear()
    await post(resolver_client, headers, query)
    # the resolver path: the caller, the count, the page
    assert len(statements.statements) == 3, statements.statements
    await both(client, resolver_client, headers, query)


async def test_models_pages_answer_alike(client, resolver_client, factory, incidents):
    headers = factory.headers(incidents["user"])
    body = await both(client, resolver_client, headers, MODELS_PAGE, {"first": 2, "offset": 0})
    page = body["data"]["predictiveModels"]
    assert page["__typename"] == "PredictiveModelOffsetPage"
    assert page["totalCount"] == 3
    assert [m["name"] for m in page["results"]] == ["Café ü forecaster", "Cost model"]
    cost = page["results"][1]
    assert cost["status"] == "ERROR" and cost["errorMessage"] == "too few samples"
    assert cost["featureColumns"] == [] and cost["modelConfig"] == {}
    assert cost["createdAt"] == "2026-11-02T12:01:00+00:00"
    assert cost["lastTrainedAt"] is None and cost["createdBy"] is None
    rest = await both(client, resolver_client, headers, MODELS_PAGE, {"first": 2, "offset": 2})
    last = rest["data"]["predictiveModels"]
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
    past = await both(client, resolver_client, headers, MODELS_PAGE, {"first": 2, "offset": 5})
    assert past["data"]["predictiveModels"] == {
        "__typename": "PredictiveModelOffsetPage",
        "totalCount": 3,
        "results": [],
    }


# Left to the resolvers: floats (nullable scores too: a fallback could not read them),
# version (text of the stored integer), performanceHistory (batched).
MODELS_RESOLVED = [
    "{ predictiveModels { results { name accuracyScore f1Score } } }",
    "{ predictiveModels { results { name precisionScore recallScore } } }",
    "{ predictiveModels { results { name performanceThreshold } } }",
    "{ predictiveModels { results { name version } } }",
    "{ predictiveModels { results { name performanceHistory { id } } } }",
]


@pytest.mark.parametrize("query", MODELS_RESOLVED)
async def test_a_model_field_left_to_the_resolvers_sends_the_root_there(
    client, resolver_client, factory, incidents, statements, query
):
    headers = factory.headers(incidents["user"])
    body = await resolved_whole(client, resolver_client, headers, statements, query)
    models = {m["name"]: m for m in body["data"]["predictiveModels"]["results"]}
    if "f1Score" in query:
        assert models["Severity predictor"]["accuracyScore"] == 0.91
        assert models["Severity predictor"]["f1Score"] == 0.875
        assert models["Cost model"]["f1Score"] is None
    if "version" in query:
        assert models["Severity predictor"]["version"] == "3"
        assert models["Cost model"]["version"] == "0"


MODELS_ERRORS = [
    "{ predictiveModels(first: 0) { totalCount } }",
    "{ predictiveModels(first: 101) { totalCount } }",
    "{ predictiveModels(offset: -1) { totalCount } }",
    '{ predictiveModels(modelType: "NOPE") { totalCount } }',
    '{ predictiveModels(status: "NOPE", first: 0) { totalCount } }',
    '{ predictiveModels(modelType: "NOPE", status: "NOPE") { results { name } } }',
]

MODELS_CORPUS = [
    f"{{ predictiveModels(first: 100) {{ totalCount results {{ {MODEL_FIELDS} }} }} }}",
    '{ predictiveModels(status: "ACTIVE") { totalCount results { name status } } }',
    '{ predictiveModels(modelType: "COST_PREDICTION") { results { name modelType } } }',
    '{ predictiveModels(search: "CAFÉ") { totalCount results { name } } }',
    '{ predictiveModels(search: "severity") { totalCount results { name description } } }',
    '{ predictiveModels(search: "%") { totalCount results { name } } }',
    '{ predictiveModels(ordering: "name") { results { name } } }',
    '{ predictiveModels(ordering: "-status,nonsense", first: 2, offset: 1) { results { name } } }',
    '{ predictiveModels(ordering: "accuracy_score,-created_at") { results { name } } }',
    "{ a: predictiveModels(first: 1) { n: totalCount r: results { x: name } } "
    "b: predictiveModels(offset: 1) { results { id } } }",
    "query($skip: Boolean!) { predictiveModels { results { name description @skip(if: $skip) "
    "createdAt @include(if: $skip) } totalCount @include(if: $skip) } }",
    "fragment M on PredictiveModel { name ...N } fragment N on PredictiveModel { status } "
    "{ predictiveModels { results { ...M ... on PredictiveModel { modelConfig } } } }",
]


@pytest.mark.parametrize("query", MODELS_ERRORS)
async def test_model_errors_are_the_resolvers_errors(
    client, resolver_client, factory, incidents, query
):
    headers = factory.headers(incidents["user"])
    body = await both(client, resolver_client, headers, query)
    assert body["errors"]


@pytest.mark.parametrize("query", MODELS_CORPUS)
async def test_the_models_corpus_answers_alike(client, resolver_client, factory, incidents, query):
    headers = factory.headers(incidents["user"])
    body = await both(client, resolver_client, headers, query, variables_for(query))
    assert "errors" not in body, body
    assert "Secret" not in str(body)


async def test_the_models_filters_and_orders_hold(client, resolver_client, factory, incidents):
    headers = factory.headers(incidents["user"])
    for query, names in [
        ('{ predictiveModels(search: "CAFÉ") { results { name } } }', ["Café ü forecaster"]),
        ('{ predictiveModels(status: "ACTIVE") { results { name } } }', ["Severity predictor"]),
        (
            '{ predictiveModels(ordering: "name") { results { name } } }',
            ["Café ü forecaster", "Cost model", "Severity predictor"],
        ),
    ]:
        body = await both(client, resolver_client, headers, query)
        assert [m["name"] for m in body["data"]["predictiveModels"]["results"]] == names


async def test_another_organisations_models_never_come_through_the_compiled_path(
    client, factory, incidents
):
    headers = factory.headers(incidents["user"])
    hidden = str(incidents["hidden"]["id"])
    query = f"{{ predictiveModels(first: 100) {{ totalCount results {{ {MODEL_FIELDS} }} }} }}"
    answer = await post(client, headers, query)
    assert "Secret" not in answer.text and hidden not in answer.text, answer.text
    assert answer.json()["data"]["predictiveModels"]["totalCount"] == 3
