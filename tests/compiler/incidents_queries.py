"""The queries the incidents compiler tests (tests/compiler/test_compiled_incidents.py)
send through both paths, by what they check."""

from __future__ import annotations

from tests.compiler.incidents_data import EVERYTHING

# Left to the resolvers: floats (nullable ones too: a fallback could not read them),
# values worked out in Python, batched relations.
RESOLVED = [
    "{ predictiveModels { results { name accuracyScore f1Score } } }",
    "{ predictiveModels { results { name precisionScore recallScore } } }",
    "{ predictiveModels { results { name performanceThreshold } } }",
    "{ predictiveModels { results { name version } } }",
    "{ predictiveModels { results { name performanceHistory { id } } } }",
    "{ anomalyDetections { results { description confidenceScore anomalyScore } } }",
    "{ anomalyDetections { results { description thresholdUsed } } }",
    "{ anomalyDetections { results { description relatedIncidentIds } } }",
    "{ anomalyDetections { results { description relatedIncidents { id } } } }",
    "{ predictiveInsights { results { title confidenceScore } } }",
    "{ predictiveInsights { results { title accuracy } } }",
    "{ dashboardConfigurations { results { name data { anomalySummary { totalAnomalies } } } } }",
    "{ webhookEndpoints { results { url events } } }",
    "{ kpiMetrics { results { name targetValue } } }",
    "{ kpiMetrics { results { name incidentSeverities incidentCategories } } }",
    "{ kpiMetrics { results { name measurementCount measurements(first: 1) { value } } } }",
    "{ costAnalyses { results { costType costAmount downtimeHours revenueImpact } } }",
]


ERRORS = [
    "{ predictiveModels(first: 0) { totalCount } }",
    "{ predictiveModels(first: 101) { totalCount } }",
    "{ predictiveModels(offset: -1) { totalCount } }",
    '{ predictiveModels(modelType: "NOPE") { totalCount } }',
    '{ predictiveModels(status: "NOPE", first: 0) { totalCount } }',
    '{ predictiveModels(modelType: "NOPE", status: "NOPE") { results { name } } }',
    '{ anomalyDetections(severity: "NOPE", status: "NOPE") { totalCount } }',
    '{ anomalyDetections(status: "NOPE", first: 500) { results { id } } }',
    '{ anomalyDetections(endDate: "0001-01-01T00:00:00+01:00") { totalCount } }',
    '{ anomalyDetections(anomalyType: "spike") { totalCount } }',
    '{ predictiveInsights(confidenceLevel: "SURE") { totalCount } }',
    '{ predictiveInsights(insightType: "NOPE", offset: -5) { totalCount } }',
    "{ predictiveInsights(offset: 100000001) { totalCount } }",
    '{ dashboardConfigurations(dashboardType: "BOARD") { totalCount } }',
    '{ dashboardConfigurations(first: 0, dashboardType: "CUSTOM") { results { name } } }',
    "{ webhookEndpoints(offset: -1) { totalCount } }",
    f'{{ webhookEndpoints(search: "{"x" * 501}") {{ results {{ url }} }} }}',
    '{ kpiMetrics(metricType: "MTTX") { totalCount } }',
    '{ kpiMetrics(createdAfter: "0001-01-01T00:00:00+01:00", metricType: "MTTX") { totalCount } }',
    '{ kpiMetrics(createdBefore: "0001-01-01T00:00:00+01:00", first: 0) { totalCount } }',
    "{ kpiMetrics { results { name measurements(first: 0) { value } } } }",
    '{ costAnalyses(costType: "NOPE") { totalCount } }',
    '{ costAnalyses(startDate: "0001-01-01T00:00:00+01:00", first: 101) { totalCount } }',
    "{ costAnalyses(isValidated: true, first: 101) { results { costType } } }",
]


CORPUS = [
    *(
        f"{{ {root}(first: 100) {{ totalCount results {{ {f} }} }} }}"
        for root, f in EVERYTHING.items()
    ),
    '{ predictiveModels(status: "ACTIVE") { totalCount results { name status } } }',
    '{ predictiveModels(modelType: "COST_PREDICTION") { results { name modelType } } }',
    '{ predictiveModels(search: "CAFÉ") { totalCount results { name } } }',
    '{ predictiveModels(search: "%") { totalCount results { name } } }',
    '{ predictiveModels(ordering: "-status,nonsense", first: 2, offset: 1) { results { name } } }',
    '{ predictiveModels(ordering: "accuracy_score,-created_at") { results { name } } }',
    "{ a: predictiveModels(first: 1) { n: totalCount r: results { x: name } } "
    "b: predictiveModels(offset: 1) { results { id } } }",
    "query($skip: Boolean!) { predictiveModels { results { name description @skip(if: $skip) "
    "createdAt @include(if: $skip) } totalCount @include(if: $skip) } }",
    "fragment M on PredictiveModel { name ...N } fragment N on PredictiveModel { status } "
    "{ predictiveModels { results { ...M ... on PredictiveModel { modelConfig } } } }",
    '{ anomalyDetections(severity: "HIGH") { totalCount results { description } } }',
    '{ anomalyDetections(status: "RESOLVED", anomalyType: "THRESHOLD") { results { id } } }',
    '{ anomalyDetections(startDate: "2026-11-02T09:00:00Z", endDate: "2026-11-02T11:00:00.5Z") '
    "{ totalCount results { detectedAt } } }",
    '{ anomalyDetections(search: "CAFÉ Ü") { totalCount results { description } } }',
    '{ anomalyDetections(ordering: "severity,-detected_at") { results { severity } } }',
    '{ anomalyDetections(ordering: "confidence_score", first: 1, offset: 2) { results { id } } }',
    "query($skip: Boolean!) { x: anomalyDetections(first: 2) { results { ...A "
    "metadata @include(if: $skip) } } } fragment A on AnomalyDetection { severity status }",
    "{ predictiveInsights(isAcknowledged: true) { totalCount results { title } } }",
    "{ predictiveInsights(isValidated: false, includeExpired: true) { results { title } } }",
    '{ predictiveInsights(confidenceLevel: "MEDIUM", isValidated: true) { results { title } } }',
    '{ predictiveInsights(insightType: "SLOW_RESOLUTION") { totalCount results { title } } }',
    '{ predictiveInsights(ordering: "-confidence_score", includeExpired: true) '
    "{ results { confidenceLevel } } }",
    "query($skip: Boolean!) { predictiveInsights { r: results { ... on PredictiveInsight "
    "{ title validFrom @skip(if: $skip) } } } }",
    '{ dashboardConfigurations(dashboardType: "CUSTOM") { totalCount results { name } } }',
    "{ dashboardConfigurations(isActive: false) { totalCount results { name isActive } } }",
    '{ dashboardConfigurations(ordering: "name", first: 2, offset: 1) { results { name } } }',
    '{ d: dashboardConfigurations(ordering: "-dashboard_type,created_at") '
    "{ total: totalCount results { ...D } } } fragment D on DashboardConfiguration "
    "{ name layoutConfig }",
    "query($skip: Boolean!) { dashboardConfigurations { results { name "
    "widgetConfigs @include(if: $skip) allowedRoles @skip(if: $skip) } } }",
    '{ webhookEndpoints(search: "CAFÉ") { totalCount results { url description } } }',
    '{ webhookEndpoints(ordering: "url") { results { url } } }',
    '{ webhookEndpoints(ordering: "-is_active,created_at", first: 2, offset: 1) '
    "{ totalCount results { ...E } } } fragment E on WebhookEndpoint { url isActive }",
    "query($skip: Boolean!) { w: webhookEndpoints { results { u: url "
    "createdBy @include(if: $skip) } totalCount @skip(if: $skip) } }",
    "{ kpiMetrics(isActive: true, isSystemMetric: false) { totalCount results { name } } }",
    '{ kpiMetrics(metricType: "CUSTOM") { results { name calculationFormula } } }',
    '{ kpiMetrics(createdAfter: "2026-11-02T12:01:00Z", createdBefore: "2026-11-02T12:01:00Z") '
    "{ totalCount results { name createdAt } } }",
    '{ kpiMetrics(search: "CAFÉ", ordering: "-time_window_hours,name") { results { name } } }',
    "query($skip: Boolean!) { kpiMetrics(first: 2, offset: 1) { results { ...K "
    "latestMeasurement @include(if: $skip) { value unit } } } } "
    "fragment K on KpiMetric { n: name createdByUsername }",
    '{ costAnalyses(costType: "PENALTY") { totalCount results { costType businessUnit } } }',
    "{ costAnalyses(isValidated: false) { totalCount results { id isValidated } } }",
    '{ costAnalyses(startDate: "2026-11-02T12:01:00Z", endDate: "2026-11-02T12:02:00Z") '
    "{ totalCount results { createdAt } } }",
    '{ costAnalyses(search: "CAFÉ Ü") { totalCount results { businessUnit } } }',
    '{ costAnalyses(ordering: "-cost_amount", first: 2, offset: 1) { results { costType } } }',
    'query($skip: Boolean!) { c: costAnalyses(ordering: "affected_users,-created_at") '
    "{ results { ...C validatedBy @skip(if: $skip) } } } "
    "fragment C on CostAnalysis { costType calculationDetails }",
]


FILTERED = [
    ('{ predictiveModels(search: "CAFÉ") { results { name } } }', ["Café ü forecaster"]),
    ('{ predictiveModels(status: "ACTIVE") { results { name } } }', ["Severity predictor"]),
    (
        '{ predictiveModels(ordering: "name") { results { name } } }',
        ["Café ü forecaster", "Cost model", "Severity predictor"],
    ),
    (
        '{ anomalyDetections(startDate: "2026-11-02T09:00:00Z", '
        'endDate: "2026-11-02T11:00:00.5Z") { results { description } } }',
        ["More incidents than usual", "Spike in db incidents"],
    ),
    ('{ anomalyDetections(search: "CAFÉ Ü") { results { description } } }', ["Café ü quiet hour"]),
    (
        '{ anomalyDetections(ordering: "severity,-detected_at") { results { description } } }',
        ["More incidents than usual", "Spike in db incidents", "Café ü quiet hour"],
    ),
    (
        "{ predictiveInsights(isAcknowledged: false, includeExpired: true) { results { title } } }",
        ["About 12 incidents expected in the next 7 days", "Café ü: more HIGH incidents"],
    ),
]
