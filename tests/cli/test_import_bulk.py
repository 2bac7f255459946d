"""`gateway import` of files larger than a batch: PostgreSQL's COPY path names the first
offending line as the per-row path does, a re-import writes nothing, and a large file's
progress goes to stderr."""

from __future__ import annotations

import gc
import re
import uuid
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from gateway.collector import DEFERRED_YOUNG_THRESHOLD
from gateway.importer import ImportFailed, load_file
from gateway.importer import loader as import_loader
from models.audit import AuditEvent
from models.knowledge import KnowledgeEntry
from tests.cli import samples as s
from tests.cli.run import gateway_sync
from tests.cli.test_import import snapshot

DEPLOYMENTS = 700
# Lines 1-12 are the sample history's first twelve (two organisations, their components
# and environments); deployment n is line 13 + n.
FIRST_DEPLOYMENT_LINE = 13


def deployments(count: int = DEPLOYMENTS) -> list[dict[str, Any]]:
    """A history of ``count`` deployments of organisation A after its parents."""
    template = s.history()[12]
    return [{**template, "id": s.uid(10_000 + n), "version": f"v{n}"} for n in range(count)]


def bulk_file(path: Path, faults: dict[int, dict[str, Any]] | None = None) -> Path:
    """The parents, then the deployments, deployment n changed by ``faults[n]``."""
    lines = deployments()
    for n, change in (faults or {}).items():
        lines[n] = {**lines[n], **change}
    return s.write(path, [*s.history()[:12], *lines])


FAULTS: list[tuple[str, dict[int, dict[str, Any]], int, str]] = [
    (
        "missing component in the third batch",
        {450: {"component_id": s.uid(99)}},
        FIRST_DEPLOYMENT_LINE + 450,
        f"component_id {s.uid(99)} does not exist",
    ),
    (
        # Later in the batch, but an earlier reference (environment after component):
        # the line decides, not the order of the checks.
        "another organisation's environment before a missing component",
        {460: {"component_id": s.uid(99)}, 455: {"environment_id": s.PROD_B}},
        FIRST_DEPLOYMENT_LINE + 455,
        f"environment_id {s.PROD_B} belongs to another organisation",
    ),
    (
        "two faults in different batches",
        {650: {"environment_id": s.uid(98)}, 250: {"org_id": s.ORG_B}},
        FIRST_DEPLOYMENT_LINE + 250,
        f"component_id {s.API_A} belongs to another organisation",
    ),
]


@pytest.mark.parametrize(
    ("faults", "line", "reason"), [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS]
)
async def test_the_first_offending_line_of_a_large_file_is_named(
    db: AsyncEngine, tmp_path: Path, faults: dict[int, dict[str, Any]], line: int, reason: str
) -> None:
    # given: 700 deployments in batches of 200
    path = bulk_file(tmp_path / "bulk.ndjson", faults)

    # when
    with pytest.raises(ImportFailed) as failure:
        await load_file(db, path, batch_size=200)

    # then
    assert failure.value.line == line
    assert failure.value.reason.startswith(reason)
    assert all(rows == [] for rows in (await snapshot(db)).values())


async def test_a_deployment_reusing_another_organisations_deployment_id_is_refused(
    db: AsyncEngine, tmp_path: Path
) -> None:
    # given: B's deployment is stored; A's file reuses its id on its 301st deployment
    await load_file(db, s.write(tmp_path / "good.ndjson", s.history()))
    before = await snapshot(db)
    path = bulk_file(tmp_path / "bulk.ndjson", {300: {"id": s.uid(3)}})

    # when
    with pytest.raises(ImportFailed) as failure:
        await load_file(db, path, batch_size=200)

    # then
    assert failure.value.line == FIRST_DEPLOYMENT_LINE + 300
    assert failure.value.reason == (
        f"deployment {s.uid(3)} already exists in another organisation; "
        "an import cannot move rows between organisations"
    )
    assert await snapshot(db) == before


async def test_a_row_the_database_refuses_in_a_later_batch_keeps_nothing(
    db: AsyncEngine, tmp_path: Path
) -> None:
    # given: after 450 deployments, an environment valid on its own but named like
    # another of its organisation, which only the database's unique constraint refuses
    lines = [
        *s.history()[:12],
        *deployments(450),
        {**s.history()[10], "id": s.uid(97)},
        *deployments(10),
    ]
    path = s.write(tmp_path / "bulk.ndjson", lines)

    # when
    with pytest.raises(ImportFailed) as failure:
        await load_file(db, path, batch_size=200)

    # then
    assert failure.value.line == 12 + 450 + 1
    assert "the database refused the row" in failure.value.reason
    assert all(rows == [] for rows in (await snapshot(db)).values())


async def test_a_reimport_writes_no_row_and_a_change_writes_one(
    db: AsyncEngine, tmp_path: Path
) -> None:
    if db.dialect.name != "postgresql":
        pytest.skip("row versions (xmin) and locks (xmax) are PostgreSQL's")
    # given
    path = bulk_file(tmp_path / "bulk.ndjson")
    await load_file(db, path)
    # A row version's xmin is the transaction that wrote it; xmax, one that locked or
    # deleted it (a skipped ON CONFLICT update still locks the row it skips).
    versions = "SELECT id, xmin::text || '/' || xmax::text FROM deployments ORDER BY id"
    async with db.connect() as conn:
        before = {row[0]: row[1] for row in await conn.execute(text(versions))}
    changed = bulk_file(tmp_path / "changed.ndjson", {7: {"version": "v7-fixed"}})

    # when
    await load_file(db, path)
    async with db.connect() as conn:
        again = {row[0]: row[1] for row in await conn.execute(text(versions))}
    await load_file(db, changed)
    async with db.connect() as conn:
        after = {row[0]: row[1] for row in await conn.execute(text(versions))}

    # then
    assert again == before
    differing = [row_id for row_id in before if after[row_id] != before[row_id]]
    assert [str(row_id) for row_id in differing] == [s.uid(10_007)]


async def test_progress_is_said_every_so_many_lines(db: AsyncEngine, tmp_path: Path) -> None:
    # given: 712 lines, read in chunks of 1,000 would say nothing; chunks of 300 say
    # twice (after 300 and 600 lines: the last chunk ends the import)
    path = bulk_file(tmp_path / "bulk.ndjson")
    said: list[str] = []

    # when
    await load_file(db, path, batch_size=300, progress=said.append, progress_every=300)

    # then
    assert [re.sub(r"\(\S+ rows/s\)", "(R rows/s)", line) for line in said] == [
        "import: 300 lines (R rows/s)",
        "import: 600 lines (R rows/s)",
    ]


def test_the_command_says_progress_on_stderr(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # given: a file "large" at 1,000 lines, of 1,412 (the deployments twice)
    path = bulk_file(tmp_path / "bulk.ndjson")
    text_lines = path.read_text().splitlines()
    path.write_text("".join(line + "\n" for line in [*text_lines, *text_lines[12:]]))
    monkeypatch.setattr(import_loader, "PROGRESS_EVERY", 1000)
    env = {"GATEWAY_DATABASE_URL": f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}"}
    assert gateway_sync(["migrate"], monkeypatch, capsys, env).status == 0

    # when
    outcome = gateway_sync(["import", str(path)], monkeypatch, capsys, env)

    # then: 1,412 lines, said once at 1,000; the summary alone on stdout
    assert outcome.status == 0
    assert re.fullmatch(r"import: 1,000 lines \([\d,]+ rows/s\)\n", outcome.err)
    assert outcome.out.startswith(f"{path}: imported 1412 lines (")


async def test_a_bad_reference_before_a_bad_line_wins_though_it_is_written_later(
    db: AsyncEngine, tmp_path: Path
) -> None:
    # given: deployment 300 names a missing component (its batch is written while the
    # following lines are read); line 613, read afterwards, is not JSON
    lines: list[dict[str, Any] | str] = [
        *s.history()[:12],
        *deployments(600),
        '{"entity": "deployment", ',
    ]
    lines[FIRST_DEPLOYMENT_LINE - 1 + 300] = {
        **deployments(301)[300],
        "component_id": s.uid(99),
    }
    path = s.write(tmp_path / "bulk.ndjson", lines)

    # when
    with pytest.raises(ImportFailed) as failure:
        await load_file(db, path, batch_size=200)

    # then
    assert failure.value.line == FIRST_DEPLOYMENT_LINE + 300
    assert "does not exist" in failure.value.reason
    assert all(rows == [] for rows in (await snapshot(db)).values())


async def test_an_import_defers_collections_and_restores_the_collector_after(
    db: AsyncEngine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given: every chunk's validation notes the young threshold
    before = gc.get_threshold()
    seen: list[int] = []
    validate = import_loader._validate

    def noting(*args: Any) -> Any:
        seen.append(gc.get_threshold()[0])
        return validate(*args)

    monkeypatch.setattr(import_loader, "_validate", noting)
    good = bulk_file(tmp_path / "bulk.ndjson")
    bad = bulk_file(tmp_path / "bad.ndjson", {450: {"component_id": s.uid(99)}})

    # when: an import that loads, and one that fails
    await load_file(db, good, batch_size=200)
    with pytest.raises(ImportFailed):
        await load_file(db, bad, batch_size=200)

    # then: deferred for every chunk of both, as it was after each
    assert seen and set(seen) == {DEFERRED_YOUNG_THRESHOLD}
    assert gc.get_threshold() == before


async def test_a_reimport_writes_a_changed_json_value_and_a_value_made_null(
    db: AsyncEngine, tmp_path: Path
) -> None:
    # given: the sample history loaded
    lines = s.history()
    await load_file(db, s.write(tmp_path / "history.ndjson", lines))
    # the first audit event's details (a json column, compared as jsonb) changed, and the
    # entry's last reviewer (a nullable column) cleared; everything else as it was
    event = next(i for i, line in enumerate(lines) if line.get("id") == s.uid(4))
    entry = next(i for i, line in enumerate(lines) if line["entity"] == "knowledge_entry")
    lines[event] = {**lines[event], "details": {"version": "1.0.1"}}
    lines[entry] = {**lines[entry], "last_reviewed_by": None}

    # when
    await load_file(db, s.write(tmp_path / "changed.ndjson", lines))

    # then: both changes are stored, though every other staged row is left out as equal
    async with db.connect() as conn:
        details = await conn.scalar(
            select(AuditEvent.details).where(AuditEvent.id == uuid.UUID(s.uid(4)))
        )
        reviewer = await conn.scalar(
            select(KnowledgeEntry.last_reviewed_by).where(KnowledgeEntry.id == uuid.UUID(s.ENTRY_A))
        )
    assert details == {"version": "1.0.1"}
    assert reviewer is None


SLICED_FAULTS: list[tuple[str, dict[int, dict[str, Any]], int, str]] = [
    (
        "two invalid lines in different slices",
        {400: {"status": "DONE"}, 600: {"version": ""}},
        FIRST_DEPLOYMENT_LINE + 400,
        "status: Input should be",
    ),
    (
        "a missing component before an invalid line",
        {100: {"component_id": s.uid(99)}, 600: {"status": "DONE"}},
        FIRST_DEPLOYMENT_LINE + 100,
        f"component_id {s.uid(99)} does not exist",
    ),
]


@pytest.mark.parametrize("slice_size", [100, 500])
@pytest.mark.parametrize(
    ("faults", "line", "reason"),
    [f[1:] for f in SLICED_FAULTS],
    ids=[f[0] for f in SLICED_FAULTS],
)
async def test_a_chunk_validated_in_slices_names_its_first_offending_line(
    db: AsyncEngine,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    slice_size: int,
    faults: dict[int, dict[str, Any]],
    line: int,
    reason: str,
) -> None:
    # given: 712 lines in one chunk (the dialect's default batch), validated in slices of
    # 100 or 500: either way lines 413 and 613 (deployments 400 and 600) are in different
    # slices
    monkeypatch.setattr(import_loader, "VALIDATION_SLICE", slice_size)
    path = bulk_file(tmp_path / "bulk.ndjson", faults)

    # when
    with pytest.raises(ImportFailed) as failure:
        await load_file(db, path)

    # then
    assert failure.value.line == line
    assert failure.value.reason.startswith(reason)
    assert all(rows == [] for rows in (await snapshot(db)).values())
