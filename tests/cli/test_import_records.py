"""A record is built by pydantic alone (SQLModel's __new__, which prepares an instance for
SQLAlchemy, is skipped for speed): it must still be a whole, frozen pydantic model."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from gateway.importer.records import DeploymentRecord

LINE = (
    '{"entity": "deployment", "id": "00000000-0000-4000-8000-000000000001", '
    '"org_id": "00000000-0000-4000-8000-000000000002", '
    '"component_id": "00000000-0000-4000-8000-000000000003", '
    '"environment_id": "00000000-0000-4000-8000-000000000004", '
    '"status": "FAILED", "version": "v1", "started_at": "2026-01-01T10:00:00+02:00"}'
)


def test_a_validated_line_is_a_whole_frozen_record() -> None:
    # when
    record = DeploymentRecord.model_validate_json(LINE)

    # then: the fields as given (the time in UTC: 10:00 at +02:00 is 08:00), the absent
    # one at its default, only the given ones marked as set, and no change allowed
    assert record.row() == {
        "id": uuid.UUID("00000000-0000-4000-8000-000000000001"),
        "org_id": uuid.UUID("00000000-0000-4000-8000-000000000002"),
        "component_id": uuid.UUID("00000000-0000-4000-8000-000000000003"),
        "environment_id": uuid.UUID("00000000-0000-4000-8000-000000000004"),
        "status": "FAILED",
        "version": "v1",
        "started_at": datetime(2026, 1, 1, 8, 0, tzinfo=UTC),
        "finished_at": None,
    }
    assert "finished_at" not in record.model_fields_set
    assert record.__pydantic_extra__ is None
    with pytest.raises(ValidationError):
        record.version = "v2"  # type: ignore[misc]


def test_a_record_can_still_be_built_from_python_values() -> None:
    # given: Python values, as strict mode takes them from Python
    started = datetime(2026, 1, 1, 10, 0, tzinfo=timezone(timedelta(hours=2)))
    ids = [uuid.UUID(int=n) for n in range(4)]

    # when
    record = DeploymentRecord(
        entity="deployment",
        id=ids[0],
        org_id=ids[1],
        component_id=ids[2],
        environment_id=ids[3],
        status="RUNNING",
        version="v2",
        started_at=started,
    )

    # then
    assert record.started_at == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    assert record.started_at.tzinfo is UTC
    assert record == DeploymentRecord.model_validate(record.model_dump())
