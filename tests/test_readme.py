"""What the README promises a new user is what the gateway does."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.demo import seed_demo

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


async def test_item16_the_readme_counts_the_deployments_the_demo_seeds(db: AsyncEngine) -> None:
    # given
    match = re.search(r"^- ([\d,]+) deployments over 90 days", README, re.MULTILINE)
    assert match is not None

    # when
    info = await seed_demo(db, progress=lambda _: None)

    # then
    assert info.rows["deployments"] == int(match[1].replace(",", ""))


async def test_item16_a_malformed_path_uuid_without_a_credential_is_401(
    client: httpx.AsyncClient,
) -> None:
    for path in ("person/not-a-uuid", "department/xyz"):
        # when
        response = await client.get(f"/api/v1/analytics/bus-factor/{path}")

        # then
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "UNAUTHENTICATED"
    assert "any of these paths, a malformed UUID included, is 401" in README
