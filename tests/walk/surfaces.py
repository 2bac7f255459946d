"""Every call the app answers, built from its own surfaces rather than listed by hand.

Each root Query and Mutation field of the schema, each object field that carries its own
guard (reached through a root field), and each REST route row of every family becomes one
``Call``: a request with valid arguments, whose id arguments are slots the walk fills with
one organisation's rows or another's. The guards a call must pass are read from the
``Requires`` permissions on the fields its document selects (for a REST route, its stored
operation), so a new family's fields and routes are walked, and judged, with no edit here.

What a type cannot say is declared below (``ID_ALIASES``, ``VALUES``). A field or route
the builder cannot call raises ``Undeclared`` naming what to declare; nothing is skipped.
"""

from __future__ import annotations

import functools
import itertools
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLUnionType,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    is_leaf_type,
    parse,
    visit,
)
from graphql.pyutils import Undefined
from strawberry.permission import PermissionExtension
from strawberry.types.field import StrawberryField

from gateway.auth import Principal
from gateway.permissions import Requires
from rest_compat.params import locations
from rest_compat.routing import RestRoute

# An id argument whose name is not its row's type: ``authorIds`` are users.
ID_ALIASES: dict[str, str] = {
    "author": "User",
    "dept": "Department",
    "owner": "User",
    "rollup": "McpRollup",
    "session": "McpSession",
    # Root fields and routes whose `id` names the NHI they answer about.
    "NhiRiskAssessment": "Nhi",
    "NhiRiskHistory": "Nhi",
    "GET /v1/analytics/nhi-risk-assessment/{id}": "Nhi",
    "GET /v1/analytics/nhi-risk-assessment/{id}/history": "Nhi",
    "POST /v1/analytics/nhi-anomalies/{id}/ack": "NhiAnomaly",
    "anomaly": "NhiAnomaly",
    "metric": "KpiMetric",
    "MetricMeasurements": "KpiMetric",
    "GET /api/analytics/kpi-metrics/{id}/": "KpiMetric",
    "PATCH /api/analytics/kpi-metrics/{id}/": "KpiMetric",
    "DELETE /api/analytics/kpi-metrics/{id}/": "KpiMetric",
    "GET /api/analytics/kpi-metrics/{id}/measurements/": "KpiMetric",
    "model": "PredictiveModel",
    "ModelPerformance": "PredictiveModel",
    "TrainingRequest": "PredictiveModel",
    "AcknowledgeAnomaly": "AnomalyDetection",
    "ResolveAnomaly": "AnomalyDetection",
    "AcknowledgeInsight": "PredictiveInsight",
    "POST /api/analytics/predictive-models/{id}/train/": "PredictiveModel",
    "GET /api/analytics/predictive-models/{id}/performance/": "PredictiveModel",
    "POST /api/analytics/anomaly-detections/{id}/acknowledge/": "AnomalyDetection",
    "POST /api/analytics/anomaly-detections/{id}/resolve/": "AnomalyDetection",
    "POST /api/analytics/predictive-insights/{id}/acknowledge/": "PredictiveInsight",
    "GET /api/analytics/dashboard/{id}/data/": "DashboardConfiguration",
    "endpoint": "WebhookEndpoint",
    "GET /api/analytics/webhooks/{id}/": "WebhookEndpoint",
    "DELETE /api/analytics/webhooks/{id}/": "WebhookEndpoint",
    "GET /api/analytics/webhooks/{id}/deliveries/": "WebhookEndpoint",
}
# Values an argument must take where its type allows ones the field refuses, by
# ``Type.field.argument`` (GraphQL, input fields as ``….input.field``) or ``METHOD path name``.
VALUES: dict[str, Any] = {
    # A deployment can only finish in a final status.
    "Mutation.finishDeployment.status": "SUCCEEDED",
    # A rollup's window must end after it starts.
    "Mutation.requestMcpRollup.to": "2026-01-02T00:00:00+00:00",
    "POST /v1/mcp/analytics/rollup from": "2026-01-01T00:00:00Z",
    "POST /v1/mcp/analytics/rollup to": "2026-01-02T00:00:00Z",
    # A KPI metric's type is one of the seed's.
    "Mutation.createKpiMetric.input.metricType": "MTTA",
    "POST /api/analytics/kpi-metrics/ metric_type": "MTTA",
    # The incident family's choices and amounts.
    "Mutation.createIncident.input.severity": "HIGH",
    "Mutation.createIncident.input.priority": "P2",
    "Mutation.createCostAnalysis.input.costType": "DOWNTIME",
    "Mutation.createCostAnalysis.input.costAmount": "125.50",
    # A predictive model's type, algorithm, target and features fit one another.
    "Mutation.createPredictiveModel.input.modelType": "SEVERITY_PREDICTION",
    "Mutation.createPredictiveModel.input.algorithmType": "RANDOM_FOREST",
    "Mutation.createPredictiveModel.input.targetColumn": "severity",
    "Mutation.createPredictiveModel.input.featureColumns": "title_length",
    "POST /api/analytics/predictive-models/ model_type": "SEVERITY_PREDICTION",
    "POST /api/analytics/predictive-models/ algorithm_type": "RANDOM_FOREST",
    "POST /api/analytics/predictive-models/ target_column": "severity",
    "POST /api/analytics/predictive-models/ feature_columns": ["title_length"],
    "POST /api/analytics/predictive-models/ model_config": {},
    "Mutation.resolveAnomaly.resolution": "RESOLVED",
    "POST /api/analytics/anomaly-detections/{id}/resolve/ resolution": "RESOLVED",
    "Mutation.createDashboardConfiguration.input.dashboardType": "EXECUTIVE",
    "Mutation.createDashboardConfiguration.input.allowedRoles": "manager",
    "POST /api/analytics/dashboard-configurations/ dashboard_type": "EXECUTIVE",
    "POST /api/analytics/dashboard-configurations/ allowed_roles": ["manager"],
    "POST /api/analytics/dashboard-configurations/ layout_config": {"rows": 2, "columns": 2},
    "POST /api/analytics/dashboard-configurations/ widget_configs": [],
    # Detection over a day.
    "Mutation.detectAnomalies.timeWindowHours": 24,
    # A webhook endpoint's URL is http(s) and its events the four of issue 11.
    "Mutation.createWebhookEndpoint.input.url": "https://hooks.example.com/walk",
    "Mutation.createWebhookEndpoint.input.events": "kpi.threshold_breached",
    "POST /api/analytics/webhooks/ url": "https://hooks.example.com/walk",
    "POST /api/analytics/webhooks/ events": ["kpi.threshold_breached"],
    # The agent console's choices.
    "Query.agentActions.minRisk": "high",
    "Query.agentActions.status": "pending",
    "Mutation.recordAgentAction.input.riskLevel": "high",
    "Mutation.recordAgentAction.input.status": "pending",
    "Mutation.reviewAgentAction.decision": "approve",
}
# How deep a root field's answer is selected: deep enough for the lists inside analytics
# answers (who, which department) to show what they hold.
DEPTH = 3


class Undeclared(Exception):
    """The builder cannot make a valid call; the message says what to declare."""


@dataclass(frozen=True)
class Slot:
    """An id the walk fills: where it goes, the type of row it names, whether required."""

    where: str
    kind: str
    required: bool


class Fresh:
    """A text no row has yet (a name, a title): unique per request."""


@dataclass(frozen=True)
class Call:
    label: str  # "Query.components", "GET /api/v1/analytics/dora"
    document: str  # the GraphQL it runs: its fields' guards are the call's
    slots: tuple[Slot, ...]
    writes: bool
    # GraphQL variables, or a REST route's {"path"|"query"|"body": {name: value}}, with
    # Slots and Fresh in place of ids and new text.
    template: Any
    route: RestRoute | None = None
    root: str | None = None  # the GraphQL root field, whose value is the answer's data

    def guards(self, schema: GraphQLSchema) -> tuple[Requires, ...]:
        return document_guards(schema, self.document)


# --- guards -------------------------------------------------------------------------


def field_guards(field: GraphQLField) -> list[Requires]:
    definition = (field.extensions or {}).get("strawberry-definition")
    if not isinstance(definition, StrawberryField):
        return []
    return [
        guard
        for extension in definition.extensions
        if isinstance(extension, PermissionExtension)
        for guard in extension.permissions
        if isinstance(guard, Requires)
    ]


# The walks ask again for each role and scope set (thousands of times): a document's
# guards are worked out once.
@functools.cache
def document_guards(schema: GraphQLSchema, document: str) -> tuple[Requires, ...]:
    """Every guard on a field the document selects, outermost first."""
    found: list[Requires] = []
    info = TypeInfo(schema)

    class Collect(Visitor):
        def enter_field(self, *_: Any) -> None:
            field = info.get_field_def()
            if field is not None:
                found.extend(field_guards(field))

    visit(parse(document), TypeInfoVisitor(info, Collect()))
    return tuple(found)


def refusal(guards: Sequence[Requires], caller: Principal) -> str | None:
    """The code the first guard the caller fails answers with (checked as the context
    does: plan, then role, then scope), or None if every guard lets them through."""
    for guard in guards:
        if guard.plan and not caller.plan_at_least(guard.plan):
            return "PLAN_UPGRADE_REQUIRED"
        if guard.role and not caller.role_at_least(guard.role):
            return "INSUFFICIENT_ROLE"
        if guard.scope and not caller.has_scope(guard.scope):
            return "INSUFFICIENT_SCOPE"
    return None


# --- values -------------------------------------------------------------------------


def id_kind(name: str, owner: str, kinds: set[str], fallback: list[str]) -> str:
    """The type of row an id-named argument points at, or Undeclared."""
    if name == "id":
        candidates = [ID_ALIASES.get(kind, kind) for kind in fallback]
    else:
        base = re.sub(r"(_id|Id|Ids|_ids)$", "", name)
        base = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), base)
        candidates = [ID_ALIASES.get(base, base[:1].upper() + base[1:])]
    for candidate in candidates:
        if candidate in kinds:
            return candidate
    raise Undeclared(
        f"{owner}: cannot tell which row the id argument {name!r} names (tried "
        f"{', '.join(candidates)}); declare it in ID_ALIASES in tests/walk/surfaces.py, and "
        "give the walk's dataset (tests/walk/dataset.py) a row of that type"
    )


def is_id_name(name: str) -> bool:
    return name == "id" or bool(re.search(r"(_id|Id|Ids|_ids)$", name))


class Builder:
    """Builds valid GraphQL arguments for one field, collecting its id slots."""

    def __init__(self, label: str, kinds: set[str], fallback: list[str]) -> None:
        self.label, self.kinds, self.fallback = label, kinds, fallback
        self.slots: list[Slot] = []

    def value(self, type_: GraphQLInputType, where: str, name: str, required: bool) -> Any:
        """A valid value; ``Undefined`` to leave an optional one out."""
        if isinstance(type_, GraphQLNonNull):
            return self.value(type_.of_type, where, name, required)
        if isinstance(type_, GraphQLList):
            item = self.value(type_.of_type, where, name, required)
            return Undefined if item is Undefined else [item]
        if where in VALUES:
            return VALUES[where]
        if type_.name == "UUID" or (type_.name == "ID" and is_id_name(name)):
            if not is_id_name(name):
                if not required:
                    return Undefined
                raise Undeclared(
                    f"{where}: a required UUID not named like an id; declare "
                    "its value in VALUES in tests/walk/surfaces.py"
                )
            slot = Slot(where, id_kind(name, where, self.kinds, self.fallback), required)
            self.slots.append(slot)
            return slot
        if isinstance(type_, GraphQLInputObjectType):
            given = {
                field_name: self.value(
                    field.type,
                    f"{where}.{field_name}",
                    field_name,
                    isinstance(field.type, GraphQLNonNull) and field.default_value is Undefined,
                )
                for field_name, field in type_.fields.items()
            }
            given = {k: v for k, v in given.items() if v is not Undefined}
            return given if given or required else Undefined
        if not required:
            return Undefined
        if isinstance(type_, GraphQLEnumType):
            return next(iter(type_.values))
        simple: dict[str, Any] = {
            "String": Fresh(),
            "Int": 1,
            "Float": 1.0,
            "Boolean": False,
            "DateTime": datetime(2026, 1, 1, tzinfo=UTC).isoformat(),
            "JSON": {},
        }
        if type_.name in simple:
            return simple[type_.name]
        raise Undeclared(
            f"{where}: no value for the scalar {type_.name}; declare one in VALUES "
            "in tests/walk/surfaces.py"
        )


# --- GraphQL --------------------------------------------------------------------------


def _callable(field: GraphQLField) -> bool:
    """Selectable without arguments of our own choosing."""
    return all(
        not (isinstance(a.type, GraphQLNonNull) and a.default_value is Undefined)
        for a in field.args.values()
    )


def selection(type_: Any, depth: int = 0) -> str:
    """Every field without required arguments or guards of its own, ``DEPTH`` levels
    deep; a connection by its ``nodes`` (its ``edges`` hold the same)."""
    named = get_named_type(type_)
    if is_leaf_type(named):
        return ""
    if isinstance(named, GraphQLUnionType):
        # Each member's fields, by an inline fragment on it.
        members = [(member.name, selection(member, depth)) for member in named.types]
        return "{ " + " ".join(f"... on {name} {inner}" for name, inner in members if inner) + " }"
    assert isinstance(named, GraphQLObjectType)
    parts: list[str] = []
    for name, field in named.fields.items():
        if (
            not _callable(field)
            or field_guards(field)
            or (name == "edges" and "nodes" in named.fields)
        ):
            continue
        if is_leaf_type(get_named_type(field.type)):
            parts.append(name)
        elif depth < DEPTH:
            inner = selection(field.type, depth + 1)
            if inner:
                parts.append(f"{name} {inner}")
    return "{ " + " ".join(parts) + " }" if parts else ""


def _root_call(operation: str, name: str, field: GraphQLField, kinds: set[str], body: str) -> Call:
    label = f"{operation.title()}.{name}"
    fallback = [get_named_type(field.type).name, re.sub(r"^[a-z]+", "", name)]
    builder = Builder(label, kinds, fallback)
    variables: dict[str, Any] = {}
    for arg_name, arg in field.args.items():
        required = isinstance(arg.type, GraphQLNonNull) and arg.default_value is Undefined
        value = builder.value(arg.type, f"{label}.{arg_name}", arg_name, required)
        if value is not Undefined:
            variables[arg_name] = value
    declared = ", ".join(f"${a}: {field.args[a].type}" for a in variables)
    passed = ", ".join(f"{a}: ${a}" for a in variables)
    document = (
        f"{operation}{f'({declared})' if declared else ''} "
        f"{{ {name}{f'({passed})' if passed else ''} {body} }}"
    )
    return Call(
        label, document, tuple(builder.slots), operation == "mutation", variables, root=name
    )


def _paths_to(schema: GraphQLSchema, target: GraphQLObjectType) -> Iterator[tuple[str, list[str]]]:
    """Root query fields, and the object fields below them, that lead to ``target``."""
    query = schema.query_type
    assert query is not None
    queue: list[tuple[str, GraphQLObjectType, list[str]]] = [
        (name, named, [])
        for name, field in sorted(query.fields.items())
        if isinstance(named := get_named_type(field.type), GraphQLObjectType)
    ]
    while queue:
        root, type_, path = queue.pop(0)
        if type_ is target:
            yield root, path
        if len(path) >= DEPTH:
            continue
        for name, field in type_.fields.items():
            inner = get_named_type(field.type)
            if (
                isinstance(inner, GraphQLObjectType)
                and _callable(field)
                and not field_guards(field)
            ):
                queue.append((root, inner, [*path, name]))


def graphql_calls(schema: GraphQLSchema, kinds: set[str]) -> list[Call]:
    """A call per root field, and one per guarded field below the root."""
    calls: list[Call] = []
    roots = (("query", schema.query_type), ("mutation", schema.mutation_type))
    for operation, root in roots:
        for name, field in sorted((root.fields if root else {}).items()):
            calls.append(_root_call(operation, name, field, kinds, selection(field.type)))
    for type_name, type_ in sorted(schema.type_map.items()):
        # Subscriptions run over a WebSocket, which this walk does not speak; their
        # guards are tested with the streams (tests/agents/test_subscriptions.py).
        roots_and_streams = (schema.query_type, schema.mutation_type, schema.subscription_type)
        if type_ in roots_and_streams or type_name.startswith("__"):
            continue
        if not isinstance(type_, GraphQLObjectType):
            continue
        for name, field in type_.fields.items():
            if not field_guards(field):
                continue
            found = next(_paths_to(schema, type_), None)
            if found is None:
                raise Undeclared(
                    f"{type_name}.{name} has a guard, but no root query field "
                    f"leads to {type_name} within {DEPTH} levels"
                )
            if not _callable(field):
                raise Undeclared(f"{type_name}.{name}: give its required arguments defaults")
            root, path = found
            inner = selection(type_)[:-1] + f"{name} {selection(field.type)} }}"
            for step in reversed(path):
                inner = f"{{ {step} {inner} }}"
            call = _root_call("query", root, schema.query_type.fields[root], kinds, inner)  # type: ignore[union-attr]
            calls.append(
                Call(
                    f"{type_name}.{name}",
                    call.document,
                    call.slots,
                    False,
                    call.template,
                    root=call.root,
                )
            )
    return calls


# --- REST -----------------------------------------------------------------------------


def rest_call(route: RestRoute, kinds: set[str]) -> Call:
    label = f"{route.method} {route.path}"
    schema = route.params.model_json_schema()
    properties = schema.get("properties", {})
    slots: list[Slot] = []
    params: dict[str, dict[str, Any]] = {"path": {}, "query": {}, "body": {}}
    # Fields by the name they are read under (``from`` is ``from_``'s alias).
    fields = {f.alias or n: f for n, f in route.params.model_fields.items()}
    for name, where in locations(route.params).items():
        field = fields[name]
        required = field.is_required()
        prop = properties.get(name, {})
        options = [o for o in prop.get("anyOf", [prop]) if o.get("type") != "null"]
        prop = options[0] if options else prop
        key = f"{label} {name}"
        value: Any
        if key in VALUES:
            value = VALUES[key]
        elif prop.get("format") == "uuid":
            if not is_id_name(name):
                raise Undeclared(f"{key}: a UUID not named like an id; declare its value in VALUES")
            value = Slot(key, id_kind(name, key, kinds, [label]), required or where.where == "path")
            slots.append(value)
        elif not required:
            continue
        elif "enum" in prop:
            value = prop["enum"][0]
        elif prop.get("type") == "integer":
            value = prop.get("minimum", 1)
        elif prop.get("type") == "string":
            value = Fresh()
        else:
            raise Undeclared(
                f"{key}: no value for {prop or field.annotation}; declare one in VALUES"
            )
        params[where.where][name] = value
    return Call(label, route.document, tuple(slots), route.method != "GET", params, route=route)


def every_call(schema: GraphQLSchema, routes: list[RestRoute], kinds: set[str]) -> list[Call]:
    return [*graphql_calls(schema, kinds), *(rest_call(route, kinds) for route in routes)]


# --- filling a call in -----------------------------------------------------------------

_fresh = itertools.count()


def fill(template: Any, ids: Callable[[Slot], str]) -> Any:
    """The template with its slots' ids and new text for each ``Fresh``."""
    if isinstance(template, Slot):
        return ids(template)
    if isinstance(template, Fresh):
        return f"walk-{next(_fresh)}"
    if isinstance(template, list):
        return [fill(item, ids) for item in template]
    if isinstance(template, tuple):
        return tuple(fill(item, ids) for item in template)
    if isinstance(template, Mapping):
        return {k: fill(v, ids) for k, v in template.items()}
    return template
