"""Item 8: an imported audit event names its family and subject, checked like any field."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.importer import ImportFailed, load_file
from models.audit import AuditEvent
from tests.cli import samples as s


def event(n: int, **fields: Any) -> dict[str, Any]:
    return {
        "entity": "audit_event",
        "id": s.uid(n),
        "org_id": s.ORG_A,
        "action": "UPDATE",
        "created_at": "2026-01-11T10:00:00Z",
        **fields,
    }


async def test_item8_import_takes_family_and_subject(db: AsyncEngine, tmp_path: Path) -> None:
    # given: the sample history (two catalog events about components) and four more
    lines = [
        *s.history(),
        event(
            60,
            family="knowledge",
            action="REVIEW",
            subject_type="knowledge_entry",
            subject_id=s.ENTRY_A,
        ),
        event(61, subject_type="environment", subject_id=s.PROD_A, family=None),
        event(62, action="CREATE"),
        event(63, family="knowledge", action="STALENESS_CHECK"),
    ]

    # when
    await load_file(db, s.write(tmp_path / "history.ndjson", lines))

    # then
    async with db.connect() as conn:
        rows = (
            await conn.execute(
                select(
                    AuditEvent.id,
                    AuditEvent.family,
                    AuditEvent.subject_type,
                    AuditEvent.subject_id,
                ).order_by(AuditEvent.id)
            )
        ).all()
    u = uuid.UUID
    assert [tuple(r) for r in rows] == [
        # absent a subject, a catalog event concerns its component, deleted or not
        (u(s.uid(4)), "catalog", "component", u(s.API_A)),
        (u(s.uid(5)), "catalog", "component", u(s.GONE)),
        (u(s.uid(60)), "knowledge", "knowledge_entry", u(s.ENTRY_A)),
        (u(s.uid(61)), "catalog", "environment", u(s.PROD_A)),
        (u(s.uid(62)), "catalog", None, None),
        (u(s.uid(63)), "knowledge", None, None),
    ]


BAD_EVENTS: list[tuple[str, dict[str, Any], str]] = [
    ("unknown family", event(70, family="portal"), "family: Input should be 'catalog'"),
    (
        "subject of another family",
        event(71, subject_type="knowledge_entry", subject_id=s.ENTRY_A),
        "subject_type: expected one of the catalog family's: component, environment, deployment",
    ),
    (
        "knowledge event about a component",
        event(72, family="knowledge", component_id=s.API_A),
        "the knowledge family's events concern no component",
    ),
    (
        "subject id alone",
        event(73, subject_id=s.API_A),
        "subject_id: subject_type and subject_id are given together or not at all",
    ),
    (
        "subject type alone",
        event(74, subject_type="component"),
        "subject_id: subject_type and subject_id are given together or not at all",
    ),
    (
        "bad subject id",
        event(75, subject_type="component", subject_id="nope"),
        "subject_id: Input should be a valid UUID",
    ),
    (
        "another organisation's subject",
        event(76, org_id=s.ORG_B, subject_type="component", subject_id=s.API_A),
        f"subject_id {s.API_A} belongs to another organisation",
    ),
    (
        "another organisation's entry",
        event(
            77,
            org_id=s.ORG_B,
            family="knowledge",
            subject_type="knowledge_entry",
            subject_id=s.ENTRY_A,
        ),
        f"subject_id {s.ENTRY_A} belongs to another organisation",
    ),
]


@pytest.mark.parametrize(
    ("line", "reason"), [c[1:] for c in BAD_EVENTS], ids=[c[0] for c in BAD_EVENTS]
)
async def test_item8_import_refuses_a_bad_audit_subject(
    db: AsyncEngine, tmp_path: Path, line: dict[str, Any], reason: str
) -> None:
    # given
    await load_file(db, s.write(tmp_path / "good.ndjson", s.history()))

    # when
    with pytest.raises(ImportFailed) as failure:
        await load_file(db, s.write(tmp_path / "bad.ndjson", [event(79), line]))

    # then: the second line, and nothing of the file kept
    assert failure.value.line == 2
    assert reason in failure.value.reason
    async with db.connect() as conn:
        kept = (await conn.execute(select(AuditEvent.id).order_by(AuditEvent.id))).scalars().all()
    assert kept == [uuid.UUID(s.uid(4)), uuid.UUID(s.uid(5))]
