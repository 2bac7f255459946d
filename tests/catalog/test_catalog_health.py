"""Catalog health on a hand-worked catalog.

    billing      service  production     owner team-a
    auth-lib     library  experimental   owner null
    legacy-api   service  deprecated     owner "  "   (blank counts as unowned)
    gateway-api  api      production     owner ""
    web          website  planned        owner web
Total 5, owned 2 -> 40.0 %. Lifecycles: production 2, experimental 1, planned 1,
deprecated 1, decommissioned 0 (listed anyway). Kinds: service 2, then api, library,
website with 1 each (ties by name). Unowned by name: auth-lib, gateway-api, legacy-api.
Org B's components never count.
"""

from __future__ import annotations

CATALOG = "/api/v1/analytics/catalog"


async def test_catalog_matches_hand_worked_answer(client, factory):
    org = await factory.org("A")
    user = await factory.user(org)
    await factory.component(org, "billing", "service", lifecycle="production", owner="team-a")
    lib = await factory.component(org, "auth-lib", "library", lifecycle="experimental", owner=None)
    legacy = await factory.component(
        org, "legacy-api", "service", lifecycle="deprecated", owner="  "
    )
    gw = await factory.component(org, "gateway-api", "api", lifecycle="production", owner="")
    await factory.component(org, "web", "website", lifecycle="planned", owner="web")
    other = await factory.org("B")
    await factory.component(other, "b-unowned", "database", lifecycle="decommissioned", owner=None)

    response = await client.get(CATALOG, headers=factory.headers(user))

    assert response.status_code == 200
    assert response.json() == {
        "ownershipCoverage": {
            "total": 5,
            "withOwner": 2,
            "withoutOwner": 3,
            "coveragePercent": 40.0,
        },
        "lifecycleDistribution": [
            {"lifecycle": "production", "count": 2},
            {"lifecycle": "experimental", "count": 1},
            {"lifecycle": "planned", "count": 1},
            {"lifecycle": "deprecated", "count": 1},
            {"lifecycle": "decommissioned", "count": 0},
        ],
        "kindDistribution": [
            {"kind": "service", "count": 2},
            {"kind": "api", "count": 1},
            {"kind": "library", "count": 1},
            {"kind": "website", "count": 1},
        ],
        "unownedComponents": [
            {"id": str(lib["id"]), "name": "auth-lib", "kind": "library"},
            {"id": str(gw["id"]), "name": "gateway-api", "kind": "api"},
            {"id": str(legacy["id"]), "name": "legacy-api", "kind": "service"},
        ],
    }


async def test_coverage_rounds_to_one_decimal(client, factory):
    # 1 of 3 owned: 33.333... -> 33.3; 2 of 3 -> 66.7.
    org = await factory.org()
    user = await factory.user(org)
    await factory.component(org, "a", owner="x")
    await factory.component(org, "b", owner=None)
    await factory.component(org, "c", owner=None)
    body = (await client.get(CATALOG, headers=factory.headers(user))).json()
    assert body["ownershipCoverage"]["coveragePercent"] == 33.3
    await factory.component(org, "d", owner="y")
    await factory.component(org, "e", owner="z")
    await factory.component(org, "f", owner="w")
    body = (await client.get(CATALOG, headers=factory.headers(user))).json()
    assert body["ownershipCoverage"]["coveragePercent"] == 66.7


async def test_unowned_list_stops_at_fifty(client, factory):
    org = await factory.org()
    user = await factory.user(org)
    for i in range(52):
        await factory.component(org, f"svc-{i:02d}", owner=None)
    body = (await client.get(CATALOG, headers=factory.headers(user))).json()
    assert body["ownershipCoverage"]["withoutOwner"] == 52
    names = [c["name"] for c in body["unownedComponents"]]
    assert names == [f"svc-{i:02d}" for i in range(50)]


async def test_empty_catalog_has_all_stages_at_zero(client, factory):
    org = await factory.org()
    user = await factory.user(org)
    body = (await client.get(CATALOG, headers=factory.headers(user))).json()
    assert body["ownershipCoverage"] == {
        "total": 0,
        "withOwner": 0,
        "withoutOwner": 0,
        "coveragePercent": 0.0,
    }
    assert [x["count"] for x in body["lifecycleDistribution"]] == [0, 0, 0, 0, 0]
    assert body["kindDistribution"] == []
    assert body["unownedComponents"] == []
