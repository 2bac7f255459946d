"""`gateway import`: all lines or none, idempotent, and never across organisations."""

from __future__ import annotations

import hashlib
import json
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import SQLModel

from gateway import cli
from gateway.importer import ImportFailed, load_file
from models.audit import AuditEvent
from models.catalog import Component
from models.knowledge import EntryAuthor
from models.tenancy import ApiKey, Organization, User
from tests.cli import samples as s


async def snapshot(engine: AsyncEngine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in key order: equal snapshots mean nothing changed."""
    tables = {}
    async with engine.connect() as conn:
        for table in SQLModel.metadata.sorted_tables:
            ordered = select(table).order_by(*table.primary_key.columns)
            tables[table.name] = [tuple(row) for row in await conn.execute(ordered)]
    return tables


async def count(engine: AsyncEngine, model: Any) -> int:
    async with engine.connect() as conn:
        return int(await conn.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_good_file_imported_twice_changes_nothing(db: AsyncEngine, tmp_path: Path) -> None:
    # given
    path = s.write(tmp_path / "history.ndjson", s.history())

    # when
    report = await cli.run_import(db, path)
    first = await snapshot(db)
    again = await cli.run_import(db, path)

    # then
    assert report.lines == again.lines == 20
    assert report.counts == {
        "organization": 2,
        "department": 1,
        "user": 3,
        "api_key": 1,
        "component": 3,
        "environment": 2,
        "deployment": 3,
        "audit_event": 2,
        "knowledge_entry": 1,
        "entry_author": 2,
    }
    assert await snapshot(db) == first
    counts = {name: len(rows) for name, rows in first.items()}
    assert counts["audit_events"] == 2, "the import writes no audit events of its own"
    assert counts["entry_authors"] == 2 and counts["deployments"] == 3


async def test_imported_values_land_as_given(db: AsyncEngine, tmp_path: Path) -> None:
    # given
    path = s.write(tmp_path / "history.ndjson", s.history())

    # when
    await load_file(db, path)

    # then
    async with db.connect() as conn:
        bob = (await conn.execute(select(User).where(User.id == uuid.UUID(s.BOB)))).one()
        web = (
            await conn.execute(select(Component).where(Component.id == uuid.UUID(s.WEB_A)))
        ).one()
        key = (await conn.execute(select(ApiKey))).one()
        authors = (await conn.execute(select(EntryAuthor.user_id, EntryAuthor.org_id))).all()
        started = (await conn.execute(select(Component.created_at))).scalars().all()
    # Null and absent optional fields take the column's default.
    assert (bob.role, bob.is_active, bob.department_id) == ("member", True, None)
    assert (web.lifecycle, web.owner, web.description) == ("experimental", None, None)
    # The key is stored only as its hash.
    assert key.key_hash == hashlib.sha256(s.API_KEY.encode()).hexdigest()
    assert key.scopes == ["catalog:read"]
    # An author takes its organisation from the entry.
    assert {org for _, org in authors} == {uuid.UUID(s.ORG_A)}
    assert all(t.tzinfo is not None for t in started)


async def test_later_line_for_the_same_id_wins(db: AsyncEngine, tmp_path: Path) -> None:
    # given: the same component twice, in one batch
    lines = s.history()
    renamed = {**lines[7], "description": "Takes orders, and returns."}
    path = s.write(tmp_path / "history.ndjson", [*lines, renamed])

    # when
    await load_file(db, path)

    # then
    async with db.connect() as conn:
        description = await conn.scalar(
            select(Component.description).where(Component.id == uuid.UUID(s.API_A))
        )
    assert description == "Takes orders, and returns."


def _deployment_of_missing_component() -> dict[str, Any]:
    line = dict(s.history()[12])
    return {**line, "id": s.uid(90), "component_id": s.uid(91)}


def _duplicate_component_name() -> dict[str, Any]:
    # Valid on its own: only the database's unique (org_id, name) refuses it.
    return {**s.history()[7], "id": s.uid(92)}


BAD_LINES: list[tuple[str, dict[str, Any] | str, str]] = [
    ("invalid JSON", '{"entity": "component", "id": ', "invalid JSON"),
    ("not an object", "[1, 2, 3]", "expected a JSON object"),
    ("no entity", {"id": s.uid(93)}, 'missing "entity"'),
    ("unknown entity", {"entity": "team", "id": s.uid(93)}, "unknown entity 'team'"),
    ("unknown key", {**s.history()[2], "colour": "red"}, "unknown field 'colour'"),
    ("missing field", {"entity": "department", "id": s.uid(93), "name": "X"}, "'org_id'"),
    ("bad enum", {**s.history()[7], "lifecycle": "retired"}, "lifecycle: Input should be"),
    ("bad uuid", {**s.history()[2], "id": "not-a-uuid"}, "id: Input should be a valid UUID"),
    ("bad type", {**s.history()[3], "is_active": "yes"}, "is_active: Input should be a valid"),
    ("naive timestamp", {**s.history()[12], "started_at": "2026-01-10T10:00:00"}, "timezone"),
    ("bad timestamp", {**s.history()[12], "started_at": "yesterday"}, "started_at"),
    ("too long", {**s.history()[2], "name": "x" * 201}, "at most 200 characters"),
    ("missing org", {**s.history()[2], "org_id": s.uid(94)}, "org_id 0c000000"),
    ("missing reference", _deployment_of_missing_component(), "component_id 0c000000"),
    ("database refusal", _duplicate_component_name(), "the database refused the row"),
]


@pytest.mark.parametrize(
    ("bad", "reason"), [case[1:] for case in BAD_LINES], ids=[case[0] for case in BAD_LINES]
)
async def test_one_bad_line_keeps_nothing_and_names_its_line(
    db: AsyncEngine, tmp_path: Path, bad: dict[str, Any] | str, reason: str
) -> None:
    # given: a good history with one bad line at line 15 (good lines before and after)
    lines: list[dict[str, Any] | str] = list(s.history())
    lines.insert(14, bad)
    path = s.write(tmp_path / "bad.ndjson", lines)

    # when
    with pytest.raises(ImportFailed) as failure:
        await cli.run_import(db, path)

    # then
    assert failure.value.line == 15
    assert reason in failure.value.reason
    assert str(failure.value).startswith("line 15: ")
    assert all(rows == [] for rows in (await snapshot(db)).values())


async def test_a_refused_row_deep_in_a_batch_is_named_exactly(
    db: AsyncEngine, tmp_path: Path
) -> None:
    # given: 300 components written as one batch, the 250th clashing by name
    org = s.history()[0]
    components = [
        {
            "entity": "component",
            "id": s.uid(1000 + n),
            "org_id": s.ORG_A,
            "name": f"c{n}",
            "kind": "service",
        }
        for n in range(300)
    ]
    components[249]["name"] = "c3"
    path = s.write(tmp_path / "big.ndjson", [org, *components])

    # when
    with pytest.raises(ImportFailed) as failure:
        await load_file(db, path)

    # then: line 1 is the organisation, so the 250th component is line 251
    assert failure.value.line == 251
    assert await count(db, Organization) == 0


async def test_a_bad_file_leaves_earlier_imports_as_they_were(
    db: AsyncEngine, tmp_path: Path
) -> None:
    # given
    await load_file(db, s.write(tmp_path / "good.ndjson", s.history()))
    before = await snapshot(db)
    changed = {**s.history()[7], "description": "changed"}
    bad = {**s.history()[12], "status": "DONE"}

    # when
    with pytest.raises(ImportFailed) as failure:
        await load_file(db, s.write(tmp_path / "bad.ndjson", [changed, bad]))

    # then
    assert failure.value.line == 2
    assert await snapshot(db) == before


async def test_blank_lines_are_skipped_but_counted(db: AsyncEngine, tmp_path: Path) -> None:
    # given
    lines: list[dict[str, Any] | str] = [s.history()[0], "", "   ", {"entity": "nope"}]

    # when
    with pytest.raises(ImportFailed) as failure:
        await load_file(db, s.write(tmp_path / "blank.ndjson", lines))

    # then
    assert failure.value.line == 4


CROSS_ORG: list[tuple[str, dict[str, Any], str]] = [
    (
        "reused component id",
        {**s.history()[7], "org_id": s.ORG_B, "name": "hijacked"},
        "already exists in another organisation",
    ),
    (
        "reused user id",
        {**s.history()[3], "org_id": s.ORG_B, "department_id": None},
        "already exists in another organisation",
    ),
    (
        "reference to another organisation's component",
        {**s.history()[14], "id": s.uid(95), "component_id": s.API_A},
        "component_id 0a000000-0000-4000-8000-0000000000f1 belongs to another organisation",
    ),
    (
        "reference to another organisation's department",
        {**s.history()[5], "department_id": s.DEPT_A},
        "department_id",
    ),
    (
        "audit event about another organisation's component",
        {**s.history()[15], "id": s.uid(96), "org_id": s.ORG_B, "actor_id": s.CAROL},
        "component_id",
    ),
    (
        "author from another organisation",
        {"entity": "entry_author", "entry_id": s.ENTRY_A, "user_id": s.CAROL},
        "user_id 0b000000-0000-4000-8000-0000000000c1 belongs to another organisation",
    ),
    (
        "api key for another organisation's user",
        {**s.history()[6], "id": s.uid(97), "org_id": s.ORG_B, "key": "agw_other-key-0123456789"},
        "user_id",
    ),
]


@pytest.mark.parametrize(
    ("line", "reason"), [c[1:] for c in CROSS_ORG], ids=[c[0] for c in CROSS_ORG]
)
async def test_a_line_cannot_reach_into_another_organisation(
    db: AsyncEngine, tmp_path: Path, line: dict[str, Any], reason: str
) -> None:
    # given
    await load_file(db, s.write(tmp_path / "good.ndjson", s.history()))
    before = await snapshot(db)

    # when
    with pytest.raises(ImportFailed) as failure:
        await load_file(db, s.write(tmp_path / "attack.ndjson", [line]))

    # then
    assert failure.value.line == 1
    assert reason in failure.value.reason
    assert await snapshot(db) == before


async def test_an_id_cannot_change_organisation_within_one_file(
    db: AsyncEngine, tmp_path: Path
) -> None:
    # given: a component under A, and on the next line the same id under B
    lines: list[dict[str, Any] | str] = list(s.history())
    lines.insert(8, {**s.history()[7], "org_id": s.ORG_B})
    path = s.write(tmp_path / "moved.ndjson", lines)

    # when
    with pytest.raises(ImportFailed) as failure:
        await load_file(db, path)

    # then
    assert failure.value.line == 9
    assert "another organisation" in failure.value.reason
    assert await count(db, AuditEvent) == 0


def test_the_command_reports_the_line_without_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given
    from gateway.settings import get_settings

    lines: list[dict[str, Any] | str] = [*s.history()[:3], json.dumps({"entity": "department"})]
    path = s.write(tmp_path / "bad.ndjson", lines)
    monkeypatch.setenv("GATEWAY_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    get_settings.cache_clear()

    # when
    try:
        assert cli.main(["migrate"]) == 0
        status = cli.main(["import", str(path)])
    finally:
        get_settings.cache_clear()

    # then
    err = capsys.readouterr().err
    assert status == 1
    assert "line 4: missing field 'id'; nothing was imported" in err
    assert "Traceback" not in err
