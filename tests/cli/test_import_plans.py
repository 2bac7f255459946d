"""`gateway import` changes an existing organisation's plan only with --allow-plan-changes."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from models.tenancy import Organization
from tests.cli import samples as s
from tests.cli.run import Outcome, gateway

ACME = s.history()[0]  # growth, subscription active, no trial


async def organisation(db: AsyncEngine) -> tuple[str, bool, object]:
    async with db.connect() as conn:
        row = (
            await conn.execute(
                select(
                    Organization.plan, Organization.subscription_active, Organization.trial_ends_at
                ).where(Organization.id == uuid.UUID(s.ORG_A))
            )
        ).one()
    return row.plan, row.subscription_active, row.trial_ends_at


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"plan": "enterprise"}, "plan 'growth'; this line would change it to 'enterprise'"),
        ({"plan": None}, None),  # absent means the default, growth: no change
        (
            {"subscription_active": False},
            "subscription_active true; this line would change it to false",
        ),
        (
            {"trial_ends_at": "2099-01-01T00:00:00Z"},
            "trial_ends_at none; this line would change it to 2099-01-01T00:00:00+00:00",
        ),
    ],
    ids=["plan", "same-plan-by-default", "subscription", "trial"],
)
async def test_item12_an_import_changes_a_plan_only_when_allowed(
    db: AsyncEngine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    change: dict[str, object],
    reason: str | None,
) -> None:
    # given: Acme exists, and a file whose second line rewrites it
    env = {
        "GATEWAY_DATABASE_URL": db.url.render_as_string(hide_password=False),
        "GATEWAY_DATA_DIR": str(tmp_path),
    }
    first = s.write(tmp_path / "first.ndjson", [ACME])
    assert (await gateway(["import", str(first)], monkeypatch, capsys, env)).status == 0
    before = await organisation(db)
    dept = {"entity": "department", "id": s.DEPT_A, "org_id": s.ORG_A, "name": "Platform"}
    path = s.write(tmp_path / "upgrade.ndjson", [dept, {**ACME, **change}])

    # when
    refused = await gateway(["import", str(path)], monkeypatch, capsys, env)

    # then
    if reason is None:
        assert refused.status == 0 and await organisation(db) == before
        return
    assert refused == Outcome(
        1,
        "",
        f"gateway import: error: {path}: line 2: organization {s.ORG_A} exists with {reason} "
        "(allowed only with --allow-plan-changes); nothing was imported\n",
    )
    assert await organisation(db) == before

    # when: the operator means it
    allowed = await gateway(["import", "--allow-plan-changes", str(path)], monkeypatch, capsys, env)

    # then
    assert allowed.status == 0, allowed.err
    assert await organisation(db) != before
