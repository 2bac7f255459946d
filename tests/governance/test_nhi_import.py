"""`gateway import` of NHIs, their guardian bindings and their activity: values as given
(spend exact), idempotent, never across organisations, and a bad spend named by line."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from gateway import cli
from gateway.importer import ImportFailed, load_file
from models.identities import Nhi, NhiActivity, NhiGuardian
from tests.cli import samples as s
from tests.cli.test_import import snapshot
from tests.governance.test_import import GUARD_A, GUARD_B, governance, organisations

RUNNER = "0a000000-0000-4000-8000-00000000a501"
AGENT = "0b000000-0000-4000-8000-00000000b501"
EVENT_1 = "0a000000-0000-4000-8000-00000000a601"
EVENT_2 = "0a000000-0000-4000-8000-00000000a602"


def guardians() -> list[dict[str, Any]]:
    return [line for line in governance() if line["entity"] == "guardian"]


def identities() -> list[dict[str, Any]]:
    return [
        {
            "entity": "nhi",
            "id": RUNNER,
            "org_id": s.ORG_A,
            "label": "ci-runner-prod",
            "tier": 2,
            "kind": "ci_runner",
            "federation_status": "verified",
            "owner_id": s.ALICE,
            "created_at": "2026-03-01T00:00:00Z",
            "last_seen_at": "2026-04-02T11:42:08+02:00",
        },
        {  # the optional fields absent: service_account, unverified, no owner
            "entity": "nhi",
            "id": AGENT,
            "org_id": s.ORG_B,
            "label": "support-agent",
            "tier": 4,
        },
        {"entity": "nhi_guardian", "nhi_id": RUNNER, "guardian_id": GUARD_A},
        {
            "entity": "nhi_activity",
            "id": EVENT_1,
            "org_id": s.ORG_A,
            "nhi_id": RUNNER,
            "occurred_at": "2026-04-02T09:00:00Z",
            "spend_usd": 12.3456,
            "outcome": "allowed",
            "tool": "github.create_pr",
            "guardian_id": GUARD_A,
        },
        {
            "entity": "nhi_activity",
            "id": EVENT_2,
            "org_id": s.ORG_A,
            "nhi_id": RUNNER,
            "occurred_at": "2026-04-02T09:00:01Z",
            "spend_usd": "99999999.9999",
            "outcome": "denied",
        },
    ]


def lines() -> list[dict[str, Any]]:
    return [*organisations(), *guardians(), *identities()]


async def rows(engine, model) -> list[dict[str, Any]]:
    async with engine.connect() as conn:
        return [dict(row) for row in (await conn.execute(select(model))).mappings()]


async def test_nhi_lines_land_as_given(db, tmp_path: Path) -> None:
    report = await cli.run_import(db, s.write(tmp_path / "nhi.ndjson", lines()))
    assert {k: report.counts[k] for k in ("nhi", "nhi_guardian", "nhi_activity")} == {
        "nhi": 2,
        "nhi_guardian": 1,
        "nhi_activity": 2,
    }
    nhis = {str(row["id"]): row for row in await rows(db, Nhi)}
    runner, agent = nhis[RUNNER], nhis[AGENT]
    assert (runner["kind"], runner["federation_status"], runner["owner_id"]) == (
        "ci_runner",
        "verified",
        uuid.UUID(s.ALICE),
    )
    assert runner["last_seen_at"] == datetime(2026, 4, 2, 9, 42, 8, tzinfo=UTC)
    assert (agent["kind"], agent["federation_status"], agent["owner_id"]) == (
        "service_account",
        "unverified",
        None,
    )
    # a binding's organisation is its NHI's
    [binding] = await rows(db, NhiGuardian)
    assert (binding["nhi_id"], binding["guardian_id"], binding["org_id"]) == (
        uuid.UUID(RUNNER),
        uuid.UUID(GUARD_A),
        uuid.UUID(s.ORG_A),
    )
    events = {str(row["id"]): row for row in await rows(db, NhiActivity)}
    # a JSON number and a string, both exact
    assert events[EVENT_1]["spend_usd"] == Decimal("12.3456")
    assert events[EVENT_2]["spend_usd"] == Decimal("99999999.9999")
    assert (events[EVENT_2]["outcome"], events[EVENT_2]["tool"]) == ("denied", None)


async def test_nhi_lines_imported_twice_change_nothing(db, tmp_path: Path) -> None:
    # the agent and the binding have no created_at: the first import's is kept
    path = s.write(tmp_path / "nhi.ndjson", lines())
    await cli.run_import(db, path)
    first = await snapshot(db)
    await cli.run_import(db, path)
    assert await snapshot(db) == first
    assert len(await rows(db, NhiGuardian)) == 1


def _with(index: int, **changes: Any) -> dict[str, Any]:
    line = {**identities()[index], **changes}
    return {k: v for k, v in line.items() if v is not ...}


@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (_with(4, spend_usd=-0.5), "spend_usd"),
        (_with(4, spend_usd="-0.01"), "spend_usd"),
        (_with(4, spend_usd=1.00005), "no more than 4 decimal places"),
        (_with(4, spend_usd="0.00001"), "no more than 4 decimal places"),
        (_with(4, spend_usd="123456789.1234"), "no more than 12 digits"),
        (_with(4, spend_usd=123456789012), "no more than 8 digits before the decimal point"),
        (_with(4, spend_usd="NaN"), "spend_usd"),
        (_with(4, spend_usd="twelve"), "spend_usd"),
        (_with(4, spend_usd=True), "spend_usd"),
        (_with(4, spend_usd=...), "spend_usd"),
        (_with(4, outcome="blocked"), "outcome"),
        (_with(4, occurred_at="2026-04-02T09:00:00"), "occurred_at"),
        (_with(0, tier=0), "tier"),
        (_with(0, tier=5), "tier"),
        (_with(0, kind="robot"), "kind"),
        (_with(0, label="x" * 201), "label"),
        (_with(0, federation_status="trusted"), "federation_status"),
        (_with(4, nhi_id=s.uid(90)), "does not exist"),
        (_with(2, guardian_id=s.uid(91)), "does not exist"),
    ],
)
async def test_a_bad_nhi_line_is_named_and_nothing_kept(
    db, tmp_path: Path, bad: dict[str, Any], reason: str
) -> None:
    # given: a good file whose last line is bad
    good = lines()
    path = s.write(tmp_path / "bad.ndjson", [*good, bad])
    with pytest.raises(ImportFailed) as failure:
        await cli.run_import(db, path)
    assert failure.value.line == len(good) + 1
    assert reason in failure.value.reason, failure.value.reason
    assert all(rows == [] for rows in (await snapshot(db)).values())


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        # Globex's guardian bound to Acme's NHI; Acme's NHI claimed by Globex
        ({"entity": "nhi_guardian", "nhi_id": RUNNER, "guardian_id": GUARD_B}, "guardian_id"),
        (_with(0, org_id=s.ORG_B, owner_id=...), "another organisation"),
        # Acme's NHI owned by Globex's carol
        (_with(0, owner_id=s.CAROL), "owner_id"),
        # Acme's event of Globex's NHI; checked by Globex's guardian
        (_with(3, nhi_id=AGENT), "nhi_id"),
        (_with(3, guardian_id=GUARD_B), "guardian_id"),
        # Acme's event claimed by Globex
        (_with(3, org_id=s.ORG_B, nhi_id=AGENT, guardian_id=...), "another organisation"),
    ],
)
async def test_an_nhi_line_cannot_reach_into_another_organisation(
    db, tmp_path: Path, line: dict[str, Any], reason: str
) -> None:
    await load_file(db, s.write(tmp_path / "good.ndjson", lines()))
    before = await snapshot(db)
    with pytest.raises(ImportFailed) as failure:
        await load_file(db, s.write(tmp_path / "attack.ndjson", [line]))
    assert failure.value.line == 1
    assert reason in failure.value.reason, failure.value.reason
    assert await snapshot(db) == before
