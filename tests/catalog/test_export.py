"""CSV export: the three reports, headers, and the 400s for a bad report or days."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

EXPORT = "/api/v1/analytics/export"


@pytest.fixture
async def user(factory):
    org = await factory.org()
    user = await factory.user(org, "jane")
    billing = await factory.component(org, "billing", owner="team")
    await factory.component(org, "legacy", "api", lifecycle="deprecated", owner=None)
    prod = await factory.environment(org, "prod")
    # 3 SUCCEEDED (1h, 2h, 3h long), 1 FAILED recovered 1.5h later by the next success.
    await factory.deployment(billing, prod, "SUCCEEDED", started_hours_ago=30, duration_hours=1)
    await factory.deployment(billing, prod, "FAILED", started_hours_ago=20, duration_hours=0.5)
    await factory.deployment(billing, prod, "SUCCEEDED", started_hours_ago=19, duration_hours=2)
    await factory.deployment(billing, prod, "SUCCEEDED", started_hours_ago=10, duration_hours=3)
    await factory.audit(user, "UPDATE", component=billing)
    await factory.audit(user, "CREATE", component=billing)
    return user


def _filename(report: str) -> str:
    return f'attachment; filename="{report}-analytics-{datetime.now(UTC):%Y-%m-%d}.csv"'


async def test_catalog_csv(client, factory, user):
    response = await client.get(EXPORT, params={"report": "catalog"}, headers=factory.headers(user))
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert response.headers["content-disposition"] == _filename("catalog")
    assert response.text.splitlines() == [
        "Section,Metric,Value",
        "Ownership,Total,2",
        "Ownership,With Owner,1",
        "Ownership,Without Owner,1",
        "Ownership,Coverage %,50.0",
        "Lifecycle,production,1",
        "Lifecycle,experimental,0",
        "Lifecycle,planned,0",
        "Lifecycle,deprecated,1",
        "Lifecycle,decommissioned,0",
        "Kind,api,1",
        "Kind,service,1",
    ]


async def test_dora_csv(client, factory, user):
    # 3 succeeded / 7 days = 0.43; 1 failed of 4 = 25 %; the failure finished 19.5h
    # ago and the next success finished 17h ago: MTTR 2.5h; lead (1 + 2 + 3) / 3 = 2h.
    response = await client.get(
        EXPORT, params={"report": "dora", "days": "7"}, headers=factory.headers(user)
    )
    assert response.status_code == 200
    assert response.headers["content-disposition"] == _filename("dora")
    assert response.text.splitlines() == [
        "Metric,Value,Notes",
        "Deployment Frequency (deploys/day),0.43,Last 7 days",
        "Change Failure Rate (%),25.0,1 failed of 4 total",
        "Mean Time To Recovery (hours),2.5,1 samples",
        "Lead Time For Changes (hours),2.0,3 samples",
    ]


async def test_usage_csv(client, factory, user):
    response = await client.get(EXPORT, params={"report": "usage"}, headers=factory.headers(user))
    assert response.status_code == 200
    assert response.headers["content-disposition"] == _filename("usage")
    assert response.text.splitlines() == [
        "Section,Name,Count",
        "Total,Audit events (last 30 days),2",
        "Component,billing,2",
        "User,jane,2",
        "Action,CREATE,1",
        "Action,UPDATE,1",
    ]


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"report": ""},
        {"report": "incidents"},
        {"report": "dora", "days": "0"},
        {"report": "usage", "days": "x"},
        {"report": "catalog", "days": "-1"},
    ],
)
async def test_bad_report_or_days_is_400(client, factory, user, params):
    response = await client.get(EXPORT, params=params, headers=factory.headers(user))
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "VALIDATION_ERROR"


async def test_export_needs_a_credential(client):
    response = await client.get(EXPORT, params={"report": "catalog"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHENTICATED"


async def test_credential_is_checked_before_arguments(client):
    # A caller without a credential learns nothing about its arguments.
    response = await client.get(EXPORT, params={"report": "nonsense", "days": "x"})
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "UNAUTHENTICATED"
    response = await client.get(
        "/api/v1/analytics/bus-factor/person/not-a-uuid",
        headers={"Authorization": "Bearer garbage.token.here"},
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "INVALID_TOKEN"


# Item 9: names a spreadsheet would run as formulas (OWASP's list). Tab and CR cannot
# lead a name given through the API (it is trimmed) but can through `gateway import`.
HOSTILE = ['=HYPERLINK("http://evil.example","x")', "+1+1", "-2+3", "@SUM(A1)", "\tx", "\ry"]


async def test_item9_csv_formula_injection_catalog_kinds_are_neutralised(client, factory):
    org = await factory.org()
    user = await factory.user(org, "jane")
    for n, kind in enumerate(HOSTILE):
        await factory.component(org, f"c{n}", kind)
    response = await client.get(EXPORT, params={"report": "catalog"}, headers=factory.headers(user))
    assert response.status_code == 200
    # Kinds tie at 1, ordered by name: compared sorted, so no collation is assumed.
    lines = response.text.split("\r\n")
    assert lines[-1] == ""
    assert sorted(lines[10:-1]) == sorted(
        [
            "Kind,'\tx,1",
            'Kind,"\'\ry",1',
            "Kind,'+1+1,1",
            "Kind,'-2+3,1",
            'Kind,"\'=HYPERLINK(""http://evil.example"",""x"")",1',
            "Kind,'@SUM(A1),1",
        ]
    )


async def test_item9_csv_formula_injection_usage_names_are_neutralised(client, factory):
    org = await factory.org()
    user = await factory.user(org, "@admin")
    components = [await factory.component(org, name) for name in HOSTILE]
    for component in components:
        await factory.audit(user, "=cmd|'/c calc'!A0", component=component)
    response = await client.get(EXPORT, params={"report": "usage"}, headers=factory.headers(user))
    assert response.status_code == 200
    lines = response.text.split("\r\n")
    assert lines[:2] == ["Section,Name,Count", "Total,Audit events (last 30 days),6"]
    assert lines[8:] == ["User,'@admin,6", "Action,'=cmd|'/c calc'!A0,6", ""]
    # The six components tie at 1: compared sorted, so no collation is assumed.
    assert sorted(lines[2:8]) == sorted(
        [
            "Component,'\tx,1",
            'Component,"\'\ry",1',
            "Component,'+1+1,1",
            "Component,'-2+3,1",
            'Component,"\'=HYPERLINK(""http://evil.example"",""x"")",1',
            "Component,'@SUM(A1),1",
        ]
    )


async def test_item9_csv_plain_names_and_numbers_are_unchanged(client, factory):
    # A name with a formula character inside (not first) and the gateway's own numbers
    # go out as they are.
    org = await factory.org()
    user = await factory.user(org, "jane")
    await factory.component(org, "a=b", "x-y")
    response = await client.get(EXPORT, params={"report": "catalog"}, headers=factory.headers(user))
    assert response.text.splitlines()[1:5] == [
        "Ownership,Total,1",
        "Ownership,With Owner,1",
        "Ownership,Without Owner,0",
        "Ownership,Coverage %,100.0",
    ]
    assert response.text.splitlines()[-1] == "Kind,x-y,1"
